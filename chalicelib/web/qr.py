"""QR codes for sign-in links, as PNG and SVG, with the pure-Python factories of ``qrcode`` (no Pillow).

Chosen so that a phone camera reads the code off a laptop screen at about
10 cm: error correction M (15 % of the code may be unreadable: glare, moiré)
keeps a ~50-character URL at version 3-4 (29-33 modules), so each module is
large; the quiet zone is the standard's 4 modules, on a white background even
when the page around it is dark.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.constants
import qrcode.image.pure
import qrcode.image.svg

ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
QUIET_ZONE_MODULES = 4
PNG_PIXELS_PER_MODULE = 10


def _code(data: str) -> qrcode.QRCode:  # type: ignore[type-arg]  # generic over its image type
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECTION, border=QUIET_ZONE_MODULES, box_size=PNG_PIXELS_PER_MODULE
    )
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str) -> bytes:
    """The QR code of ``data`` as a black-on-white PNG, 10 pixels a module."""
    image = _code(data).make_image(image_factory=qrcode.image.pure.PyPNGImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def qr_svg(data: str) -> str:
    """The QR code of ``data`` as an SVG document (one path on a white square; scales to any size)."""
    image = _code(data).make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    return str(image.to_string(encoding="unicode"))
