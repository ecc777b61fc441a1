"""Guided backpropagation and the deconvnet: gradients that only let positive signals back through ReLUs.

Both change what a ReLU passes back (R: the signal arriving from above, x:
the ReLU's input in the forward pass):

- deconvnet (Zeiler & Fergus 2014, "Visualizing and Understanding
  Convolutional Networks"): ``R · [R > 0]``, whatever x was;
- guided backpropagation (Springenberg et al. 2015, "Striving for
  Simplicity: The All Convolutional Net"): ``R · [R > 0] · [x > 0]``, the
  deconvnet's rule and the gradient's together.

The rule is applied for the calling thread only. PyTorch keeps a thread's
``TorchFunctionMode`` to that thread, and the mode sees every ReLU the
forward pass applies: ``nn.ReLU`` and ``nn.ReLU6`` modules (in place or not,
one module reused by several blocks as in ResNet) and ``F.relu`` or
``torch.relu`` called inside a model's ``forward`` (DenseNet's last ReLU,
Inception's convolutions) alike. It attaches the rule to that call's result
in the graph, as a gradient hook on the tensor; nothing is attached to the
model, so another session's forward pass through the same modules at the
same moment computes as usual.

The rules are defined for rectifiers only. A forward pass that applies
another activation (MobileNet v3's hardswish, EfficientNet's SiLU, …) would
mix rules, so it stops with a :class:`~vizcore.ModelError`, as does a
TorchScript model, whose operations cannot be seen from Python. (A rectifier
written as ``x.clamp(min=0)`` is not recognised as one.)
"""
from __future__ import annotations

import numpy as np
import torch
from torch.overrides import TorchFunctionMode

from vizcore.attribution.targets import Images, Targets, as_batch, one_or_batch, resolve, scorer
from vizcore.core.model import Model
from vizcore.errors import ModelError

RECTIFIERS = frozenset({"relu", "relu_", "relu6"})
"""Functions the rules apply to (also ``hardtanh`` clipped at 0, which is how ``nn.ReLU6`` computes)."""
OTHER_ACTIVATIONS = frozenset({"gelu", "silu", "hardswish", "hardsigmoid", "elu", "selu", "celu", "leaky_relu",
                               "prelu", "rrelu", "mish", "softplus", "sigmoid", "tanh", "logsigmoid", "glu",
                               "softsign", "tanhshrink", "hardshrink", "softshrink", "threshold", "hardtanh"})
"""Activations with no guided or deconvnet rule (the name, without a trailing ``_`` for in-place variants)."""


def guided_backprop(m: Model, img: Images, target: Targets = None) -> np.ndarray:
    """Springenberg et al.'s guided backpropagation [H, W, 3] (a batch: [B, H, W, 3]): the signed, guided gradient
    of the score."""
    return _backward(m, img, target, deconvnet=False)


def deconvnet(m: Model, img: Images, target: Targets = None) -> np.ndarray:
    """Zeiler & Fergus's deconvnet projection [H, W, 3] (a batch: [B, H, W, 3]): the score sent back with ReLUs
    that rectify the signal."""
    return _backward(m, img, target, deconvnet=True)


def _backward(m: Model, img: Images, target: Targets, deconvnet: bool) -> np.ndarray:
    method = "The deconvnet" if deconvnet else "Guided backprop"
    if any(isinstance(sub, torch.jit.ScriptModule) for sub in m.module.modules()):
        raise ModelError(f"{method} has to see the network's ReLUs, and a TorchScript model hides its operations; "
                         "saliency, SmoothGrad and integrated gradients work on it.")
    x, batched = as_batch(m, img)
    score = scorer(m, resolve(m, x, target, batched))
    x.requires_grad_()
    with torch.enable_grad():
        with _RectifierRule(deconvnet, method, m.name):
            value = score(x)
        (grad,) = torch.autograd.grad(value.sum(), x)  # image b's score depends on image b only
    return one_or_batch(grad.permute(0, 2, 3, 1).cpu().numpy(), batched)


class _RectifierRule(TorchFunctionMode):
    """While entered (in this thread only): every ReLU's result sends back the rectified signal."""

    def __init__(self, deconvnet: bool, method: str, model_name: str):
        super().__init__()
        self.rule = _deconvnet if deconvnet else _guided
        self.method, self.model_name = method, model_name

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name in RECTIFIERS or (name.rstrip("_") == "hardtanh" and _lower_bound(args, kwargs) == 0):
            return self.rule(func, args, kwargs)
        if name.rstrip("_") in OTHER_ACTIVATIONS:
            raise ModelError(f"{self.method} is defined for networks of ReLUs, but {self.model_name} also applies "
                             f"{name.rstrip('_')}, whose gradient it would pass back unchanged; saliency, SmoothGrad, "
                             "Grad-CAM and integrated gradients work on it.")
        return func(*args, **kwargs)


def _deconvnet(func, args, kwargs):
    """The ReLU's values, computed outside the graph: the signal going back skips the ReLU's mask, rectified."""
    x = args[0]
    if not x.requires_grad:
        return func(*args, **kwargs)
    detached = x.detach()
    value = func(detached, *args[1:], **kwargs)  # in place on x's memory for relu_ and inplace=True
    if value is detached:
        out = x  # rectified in place behind autograd's back: its gradient goes straight to what made x
    else:
        out = x.clone()
        out.detach().copy_(value)
    out.register_hook(_positive)
    return out


def _guided(func, args, kwargs):
    """The ReLU as usual (its backward keeps [x > 0]); the signal reaching it is rectified first."""
    out = func(*args, **kwargs)
    if out.requires_grad:
        out.register_hook(_positive)
    return out


def _positive(grad: torch.Tensor) -> torch.Tensor:
    return grad.clamp(min=0)


def _lower_bound(args, kwargs) -> float:
    """``min_val`` of a ``hardtanh`` call."""
    return args[1] if len(args) > 1 else kwargs.get("min_val", -1.0)
