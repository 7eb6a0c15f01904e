"""The pure rules of attachments (SPEC §10): which files, how big, what their bytes must say.

A file is accepted when its *content* is one of the allowed kinds, whatever
its name or the type the browser declared: JPEG, PNG and WebP images, PDF,
and the two Office Open XML documents (DOCX, XLSX: zip archives whose
``[Content_Types].xml`` declares the Word document or Excel workbook, with
that part present). :func:`sniff` reads the bytes; the declared type must
match what they are, so a renamed executable (``MZ…`` called ``photo.jpg``)
is refused, and so is a PNG sent as a PDF.

Nothing here talks to AWS: the blob store and the records are ports
(``attachments.port``), the use cases are in ``attachments.service``.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from chalicelib.errors import ServiceError

MAX_BYTES = 20 * 1024 * 1024  # SPEC §10: at most 20 MB
MAX_PER_MESSAGE = 10
MAX_NAME_CHARS = 200
# An Office document: how many zip entries and how big a [Content_Types].xml we are willing to read.
MAX_ZIP_ENTRIES = 10_000
MAX_CONTENT_TYPES_BYTES = 1024 * 1024

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class FileKind:
    """An allowed kind of file: its media type, the extension it is saved with, whether it is a photo."""

    content_type: str
    extension: str
    image: bool


KINDS: dict[str, FileKind] = {
    JPEG: FileKind(JPEG, "jpg", True),
    PNG: FileKind(PNG, "png", True),
    WEBP: FileKind(WEBP, "webp", True),
    PDF: FileKind(PDF, "pdf", False),
    DOCX: FileKind(DOCX, "docx", False),
    XLSX: FileKind(XLSX, "xlsx", False),
}
"""The allowed kinds, by media type."""

# The part each Office document must have, and the main content type [Content_Types].xml gives it.
_OFFICE_PARTS = {
    DOCX: (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    XLSX: ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
}

SNIFF_BYTES = 16
"""How many leading bytes :func:`sniff_head` needs."""


class AttachmentRefused(ServiceError):
    """422: the uploaded file is not what it was declared to be (or not an allowed kind); it was removed."""

    status, slug, title = 422, "attachment-refused", "Attachment refused"


class AttachmentNotUploaded(ServiceError):
    """409: the upload has not arrived (or is not checked yet), so the attachment cannot be used."""

    status, slug, title = 409, "attachment-not-uploaded", "Attachment not uploaded"


class AttachmentTooLarge(ServiceError):
    """413: a file over the limit."""

    status, slug, title = 413, "attachment-too-large", "Attachment too large"


def kind_of(content_type: str) -> FileKind | None:
    """The allowed kind with this media type (parameters and case ignored), or None."""
    return KINDS.get(content_type.split(";")[0].strip().lower())


def sniff_head(head: bytes) -> str | None:
    """The media type the first bytes announce: an image, a PDF, ``zip`` (maybe Office), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def _office_type(data: bytes) -> str | None:
    """DOCX or XLSX when ``data`` is a zip with that document's part and content type; else None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                return None
            names = {entry.filename: entry for entry in entries}
            types = names.get("[Content_Types].xml")
            if types is None or types.file_size > MAX_CONTENT_TYPES_BYTES:
                return None
            with archive.open(types) as stream:
                declared = stream.read(MAX_CONTENT_TYPES_BYTES + 1).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
    for media_type, (part, main_type) in _OFFICE_PARTS.items():
        if part in names and main_type in declared:
            return media_type
    return None


def sniff(data: bytes) -> str | None:
    """The allowed media type the file's bytes are, or None when they are none of them."""
    found = sniff_head(data[:SNIFF_BYTES])
    if found == "zip":
        return _office_type(data)
    return found


def check_content(declared: str, data: bytes) -> FileKind:
    """The file's kind, when its bytes are the declared type; :class:`AttachmentRefused` otherwise."""
    kind = kind_of(declared)
    actual = sniff(data)
    if kind is None or actual != kind.content_type:
        raise AttachmentRefused(
            "The file is not what it claims to be"
            + (f" ({declared})." if kind is not None else ".")
            + " It was removed.",
            declared_type=declared,
        )
    if len(data) > MAX_BYTES:
        raise AttachmentTooLarge(f"An attachment may be at most {MAX_BYTES} bytes.", max_bytes=MAX_BYTES)
    return kind


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def clean_name(name: str, kind: FileKind) -> str:
    """A file name safe to show and to offer in ``Content-Disposition``: no path, no control characters,
    NFC, at most :data:`MAX_NAME_CHARS`, ending in the kind's extension."""
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem[: MAX_NAME_CHARS - len(kind.extension) - 1].strip(" .") or "file"
    return f"{stem}.{kind.extension}"
