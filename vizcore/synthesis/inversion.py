"""Feature inversion: what image has these features? What a layer keeps of the picture, and what it throws away.

Mahendran & Vedaldi 2015 ("Understanding Deep Image Representations by
Inverting Them", eq. 1–3): starting from noise, find the image ``x`` that
minimises ``‖Φ(x) − Φ₀‖² / ‖Φ₀‖² + tv_weight · TV_β(x)``, where ``Φ₀`` are
the chosen layer's features of the real image and ``TV_β`` the total
variation prior (:func:`vizcore.optvis.regularizers.total_variation`) of ``x`` in
[0, 1] units, divided by the number of pixels. Several layers are inverted
together, one image each, in one batch: lower layers give back the detail,
higher ones only the gist. Adam on the centred pixels, kept to 0–255.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
from PIL import Image

from vizcore.core.model import Model
from vizcore.core.progress import Step
from vizcore.optvis.regularizers import total_variation
from vizcore.synthesis.objectives import feature_match
from vizcore.synthesis.pixels import clip, of_image, to_images, to_input


def invert(m: Model, img: Image.Image, layer: str | Sequence[str], steps: int = 200, tv_weight: float = 0.5,
           beta: float = 2.0, lr: float = 4.0, seed: int = 0, every: int | None = None) -> Iterator[Step]:
    """Reconstruct ``img`` (as the network sees it) from ``layer``'s features, or from each of several layers.

    Yields a :class:`Step` every ``every`` steps (default: 25 reports) with
    the reconstruction (a list for several layers) and ``parts["distance"]``,
    the relative feature distance ``‖Φ(x) − Φ₀‖² / ‖Φ₀‖²`` (a list for
    several layers). ``lr``: Adam's rate in levels of 0–255.
    """
    layers = [layer] if isinstance(layer, str) else list(layer)
    if not layers or steps < 1 or tv_weight < 0 or lr <= 0:
        raise ValueError("Inversion needs a layer, at least one step, a TV weight of 0 or more and a rate above 0.")
    names = [m.layer(name).name for name in layers]
    real = of_image(m, img)
    with torch.inference_mode():
        targets = m.activations_batch(to_input(m, real), names)
    objective = feature_match(names, [targets[name][0].to(m.device) for name in names])
    generator = torch.Generator().manual_seed(int(seed))
    u = clip(m, 10 * torch.randn((len(names), *real.shape[1:]), generator=generator).to(m.device))
    u.requires_grad_()
    optimiser = torch.optim.Adam([u], lr=lr)
    every = every or max(1, steps // 25)
    pixels = real.shape[-1] * real.shape[-2]
    for i in range(steps):
        distance, loss = _step(m, objective, u, optimiser, tv_weight, beta, pixels)
        if (i + 1) % every == 0 or i == steps - 1:
            pictures = to_images(m, u)
            values = distance.tolist()
            yield Step(i + 1, steps, loss, pictures if len(pictures) > 1 else pictures[0],
                       {"distance": values if len(values) > 1 else values[0]})


@torch.enable_grad()
def _step(m: Model, objective, u: torch.Tensor, optimiser: torch.optim.Optimizer, tv_weight: float, beta: float,
          pixels: int) -> tuple[torch.Tensor, float]:
    """One Adam step; the feature distances [B] before it and the mean loss."""
    distance = -objective(m, to_input(m, u))
    prior = total_variation(u / 255, beta) / pixels
    loss = (distance + tv_weight * prior).sum()
    optimiser.zero_grad()
    loss.backward(inputs=[u])
    optimiser.step()
    with torch.no_grad():
        u.copy_(clip(m, u))
    return distance.detach(), float(loss.detach()) / u.shape[0]
