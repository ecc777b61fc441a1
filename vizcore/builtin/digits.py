"""scikit-learn's handwritten digits, as 32x32 RGB images: the data of the built-in digits model.

``sklearn.datasets.load_digits`` ships inside scikit-learn (no download): 1797
8x8 images of 16 grey levels, a copy of the test set of the UCI "Optical
Recognition of Handwritten Digits" data (Alpaydin & Kaynak 1998). Each gets a
one-pixel black margin, is upscaled bicubically to 32x32 and drawn white on black
in three equal channels, like MNIST. The split is fixed: a permutation seeded
with 0, its first fifth (359 images) held out as ``"test"``, the rest (1438) ``"train"``.
"""
from __future__ import annotations

import functools

import numpy as np
from PIL import Image

VERSION = 1
SIZE = 32
CLASSES = tuple(str(d) for d in range(10))
SPLITS = ("train", "test")


@functools.cache
def _digits() -> tuple[np.ndarray, np.ndarray]:
    """(images [N, 10, 10] uint8 0-255 with a black margin, labels [N] int) of the bundled set."""
    from sklearn.datasets import load_digits

    data = load_digits()
    images = np.pad(data.images * (255 / 16) + 0.5, ((0, 0), (1, 1), (1, 1)))
    return images.astype(np.uint8), data.target.astype(np.int64)


def indices(split: str) -> np.ndarray:
    """Indices into the bundled set of the fixed ``"train"`` or ``"test"`` split."""
    n = len(_digits()[1])
    order = np.random.default_rng(0).permutation(n)
    return order[:n // 5] if split == "test" else order[n // 5:]


def label(index: int) -> int:
    """The digit shown by image ``index`` of the bundled set."""
    return int(_digits()[1][index])


def render(index: int) -> tuple[Image.Image, int]:
    """Digit ``index`` of the bundled set -> (PIL RGB 32x32, label)."""
    img = Image.fromarray(_digits()[0][index]).resize((SIZE, SIZE), Image.Resampling.BICUBIC)
    return img.convert("RGB"), label(index)
