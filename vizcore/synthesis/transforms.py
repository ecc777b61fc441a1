"""Random jitter, scaling and rotation of the image at every step (Lucid's transforms).

Olah et al. 2017 (Distill, "Feature Visualization", §"Transformation
robustness"): an image that still excites the unit after being moved a few
pixels, scaled or turned a little has lost the high-frequency patterns that
work at one exact alignment only. Each transform here draws one random
2×3 affine map per image (in the normalised coordinates of
``torch.nn.functional.affine_grid``); :func:`apply` composes them and
resamples the batch once, differentiably, at the same size, with the
border pixels reflected.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch.nn import functional as F

Transform = Callable[[int, int, torch.Generator], torch.Tensor]
"""(batch, size, generator) -> affine matrices [B, 3, 3] in normalised coordinates."""


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


def standard(size: int) -> tuple[Transform, ...]:
    """Lucid's standard transforms (jitter 8 px, scale 0.9–1.1, rotate ±10°, jitter 4 px at 224 px) at ``size``."""
    pixels = size / 224
    return (Jitter(max(1, round(8 * pixels))), Scale(0.9, 1.1), Rotate(10.0), Jitter(max(1, round(4 * pixels))))


def apply(x: torch.Tensor, transforms: Sequence[Transform], generator: torch.Generator) -> torch.Tensor:
    """``x`` [B, C, H, W] (H = W) under one random draw of every transform, composed; ``x`` itself when none."""
    if not transforms:
        return x
    batch, size = x.shape[0], x.shape[-1]
    matrix = torch.eye(3).repeat(batch, 1, 1)
    for transform in transforms:
        matrix = transform(batch, size, generator) @ matrix
    grid = F.affine_grid(matrix[:, :2].to(x.device, x.dtype), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
