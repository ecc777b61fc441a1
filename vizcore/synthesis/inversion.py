"""Feature inversion: what image has these features? What a layer keeps of the picture, and what it throws away.

Mahendran & Vedaldi 2015 ("Understanding Deep Image Representations by
Inverting Them", eq. 1–3): starting from noise, find the image ``x`` that
minimises ``‖Φ(x) − Φ₀‖² / ‖Φ₀‖² + tv_weight · TV_β(x)``, where ``Φ₀`` are
the chosen layer's features of the real image
(:func:`vizcore.optvis.objectives.feature_distance`) and ``TV_β`` the total
variation prior (:func:`vizcore.optvis.regularizers.total_variation`) of ``x`` in
[0, 1] units, divided by the number of pixels. Several layers are inverted
together, one image each, in one batch: lower layers give back the detail,
higher ones only the gist. Adam on Caffe's centred pixels (levels), kept to 0–255.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
from PIL import Image

from vizcore.core.model import Model
from vizcore.core.progress import Step
from vizcore.optvis import Pixels, objectives, pixels, render


def invert(m: Model, img: Image.Image, layer: str | Sequence[str], steps: int = 200, tv_weight: float = 0.5,
           beta: float = 2.0, lr: float = 4.0, seed: int = 0, every: int | None = None) -> Iterator[Step]:
    """Reconstruct ``img`` (as the network sees it) from ``layer``'s features, or from each of several layers.

    Yields a :class:`Step` at the start and every ``every`` steps (default:
    25 reports) with the reconstruction (``images``: one per layer; ``image``:
    the first) and ``parts["distance"]``, the relative feature distance
    ``‖Φ(x) − Φ₀‖² / ‖Φ₀‖²`` (a list for several layers). ``lr``: Adam's
    rate in levels of 0–255.
    """
    layers = [layer] if isinstance(layer, str) else list(layer)
    if not layers or steps < 1 or tv_weight < 0 or lr <= 0:
        raise ValueError("Inversion needs a layer, at least one step, a TV weight of 0 or more and a rate above 0.")
    names = [m.layer(name).name for name in layers]
    targets = m.activations_batch(m.preprocess(img), names, on_device=True)
    objective = -objectives.feature_distance(names, [targets[name][0] for name in names])
    if tv_weight:  # the term is per pixel and colour; the paper's prior sums the colours
        objective = objective - 3 * tv_weight * objectives.total_variation(beta)
    generator = torch.Generator().manual_seed(int(seed))
    noise = 10 * torch.randn((len(names), 3, m.input_size, m.input_size), generator=generator)
    start = Pixels.caffe(m, noise.to(m.device) / 255 + pixels.stats(m)[0])
    yield from render(m, objective, start, steps, "adam", lr, generator=generator, every=every)
