"""Procedurally drawn shapes and textures: the training data of the built-in shapes model.

Ten classes of 64x64 colour images: six filled shapes at a random position, size
(radius 10-26 px) and rotation, drawn with PIL at twice the size and box-filtered
down so their edges are anti-aliased; and four periodic textures (a square wave
with one-pixel ramps, of random period 6-20 px, phase and a tilt of up to 10 deg).
Foreground and background colours are random with a guaranteed minimum distance
in RGB; the background is flat or a smooth linear gradient; Gaussian pixel noise
of random strength (sigma up to 12 grey levels) is added on top.

Every image is a pure function of ``(split, seed, index)``: its random numbers
come from ``numpy.random.default_rng([split id, seed, index])``, so any index can
be rendered alone, in any order, and the training stream (split ``"train"``) can
never produce an image of the test stream whatever the seeds. The label of image
``index`` is ``index % 10``, so every run of ten consecutive indices is balanced.
Bump ``VERSION`` whenever a change alters the pixels; dataset fingerprints use it.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

VERSION = 1
SIZE = 64
CLASSES = (
    "circle", "square", "triangle", "star", "ring", "cross",
    "horizontal stripes", "vertical stripes", "diagonal stripes", "checkerboard",
)
SPLITS = {"train": 0, "test": 1}

_SS = 2  # supersampling factor of the drawn shapes
_MIN_CONTRAST = 120.0  # minimum RGB distance between foreground and any background colour
_YY, _XX = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) - (SIZE - 1) / 2
# pixel noise is a random window of one fixed bank of Gaussian noise (fast, still deterministic)
_NOISE = np.random.default_rng(VERSION).standard_normal((4 * SIZE, 4 * SIZE, 3), dtype=np.float32)


def label(index: int) -> int:
    """The class of image ``index`` of any stream."""
    return index % len(CLASSES)


def render(index: int, seed: int = 0, split: str = "test") -> tuple[Image.Image, int]:
    """Image ``index`` of the stream ``(split, seed)`` -> (PIL RGB 64x64, label)."""
    cls = label(index)
    rng = np.random.default_rng([SPLITS[split], seed, index])
    fg, bg0, bg1 = _colours(rng)
    mask = _SHAPES[cls](rng) if cls < len(_SHAPES) else _texture(rng, cls - len(_SHAPES))
    background = _background(rng, bg0, bg1)
    img = background + mask[..., None] * (fg - background)
    y, x = rng.integers(0, _NOISE.shape[0] - SIZE + 1, 2)
    img += _NOISE[y:y + SIZE, x:x + SIZE] * rng.uniform(0.0, 12.0)
    return Image.fromarray(np.clip(img + 0.5, 0, 255).astype(np.uint8)), cls


def _colours(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Foreground and the two background end colours, foreground far from both."""
    while True:
        fg, bg0 = rng.uniform(0, 255, (2, 3)).astype(np.float32)
        bg1 = np.clip(bg0 + rng.uniform(-60, 60, 3), 0, 255).astype(np.float32)
        if min(np.linalg.norm(fg - bg0), np.linalg.norm(fg - bg1)) >= _MIN_CONTRAST:
            return fg, bg0, bg1


def _background(rng: np.random.Generator, bg0: np.ndarray, bg1: np.ndarray) -> np.ndarray:
    """Flat ``bg0`` ([3]), or half the time a linear gradient bg0 -> bg1 ([H, W, 3])."""
    if rng.random() < 0.5:
        return bg0
    angle = rng.uniform(0, 2 * np.pi)
    t = (np.cos(angle) * _XX + np.sin(angle) * _YY) / SIZE + 0.5
    t = np.clip(t, 0, 1)[..., None]
    return bg0 + t * (bg1 - bg0)


def _draw(rng: np.random.Generator, draw_fn, min_r: float = 10, max_r: float = 26) -> np.ndarray:
    """Call ``draw_fn(draw, cx, cy, r, angle)`` on a supersampled canvas -> mask [H, W] in [0, 1]."""
    r = rng.uniform(min_r, max_r)
    cx, cy = rng.uniform(r * 0.8, SIZE - r * 0.8, 2)
    angle = rng.uniform(0, 2 * np.pi)
    canvas = Image.new("L", (SIZE * _SS, SIZE * _SS), 0)
    draw_fn(ImageDraw.Draw(canvas), cx * _SS, cy * _SS, r * _SS, angle)
    canvas = canvas.reduce(_SS)
    return np.asarray(canvas, dtype=np.float32) / 255.0


def _polygon(cx: float, cy: float, radii, angle: float) -> list[tuple[float, float]]:
    """Vertices at evenly spaced angles from ``angle``, at the given radii in turn."""
    a = angle + np.arange(len(radii)) * 2 * np.pi / len(radii)
    return list(zip(cx + np.cos(a) * radii, cy + np.sin(a) * radii, strict=True))


def _circle(rng):
    return _draw(rng, lambda d, x, y, r, a: d.ellipse((x - r, y - r, x + r, y + r), fill=255))


def _square(rng):
    return _draw(rng, lambda d, x, y, r, a: d.polygon(_polygon(x, y, np.full(4, r), a), fill=255))


def _triangle(rng):
    return _draw(rng, lambda d, x, y, r, a: d.polygon(_polygon(x, y, np.full(3, r), a), fill=255))


def _star(rng):
    radii = np.tile([1.0, 0.42], 5)
    return _draw(rng, lambda d, x, y, r, a: d.polygon(_polygon(x, y, radii * r, a), fill=255))


def _ring(rng):
    inner = rng.uniform(0.45, 0.65)

    def ring(d, x, y, r, a):
        d.ellipse((x - r, y - r, x + r, y + r), fill=255)
        d.ellipse((x - r * inner, y - r * inner, x + r * inner, y + r * inner), fill=0)

    return _draw(rng, ring, min_r=12)


def _cross(rng):
    w = rng.uniform(0.25, 0.4)  # half-width of the arms relative to their length
    corners = np.array([(1, w), (w, w), (w, 1), (-w, 1), (-w, w), (-1, w),
                        (-1, -w), (-w, -w), (-w, -1), (w, -1), (w, -w), (1, -w)])

    def cross(d, x, y, r, a):
        c, s = np.cos(a), np.sin(a)
        d.polygon([(x + r * (c * u - s * v), y + r * (s * u + c * v)) for u, v in corners], fill=255)

    return _draw(rng, cross, min_r=12)


_SHAPES = (_circle, _square, _triangle, _star, _ring, _cross)
_TEXTURE_ANGLES = (90.0, 0.0, 45.0)  # direction of the wave for horizontal, vertical, diagonal


def _texture(rng: np.random.Generator, kind: int) -> np.ndarray:
    """Stripes (kind 0-2: horizontal, vertical, diagonal) or a checkerboard (3) -> mask [H, W]."""
    period = rng.uniform(6, 20)
    tilt = rng.uniform(-10, 10)
    if kind == 2:
        tilt += 90 * rng.integers(2)  # either diagonal
    angle = np.deg2rad((_TEXTURE_ANGLES[kind] if kind < 3 else rng.uniform(0, 90)) + tilt)
    u = np.cos(angle) * _XX + np.sin(angle) * _YY
    wave = np.sin(2 * np.pi * u / period + rng.uniform(0, 2 * np.pi))
    if kind == 3:
        v = -np.sin(angle) * _XX + np.cos(angle) * _YY
        wave = wave * np.sin(2 * np.pi * v / period + rng.uniform(0, 2 * np.pi))
    # a square wave whose edges ramp over about one pixel
    return np.clip(0.5 + wave * period / 4, 0.0, 1.0)
