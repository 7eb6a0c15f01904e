"""QR codes of sign-in links: read back with OpenCV from the PNG and the SVG, as a phone would."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from chalicelib.web.qr import PNG_PIXELS_PER_MODULE, QUIET_ZONE_MODULES, qr_png, qr_svg
from tests.qr_reading import rasterise_svg, read_png, read_svg

URLS = [
    "http://127.0.0.1:8000/m/jvXLQh6ylYVWg3dKzMmkeQ",
    "https://abc123.execute-api.eu-central-1.amazonaws.com/api/m/AAAAAAAAAAAAAAAAAAAA-_",
    "https://чаты.школа.рф/m/zzzzzzzzzzzzzzzzzzzzzz",
]


@pytest.mark.parametrize("url", URLS)
def test_the_png_reads_back_as_the_exact_url(url: str) -> None:
    assert read_png(qr_png(url)) == url


@pytest.mark.parametrize("url", URLS)
def test_the_svg_reads_back_as_the_exact_url(url: str) -> None:
    assert read_svg(qr_svg(url)) == url


def test_the_png_has_a_white_quiet_zone_of_four_modules_and_black_modules_inside() -> None:
    pixels = cv2.imdecode(np.frombuffer(qr_png(URLS[0]), np.uint8), cv2.IMREAD_GRAYSCALE)
    border = QUIET_ZONE_MODULES * PNG_PIXELS_PER_MODULE
    assert pixels.shape[0] == pixels.shape[1]
    for edge in (pixels[:border], pixels[-border:], pixels[:, :border], pixels[:, -border:]):
        assert edge.min() == 255
    # The top-left finder pattern starts right after the quiet zone.
    assert pixels[border, border] == 0


def test_the_svg_has_a_white_background_for_dark_pages() -> None:
    image = rasterise_svg(qr_svg(URLS[0]))
    assert image[0, 0] == 255 and image[-1, -1] == 255
    assert "<script" not in qr_svg(URLS[0])
