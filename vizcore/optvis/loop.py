"""The one optimisation loop under synthesis and style (Lucid's ``render_vis``).

:func:`render` maximises an :class:`~.objectives.Objective` over the
pictures a :mod:`parametrization <.parametrizations>` stands for. Each step
draws the random :mod:`.transforms`, runs the network once (to the deepest
layer the objective reads), takes the gradient with respect to the leaf
tensors only (a shared model's parameters have none), lets the
:mod:`optimizer <.optimizers>` step, applies the post-step ``constraints``
(e.g. Yosinski et al.'s :class:`~.regularizers.Regularizers`, an L∞ budget)
and keeps the pixels real. L-BFGS runs its iterations inside one call per
report, with no constraints between them (use no random transforms with it).

It yields a :class:`vizcore.Step` at the start (``Step.i`` = 0, unless
``start=False``), every ``every`` steps and at the end; ``Step.i`` is the
number of steps taken, ``image`` the picture(s) after them and ``parts``
every term of the objective measured on that very picture (on its
transformed view, as the step saw it; the last report measures the result
itself, untransformed, with one forward pass). Nothing else is synchronised
with the device between reports, and pictures are only made for reports.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import torch
from PIL import Image

from vizcore.core.model import Model
from vizcore.core.progress import Step
from vizcore.optvis import optimizers
from vizcore.optvis.objectives import Objective
from vizcore.optvis.parametrizations import Parametrization, Pixels
from vizcore.optvis.transforms import Transform, compose

REPORTS = 25
"""How many steps report by default (a :class:`Step` every ``steps / REPORTS`` steps)."""
Constraint = Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor]
"""(leaf, its gradient, step index from 0) -> the leaf's new values, applied after each step."""


def render(m: Model, objective: Objective, param: Parametrization, steps: int,
           optimizer: str | optimizers.Factory = "adam", lr: float | None = None,
           transforms: Sequence[Transform] = (), constraints: Sequence[Constraint] = (),
           generator: torch.Generator | None = None, every: int | None = None, start: bool = True,
           note: dict | None = None, montage: Callable[[list[Image.Image]], Image.Image] | None = None,
           ) -> Iterator[Step]:
    """Maximise ``objective`` over ``param`` for ``steps`` steps; a generator of :class:`vizcore.Step`.

    ``optimizer``: a name of :data:`.optimizers.OPTIMIZERS` or a factory
    ``(leaves, lr) -> torch.optim.Optimizer``. ``generator``: the random
    transforms' draws (None: seed 0). ``every``: steps between reports (None:
    ``steps / REPORTS``). Each Step's ``loss`` is minus the objective,
    averaged over the pictures; ``parts`` the terms (a float for one picture,
    a list for a batch) and ``note``; ``images`` all pictures and ``image``
    ``montage(images)`` (None: the first).
    """
    if steps < 1:
        raise ValueError("An optimisation needs at least one step.")
    leaves = param.parameters()
    opt = optimizers.make(optimizer, leaves, lr)
    evaluate = objective.on(m)
    transform = compose(transforms)
    generator = generator or torch.Generator().manual_seed(0)
    every = every or max(1, steps // REPORTS)
    if constraints and not isinstance(param, Pixels):
        raise ValueError("Constraints act on pixels; choose the pixel parametrization to use them.")
    latest: dict[str, tuple] = {}

    def report(i: int, total: torch.Tensor, parts: dict[str, torch.Tensor]) -> Step:
        pictures = param.pictures()
        values = {name: _one(value.detach().tolist()) for name, value in parts.items()}
        image = montage(pictures) if montage and len(pictures) > 1 else pictures[0]
        return Step(i, steps, -float(total.detach().mean()), image, {**values, **(note or {})}, pictures)

    def measure() -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        with torch.no_grad():
            picture = param.image()
            return evaluate(picture, picture)

    def closure() -> torch.Tensor:
        """Minus the objective, summed, with its gradient in the leaves' ``grad``; keeps the terms for a report."""
        with torch.enable_grad():
            picture = param.image()
            total, parts = evaluate(picture, transform(picture, generator))
            loss = -total.sum()
            for leaf, grad in zip(leaves, torch.autograd.grad(loss, leaves), strict=True):
                leaf.grad = grad
        latest["terms"] = total, parts
        return loss.detach()

    if isinstance(opt, torch.optim.LBFGS):
        yield from _quasi_newton(opt, closure, measure, report, param, steps, every, start)
        return
    for i in range(steps):
        closure()
        if (start and i == 0) or (i and i % every == 0):
            yield report(i, *latest["terms"])
        opt.step()
        for constraint in constraints:
            param.assign(constraint(leaves[0].detach(), leaves[0].grad, i))
        param.constrain()
    yield report(steps, *measure())


def _quasi_newton(opt: torch.optim.LBFGS, closure, measure, report, param: Parametrization, steps: int, every: int,
                  start: bool) -> Iterator[Step]:
    """L-BFGS: up to ``every`` iterations per call, each report measured on its picture; stops early when it
    can make no more progress. Its pixels are free, as in Gatys et al.'s L-BFGS (a projection between its
    iterations would spoil its curvature pairs): the terms are those of the pictures before they are clipped to
    be shown."""
    if start:
        yield report(0, *measure())
    done = 0
    while done < steps:
        opt.param_groups[0]["max_iter"] = min(every, steps - done)
        opt.step(closure)
        reached = opt.state[param.parameters()[0]]["n_iter"]
        if reached == done:  # converged: no further progress possible
            break
        done = reached
        if done < steps:
            yield report(done, *measure())
    yield report(done, *measure())


def _one(values: list):
    """A batch of one reports its value itself, not a list."""
    return values[0] if len(values) == 1 else values
