"""Style images the project draws itself, so that style transfer works with no file and no download.

Each is a function of a seed and a size (numpy only): ``swirls`` (a
marbled flow of colours), ``mosaic`` (Voronoi tiles with dark grout),
``stripes`` (bold diagonal bands), ``waves`` (interfering ripples in two
hues) and ``dots`` (a halftone of coloured discs).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image

PALETTES = {
    "swirls": [(20, 40, 110), (240, 200, 60), (200, 60, 40), (250, 245, 230)],
    "mosaic": [(180, 40, 40), (40, 110, 170), (230, 190, 60), (60, 150, 90), (230, 230, 220)],
    "stripes": [(20, 20, 20), (230, 80, 30), (250, 240, 220)],
    "waves": [(10, 60, 90), (90, 200, 210)],
    "dots": [(240, 235, 220), (200, 30, 60), (30, 60, 160), (240, 170, 20)],
}


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(np.linspace(0, 1, size), np.linspace(0, 1, size))


def _color(t: np.ndarray, palette) -> np.ndarray:
    """Map values in [0, 1] through a palette, interpolating between its colours."""
    stops = np.asarray(palette, dtype=float)
    pos = np.clip(t, 0, 1) * (len(stops) - 1)
    low = np.floor(pos).astype(int).clip(0, len(stops) - 2)
    frac = (pos - low)[..., None]
    return stops[low] * (1 - frac) + stops[low + 1] * frac


def swirls(size: int, rng: np.random.Generator) -> np.ndarray:
    x, y = _grid(size)
    angle, radius = np.zeros_like(x), np.zeros_like(x)
    for _ in range(5):  # a few vortices twist the plane
        cx, cy, strength = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(-9, 9)
        d = np.hypot(x - cx, y - cy)
        angle += strength * np.exp(-d * 4)
        radius += d
    u = x * np.cos(angle) - y * np.sin(angle)
    return _color(0.5 + 0.5 * np.sin(14 * u + 3 * np.sin(6 * radius)), PALETTES["swirls"])


def mosaic(size: int, rng: np.random.Generator) -> np.ndarray:
    x, y = _grid(size)
    seeds = rng.uniform(0, 1, (60, 2))
    d = np.hypot(x[..., None] - seeds[:, 0], y[..., None] - seeds[:, 1])
    order = np.sort(d, axis=-1)
    tiles = np.argmin(d, axis=-1)
    colours = np.asarray(PALETTES["mosaic"], dtype=float)[rng.integers(0, 5, len(seeds))]
    picture = colours[tiles] * rng.uniform(0.8, 1.1, (len(seeds), 1))[tiles]
    grout = (order[..., 1] - order[..., 0]) < 0.012
    picture[grout] = (35, 30, 30)
    return picture


def stripes(size: int, rng: np.random.Generator) -> np.ndarray:
    x, y = _grid(size)
    t = (x + y) * rng.uniform(5, 8) + 0.3 * np.sin(9 * (x - y))
    return _color((np.floor(t * 3) % 3) / 2, PALETTES["stripes"])


def waves(size: int, rng: np.random.Generator) -> np.ndarray:
    x, y = _grid(size)
    t = sum(np.sin(f * np.hypot(x - cx, y - cy)) for f, cx, cy in rng.uniform((30, -0.5, -0.5), (60, 1.5, 1.5), (3, 3)))
    return _color(0.5 + t / 6, PALETTES["waves"])


def dots(size: int, rng: np.random.Generator) -> np.ndarray:
    picture = np.empty((size, size, 3))
    picture[:] = PALETTES["dots"][0]
    x, y = np.meshgrid(np.arange(size), np.arange(size))
    step = max(6, size // 12)
    for cy in range(step // 2, size + step, step):
        for cx in range(step // 2 + (cy // step % 2) * step // 2, size + step, step):
            r = step * rng.uniform(0.25, 0.45)
            picture[np.hypot(x - cx, y - cy) < r] = PALETTES["dots"][rng.integers(1, 4)]
    return picture


SAMPLES: dict[str, Callable[[int, np.random.Generator], np.ndarray]] = {
    "swirls": swirls, "mosaic": mosaic, "stripes": stripes, "waves": waves, "dots": dots}


def sample(name: str, size: int = 256, seed: int = 0) -> Image.Image:
    """The generated style image ``name`` (one of :data:`SAMPLES`), ``size`` pixels square."""
    if name not in SAMPLES:
        raise KeyError(f"There is no generated style {name!r}; choose one of {', '.join(SAMPLES)}.")
    picture = SAMPLES[name](size, np.random.default_rng(seed))
    return Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8))
