"""Shared test helpers."""
import numpy as np
from PIL import Image


def noise_image(seed: int, size=(240, 260)) -> Image.Image:
    """A reproducible RGB noise picture of ``size`` (height, width)."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8))
