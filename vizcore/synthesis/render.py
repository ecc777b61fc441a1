"""The gradient-ascent loop that class models, unit visualisations and layer mosaics share (Lucid's render_vis).

:func:`ascend` climbs an :class:`~.objectives.Objective` over a batch of
images written down by a parameterisation (:mod:`.parameterisations`):
each step it draws the random transforms (:mod:`.transforms`), runs the
network once, takes the gradient with respect to the image only (the shared
model's parameters have none), steps, and for pixels applies Yosinski et
al.'s regularisers (:mod:`.regularisers`) and keeps the pixels real (0–255).
Every ``every`` steps it yields a :class:`~vizcore.optvis.regularizers.Step` with the
current picture(s) and the score(s) the step measured (on the transformed
image, before its own update; the last step makes no update, so its score
is that of the final picture).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

from vizcore.core.model import Model
from vizcore.core.progress import Step
from vizcore.synthesis.objectives import Objective
from vizcore.synthesis.parameterisations import Fourier, Pixels
from vizcore.synthesis.pixels import clip, to_images, to_input
from vizcore.synthesis.regularisers import Regularisers
from vizcore.synthesis.transforms import Transform, apply, standard

STARTS = ("zeros", "noise")
"""Where pixel ascent starts: the mean colour, or Gaussian noise of 10 pixels' standard deviation (the toolbox's
``mean_plus_rand``)."""
PARAMETERISATIONS = ("pixels", "fourier")
REPORTS = 25
"""How many steps report by default (a :class:`Step` every ``steps / REPORTS`` steps)."""


def parameterisation(m: Model, kind: str, batch: int, start: str, generator: torch.Generator,
                     lr: float) -> Pixels | Fourier:
    """The image(s) to optimise: ``kind`` one of :data:`PARAMETERISATIONS`, pixels from ``start`` (:data:`STARTS`)."""
    size = m.input_size
    if kind == "fourier":
        return Fourier(m, batch, size, generator, lr=lr)
    if kind != "pixels":
        raise ValueError(f"Unknown parameterisation {kind!r}; choose one of {', '.join(PARAMETERISATIONS)}.")
    if start not in STARTS:
        raise ValueError(f"Unknown start {start!r}; choose one of {', '.join(STARTS)}.")
    u = torch.zeros(batch, 3, size, size)
    if start == "noise":
        u = 10 * torch.randn(u.shape, generator=generator)
    return Pixels(clip(m, u.to(m.device)))


def transforms_for(m: Model, transforms: bool | Sequence[Transform]) -> tuple[Transform, ...]:
    """``True``: Lucid's standard transforms at the model's input size; ``False``: none; or the ones given."""
    if transforms is True:
        return standard(m.input_size)
    return tuple(transforms or ())


def ascend(m: Model, objective: Objective, image: Pixels | Fourier, steps: int, lr: float,
           regularisers: Regularisers = Regularisers(), l2: float = 0.0, transforms: Sequence[Transform] = (),
           generator: torch.Generator | None = None, every: int | None = None) -> Iterator[Step]:
    """Maximise ``objective`` over ``image`` for ``steps`` steps of rate ``lr``; yields a :class:`Step` every ``every``.

    ``l2``: Simonyan et al.'s penalty, the objective minus ``l2 · ‖x‖²`` on
    centred pixels. Pixels climb the gradient ``d`` of that by
    ``lr · d / mean|d|`` (per image): the average pixel moves ``lr`` levels
    of 0–255 per step, whatever the scale of the network's gradients (the
    normalisation of Mordvintsev et al.'s DeepDream). A spectrum takes an
    Adam step of rate ``lr``. Step ``parts``: ``"score"`` (a float, or a
    list with one per image of a batch).
    """
    if steps < 1 or lr <= 0:
        raise ValueError("Gradient ascent needs at least one step and a learning rate above 0.")
    pixels = isinstance(image, Pixels)
    if not pixels and regularisers != Regularisers():
        raise ValueError("Yosinski's regularisers act on pixels; choose the pixel parameterisation to use them.")
    generator = generator or torch.Generator().manual_seed(0)
    every = every or max(1, steps // REPORTS)
    for i in range(steps):
        scores, grad, u = _gradient(m, objective, image, l2, transforms, generator)
        last = i == steps - 1
        if not last:
            if pixels:
                _pixel_step(m, image, grad, u, i, lr, l2, regularisers)
            else:
                image.ascend([grad], lr)
        if last or (i + 1) % every == 0:
            values = scores.tolist()
            loss = float(-scores.mean() + l2 * u.pow(2).flatten(1).sum(1).mean())
            current = image.image().detach() if not last else u
            pictures = to_images(m, current)
            yield Step(i + 1, steps, loss, pictures if len(pictures) > 1 else pictures[0],
                       {"score": values if len(values) > 1 else values[0]})


@torch.enable_grad()
def _gradient(m: Model, objective: Objective, image: Pixels | Fourier, l2: float, transforms: Sequence[Transform],
              generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The scores [B], the gradient (of the score alone for pixels, of score − penalty for a spectrum), the pixels."""
    u = image.image()
    scores = objective(m, to_input(m, apply(u, transforms, generator)))
    if isinstance(image, Pixels):
        (grad,) = torch.autograd.grad(scores.sum(), u)
    else:
        penalty = l2 * u.pow(2).flatten(1).sum(1) if l2 else 0.0
        (grad,) = torch.autograd.grad((scores - penalty).sum(), image.parameters())
    return scores.detach(), grad, u.detach()


def _pixel_step(m: Model, image: Pixels, grad: torch.Tensor, u: torch.Tensor, i: int, lr: float, l2: float,
                regularisers: Regularisers) -> None:
    """``u += lr · d / mean|d|`` for ``d = ∂score/∂u − 2 l2 u``; then the regularisers and 0–255."""
    direction = grad - 2 * l2 * u if l2 else grad
    image.ascend([direction], lr / direction.abs().mean(dim=(1, 2, 3), keepdim=True).clamp_min(1e-20))
    image.assign(clip(m, regularisers.apply(image.image().detach(), grad, i)))
