"""Random changes to the picture before the network sees it, drawn afresh at every step (Lucid's transforms).

Olah et al. 2017 (Distill, "Feature Visualization", §"Transformation
robustness"): a picture that still excites the unit after being moved a few
pixels, scaled or turned a little has lost the high-frequency patterns that
work at one exact alignment only. Mordvintsev et al. 2015's DeepDream rolls
the picture by a random shift instead (:class:`Roll`).

A transform is called as ``transform(x, generator)`` on pictures
[B, C, H, W] and is differentiable, so the gradient reaches the picture
through it. :class:`Affine` draws one 2×3 map per picture from its pieces
(:class:`Jitter`, :class:`Scale`, :class:`Rotate`, in the normalized
coordinates of ``torch.nn.functional.affine_grid``), composes them and
resamples the batch once, at the same size, with the borders reflected.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch.nn import functional as F

Transform = Callable[[torch.Tensor, torch.Generator], torch.Tensor]
"""(pictures [B, C, H, W], generator) -> pictures of the same shape."""
Piece = Callable[[int, int, torch.Generator], torch.Tensor]
"""(batch, size, generator) -> affine matrices [B, 3, 3] in normalized coordinates."""


def _uniform(batch: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(batch, generator=generator)


@dataclass(frozen=True)
class Jitter:
    """A shift by a whole number of pixels, up to ``pixels`` each way in x and y."""

    pixels: int

    def __call__(self, batch: int, size: int, generator: torch.Generator) -> torch.Tensor:
        shift = torch.randint(-self.pixels, self.pixels + 1, (batch, 2), generator=generator).float() * 2 / size
        matrix = torch.eye(3).repeat(batch, 1, 1)
        matrix[:, :2, 2] = shift
        return matrix


@dataclass(frozen=True)
class Scale:
    """A zoom by a factor drawn uniformly between ``low`` and ``high``."""

    low: float
    high: float

    def __call__(self, batch: int, size: int, generator: torch.Generator) -> torch.Tensor:
        factor = _uniform(batch, self.low, self.high, generator)
        return torch.diag_embed(torch.stack([1 / factor, 1 / factor, torch.ones(batch)], dim=1))


@dataclass(frozen=True)
class Rotate:
    """A turn by up to ``degrees`` either way."""

    degrees: float

    def __call__(self, batch: int, size: int, generator: torch.Generator) -> torch.Tensor:
        angle = _uniform(batch, -self.degrees, self.degrees, generator) * math.pi / 180
        cos, sin = angle.cos(), angle.sin()
        matrix = torch.eye(3).repeat(batch, 1, 1)
        matrix[:, 0, 0], matrix[:, 0, 1], matrix[:, 1, 0], matrix[:, 1, 1] = cos, -sin, sin, cos
        return matrix


@dataclass(frozen=True)
class Affine:
    """The composition of random affine ``pieces`` (applied in order), resampled once (square pictures)."""

    pieces: tuple[Piece, ...]

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        batch, size = x.shape[0], x.shape[-1]
        matrix = torch.eye(3).repeat(batch, 1, 1)
        for piece in self.pieces:
            matrix = piece(batch, size, generator) @ matrix
        grid = F.affine_grid(matrix[:, :2].to(x.device, x.dtype), list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


@dataclass(frozen=True)
class Roll:
    """A circular shift of the whole batch by up to ``pixels`` each way (DeepDream's jitter)."""

    pixels: int

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        shift = torch.randint(-self.pixels, self.pixels + 1, (2,), generator=generator).tolist()
        return torch.roll(x, shift, dims=(2, 3))


def standard(size: int) -> tuple[Transform, ...]:
    """Lucid's standard transforms (jitter 8 px, scale 0.9–1.1, rotate ±10°, jitter 4 px at 224 px) at ``size``."""
    pixels = size / 224
    return (Affine((Jitter(max(1, round(8 * pixels))), Scale(0.9, 1.1), Rotate(10.0),
                    Jitter(max(1, round(4 * pixels))))),)


def compose(transforms: Sequence[Transform]) -> Transform:
    """One transform applying ``transforms`` in order (none: the pictures themselves)."""
    transforms = tuple(transforms)

    def apply(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        for transform in transforms:
            x = transform(x, generator)
        return x

    return apply
