"""Files for attachment tests: real images (made with Pillow), PDF, Office documents, and impostors."""

from __future__ import annotations

import io
import zipfile

from PIL import Image

from chalicelib.attachments.rules import DOCX, XLSX

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
EXCEL_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
# What a Windows executable starts with: the "MZ" header and its DOS stub.
EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"This program cannot be run in DOS mode." * 20
)


def image(fmt: str = "JPEG", size: tuple[int, int] = (800, 600), color: str = "teal") -> bytes:
    """A picture in ``fmt`` (JPEG, PNG, WEBP)."""
    out = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" else "RGB"
    Image.new(mode, size, color).save(out, fmt)
    return out.getvalue()


def office(main_type: str = WORD_MAIN, part: str = "word/document.xml") -> bytes:
    """A minimal Office Open XML package: [Content_Types].xml naming ``main_type`` for ``part``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/{part}" ContentType="{main_type}"/></Types>',
        )
        archive.writestr(part, "<document/>")
    return out.getvalue()


def docx() -> bytes:
    """A Word document."""
    return office(WORD_MAIN, "word/document.xml")


def xlsx() -> bytes:
    """An Excel workbook."""
    return office(EXCEL_MAIN, "xl/workbook.xml")


def plain_zip() -> bytes:
    """A zip that is no Office document."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return out.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TYPES = {"docx": DOCX, "xlsx": XLSX}
