"""Receptive fields: which input pixels a unit of an inner layer can see, for any network.

The arithmetic of Araujo, Norris & Sim 2019 ("Computing Receptive Fields of
Convolutional Neural Networks", Distill) composes each layer's kernel size,
stride and padding. Rather than parse an architecture (branches, residual
sums and grouped convolutions make that fragile), the field is *measured*
on a private copy of the network in which every unit averages what it sees:

- every convolution and linear layer has all weights ``1 / fan-in`` and no
  bias, so on an input of ones every activation is positive and a ReLU (or
  any usual activation) passes the gradient back;
- max pooling becomes average pooling with the same window (the gradient of
  a max reaches only its argmax); normalisations become identities (they
  do not mix positions; BatchNorm's statistics are not part of the field).

A unit's input gradient in that copy is a sum of positive terms, non-zero
exactly on the pixels connected to it: its theoretical receptive field. It
is measured once per layer on an input large enough to hold the whole field
of a central unit, which gives the field's size, the stride between
neighbouring units and the offset of unit (0, 0) (may be negative: the
field starts in the padding). A check at the model's own input size
confirms that the layer maps positions in this affine way; a network that
does not (one that resizes its input, say) gets each unit measured directly
at its own size. Limits: a max taken by a function call inside ``forward``
(``F.max_pool2d``) rather than a module is not replaced, so its field can
come out too small.
"""
from __future__ import annotations

import copy
import threading
import weakref
from dataclasses import dataclass

import torch
from torch import nn

from vizcore.core.model import Model
from vizcore.errors import ModelError

Box = tuple[int, int, int, int]
"""(top, left, bottom, right) in input pixels; bottom and right are exclusive, as in slicing and PIL's crop."""

_MAX_SIZE = 2048  # the largest input (pixels on a side) tried for measuring a field
_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.GroupNorm, nn.LayerNorm, nn.LocalResponseNorm,
          nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d)


@dataclass(frozen=True)
class Geometry:
    """Where unit (y, x) of a layer looks: rows ``y * stride[0] + offset[0]`` onwards, ``size[0]`` of them (x alike).

    ``size`` None: positions do not map affinely, each unit is measured (see the module docstring).
    """

    stride: tuple[int, int]
    offset: tuple[int, int]
    size: tuple[int, int] | None

    def box(self, y: int, x: int) -> Box:
        """The unclipped field of unit (y, x)."""
        top, left = y * self.stride[0] + self.offset[0], x * self.stride[1] + self.offset[1]
        return top, left, top + self.size[0], left + self.size[1]


_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Model -> {layer name: Geometry}
_units: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Model -> {(layer name, y, x): Box}
_nets: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Model -> the averaging copy
_lock = threading.Lock()


def receptive_field(m: Model, layer: str, y: int = 0, x: int = 0, clip: bool = True) -> Box:
    """The pixels unit (y, x) of ``layer`` (name or label) sees: (top, left, bottom, right), the last two exclusive.

    ``clip`` keeps the box inside the model's input (``m.input_size`` square);
    without it the box may reach into the padding around the image. A vector
    layer sees the whole image.
    """
    info = m.layer(layer)
    size = m.input_size
    if not info.is_map:
        return 0, 0, size, size
    if not (0 <= y < info.shape[1] and 0 <= x < info.shape[2]):
        raise ValueError(f"{info.title}'s maps are {info.shape[1]}×{info.shape[2]}; there is no position ({y}, {x}).")
    geometry = geometry_of(m, info.name)
    if geometry.size is None:
        box = _measured_unit(m, info.name, y, x)
    else:
        box = geometry.box(y, x)
    if not clip:
        return box
    top, left, bottom, right = box
    return max(top, 0), max(left, 0), min(bottom, size), min(right, size)


def geometry_of(m: Model, layer: str) -> Geometry:
    """The layer's field size, stride and offset, measured once per model and layer (thread-safe)."""
    with _lock:
        known = _cache.setdefault(m, {})
        if layer not in known:
            known[layer] = _measure(m, layer)
        return known[layer]


def _measure(m: Model, layer: str) -> Geometry:
    net = _averaging_net(m)
    size = m.input_size
    big = 2 * size
    while True:
        try:
            fields = _centre_fields(net, layer, big)
        except RuntimeError:  # the network does not take other input sizes
            fields = None
        if fields is None:
            return Geometry((1, 1), (0, 0), None)
        (cy, cx, centre), (_, _, below), (_, _, beside) = fields
        if centre[0] > 0 and centre[1] > 0 and centre[2] < big and centre[3] < big:
            break
        if big >= _MAX_SIZE:
            return Geometry((1, 1), (0, 0), None)
        big *= 2
    stride = (below[0] - centre[0], beside[1] - centre[1])
    geometry = Geometry(stride, (centre[0] - cy * stride[0], centre[1] - cx * stride[1]),
                        (centre[2] - centre[0], centre[3] - centre[1]))
    # the check at the model's own size: the predicted field of the last unit, clipped, is the measured one
    h, w = _map_size(net, layer, size)
    top, left, bottom, right = geometry.box(h - 1, w - 1)
    clipped = max(top, 0), max(left, 0), min(bottom, size), min(right, size)
    if _footprint(net, layer, size, h - 1, w - 1) != clipped:
        return Geometry((1, 1), (0, 0), None)
    return geometry


