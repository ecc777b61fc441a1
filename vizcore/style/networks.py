"""The loss network: which classifier's features define "content" and "style", and at which layers.

Gatys, Ecker & Bethge 2016 ("Image Style Transfer Using Convolutional Neural
Networks") use VGG-19: content at relu4_2, style at relu1_1, relu2_1, relu3_1,
relu4_1 and relu5_1 — the first ReLU after each pooling, i.e. the first at
each resolution. :func:`standard_layers` applies that rule to any network, so
any loaded model can serve; the built-in shapes model keeps everything
working offline. A network only ever sees pictures through
:meth:`LossNetwork.features` (normalized as it was trained, any size), and
nothing about the shared model is changed (``Model.activations_graph``).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from vizcore.core.loading import load_model
from vizcore.core.model import Model
from vizcore.errors import ModelError
from vizcore.optvis import pixels

VGG = "vgg19"
FALLBACK = "builtin-shapes"
STYLE_LAYERS = 5
NOT_FEATURES = {"Conv2d", "BatchNorm2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "LocalResponseNorm"}
"""Layers whose outputs are not features in Gatys et al.'s sense: before the nonlinearity, or pooled."""


@dataclass(frozen=True, eq=False)
class LossNetwork:
    """A frozen classifier with the layers whose features give the content and the style, and what it is."""

    model: Model
    style_layers: tuple[str, ...]  # module paths, shallow to deep
    content_layer: str
    description: str  # a sentence: which network, and what quality to expect from it

    def features(self, x: torch.Tensor, layers) -> dict[str, torch.Tensor]:
        """``{layer: features [B, C, H, W]}`` of pictures ``x`` [B, 3, H, W] in [0, 1], in the autograd graph."""
        return self.model.activations_graph(pixels.to_input(self.model, x), layers)

    def label(self, name: str) -> str:
        return self.model.layer(name).label


def standard_layers(model: Model) -> tuple[tuple[str, ...], str]:
    """(style layers, content layer) by Gatys et al.'s rule: the first activation (or block) at each resolution for
    the style, topped up with the next ones to five; the second one at the fourth resolution for the content (or at
    the deepest there is)."""
    maps = [layer for layer in model.layers if layer.is_map]
    candidates = [layer for layer in maps if layer.kind not in NOT_FEATURES] or maps
    if not candidates:
        raise ModelError(f"{model.name} shows no feature-map layers to take a style from; "
                         f"pick {VGG} or a built-in model as the loss network.")
    groups: list[list] = []
    for layer in candidates:
        if groups and groups[-1][0].shape[1:] == layer.shape[1:]:
            groups[-1].append(layer)
        else:
            groups.append([layer])
    style = [group[0] for group in groups][:STYLE_LAYERS]
    style += [layer for layer in candidates if layer not in style][:max(0, STYLE_LAYERS - len(style))]
    style.sort(key=candidates.index)
    group = groups[min(3, len(groups) - 1)]
    content = group[1] if len(group) > 1 else group[0]
    return tuple(layer.name for layer in style), content.name


def expectation(model: Model) -> str:
    """What quality to expect from ``model`` as the loss network, in a sentence."""
    if model.source == "random initialisation":
        return (f"{model.name} with random weights: random filters still carry colours and some texture, "
                "but expect little of the style's structure.")
    if model.name == VGG:
        return f"VGG-19 ({model.source}), the network of Gatys et al.: the quality of the papers."
    if model.name == FALLBACK:
        return ("the built-in shapes model (offline, trained on small drawn shapes): expect the style's colours and "
                "coarse strokes, not the fine brushwork of a pretrained VGG-19.")
    return f"{model.name} ({model.source})."


def network(model: Model, style_layers=None, content_layer: str | None = None) -> LossNetwork:
    """``model`` as a loss network, at the standard layers unless others are given (names or labels)."""
    style, content = standard_layers(model)
    if style_layers is not None:
        style = tuple(model.layer(name).name for name in style_layers)
    if content_layer is not None:
        content = model.layer(content_layer).name
    return LossNetwork(model, style, content, expectation(model))


def loss_network(model: Model | LossNetwork | None = None, progress=None) -> LossNetwork:
    """The loss network to use: ``model`` at its standard layers, or for None VGG-19 with pretrained weights when
    they are cached or can be downloaded (``progress(done, total)`` during the download), else the built-in shapes
    model, whose description then says why."""
    if isinstance(model, LossNetwork):
        return model
    if model is not None:
        return network(model)
    try:
        return network(load_model(VGG, progress=progress))
    except ModelError as e:
        fallback = network(load_model(FALLBACK))
        reason = f"VGG-19's pretrained weights are not available ({e}) "
        return LossNetwork(fallback.model, fallback.style_layers, fallback.content_layer,
                           reason + "So the loss network is " + fallback.description)
