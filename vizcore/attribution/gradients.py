"""Attribution by the gradient of a score with respect to the pixels.

- Saliency (Simonyan, Vedaldi & Zisserman 2014, "Deep Inside Convolutional
  Networks"): ``|∂score/∂x|``, the maximum over the colour channels.
- SmoothGrad (Smilkov et al. 2017): the same averaged over copies of the image
  with Gaussian noise of standard deviation ``noise`` × (the input's range).
- Integrated gradients (Sundararajan, Taly & Yan 2017): the gradient averaged
  along the straight path from a baseline image to the image, times their
  difference; the attributions sum to score(image) − score(baseline)
  ("completeness").

The gradients come from Captum's ``Saliency`` and ``IntegratedGradients``,
which only call the function they are given (no hooks on the model), so they
are safe on a model shared between threads. Parameters keep
``requires_grad=False``: only the input receives a gradient.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from captum.attr import IntegratedGradients, Saliency
from torchvision.transforms.functional import gaussian_blur

from vizcore.attribution.targets import (
    Images,
    Targets,
    Unit,
    as_batch,
    grey,
    image_by_image,
    one_or_batch,
    resolve,
    scorer,
)
from vizcore.core.model import Model
from vizcore.core.progress import Progress

BASELINES = ("black", "blur", "noise")
"""Baselines of integrated gradients: a black image (in pixels, before normalization), the image blurred, noise."""


def saliency(m: Model, img: Images, target: Targets = None) -> np.ndarray:
    """Simonyan et al.'s saliency map [H, W] >= 0: ``|∂score/∂x|``, maximum over RGB; a batch gives [B, H, W]."""
    x, batched = as_batch(m, img)
    score = scorer(m, resolve(m, x, target, batched))
    with torch.enable_grad():
        grads = Saliency(score).attribute(x.requires_grad_(), abs=True)
    return one_or_batch(grads.amax(dim=1).cpu().numpy(), batched)


def smoothgrad(m: Model, img: Images, target: Targets = None, noise: float = 0.15, samples: int = 50,
               batch_size: int = 16, seed: int = 0, progress: Progress | None = None) -> np.ndarray:
    """SmoothGrad [H, W] >= 0 (a batch: [B, H, W]): ``|∂score/∂x|`` averaged over noisy copies, max over RGB.

    The noise is ``torch.randn(samples, 3, H, W, generator=torch.Generator().manual_seed(seed))``
    times ``noise * (x.max() - x.min())`` of the preprocessed image ``x``
    (Smilkov et al. recommend 10–20 %); every image of a batch gets the same
    draws, so its map is the one it gets alone. ``batch_size`` copies go
    through the network at a time; ``progress(done, total)`` follows each
    batch of copies (``total``: samples × images).
    """
    if samples < 1 or noise < 0:
        raise ValueError("SmoothGrad needs at least one sample and a noise level of 0 or more.")
    x, batched = as_batch(m, img)
    return image_by_image(x, batched, resolve(m, x, target, batched), progress,
                          lambda one, t, part: _smoothgrad(m, one, t, noise, samples, batch_size, seed, part))


def _smoothgrad(m: Model, x: torch.Tensor, target: int | Unit, noise: float, samples: int, batch_size: int,
                seed: int, progress: Progress | None) -> np.ndarray:
    """SmoothGrad of one image [1, 3, H, W] -> [H, W]."""
    score = scorer(m, target)
    sigma = noise * float(x.max() - x.min())
    draws = torch.randn(samples, *x.shape[1:], generator=torch.Generator().manual_seed(seed)).to(x.device) * sigma
    total = torch.zeros_like(x[0])
    for start in range(0, samples, batch_size):
        batch = (x + draws[start:start + batch_size]).requires_grad_()
        with torch.enable_grad():
            total += Saliency(score).attribute(batch, abs=True).sum(dim=0)
        if progress:
            progress(min(start + batch_size, samples), samples)
    return (total / samples).amax(dim=0).cpu().numpy()


def baseline_image(m: Model, img: Images, kind: str = "black", seed: int = 0) -> torch.Tensor:
    """A baseline input [B, 3, H, W] (B = 1 for one image) for integrated gradients, normalized like the image.

    ``"black"``: pixels (0, 0, 0), i.e. ``-mean / std`` after normalization,
    not zeros (zeros are the training set's mean colour). ``"blur"``: the
    image under a Gaussian blur of σ = a twentieth of its side, which keeps
    colours and removes edges (Sturmfels, Lundberg & Lee 2020). ``"noise"``:
    uniformly random pixels, reproducible with ``seed``, the same for every
    image of a batch.
    """
    x, _ = as_batch(m, img)
    if kind == "black":
        return grey(m, 0).expand_as(x).clone()
    if kind == "blur":
        sigma = x.shape[-1] / 20
        return gaussian_blur(x, kernel_size=2 * math.ceil(3 * sigma) + 1, sigma=sigma)
    if kind == "noise":
        pixels = torch.rand((1, *x.shape[1:]), generator=torch.Generator().manual_seed(seed)).to(x.device)
        return (grey(m, 0) + pixels * (grey(m, 255) - grey(m, 0))).expand_as(x).clone()
    raise ValueError(f"Unknown baseline {kind!r}; choose one of {', '.join(BASELINES)}.")


def integrated_gradients(m: Model, img: Images, target: Targets = None, steps: int = 50, baseline: str = "black",
                         batch_size: int = 16, seed: int = 0, progress: Progress | None = None) -> np.ndarray:
    """Integrated gradients [H, W] (a batch: [B, H, W]), signed, summed over RGB: an image's map adds up to
    score(image) − score(baseline).

    ``steps`` points of the path (Gauss–Legendre, Captum's default), ``batch_size``
    of them through the network at a time; ``progress(done, total)`` counts
    those batches (``total``: over all images). ``baseline`` (one of
    :data:`BASELINES`) and ``seed``: see :func:`baseline_image`.
    """
    if steps < 1:
        raise ValueError("Integrated gradients need at least one step.")
    x, batched = as_batch(m, img)
    return image_by_image(x, batched, resolve(m, x, target, batched), progress,
                          lambda one, t, part: _integrated_gradients(m, one, t, steps, baseline, batch_size, seed,
                                                                     part))


def _integrated_gradients(m: Model, x: torch.Tensor, target: int | Unit, steps: int, baseline: str,
                          batch_size: int, seed: int, progress: Progress | None) -> np.ndarray:
    """Integrated gradients of one image [1, 3, H, W] -> [H, W]."""
    score = scorer(m, target)
    reference = baseline_image(m, x, baseline, seed)
    total, done = math.ceil(steps / batch_size), 0

    def forward(batch: torch.Tensor) -> torch.Tensor:
        nonlocal done
        out = score(batch)
        done += 1
        if progress:
            progress(done, total)
        return out

    with torch.enable_grad():
        attributions = IntegratedGradients(forward).attribute(x, baselines=reference, n_steps=steps,
                                                              internal_batch_size=batch_size)
    return attributions[0].sum(dim=0).detach().cpu().numpy()
