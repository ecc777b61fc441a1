"""Images as the optimisers here see them: pixel values 0–255 with the network's mean colour subtracted.

This is Caffe's convention, the one Yosinski et al. 2015 and Mordvintsev et
al. 2015 wrote their settings in (learning rates, jitter and L∞ budgets in
pixels): a *centred* image ``u`` [B, 3, H, W] is ``255 · (pixel − mean)``,
so zeros are the mean colour, and the network's input is ``u / (255 · std)``.
Nothing is resized here: ``u`` has the network's input size.
"""
from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from vizcore.core.model import Model


def _stats(m: Model) -> tuple[torch.Tensor, torch.Tensor]:
    """The model's mean and std [3, 1, 1] on its device (the preprocessing's own, made once; never written to)."""
    _, mean, std = m.preprocessing.constants(m.device)
    return mean, std


def to_input(m: Model, u: torch.Tensor) -> torch.Tensor:
    """Centred pixels -> the network's normalised input (differentiable)."""
    return u / (255 * _stats(m)[1])


def from_input(m: Model, x: torch.Tensor) -> torch.Tensor:
    """The network's normalised input -> centred pixels."""
    return x * (255 * _stats(m)[1])


def bounds(m: Model) -> tuple[torch.Tensor, torch.Tensor]:
    """The lowest and highest centred value of each colour ([3, 1, 1]): black and white."""
    mean = _stats(m)[0]
    return -255 * mean, 255 * (1 - mean)


def clip(m: Model, u: torch.Tensor) -> torch.Tensor:
    """``u`` limited to real pixels, 0 to 255."""
    low, high = bounds(m)
    return torch.maximum(torch.minimum(u, high), low)


def of_image(m: Model, img: Image.Image) -> torch.Tensor:
    """A PIL image as the network sees it (resized and cropped), in centred pixels [1, 3, H, W]."""
    return from_input(m, m.preprocess(img))


def exact(m: Model, picture: Image.Image) -> torch.Tensor:
    """A picture already at the network's input size, pixel for pixel (no resizing), in centred pixels."""
    if picture.size != (m.input_size, m.input_size):
        raise ValueError(f"{m.name} takes {m.input_size}×{m.input_size} pictures; this one is "
                         f"{picture.width}×{picture.height}.")
    pixels = torch.from_numpy(np.asarray(picture.convert("RGB"), dtype=np.float32)).permute(2, 0, 1)[None]
    return pixels.to(m.device) - 255 * _stats(m)[0]


def to_images(m: Model, u: torch.Tensor) -> list[Image.Image]:
    """Centred pixels [B, 3, H, W] -> one PIL RGB image per image of the batch (clipped, rounded)."""
    x = to_input(m, u.detach())
    return [m.deprocess(x[b]) for b in range(x.shape[0])]
