"""Pictures as the optimised tensors: RGB in [0, 1] at any size (not the classifier's crop)."""
from __future__ import annotations

import numpy as np
import torch
from PIL import Image

MIN_SIDE = 32
"""The smallest side a picture is made at: the loss networks' deepest style layers still have a few positions."""


def fitted(img: Image.Image, size: int) -> Image.Image:
    """``img`` resized so that its longer side is ``size`` pixels (its shorter side at least ``MIN_SIDE``)."""
    w, h = img.size
    scale = size / max(w, h)
    fit = (max(MIN_SIDE, round(w * scale)), max(MIN_SIDE, round(h * scale)))
    return img.convert("RGB").resize(fit, Image.Resampling.LANCZOS) if fit != img.size else img.convert("RGB")


def to_tensor(img: Image.Image, size: int | None = None, device: torch.device | str = "cpu") -> torch.Tensor:
    """PIL -> [1, 3, H, W] float32 in [0, 1] (resized with :func:`fitted` when ``size`` is given)."""
    img = fitted(img, size) if size else img.convert("RGB")
    return torch.from_numpy(np.asarray(img, dtype=np.float32) / 255).permute(2, 0, 1).unsqueeze(0).to(device)


def to_images(x: torch.Tensor) -> list[Image.Image]:
    """[B, 3, H, W] in [0, 1] -> a list of PIL RGB images (clipped, rounded)."""
    arrays = (x.detach().float().clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
    return [Image.fromarray(a) for a in arrays]
