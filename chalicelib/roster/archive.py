"""Opening an uploaded zip without trusting it.

Before the archive is parsed, its end-of-central-directory record is read by
hand so that a zip claiming millions of entries (or a huge directory) is
refused before :mod:`zipfile` builds an object per entry. Then the declared
sizes are checked (total, and per-member compression ratio), and while members
are read the bytes actually produced are counted against the same limits: a
member that inflates beyond ``max_compression_ratio`` times its compressed
size, or an archive whose members together produce more than
``max_uncompressed_bytes``, stops the import as soon as it happens.
"""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from chalicelib.roster.codes import IssueCode
from chalicelib.roster.csvfile import ByteSource, FileReport

if TYPE_CHECKING:
    from chalicelib.roster.limits import RosterLimits

MAX_MEMBERS = 100
MAX_CENTRAL_DIRECTORY_BYTES = 1 << 20
SMALL_MEMBER_BYTES = 1 << 20
"""Members that expand to less than this are never called bombs, whatever their ratio."""

READ_BUFFER_BYTES = 1 << 20
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_EOCD_SIZE = 22
_MAX_COMMENT = 0xFFFF
_SUPPORTED_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
# What a damaged member can raise while it is being inflated.
_CORRUPTION = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, NotImplementedError)


def _central_directory(path: Path) -> tuple[int, int] | None:
    """``(entries, directory_bytes)`` as the archive declares them, or None when there is no record."""
    size = path.stat().st_size
    tail_size = min(size, _EOCD_SIZE + _MAX_COMMENT)
    with open(path, "rb") as handle:
        handle.seek(size - tail_size)
        tail = handle.read(tail_size)
        position = tail.rfind(_EOCD)
        if position < 0 or tail_size - position < _EOCD_SIZE:
            return None
        entries = int.from_bytes(tail[position + 10 : position + 12], "little")
        directory = int.from_bytes(tail[position + 12 : position + 16], "little")
        if entries != 0xFFFF and directory != 0xFFFFFFFF:
            return entries, directory
        # Zip64: the real numbers are in the zip64 record the locator points at.
        locator = tail[max(0, position - 20) : position]
        if not locator.startswith(_EOCD64_LOCATOR):
            return entries, directory
        handle.seek(int.from_bytes(locator[8:16], "little"))
        record = handle.read(56)
        if not record.startswith(_EOCD64) or len(record) < 56:
            return None
        return int.from_bytes(record[32:40], "little"), int.from_bytes(record[40:48], "little")


class _CountingReader(io.RawIOBase):
    """A member's inflated bytes, counted against the archive's limits as they are produced."""

    def __init__(self, archive: GuardedZip, info: zipfile.ZipInfo) -> None:
        super().__init__()
        self._archive = archive
        self._info = info
        self._inner: IO[bytes] = archive.open_member(info)
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._inner.read(len(buffer))
        except _CORRUPTION as error:
            raise self._archive.report.unreadable(
                IssueCode.ZIP_CORRUPT, f"{self._info.filename} in the zip is damaged: {error}."
            ) from error
        size = len(data)
        buffer[:size] = data
        self._count += size
        self._archive.produced(self._info, self._count)
        return size

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
        super().close()


