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
from PIL import Image
from torchvision.transforms.functional import gaussian_blur

from vizcore.core.model import Model
from vizcore.core.progress import Progress
from vizcore.attribution.targets import Target, as_input, grey, resolve, scorer

BASELINES = ("black", "blur", "noise")
"""Baselines of integrated gradients: a black image (in pixels, before normalisation), the image blurred, noise."""


def saliency(m: Model, img: Image.Image | torch.Tensor, target: Target = None) -> np.ndarray:
    """Simonyan et al.'s saliency map [H, W] >= 0: ``|∂score/∂x|``, maximum over RGB."""
    x = as_input(m, img)
    score = scorer(m, resolve(m, x, target))
    with torch.enable_grad():
        grads = Saliency(score).attribute(x.requires_grad_(), abs=True)
    return grads[0].amax(dim=0).cpu().numpy()


def smoothgrad(m: Model, img: Image.Image | torch.Tensor, target: Target = None, noise: float = 0.15,
               samples: int = 50, batch_size: int = 16, seed: int = 0, progress: Progress | None = None) -> np.ndarray:
    """SmoothGrad [H, W] >= 0: ``|∂score/∂x|`` averaged over noisy copies, then the maximum over RGB.

    The noise is ``torch.randn(samples, 3, H, W, generator=torch.Generator().manual_seed(seed))``
    times ``noise * (x.max() - x.min())`` of the preprocessed image ``x``
    (Smilkov et al. recommend 10–20 %). ``batch_size`` copies go through the
    network at a time; ``progress(done, samples)`` follows each batch.
    """
    if samples < 1 or noise < 0:
        raise ValueError("SmoothGrad needs at least one sample and a noise level of 0 or more.")
    x = as_input(m, img)
    score = scorer(m, resolve(m, x, target))
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


def baseline_image(m: Model, img: Image.Image | torch.Tensor, kind: str = "black", seed: int = 0) -> torch.Tensor:
    """A baseline input [1, 3, H, W] for integrated gradients, normalised like the image.

    ``"black"``: pixels (0, 0, 0), i.e. ``-mean / std`` after normalisation,
    not zeros (zeros are the training set's mean colour). ``"blur"``: the
    image under a Gaussian blur of σ = a twentieth of its side, which keeps
    colours and removes edges (Sturmfels, Lundberg & Lee 2020). ``"noise"``:
    uniformly random pixels, reproducible with ``seed``.
    """
    x = as_input(m, img)
    if kind == "black":
        return grey(m, 0).expand_as(x).clone()
    if kind == "blur":
        sigma = x.shape[-1] / 20
        return gaussian_blur(x, kernel_size=2 * math.ceil(3 * sigma) + 1, sigma=sigma)
    if kind == "noise":
        pixels = torch.rand(x.shape, generator=torch.Generator().manual_seed(seed)).to(x.device)
        return grey(m, 0) + pixels * (grey(m, 255) - grey(m, 0))
    raise ValueError(f"Unknown baseline {kind!r}; choose one of {', '.join(BASELINES)}.")


def integrated_gradients(m: Model, img: Image.Image | torch.Tensor, target: Target = None, steps: int = 50,
                         baseline: str = "black", batch_size: int = 16, seed: int = 0,
                         progress: Progress | None = None) -> np.ndarray:
    """Integrated gradients [H, W], signed, summed over RGB: its total is score(image) − score(baseline).

    ``steps`` points of the path (Gauss–Legendre, Captum's default), ``batch_size``
    of them through the network at a time; ``progress(done, total)`` counts
    the batches. ``baseline`` (one of :data:`BASELINES`) and ``seed``: see :func:`baseline_image`.
    """
    if steps < 1:
        raise ValueError("Integrated gradients need at least one step.")
    x = as_input(m, img)
    score = scorer(m, resolve(m, x, target))
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
