"""QR codes for sign-in links, as PNG and SVG, with the pure-Python factories of ``qrcode`` (no Pillow).

Chosen so that a phone camera reads the code off a laptop screen at about
10 cm: error correction M (15 % of the code may be unreadable: glare, moiré)
keeps a ~50-character URL at version 3-4 (29-33 modules), so each module is
large; the quiet zone is the standard's 4 modules, on a white background even
when the page around it is dark.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import qrcode

QUIET_ZONE_MODULES = 4
PNG_PIXELS_PER_MODULE = 10


def _code(data: str) -> qrcode.QRCode:  # type: ignore[type-arg]  # generic over its image type
    # Imported here, not with the module: ``qrcode`` loads Pillow when it is installed (for
    # attachments' previews it is), and only the QR routes need it, not every cold start.
    import qrcode
    import qrcode.constants

    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=QUIET_ZONE_MODULES,
        box_size=PNG_PIXELS_PER_MODULE,
    )
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str) -> bytes:
    """The QR code of ``data`` as a black-on-white PNG, 10 pixels a module."""
    import qrcode.image.pure

    image = _code(data).make_image(image_factory=qrcode.image.pure.PyPNGImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def qr_svg(data: str) -> str:
    """The QR code of ``data`` as an SVG document (one path on a white square; scales to any size)."""
    import qrcode.image.svg

    image = _code(data).make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    return str(image.to_string(encoding="unicode"))
