"""One layer's response to one image, unit by unit.

What the Deep Visualization Toolbox (Yosinski et al. 2015) reports for the
unit under the cursor: its map enlarged and laid over the input, where it
peaks, how it ranks among the layer's channels, which channels fire most;
and, for the layer, how its values spread and how many a ReLU silenced.
Zeiler & Fergus 2014 rank a layer's channels the same way, by their
strongest activation.

A *unit* is a channel of a feature map [C, H, W] or an element of a vector
[D]; a channel's strength is its maximum over positions.
"""
from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from torch.nn import functional as F

from vizcore.activations.grids import colorize
from vizcore.core.model import ranked


def strengths(acts: torch.Tensor) -> torch.Tensor:
    """Each unit's strength [C]: a channel's maximum over positions, or a vector's values."""
    return acts.flatten(1).amax(dim=1) if acts.dim() == 3 else acts.flatten()


def top(acts: torch.Tensor, n: int) -> list[tuple[int, float]]:
    """The ``n`` strongest units as (unit, strength), strongest first (ties: lower index first)."""
    s = strengths(acts)
    order = torch.argsort(s, descending=True, stable=True)[:n]
    return [(int(u), float(s[u])) for u in order]


def rank(acts: torch.Tensor, unit: int) -> int:
    """1 for the layer's strongest unit, 2 for the next, ... (ties share the better rank)."""
    s = strengths(acts)
    return int((s > s[unit]).sum()) + 1


def peak(channel_map: torch.Tensor) -> tuple[float, int, int]:
    """(value, y, x) of a map's maximum (the first one in reading order)."""
    flat = int(torch.argmax(channel_map))
    y, x = divmod(flat, channel_map.shape[-1])
    return float(channel_map.flatten()[flat]), y, x


def zero_fraction(acts: torch.Tensor) -> float:
    """Share of values that are exactly zero (after a ReLU: the silenced units)."""
    return float((acts == 0).float().mean())


def histogram(acts: torch.Tensor, bins: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """(counts [bins], edges [bins + 1]) of all the layer's values."""
    values = acts.flatten().numpy()
    return np.histogram(values, bins=bins)


def upsample(channel_map: torch.Tensor, size: int) -> np.ndarray:
    """A map [H, W] stretched bilinearly over the model's input, [size, size].

    A map of a convolutional layer covers the whole (square) input, cell (i, j)
    the block of pixels around ((i + 0.5) size / H, (j + 0.5) size / W), so
    its hot spots land where in the image they come from.
    """
    x = channel_map.float()[None, None]
    return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)[0, 0].numpy()


def overlay(image: Image.Image, channel_map: torch.Tensor, colormap: str = "viridis",
            alpha: float = 0.7) -> Image.Image:
    """A map upsampled onto ``image`` (the model's input, square): colour where it is hot, the photo where not.

    The map is scaled by its positive maximum; a pixel takes
    ``alpha * v`` of the colormap's colour and the rest from the image, so
    zero or negative activation leaves the picture as it is.
    """
    v = upsample(channel_map, image.size[0])
    v = np.clip(v / v.max(), 0.0, 1.0) if v.max() > 0 else np.zeros_like(v)
    weight = (alpha * v)[..., None]
    blended = (1 - weight) * np.asarray(image.convert("RGB"), dtype=np.float32) + weight * colorize(v, colormap)
    return Image.fromarray(np.round(blended).astype(np.uint8))


def top_classes(logits: torch.Tensor, categories: list[str], k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` most probable (class, softmax probability) of an output layer's values, most probable first."""
    return ranked(torch.softmax(logits.float().flatten(), dim=0), categories, k)
