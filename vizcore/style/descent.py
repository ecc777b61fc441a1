"""The optimisation loop shared by texture synthesis, style transfer and the trade-off sweep.

Two optimisers, as in the papers and their re-implementations: L-BFGS
(Gatys et al. 2015/2016; torch's with a strong-Wolfe line search, which needs
no step size) and Adam (Kingma & Ba 2015; the pixels are kept in [0, 1]
after every step). Adam updates every pixel on its own, so a batch of
independent pictures whose losses are summed is optimised exactly as each
would be alone — which is why the sweep uses it. L-BFGS on a summed loss is
not: its line search takes one step length for the whole batch, and its
curvature pairs mix the pictures.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
from PIL import Image

from vizcore.core.progress import Step
from vizcore.style.losses import Objective

OPTIMISERS = ("lbfgs", "adam")
ADAM_LR = 0.02  # in pixels of [0, 1] per step


def descend(param: torch.Tensor, render: Callable[[torch.Tensor], torch.Tensor], objective: Objective, steps: int,
            show: Callable[[torch.Tensor], list[Image.Image]], optimiser: str = "lbfgs", lr: float | None = None,
            every: int = 10, note: dict | None = None) -> Iterator[Step]:
    """Minimise ``objective(render(param))`` over the leaf tensor ``param`` (values in [0, 1]) for ``steps``
    iterations, yielding a :class:`Step` at the start, every ``every`` iterations and at the end.

    Each step's ``loss`` is the summed total, its ``parts`` the terms per
    picture (floats for one picture, lists for a batch) and ``note``, its
    ``image`` the pictures from ``show(param)`` (one image for a batch of one).
    """
    if optimiser not in OPTIMISERS:
        raise ValueError(f"Unknown optimiser {optimiser!r}; choose one of {', '.join(OPTIMISERS)}.")
    param.requires_grad_(True)
    if optimiser == "adam":
        opt = torch.optim.Adam([param], lr=lr or ADAM_LR)
    else:
        opt = torch.optim.LBFGS([param], lr=lr or 1.0, max_iter=every, history_size=50, tolerance_grad=0,
                                tolerance_change=0, line_search_fn="strong_wolfe")
    latest = {}

    def closure() -> torch.Tensor:
        opt.zero_grad(set_to_none=True)
        total, parts = objective(render(param))
        loss = total.sum()
        loss.backward()
        latest.update(total=total.detach(), parts={name: value.detach() for name, value in parts.items()})
        return loss

    def report(i: int) -> Step:
        return Step(i, steps, float(latest["total"].sum()), _one(show(param.detach())),
                    {**{name: _one(value.tolist()) for name, value in latest["parts"].items()}, **(note or {})})

    with torch.no_grad():
        total, parts = objective(render(param))
    latest.update(total=total, parts=parts)
    yield report(0)
    done = 0
    while done < steps:
        if optimiser == "adam":
            for _ in range(min(every, steps - done)):
                opt.step(closure)
                with torch.no_grad():
                    param.clamp_(0, 1)
                done += 1
        else:
            opt.param_groups[0]["max_iter"] = min(every, steps - done)
            opt.step(closure)
            reached = opt.state[param]["n_iter"]
            if reached == done:  # converged: no further progress possible
                break
            done = reached
        if done < steps:
            yield report(done)
    with torch.no_grad():
        total, parts = objective(render(param))
    latest.update(total=total, parts=parts)
    yield report(done)


def _one(values: list):
    """A batch of one reports its value itself, not a list."""
    return values[0] if len(values) == 1 else values
