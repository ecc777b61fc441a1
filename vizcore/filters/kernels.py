"""A convolution's weights as pictures.

The first layer's filters act on RGB pixels, so each one can be shown as a
small colour image: the "AlexNet: 64×3×11×11" slide (Krizhevsky, Sutskever &
Hinton 2012, fig. 3), each filter stretched to its own range. Filters of later
layers act on feature maps, so their weights are shown per input channel in
grey (zero is mid-grey) — and say little: Zeiler & Fergus 2014 visualise
those layers through their activations instead.
"""
from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from torch import nn

from vizcore.activations import grids
from vizcore.core.layers import Layer
from vizcore.core.model import Model


def conv_layers(model: Model) -> list[Layer]:
    """The model's 2-D convolutions, in forward order (none for a TorchScript model)."""
    modules = dict(model.module.named_modules())
    return [layer for layer in model.layers if isinstance(modules.get(layer.name), nn.Conv2d)]


def weight(model: Model, layer: Layer) -> torch.Tensor:
    """The layer's filters [out channels, in channels per group, kh, kw] (cpu, float32)."""
    return model.module.get_submodule(layer.name).weight.detach().float().cpu()


def first_rgb_layer(model: Model) -> Layer | None:
    """The first convolution that reads the three colour channels, if any."""
    return next((layer for layer in conv_layers(model) if weight(model, layer).shape[1] == 3), None)


def rgb_tiles(w: torch.Tensor, shared: bool = False) -> np.ndarray:
    """Filters [O, 3, kh, kw] as colour tiles uint8 [O, kh, kw, 3].

    Each filter is stretched from its own minimum (black) to its own maximum
    (white) so its pattern shows; ``shared`` uses the minimum and maximum of all
    the filters instead, so their strengths can be compared.
    """
    if w.dim() != 4 or w.shape[1] != 3:
        raise ValueError(f"Colour tiles need filters [O, 3, kh, kw], got {tuple(w.shape)}.")
    dims = (0, 1, 2, 3) if shared else (1, 2, 3)
    lo, hi = w.amin(dim=dims, keepdim=True), w.amax(dim=dims, keepdim=True)
    x = (w - lo) / (hi - lo).clamp_min(1e-12)
    return (x.permute(0, 2, 3, 1).numpy() * 255 + 0.5).astype(np.uint8)


def rgb_grid(w: torch.Tensor, shared: bool = False, width: int = 640) -> tuple[Image.Image, grids.TileLayout]:
    """All first-layer filters as one picture of colour tiles, filter 0 top left."""
    return grids.tile(rgb_tiles(w, shared), width=width)


def kernels(w: torch.Tensor, out_channel: int | None = None) -> torch.Tensor:
    """Maps [N, kh, kw] to draw: filter ``out_channel``'s weights per input channel, or (None) every
    filter averaged over its inputs."""
    if out_channel is None:
        return w.mean(dim=1)
    if not 0 <= out_channel < len(w):
        raise IndexError(f"The layer has {len(w)} filters; there is no filter {out_channel}.")
    return w[out_channel]


def kernel_grid(maps: torch.Tensor, shared: bool = False, width: int = 640) -> tuple[Image.Image, grids.TileLayout]:
    """Kernel maps [N, kh, kw] in grey, zero at mid-grey, each tile to its own range unless ``shared``."""
    return grids.grid(maps, "gray", boost=0.0 if shared else 1.0, symmetric=True, width=width)


def norms(w: torch.Tensor) -> np.ndarray:
    """The L2 norm of each filter [O]."""
    return torch.linalg.vector_norm(w.flatten(1), dim=1).numpy()
