"""The one image <-> tensor conversion every model in vizcore uses.

It follows torchvision's ``ImageClassification`` preset (resize the short side,
centre-crop, scale to [0, 1], normalize per channel), so a torchvision model sees
what its Weights' ``transforms()`` would give it, and the built-in models are
trained with the same function they are later served with. One exception: a
picture that already has the input size is taken as it is, pixel for pixel (the
preset would enlarge a 224-pixel picture to 256 and crop it back), so the view
of an image (``Model.view``) is scored exactly as the image is.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from PIL import Image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
"""The per-channel mean and standard deviation of ImageNet's training pictures, which torchvision's weights use."""


@dataclass(frozen=True)
class Preprocessing:
    """Resize the short side to ``resize_size``, centre-crop ``crop_size``, normalize (a picture of ``crop_size``
    × ``crop_size`` is taken as it is)."""

    crop_size: int
    resize_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]

    def to_tensor(self, img: Image.Image) -> torch.Tensor:
        """PIL RGB -> float tensor [3, crop, crop], normalized."""
        return self.normalize(self.to_pixels(img))

    def to_pixels(self, img: Image.Image) -> torch.Tensor:
        """PIL RGB -> uint8 tensor [3, crop, crop]: resized and cropped, not yet normalized (a quarter of the bytes).

        A picture that is ``crop_size`` square already is neither resized nor cropped.
        """
        img = img.convert("RGB")
        if img.size != (self.crop_size, self.crop_size):
            img = self._resized_and_cropped(img)
        return torch.from_numpy(np.array(img, dtype=np.uint8)).permute(2, 0, 1)

    def _resized_and_cropped(self, img: Image.Image) -> Image.Image:
        w, h = img.size
        scale = self.resize_size / min(w, h)
        if scale != 1:
            size = (max(self.crop_size, round(w * scale)), max(self.crop_size, round(h * scale)))
            img = img.resize(size, Image.Resampling.BILINEAR, reducing_gap=None)
        w, h = img.size
        left, top = (w - self.crop_size) // 2, (h - self.crop_size) // 2
        return img.crop((left, top, left + self.crop_size, top + self.crop_size))

    def normalize(self, pixels: torch.Tensor) -> torch.Tensor:
        """uint8 pixels [..., 3, H, W] on any device -> the network's float32 input, on that device.

        The constants are tensors kept on the device: a GPU would turn a
        division by a plain number into a multiplication by its inverse,
        which can differ from the CPU's division in the last bit.
        """
        scale, mean, std = self.constants(pixels.device)
        return (pixels.float() / scale - mean) / std

    def to_image(self, x: torch.Tensor) -> Image.Image:
        """Inverse of :meth:`to_tensor` for a tensor [3, H, W] or [1, 3, H, W] -> PIL RGB."""
        x = x.detach().float().cpu().reshape(3, *x.shape[-2:])
        x = (x * self._std + self._mean).clamp(0, 1)
        return Image.fromarray((x.permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8))

    def constants(self, device: torch.device | str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """255, the mean and the std [3, 1, 1] on ``device``, made once per device and never written to."""
        return _constants(self, torch.device(device))

    @property
    def _mean(self) -> torch.Tensor:
        return torch.tensor(self.mean, dtype=torch.float32).view(3, 1, 1)

    @property
    def _std(self) -> torch.Tensor:
        return torch.tensor(self.std, dtype=torch.float32).view(3, 1, 1)


@lru_cache(maxsize=16)
def _constants(preprocessing: Preprocessing, device: torch.device) -> tuple[torch.Tensor, ...]:
    """255, the mean and the std [3, 1, 1] on ``device``, copied there once (a copy to a GPU waits for it).

    Made outside inference mode whoever asks first, so that autograd (the
    synthesis and style optimisers) may use them as well as a scan may.
    """
    with torch.inference_mode(False):
        return tuple(t.to(device) for t in (torch.tensor(255.0), preprocessing._mean, preprocessing._std))
