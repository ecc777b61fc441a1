"""Adversarial and fooling images: tiny or meaningless pictures the network is sure about.

- :func:`adversarial`: Szegedy et al. 2013 ("Intriguing properties of neural
  networks") found imperceptible changes that flip a prediction; Goodfellow,
  Shlens & Szegedy 2014 ("Explaining and Harnessing Adversarial Examples")
  take one step along the sign of the gradient. Here the iterative, targeted
  form (Kurakin, Goodfellow & Bengio 2016): steps of ``step_size`` levels
  along the sign of the gradient of the target's log-probability (the
  ``"sign"`` optimizer), each projected back into the L∞ ball of ``epsilon``
  levels (0–255) around the image and to real pixels.
- :func:`fooling`: Nguyen, Yosinski & Clune 2014 ("Deep Neural Networks are
  Easily Fooled") made unrecognisable images classified with ≥ 99 %
  confidence; here by the same signed steps from uniform noise, with no
  budget, until the target's probability reaches ``confidence``.

Both work at the network's input size and report the picture rounded to
whole pixel levels, exactly as it is downloaded: ``parts["probability"]``
and ``parts["predicted"]`` are the network's output on that picture.
"""
from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import torch
from PIL import Image

from vizcore.core.model import Model
from vizcore.core.progress import Step
from vizcore.optvis import Pixels, objectives, pixels, render


def adversarial(m: Model, img: Image.Image, target: int, epsilon: float = 4, steps: int = 10,
                step_size: float | None = None) -> Iterator[Step]:
    """Change ``img`` (as the network sees it) by at most ``epsilon`` levels per pixel until it reads as ``target``.

    ``step_size`` None: ``2.5 · epsilon / steps`` (Madry et al. 2018). Yields
    a :class:`Step` after every step; the picture never differs from
    ``m.view(img)`` by more than ``floor(epsilon)`` levels.
    """
    target = objectives.checked_class(m, target)
    if epsilon <= 0 or steps < 1:
        raise ValueError("An adversarial image needs a budget above 0 levels and at least one step.")
    budget = math.floor(epsilon)
    if budget < 1:
        raise ValueError("The budget is in whole levels of 0–255: give at least 1.")
    step_size = 2.5 * epsilon / steps if step_size is None else step_size
    image = Pixels.caffe(m, pixels.to_tensor(m.view(img), device=m.device))  # whole levels, as it is shown
    low, high = image.leaf.detach() - budget, image.leaf.detach() + budget

    def within_budget(u: torch.Tensor, grad: torch.Tensor, i: int) -> torch.Tensor:
        return torch.maximum(torch.minimum(u, high), low)

    yield from _scored(m, target, render(m, objectives.log_probability(target), image, steps, "sign", step_size,
                                         constraints=[within_budget], every=1, start=False))


def fooling(m: Model, target: int, steps: int = 100, confidence: float = 0.99, step_size: float = 1.0,
            seed: int = 0) -> Iterator[Step]:
    """From uniform noise to a picture that the network gives ``target`` with ``confidence``; stops when it does."""
    target = objectives.checked_class(m, target)
    if not 0 < confidence < 1 or steps < 1 or step_size <= 0:
        raise ValueError("A fooling image needs a confidence between 0 and 1, at least one step and a step above 0.")
    noise = torch.rand((1, 3, m.input_size, m.input_size), generator=torch.Generator().manual_seed(int(seed)))
    image = Pixels.caffe(m, noise.to(m.device))
    for step in _scored(m, target, render(m, objectives.log_probability(target), image, steps, "sign", step_size,
                                          every=1, start=False)):
        yield step
        if step.parts["probability"] >= confidence:
            return


def difference(original: Image.Image, changed: Image.Image, gain: float = 1.0) -> Image.Image:
    """``changed − original`` times ``gain`` around mid grey (128 = unchanged), clipped to 0–255."""
    delta = np.asarray(changed, dtype=np.float32) - np.asarray(original, dtype=np.float32)
    return Image.fromarray(np.clip(128 + gain * delta, 0, 255).round().astype(np.uint8))


def _scored(m: Model, target: int, steps: Iterator[Step]) -> Iterator[Step]:
    """The steps as the rounded picture scores them (``Model.probabilities`` of the picture itself)."""
    for step in steps:
        probabilities = m.probabilities(step.image)
        p = float(probabilities[target])
        yield Step(step.i, step.total, -math.log(max(p, 1e-30)), step.image,
                   {"probability": p, "predicted": int(np.argmax(probabilities))}, step.images)
