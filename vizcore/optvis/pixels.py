"""Pictures as tensors: RGB in [0, 1], any size — the one unit the optimisation loop works in.

Every conversion between a picture and a tensor that synthesis and style
need is here, once: a PIL picture to [1, 3, H, W] in [0, 1]
(:func:`to_tensor`, resized by :func:`fitted` when asked), back to pictures
(:func:`to_pictures`, rounded as ``Model.deprocess`` rounds), to and from the
network's normalized input (:func:`to_input`, :func:`from_input`); a batch of
pictures as one is ``vizcore.activations.grids.montage``. The exact input of a
picture already at the network's size is ``Model.preprocess``.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from PIL import Image

from vizcore.core.model import Model

MIN_SIDE = 32
"""The smallest side :func:`fitted` makes: the deepest layers of a loss network still have a few positions."""


def stats(m: Model) -> tuple[torch.Tensor, torch.Tensor]:
    """The model's mean and std [3, 1, 1] on its device (its preprocessing's own, made once; never written to)."""
    _, mean, std = m.preprocessing.constants(m.device)
    return mean, std


def to_input(m: Model, x: torch.Tensor) -> torch.Tensor:
    """Pictures [B, 3, H, W] in [0, 1] -> the network's normalized input ``(x − mean) / std`` (differentiable; one
    operation, ``x · (1 / std) − mean / std``, and one back, in every optimisation step)."""
    scale, shift = _normalization(m.preprocessing, torch.device(m.device))
    return torch.addcmul(shift, x, scale)


@lru_cache(maxsize=16)
def _normalization(preprocessing, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """1 / std and −mean / std [3, 1, 1] on ``device``, made once (outside inference mode, for autograd)."""
    _, mean, std = preprocessing.constants(device)
    with torch.inference_mode(False):
        return 1 / std, -mean / std


def from_input(m: Model, x: torch.Tensor) -> torch.Tensor:
    """The network's normalized input -> pictures in [0, 1] (not clipped)."""
    mean, std = stats(m)
    return x * std + mean


def of_image(m: Model, img: Image.Image) -> torch.Tensor:
    """A PIL image as the network sees it (``Model.preprocess``: resized and cropped unless it has the input
    size), in [0, 1], [1, 3, H, W] on the model's device."""
    return from_input(m, m.preprocess(img))


def fitted(img: Image.Image, size: int) -> Image.Image:
    """``img`` resized so that its longer side is ``size`` pixels (its shorter side at least ``MIN_SIDE``)."""
    w, h = img.size
    scale = size / max(w, h)
    fit = (max(MIN_SIDE, round(w * scale)), max(MIN_SIDE, round(h * scale)))
    return img.convert("RGB").resize(fit, Image.Resampling.LANCZOS) if fit != img.size else img.convert("RGB")


def to_tensor(img: Image.Image, size: int | None = None, device: torch.device | str = "cpu") -> torch.Tensor:
    """PIL -> [1, 3, H, W] float32 in [0, 1] at the picture's own size (or :func:`fitted` to ``size``)."""
    img = fitted(img, size) if size else img.convert("RGB")
    return torch.from_numpy(np.asarray(img, dtype=np.float32) / 255).permute(2, 0, 1).unsqueeze(0).to(device)


def to_pictures(x: torch.Tensor) -> list[Image.Image]:
    """[B, 3, H, W] in [0, 1] -> one PIL RGB picture per image (clipped, rounded to the nearest level)."""
    arrays = (x.detach().float().clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
    return [Image.fromarray(a) for a in arrays]

