"""Results as files for the download buttons: pictures as PNG, arrays as NumPy .npy."""
from __future__ import annotations

import io

import numpy as np
from PIL import Image


def png(picture: Image.Image) -> bytes:
    """A PIL image as PNG bytes, compressed lightly: a 384-tile grid takes 10 ms instead of 36 for 15% more bytes."""
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def npy(array) -> bytes:
    """An array (or cpu tensor) as the bytes of a .npy file (``np.load`` reads it back)."""
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array))
    return buffer.getvalue()
