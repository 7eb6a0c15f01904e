"""Image previews (SPEC §10: "images shown with a preview"), made with Pillow when an upload is checked.

The preview is a JPEG of at most :data:`PREVIEW_EDGE` pixels a side, turned
upright by its EXIF orientation and carrying no metadata (a phone photo's
EXIF holds where it was taken). Decoding the image is also the last check of
an image upload: a file that starts like a JPEG but does not decode, or
whose header promises more than :data:`MAX_PIXELS` (a decompression bomb),
is refused.
"""

from __future__ import annotations

import io
import warnings

from chalicelib.attachments.rules import JPEG, PNG, WEBP, AttachmentRefused

PREVIEW_EDGE = 320
PREVIEW_CONTENT_TYPE = "image/jpeg"
MAX_PIXELS = 50_000_000  # a 50-megapixel photo; more is refused before decoding
_PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}


def make_preview(data: bytes, content_type: str) -> bytes:
    """A small upright JPEG of the image ``data``; :class:`AttachmentRefused` if it is not
    a decodable image of that type, or too large to decode safely."""
    # Pillow is imported here, not with the module: only an image upload's check needs it, and every
    # other Lambda (the roster worker, every API call) would pay its import (~7 MiB, ~30 ms) at cold start.
    from PIL import Image, ImageOps, UnidentifiedImageError

    refused = AttachmentRefused("The image could not be read. It was removed.", declared_type=content_type)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[content_type]]) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise refused
                # Decode small where the format allows (JPEG scales by 1/2…1/8 while decoding) and shrink
                # before turning upright: a 50-megapixel photo never lies in memory at full size twice.
                image.draft("RGB", (PREVIEW_EDGE, PREVIEW_EDGE))
                image.thumbnail((PREVIEW_EDGE, PREVIEW_EDGE))
                upright = ImageOps.exif_transpose(image)
                if upright.mode not in ("RGB", "L"):
                    background = Image.new("RGB", upright.size, (255, 255, 255))
                    rgba = upright.convert("RGBA")
                    background.paste(rgba, mask=rgba.getchannel("A"))
                    upright = background
                out = io.BytesIO()
                upright.save(out, "JPEG", quality=80, optimize=True)
                return out.getvalue()
    except AttachmentRefused:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
        KeyError,
        SyntaxError,
    ) as error:
        raise refused from error
