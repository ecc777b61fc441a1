"""Open any image a user hands us as a plain, EXIF-rotated, 8-bit RGB picture.

Uploads are untrusted, so ``open_image`` reads the size from the header and
refuses oversized images (decompression bombs) before decoding anything, turns
every exotic mode (palette with transparency, CMYK, 16-bit, float, animated)
into what a viewer would show, and reports every failure as one ``ImageError``
sentence instead of a Pillow exception.
"""
from __future__ import annotations

import io
import os
from typing import BinaryIO, Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from vizcore.errors import ImageError

Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, BinaryIO]

_FORMATS = "JPEG, PNG, GIF, BMP, TIFF or WebP"


def open_image(src: Source, *, max_side: int = 2048, max_pixels: int = 100_000_000) -> Image.Image:
    """Read ``src`` (path, bytes or binary file object) into a loaded RGB image.

    The first frame of an animation is used, EXIF orientation is applied,
    transparency is composited on white and the longer side is shrunk to
    ``max_side``. Raises ``ImageError`` with a readable sentence on bad input,
    including images of more than ``max_pixels`` pixels, which are never decoded.
    """
    data, name = _read_source(src)
    label = _label(name)
    if not data:
        raise ImageError(f"{label} is empty.")
    try:
        return _decode(data, label, max_side, max_pixels)
    except ImageError:
        raise
    except Image.DecompressionBombError as e:  # Pillow refuses very large headers before we can look
        limit = min(max_pixels, 2 * Image.MAX_IMAGE_PIXELS)
        raise ImageError(_too_large(label, _header_size(data), limit)) from e
    except UnidentifiedImageError as e:
        raise ImageError(f"{label} is not an image that can be read (use {_FORMATS}).") from e
    except Exception as e:  # Pillow raises OSError, SyntaxError, struct.error, ... on bad data
        truncated = "truncated" in str(e).lower()
        reason = "the file ends before the image does" if truncated else "its image data could not be decoded"
        raise ImageError(f"{label} is truncated or damaged: {reason}.") from e


def _read_source(src: Source) -> tuple[bytes, str | None]:
    """Return the raw bytes of ``src`` and its file name, if it has one."""
    if isinstance(src, (bytes, bytearray, memoryview)):
        return bytes(src), None
    if isinstance(src, (str, os.PathLike)):
        name = os.fspath(src)
        try:
            with open(name, "rb") as f:
                return f.read(), name
        except OSError as e:
            raise ImageError(f"{_label(name)} could not be opened ({e.strerror or 'read error'}).") from e
    if not hasattr(src, "read"):
        kind = type(src).__name__
        raise TypeError(f"open_image takes a path, bytes or a binary file object, not {kind}")
    name = getattr(src, "name", None)
    name = name if isinstance(name, str) else None
    try:
        if hasattr(src, "seek"):
            src.seek(0)
        data = src.read()
    except OSError as e:
        raise ImageError(f"{_label(name)} could not be read ({e.strerror or 'read error'}).") from e
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("open_image needs a file opened in binary mode ('rb')")
    return bytes(data), name


def _label(name: str | None) -> str:
    """How a message refers to the file: by its name when it has one."""
    return f"'{name}'" if name else "The file"


def _decode(data: bytes, label: str, max_side: int, max_pixels: int) -> Image.Image:
    """Check the header size, decode the first frame cheaply, orient, convert, shrink."""
    with Image.open(io.BytesIO(data)) as im:
        if im.width * im.height > max_pixels:
            raise ImageError(_too_large(label, im.size, max_pixels))
        scale = max_side / max(im.size)
        if im.format == "JPEG" and scale < 1:  # let libjpeg decode at 1/2, 1/4 or 1/8 size
            im.draft(None, (max(1, round(im.width * scale)), max(1, round(im.height * scale))))
        im.load()
        img = ImageOps.exif_transpose(im)
    img = _to_rgb(img)
    img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return img


def _to_rgb(img: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB as a viewer would display it."""
    if img.mode == "RGB":
        return img
    if img.mode == "F" or img.mode.startswith("I"):
        return Image.fromarray(_to_uint8(img)).convert("RGB")
    if "A" in img.mode or "a" in img.mode or "transparency" in img.info:
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img.convert("RGB")


def _to_uint8(img: Image.Image) -> np.ndarray:
    """Grey levels of an integer (16/32-bit) or float image, scaled to 0..255."""
    a = np.asarray(img, dtype=np.float64)
    if img.mode == "F":  # no natural range: stretch min..max
        a = np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)
        a = (a - a.min()) * (255 / ((a.max() - a.min()) or 1))
    elif a.max() > 255:  # 16-bit data (or wider)
        a = a / (257 if a.max() <= 65535 else a.max() / 255)
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def _header_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the header alone, skipping Pillow's bomb check."""
    Image.init()
    for fmt in Image.ID:
        factory, accept = Image.OPEN[fmt]
        try:
            ok = accept is None or accept(data[:16])
            if ok and not isinstance(ok, str):
                return factory(io.BytesIO(data), "").size
        except Exception:  # this format does not match; try the next
            continue
    return None


def _too_large(label: str, size: tuple[int, int] | None, limit: int) -> str:
    """The sentence for an image with more pixels than ``limit``."""
    if size is None or size[0] * size[1] <= limit:  # the oversized part is a frame or tile inside
        return f"{label} holds more than {limit:,} pixels, which is too large; use a smaller image."
    w, h = size
    return f"{label} is {w}×{h} pixels, which is too large (the limit is {limit:,}); use a smaller image."
