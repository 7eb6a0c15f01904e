"""The pure attachment rules: what a file's bytes must say, names, sizes, and the preview."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from chalicelib.attachments import rules
from chalicelib.attachments.preview import MAX_PIXELS, PREVIEW_EDGE, make_preview
from tests.attachment_files import EXCEL_MAIN, EXECUTABLE, PDF_BYTES, docx, image, office, plain_zip, xlsx


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (image("JPEG"), rules.JPEG),
        (image("PNG"), rules.PNG),
        (image("WEBP"), rules.WEBP),
        (PDF_BYTES, rules.PDF),
        (docx(), rules.DOCX),
        (xlsx(), rules.XLSX),
        (EXECUTABLE, None),
        (plain_zip(), None),
        (b"", None),
        (b"GIF89a" + b"\x00" * 20, None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (office(EXCEL_MAIN, "word/document.xml"), None),  # Excel's type, but a Word part: neither
        (b"PK\x03\x04" + b"\x00" * 40, None),  # a zip header on nothing
    ],
)
def test_files_are_known_by_their_bytes(data: bytes, expected: str | None) -> None:
    assert rules.sniff(data) == expected


def test_a_renamed_executable_is_refused_whatever_it_claims() -> None:
    for claimed in rules.KINDS:
        with pytest.raises(rules.AttachmentRefused):
            rules.check_content(claimed, EXECUTABLE)


def test_a_real_file_declared_as_another_kind_is_refused() -> None:
    with pytest.raises(rules.AttachmentRefused):
        rules.check_content(rules.PDF, image("PNG"))
    with pytest.raises(rules.AttachmentRefused):
        rules.check_content(rules.DOCX, xlsx())
    assert rules.check_content(rules.XLSX, xlsx()).extension == "xlsx"
    assert rules.check_content("IMAGE/JPEG; charset=binary", image("JPEG")).image


def test_only_the_six_kinds_are_allowed() -> None:
    assert set(rules.KINDS) == {rules.JPEG, rules.PNG, rules.WEBP, rules.PDF, rules.DOCX, rules.XLSX}
    for other in ("image/svg+xml", "text/html", "application/x-msdownload", "application/zip", "image/gif"):
        assert rules.kind_of(other) is None


def test_more_than_twenty_megabytes_is_refused() -> None:
    assert rules.MAX_BYTES == 20 * 1024 * 1024
    with pytest.raises(rules.AttachmentTooLarge):
        rules.check_content(rules.PDF, PDF_BYTES + b" " * rules.MAX_BYTES)


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("Фото 1.jpg", rules.JPEG, "Фото 1.jpg"),
        ("../../etc/passwd", rules.PDF, "passwd.pdf"),
        ("C:\\Users\\me\\отчёт.docx", rules.DOCX, "отчёт.docx"),
        ("virus.exe", rules.PNG, "virus.png"),
        ('a"b<c>\r\n.xlsx', rules.XLSX, "a_b_c_.xlsx"),
        ("...", rules.JPEG, "file.jpg"),
        ("x" * 500 + ".pdf", rules.PDF, "x" * 196 + ".pdf"),
    ],
)
def test_names_lose_paths_and_control_characters_and_get_their_kinds_extension(
    name: str, kind: str, expected: str
) -> None:
    assert rules.clean_name(name, rules.KINDS[kind]) == expected


def test_a_preview_is_a_small_jpeg_without_metadata() -> None:
    photo = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: the preview must be turned upright
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (1200, 600), "red").save(photo, "JPEG", exif=exif)
    preview = Image.open(io.BytesIO(make_preview(photo.getvalue(), rules.JPEG)))
    assert preview.format == "JPEG"
    assert max(preview.size) <= PREVIEW_EDGE
    assert preview.size[1] > preview.size[0]  # upright: the 2:1 landscape became portrait
    assert not preview.getexif()


def test_transparent_png_and_webp_get_previews() -> None:
    for fmt, kind in (("PNG", rules.PNG), ("WEBP", rules.WEBP)):
        preview = Image.open(io.BytesIO(make_preview(image(fmt, (64, 32)), kind)))
        assert preview.size == (64, 32)


def test_an_image_that_does_not_decode_or_is_a_bomb_is_refused() -> None:
    broken = image("JPEG")[:40]
    with pytest.raises(rules.AttachmentRefused):
        make_preview(broken, rules.JPEG)
    with pytest.raises(rules.AttachmentRefused):
        make_preview(image("PNG"), rules.JPEG)  # a PNG is not decoded as a JPEG
    side = int(MAX_PIXELS**0.5) + 100
    bomb = io.BytesIO()
    Image.new("1", (side, side)).save(bomb, "PNG")  # tiny file, huge picture
    with pytest.raises(rules.AttachmentRefused):
        make_preview(bomb.getvalue(), rules.PNG)
