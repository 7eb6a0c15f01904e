"""Files that cannot be imported at all: each refused with a stable code, leaving nothing behind."""

from __future__ import annotations

import codecs
import os
import struct
import zipfile
from pathlib import Path

import pytest

from chalicelib.roster import archive
from chalicelib.roster.reader import RosterLimits, read_roster
from devstack.rostergen import flat_csv, oneroster_zip
from tests.unit.roster.helpers import (
    FLAT_HEADER,
    LIMITS,
    flat,
    manifest,
    oneroster,
    parsed,
    refusal,
    zip_bytes,
)

SMALL_ZIP_LIMITS = RosterLimits(max_bytes=64 << 20, max_uncompressed_bytes=8 << 20, max_compression_ratio=100)


def test_a_zero_byte_file_is_refused(tmp_path: Path) -> None:
    error = refusal(tmp_path, b"")
    assert (error.code, error.file, error.line) == ("file_empty", "roster.csv", None)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    limits = RosterLimits(max_bytes=100, max_uncompressed_bytes=1 << 20, max_compression_ratio=100)
    error = refusal(
        tmp_path,
        flat("s1,Ш,5А,student,p1,Иванов,Иван,,,", "s1,Ш,5А,student,p2,Петров,Пётр,,,"),
        limits=limits,
    )
    assert error.code == "file_too_large"
    assert "100 bytes" in error.message
    assert "one per school" in error.message  # what to do instead (issue #17)


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01\x02\x03" * 100,
        bytes(range(256)) * 10,
        b"\x1f\x8b\x08\x00" + bytes(200),  # gzip
        b"%PDF-1.7\n\x00\x00binary",
    ],
)
def test_a_binary_file_named_csv_is_refused(tmp_path: Path, data: bytes) -> None:
    error = refusal(tmp_path, data)
    assert (error.code, error.file) == ("binary_file", "roster.csv")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_text_is_refused_with_advice(tmp_path: Path, encoding: str) -> None:
    data = (FLAT_HEADER + "\n").encode(encoding)
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE)):
        data = codecs.BOM_UTF16_BE + data
    error = refusal(tmp_path, data)
    assert error.code == "unsupported_encoding"
    assert "UTF-8" in error.message


def test_a_utf8_bom_followed_by_other_bytes_is_refused(tmp_path: Path) -> None:
    data = codecs.BOM_UTF8 + flat("s1,Ш,5А,student,p1,Иванов,Иван,,,").replace(
        "Иванов".encode(), "Иванов".encode("cp1251")
    )
    assert refusal(tmp_path, data).code == "unknown_encoding"


def test_bytes_that_are_neither_utf8_nor_windows_1251_are_refused_with_a_line(tmp_path: Path) -> None:
    # 0x98 is the one byte Windows-1251 leaves undefined.
    data = (
        flat("s1,Ш,5А,student,p1,Иванов,Иван,,,").decode().encode("cp1251")
        + b"s1,x,5\x98,student,p2,a,b,,,\n"
    )
    error = refusal(tmp_path, data)
    assert (error.code, error.line) == ("unknown_encoding", 3)


@pytest.mark.parametrize("data", [b"\n\n", b"   \r\n" + flat()])
def test_a_file_whose_first_line_is_blank_has_no_header(tmp_path: Path, data: bytes) -> None:
    assert (refusal(tmp_path, data).code, refusal(tmp_path, data).line) == ("missing_header", 1)


def test_a_file_that_is_not_a_roster_at_all_misses_columns(tmp_path: Path) -> None:
    error = refusal(tmp_path, b"<html><body>Not found</body></html>\n")
    assert (error.code, error.line) == ("missing_column", 1)


def test_a_legacy_excel_workbook_is_refused(tmp_path: Path) -> None:
    error = refusal(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "roster.xls")
    assert error.code == "spreadsheet_not_csv"