def _centre_fields(net: nn.Module, layer: str, size: int):
    """Fields of the central unit of ``layer`` on a ``size``² input and of its neighbours below and to the right."""
    h, w = _map_size(net, layer, size)
    if h < 2 or w < 2:
        return None
    cy, cx = (h - 1) // 2, (w - 1) // 2
    return [(y, x, _footprint(net, layer, size, y, x)) for y, x in ((cy, cx), (cy + 1, cx), (cy, cx + 1))]


def _measured_unit(m: Model, layer: str, y: int, x: int) -> Box:
    with _lock:
        known = _units.setdefault(m, {})
        if (layer, y, x) not in known:
            known[(layer, y, x)] = _footprint(_averaging_net(m), layer, m.input_size, y, x)
        return known[(layer, y, x)]


class _Captured(Exception):
    """Ends the forward pass once the layer's output is captured."""


def _layer_output(net: nn.Module, layer: str, x: torch.Tensor) -> torch.Tensor:
    captured = []

    def hook(_module, _inputs, output):
        captured.append(output)
        raise _Captured

    handle = net.get_submodule(layer).register_forward_hook(hook)
    try:
        net(x)
    except _Captured:
        pass
    finally:
        handle.remove()
    return captured[0]


def _map_size(net: nn.Module, layer: str, size: int) -> tuple[int, int]:
    with torch.no_grad():
        return tuple(_layer_output(net, layer, torch.ones(1, 3, size, size)).shape[-2:])


def _footprint(net: nn.Module, layer: str, size: int, y: int, x: int) -> Box:
    """The bounding box of the pixels whose gradient on unit (channel 0, y, x) is non-zero, on a ``size``² input."""
    image = torch.ones(1, 3, size, size, requires_grad=True)
    with torch.enable_grad():
        out = _layer_output(net, layer, image)
        (grad,) = torch.autograd.grad(out[0, 0, y, x], image)
    rows = torch.nonzero(grad[0].abs().sum(0).sum(1)).flatten()
    cols = torch.nonzero(grad[0].abs().sum(0).sum(0)).flatten()
    if len(rows) == 0:
        raise ModelError(f"The unit at ({y}, {x}) of {layer} does not depend on the input; it has no receptive field.")
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def _averaging_net(m: Model) -> nn.Module:
    """The model's private averaging copy (see the module docstring), made once per model."""
    if m not in _nets:
        if isinstance(m.module, torch.jit.ScriptModule):
            raise ModelError("A TorchScript model hides its layers, so their receptive fields cannot be measured.")
        net = copy.deepcopy(m.module).cpu().float().eval()
        for name, sub in list(net.named_modules()):
            replacement = _replacement(sub)
            if replacement is not None:
                parent, _, child = name.rpartition(".")
                setattr(net.get_submodule(parent) if parent else net, child, replacement)
            weight = getattr(sub, "weight", None)
            if isinstance(sub, (nn.modules.conv._ConvNd, nn.Linear)) and isinstance(weight, torch.Tensor):
                with torch.no_grad():
                    weight.fill_(1.0 / weight[0].numel())
                    if sub.bias is not None:
                        sub.bias.zero_()
        _nets[m] = net
    return _nets[m]


def _replacement(sub: nn.Module) -> nn.Module | None:
    """What a module becomes in the averaging copy, or None to keep it."""
    if isinstance(sub, _NORMS):
        return nn.Identity()
    if isinstance(sub, nn.ReLU6):  # its cap would stop the gradient where residual sums take the averages above 6
        return nn.ReLU()
    if isinstance(sub, nn.MaxPool2d) and sub.dilation in (1, (1, 1)):
        return nn.AvgPool2d(sub.kernel_size, sub.stride, sub.padding, sub.ceil_mode)
    if isinstance(sub, nn.MaxPool1d):
        return nn.AvgPool1d(sub.kernel_size, sub.stride, sub.padding, sub.ceil_mode)
    if isinstance(sub, nn.AdaptiveMaxPool2d):
        return nn.AdaptiveAvgPool2d(sub.output_size)
    return None
