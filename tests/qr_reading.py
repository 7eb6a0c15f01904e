"""Reading QR codes back the way a phone would: with OpenCV's detector, not by trusting the encoder.

A PNG is decoded to pixels and read. An SVG is first rasterised here from its
geometry (the ``viewBox``, ``rect`` and ``path`` elements, with the path
commands a QR code needs: M, H, V, L, Z, absolute or relative); anything
else in it fails the test rather than being skipped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import cv2
import numpy as np

SVG_NS = "{http://www.w3.org/2000/svg}"
_TOKEN = re.compile(r"[MmHhVvLlZz]|-?\d+(?:\.\d+)?")


def read_qr(pixels: np.ndarray) -> str:
    """The text of the QR code in a grayscale image ('' when none is found)."""
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(pixels)
    return str(text)


def read_png(png: bytes) -> str:
    """The text of the QR code in a PNG."""
    pixels = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert pixels is not None, "not a PNG OpenCV can read"
    return read_qr(pixels)


def _polygons(d: str) -> list[list[tuple[float, float]]]:
    polygons: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    x = y = 0.0
    tokens = _TOKEN.findall(d)
    assert "".join(tokens) == re.sub(r"[\s,]", "", d), f"unsupported path data: {d[:80]}"
    index = 0

    def number() -> float:
        nonlocal index
        value = float(tokens[index])
        index += 1
        return value

    while index < len(tokens):
        command = tokens[index]
        index += 1
        if command in "Mm":
            if current:
                polygons.append(current)
            dx, dy = number(), number()
            x, y = (x + dx, y + dy) if command == "m" else (dx, dy)
            current = [(x, y)]
        elif command in "Ll":
            dx, dy = number(), number()
            x, y = (x + dx, y + dy) if command == "l" else (dx, dy)
            current.append((x, y))
        elif command in "Hh":
            value = number()
            x = x + value if command == "h" else value
            current.append((x, y))
        elif command in "Vv":
            value = number()
            y = y + value if command == "v" else value
            current.append((x, y))
        elif command in "Zz":
            if current:
                polygons.append(current)
                x, y = current[0]
            current = []
        else:
            raise AssertionError(f"unsupported path command {command!r}")
    if current:
        polygons.append(current)
    return polygons


def _length(element: ET.Element, name: str, whole: float) -> float:
    raw = element.attrib.get(name, "0")
    return whole * float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)


def _length(element: ET.Element, name: str, whole: float) -> float:
    raw = element.attrib.get(name, "0")
    return whole * float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)


def rasterise_svg(svg: str, pixels_per_unit: int = 10) -> np.ndarray:
    """The SVG's black shapes on its white background, as a grayscale image."""
    root = ET.fromstring(svg)  # noqa: S314 - the service's own output, under test
    assert root.tag == f"{SVG_NS}svg", root.tag
    left, top, width, height = (float(v) for v in root.attrib["viewBox"].split())
    scale = pixels_per_unit
    image = np.full((round(height * scale), round(width * scale)), 255, np.uint8)
    for element in root.iter():
        tag = element.tag.removeprefix(SVG_NS)
        if tag == "svg":
            continue
        fill = element.attrib.get("fill", "#000000").lower()
        shade = 255 if fill in ("white", "#fff", "#ffffff") else 0
        if tag == "rect":
            x0, y0 = _length(element, "x", width) - left, _length(element, "y", height) - top
            x1, y1 = x0 + _length(element, "width", width), y0 + _length(element, "height", height)
            image[round(y0 * scale) : round(y1 * scale), round(x0 * scale) : round(x1 * scale)] = shade
        elif tag == "path":
            for polygon in _polygons(element.attrib["d"]):
                points = np.array([[(px - left) * scale, (py - top) * scale] for px, py in polygon], np.int32)
                # A QR path is made of axis-aligned rectangles; anything else is not drawn right here.
                xs, ys = set(points[:, 0].tolist()), set(points[:, 1].tolist())
                assert len(xs) == 2 and len(ys) == 2, f"not a rectangle: {polygon}"
                x0, y0 = points.min(axis=0)
                x1, y1 = points.max(axis=0)
                image[y0:y1, x0:x1] = shade
        else:
            raise AssertionError(f"unsupported SVG element {tag!r}")
    return image


def read_svg(svg: str) -> str:
    """The text of the QR code an SVG draws."""
    return read_qr(rasterise_svg(svg))