def test_an_xlsx_workbook_is_refused(tmp_path: Path) -> None:
    data = zip_bytes({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
    assert refusal(tmp_path, data, "roster.xlsx").code == "spreadsheet_not_csv"


def test_a_damaged_zip_is_refused(tmp_path: Path) -> None:
    data = oneroster_zip(1, 1, 2, 1, seed=1)
    assert refusal(tmp_path, data[: len(data) // 2], "roster.zip").code == "zip_corrupt"
    # Flip bytes inside the compressed users.csv: its checksum no longer matches.
    start = data.index(b"users.csv") + 200
    damaged = data[:start] + bytes(b ^ 0x55 for b in data[start : start + 64]) + data[start + 64 :]
    assert refusal(tmp_path, damaged, "roster.zip").code == "zip_corrupt"


def _bomb(size: int) -> bytes:
    return oneroster(
        orgs=["s1,active,,School,school,,"],
        extra={"users.csv": b"sourcedId\n" + b"x" * size},
        modes={"users": "bulk"},
    )


def test_a_zip_bomb_is_refused_from_its_declared_ratio(tmp_path: Path) -> None:
    error = refusal(tmp_path, _bomb(5 << 20), "roster.zip")
    assert (error.code, error.file) == ("zip_bomb", "roster.zip")
    assert "users.csv" in error.message


def test_a_zip_bomb_is_refused_while_reading_even_if_headers_lie(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pretend the declared sizes looked harmless: the bytes actually inflated still stop it.
    monkeypatch.setattr(archive.GuardedZip, "_check_declared", lambda self: None)
    error = refusal(tmp_path, _bomb(5 << 20), "roster.zip")
    assert error.code == "zip_bomb"
    assert "expands" in error.message


def test_a_zip_declaring_too_much_in_total_is_refused(tmp_path: Path) -> None:
    members = {f"filler{n}.csv": os.urandom(3 << 20) for n in range(3)}
    data = zip_bytes({"manifest.csv": manifest({"users": "absent"}), **members})
    error = refusal(tmp_path, data, "roster.zip", SMALL_ZIP_LIMITS)
    assert error.code == "zip_too_large"


def test_a_zip_inflating_past_the_total_limit_while_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive.GuardedZip, "_check_declared", lambda self: None)
    rows = [f"u{n},active,,true,s1,student,,,Имя{n},Фамилия{n},,,,,,,," for n in range(200_000)]
    data = oneroster(orgs=["s1,active,,School,school,,"], users=rows)
    error = refusal(tmp_path, data, "roster.zip", SMALL_ZIP_LIMITS)
    assert error.code == "zip_too_large"


def test_headers_understating_a_members_size_make_it_corrupt_not_bigger(tmp_path: Path) -> None:
    data = bytearray(_bomb(2 << 20))
    # Rewrite users.csv's uncompressed size in its central directory entry to 10 bytes.
    entry = data.index(b"PK\x01\x02")
    while data[entry + 46 : entry + 46 + 9] != b"users.csv":
        entry = data.index(b"PK\x01\x02", entry + 4)
    data[entry + 24 : entry + 28] = struct.pack("<I", 10)
    assert refusal(tmp_path, bytes(data), "roster.zip").code == "zip_corrupt"


def test_a_zip_with_too_many_members_is_refused_before_they_are_listed(tmp_path: Path) -> None:
    data = zip_bytes({f"f{n}.csv": "x" for n in range(archive.MAX_MEMBERS + 1)} | {"manifest.csv": "a,b\n"})
    error = refusal(tmp_path, data, "roster.zip")
    assert error.code == "zip_too_many_members"
    assert str(archive.MAX_MEMBERS + 2) in error.message


def test_an_encrypted_member_is_refused(tmp_path: Path) -> None:
    data = bytearray(zip_bytes({"manifest.csv": manifest({"users": "absent"})}, zipfile.ZIP_STORED))
    data[6] |= 0x1  # the local header's "encrypted" flag
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x1  # and the central directory's
    assert refusal(tmp_path, bytes(data), "roster.zip").code == "zip_encrypted"


def test_an_unsupported_compression_method_is_refused(tmp_path: Path) -> None:
    data = bytearray(zip_bytes({"manifest.csv": manifest({"users": "absent"})}, zipfile.ZIP_STORED))
    central = data.index(b"PK\x01\x02")
    data[central + 10 : central + 12] = struct.pack("<H", 99)  # AES / unknown method
    assert refusal(tmp_path, bytes(data), "roster.zip").code == "zip_unsupported_compression"


def test_an_empty_csv_inside_the_zip_is_refused_naming_it(tmp_path: Path) -> None:
    data = oneroster(orgs=["s1,active,,School,school,,"], modes={"users": "bulk"}, extra={"users.csv": ""})
    error = refusal(tmp_path, data, "roster.zip")
    assert (error.code, error.file) == ("file_empty", "users.csv")


def test_a_zip_that_is_too_big_as_a_file_is_refused(tmp_path: Path) -> None:
    limits = RosterLimits(max_bytes=1000, max_uncompressed_bytes=1 << 30, max_compression_ratio=100)
    assert refusal(tmp_path, oneroster_zip(1, 2, 5, 1, seed=2), "roster.zip", limits).code == "file_too_large"


def _staging_dirs(root: Path) -> list[Path]:
    return sorted(root.glob("roster-staging-*"))


def test_staging_files_are_removed_on_close_and_on_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    with parsed(tmp_path, flat_csv(1, 1, 2, 1, seed=1)) as roster:
        assert len(_staging_dirs(scratch)) == 1
        assert list(roster.school_updates())
    assert _staging_dirs(scratch) == []
    refusal(tmp_path, flat("s1,5А,student", header="school_id,class,role"))
    refusal(tmp_path, _bomb(5 << 20), "roster.zip")
    assert _staging_dirs(scratch) == []


def test_the_file_itself_is_left_for_the_caller(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(flat_csv(1, 1, 2, 1, seed=1))
    read_roster(path, "roster.csv", LIMITS).close()
    assert path.exists()
