"""Find a network's visualisable layers with one dummy forward pass.

A *layer* is a module whose output is a feature map [C, H, W] or a vector [D],
in the order the forward pass produces them. Rules:

- leaf modules are layers, except pass-throughs (dropout, identity, flatten);
- a container (a ResNet block, say) is a layer only when its output differs
  from the last layer recorded inside it, so ``features`` (AlexNet) or
  ``layer1`` (ResNet) do not repeat their last child, while a residual block,
  whose sum is computed in its own ``forward``, is listed;
- a module called more than once per pass (ResNet's shared ReLU) is skipped:
  its name alone cannot say which call is meant.

Plain stacks of convolutions (AlexNet, VGG, the built-ins) also get the names
people use for them in papers and in Caffe: ``conv1 … conv5, fc6 … fc8`` for
networks of up to eight convolutions, ``conv3_2`` (block 3, second
convolution) and ``pool3`` for deeper ones such as VGG.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import torch
from torch import nn

PASS_THROUGH = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.Identity, nn.Flatten,
                nn.Unflatten)
BLOCK_POOLS = (nn.MaxPool2d, nn.AvgPool2d)
NORMS = (nn.BatchNorm2d, nn.LocalResponseNorm, nn.GroupNorm, nn.LayerNorm, nn.InstanceNorm2d)


@dataclass(frozen=True)
class Layer:
    """One visualisable layer: dotted module path, familiar label, module type, output shape."""

    name: str
    label: str
    kind: str
    shape: tuple[int, ...]
    params: int = 0

    @property
    def title(self) -> str:
        """``"conv5 (features.10)"``, or the name alone when it has no other label."""
        return self.name if self.label == self.name else f"{self.label} ({self.name})"

    @property
    def is_map(self) -> bool:
        return len(self.shape) == 3


def discover(module: nn.Module, example: torch.Tensor) -> list[Layer]:
    """List ``module``'s layers by running ``example`` [1, 3, H, W] through it once."""
    events: list[tuple[str, nn.Module, torch.Tensor]] = []
    calls: Counter[str] = Counter()

    def recorder(name):
        def hook(sub, _inputs, output):
            calls[name] += 1
            if isinstance(output, torch.Tensor) and output.dim() in (2, 4):
                events.append((name, sub, output.detach().clone()))

        return hook

    handles = [sub.register_forward_hook(recorder(name)) for name, sub in module.named_modules() if name]
    try:
        with torch.inference_mode():
            module(example)
    finally:
        for handle in handles:
            handle.remove()

    kept: list[tuple[str, nn.Module, torch.Tensor]] = []
    for name, sub, output in events:
        if calls[name] > 1 or isinstance(sub, PASS_THROUGH):
            continue
        is_container = next(sub.children(), None) is not None
        if is_container and _repeats_inner_layer(name, output, kept):
            continue
        kept.append((name, sub, output))

    leaves = [sub for sub in module.modules()
              if next(sub.children(), None) is None and not isinstance(sub, PASS_THROUGH)]
    is_plain = [id(sub) for sub in leaves] == [id(sub) for _, sub, _ in kept]  # no blocks, no token sequences
    labels = _plain_labels([(name, sub) for name, sub, _ in kept]) if is_plain else {}
    return [
        Layer(
            name=name,
            label=labels.get(name, name),
            kind=type(sub).__name__,
            shape=tuple(output.shape[1:]),
            params=sum(p.numel() for p in sub.parameters()),
        )
        for name, sub, output in kept
    ]


def _repeats_inner_layer(name: str, output: torch.Tensor, kept) -> bool:
    """True when a container's output equals that of the last layer kept inside it."""
    inner = [out for n, _, out in kept if n.startswith(name + ".")]
    return bool(inner) and inner[-1].shape == output.shape and torch.equal(inner[-1], output)


def _plain_labels(layers: list[tuple[str, nn.Module]]) -> dict[str, str]:
    """Caffe-style labels for a plain stack of layers (AlexNet, VGG)."""
    n_convs = sum(isinstance(sub, nn.Conv2d) for _, sub in layers)
    by_block = n_convs > 8
    labels: dict[str, str] = {}
    convs = fcs = 0
    block, conv_in_block = 1, 0
    last = None  # the number a following ReLU / norm / pool takes from its conv or fc
    for name, sub in layers:
        if isinstance(sub, nn.Conv2d):
            convs, conv_in_block = convs + 1, conv_in_block + 1
            last = f"{block}_{conv_in_block}" if by_block else str(convs)
            labels[name] = f"conv{last}"
        elif isinstance(sub, nn.Linear):
            fcs += 1
            last = str((block - 1 if by_block else n_convs) + fcs)
            labels[name] = f"fc{last}"
        elif last is None:
            continue
        elif isinstance(sub, (nn.ReLU, nn.ReLU6)):
            labels[name] = f"relu{last}"
        elif isinstance(sub, NORMS):
            labels[name] = f"norm{last}"
        elif isinstance(sub, BLOCK_POOLS):
            labels[name] = f"pool{block if by_block else last}"
            if by_block:
                block, conv_in_block = block + 1, 0
    return labels