class GuardedZip:
    """A zip archive whose members are read under the size limits (see the module docstring)."""

    def __init__(
        self, path: Path, report: FileReport, *, max_uncompressed_bytes: int, max_compression_ratio: int
    ) -> None:
        self.report = report
        self._max_total = max_uncompressed_bytes
        self._max_ratio = max_compression_ratio
        self._produced: dict[str, int] = {}
        declared = _central_directory(path)
        if declared is None:
            raise report.unreadable(IssueCode.ZIP_CORRUPT, "The zip has no valid end-of-archive record.")
        entries, directory_bytes = declared
        if entries > MAX_MEMBERS or directory_bytes > MAX_CENTRAL_DIRECTORY_BYTES:
            raise report.unreadable(
                IssueCode.ZIP_TOO_MANY_MEMBERS,
                f"The zip lists {entries} entries; a roster needs at most {MAX_MEMBERS}.",
            )
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as error:
            raise report.unreadable(IssueCode.ZIP_CORRUPT, f"The zip cannot be opened: {error}.") from error
        try:
            self._check_declared()
        except BaseException:
            self._zip.close()
            raise

    def _check_declared(self) -> None:
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise self.report.unreadable(
                IssueCode.ZIP_TOO_MANY_MEMBERS, f"The zip holds {len(infos)} entries; at most {MAX_MEMBERS}."
            )
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise self.report.unreadable(
                    IssueCode.ZIP_ENCRYPTED, f"{info.filename} in the zip is password-protected."
                )
            if info.compress_type not in _SUPPORTED_COMPRESSION:
                raise self.report.unreadable(
                    IssueCode.ZIP_UNSUPPORTED_COMPRESSION,
                    f"{info.filename} uses compression method {info.compress_type}; use deflate.",
                )
            total += info.file_size
            if info.file_size > self._member_limit(info):
                raise self.report.unreadable(
                    IssueCode.ZIP_BOMB,
                    f"{info.filename} declares {info.file_size} bytes from {info.compress_size} compressed "
                    f"(more than {self._max_ratio} times).",
                )
        if total > self._max_total:
            raise self.report.unreadable(
                IssueCode.ZIP_TOO_LARGE,
                f"The zip declares {total} uncompressed bytes; the limit is {self._max_total}.",
            )

    def _member_limit(self, info: zipfile.ZipInfo) -> int:
        return max(SMALL_MEMBER_BYTES, self._max_ratio * info.compress_size)

    def produced(self, info: zipfile.ZipInfo, count: int) -> None:
        """Account for ``count`` bytes inflated so far from ``info`` (refuses bombs as they happen)."""
        if count > self._member_limit(info):
            raise self.report.unreadable(
                IssueCode.ZIP_BOMB,
                f"{info.filename} expands more than {self._max_ratio} times its compressed size.",
            )
        # A member read twice (encoding check, then parse) counts once: by its largest read.
        if count > self._produced.get(info.filename, 0):
            self._produced[info.filename] = count
            if sum(self._produced.values()) > self._max_total:
                raise self.report.unreadable(
                    IssueCode.ZIP_TOO_LARGE,
                    f"The zip expands to more than {self._max_total} bytes.",
                )

    def members(self) -> list[zipfile.ZipInfo]:
        """The files in the archive, without folders and macOS metadata."""
        return [
            info
            for info in self._zip.infolist()
            if not info.is_dir()
            and not info.filename.startswith("__MACOSX/")
            and not info.filename.rsplit("/", 1)[-1].startswith("._")
        ]

    def open_member(self, info: zipfile.ZipInfo) -> IO[bytes]:
        """The raw inflating stream of a member (use :meth:`source` to read it under the limits)."""
        try:
            return self._zip.open(info)
        except (*_CORRUPTION, RuntimeError) as error:
            raise self.report.unreadable(
                IssueCode.ZIP_CORRUPT, f"{info.filename} in the zip cannot be read: {error}."
            ) from error

    def source(self, info: zipfile.ZipInfo, name: str) -> ByteSource:
        """A member as a byte source named ``name`` in issues, counted against the limits."""
        opener: Callable[[], IO[bytes]] = lambda: io.BufferedReader(  # noqa: E731
            _CountingReader(self, info), READ_BUFFER_BYTES
        )
        return ByteSource(name, opener)

    def close(self) -> None:
        """Close the archive."""
        self._zip.close()


@contextmanager
def open_roster_zip(path: Path, report: FileReport, limits: RosterLimits) -> Iterator[GuardedZip]:
    """The uploaded zip at ``path`` opened under the roster's size and ratio limits, closed afterwards."""
    archive = GuardedZip(
        path,
        report,
        max_uncompressed_bytes=limits.max_uncompressed_bytes,
        max_compression_ratio=limits.max_compression_ratio,
    )
    try:
        yield archive
    finally:
        archive.close()
