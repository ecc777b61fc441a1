"""The optimizers the loop steps pictures with: any ``torch.optim`` optimizer, or one of four by name.

- ``"normalized"``: plain gradient steps scaled per picture so that the
  average pixel moves ``lr`` units, whatever the scale of the network's
  gradients (Mordvintsev et al. 2015's DeepDream normalization; here also
  for Simonyan et al.'s and Yosinski et al.'s pixel ascent);
- ``"sign"``: steps of ``lr`` along the gradient's sign (Goodfellow, Shlens &
  Szegedy 2014; iterated by Kurakin, Goodfellow & Bengio 2016);
- ``"adam"``: Kingma & Ba 2015, every pixel on its own, so a batch of
  independent pictures whose objectives are summed is optimised exactly as
  each would be alone;
- ``"lbfgs"``: L-BFGS with a strong-Wolfe line search (Gatys et al.
  2015/2016), which needs no step size; its line search takes one step length
  for the whole batch and its curvature pairs mix the pictures, so batches are
  not independent under it.

All *minimise*; the loop gives them minus the objective.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

Factory = Callable[[list[torch.Tensor], float | None], torch.optim.Optimizer]
"""(leaves, lr or None) -> an optimizer of them (anything with ``step()`` that reads the leaves' ``grad``)."""


class Normalized:
    """``p −= lr · g / mean|g|``, the mean over each picture (the first dimension is the batch).

    Like ``torch.optim.SGD`` it reads ``p.grad`` and keeps ``param_groups``; it
    is not an ``Optimizer`` subclass, whose per-step bookkeeping would cost
    more than the step itself on a small network.
    """

    def __init__(self, params: Iterable[torch.Tensor], lr: float):
        self.param_groups = [{"params": list(params), "lr": lr}]

    @torch.no_grad()
    def step(self) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                size = g.abs().mean(dim=tuple(range(1, g.dim())), keepdim=True).clamp_min_(1e-20)
                p.addcdiv_(g, size, value=-group["lr"])


class Sign(Normalized):
    """``p −= lr · sign(g)``."""

    @torch.no_grad()
    def step(self) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                p.add_(p.grad.sign(), alpha=-group["lr"])


ADAM_LR = 0.02


def _lbfgs(params: list[torch.Tensor], lr: float | None) -> torch.optim.Optimizer:
    return torch.optim.LBFGS(params, lr=lr or 1.0, history_size=50, tolerance_grad=0, tolerance_change=0,
                             line_search_fn="strong_wolfe")


OPTIMIZERS: dict[str, Factory] = {
    "normalized": lambda params, lr: Normalized(params, lr=1.0 if lr is None else lr),
    "sign": lambda params, lr: Sign(params, lr=1.0 if lr is None else lr),
    "adam": lambda params, lr: torch.optim.Adam(params, lr=ADAM_LR if lr is None else lr),
    "lbfgs": _lbfgs,
}
"""The optimizers by name; ``lr`` None gives 1 (Adam: ``ADAM_LR``; L-BFGS: 1, its line search scales it)."""


def make(optimizer: str | Factory, params: list[torch.Tensor], lr: float | None) -> torch.optim.Optimizer:
    """The optimizer named ``optimizer`` (:data:`OPTIMIZERS`), or made by a factory ``(params, lr)``, for ``params``."""
    if callable(optimizer):
        return optimizer(params, lr)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}.")
    return OPTIMIZERS[optimizer](params, lr)
