"""Grad-CAM (Selvaraju et al. 2017, "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based Localization").

A feature map's channels weighted by the class score's gradient, averaged
over each channel (``α_k = mean_ij ∂y^c/∂A^k_ij``), summed and rectified:
``ReLU(Σ_k α_k A^k)``, then stretched bilinearly over the input. For a
network that ends in global average pooling and one linear layer this is the
class activation map of Zhou et al. 2016 (CAM).

The layer's output is taken inside this thread's own forward pass through
:meth:`vizcore.Model.activations_graph` (vizcore's permanent, thread-scoped
hooks), not by hooks added per call, so the shared model is never changed.
"""
from __future__ import annotations

import numpy as np
import torch

from vizcore.activations.units import upsample
from vizcore.attribution.targets import Images, Targets, as_batch, class_indices, one_or_batch
from vizcore.core.capture import OUTPUT
from vizcore.core.layers import Layer
from vizcore.core.model import Model
from vizcore.errors import ModelError


def default_layer(m: Model) -> Layer:
    """The last convolutional stage: the deepest feature map larger than 1×1 that is not a pooling layer.

    AlexNet's ``relu5``, VGG-16's ``relu5_3``, ResNet's last block, DenseNet's ``norm5``.
    """
    maps = [layer for layer in m.layers
            if layer.is_map and layer.shape[1] * layer.shape[2] > 1 and "Pool" not in layer.kind]
    if not maps:
        raise ModelError(f"Grad-CAM needs a layer whose output is a feature map, and {m.name} shows none "
                         "(a TorchScript model hides its layers).")
    return maps[-1]


def grad_cam(m: Model, img: Images, target: Targets = None, layer: str | None = None) -> np.ndarray:
    """Grad-CAM of class ``target`` (None: the predicted class) at ``layer``: [H, W] >= 0 at the input's size;
    a batch gives [B, H, W].

    ``layer``: a name or label of a feature-map layer; None = :func:`default_layer`.
    """
    chosen = default_layer(m) if layer is None else m.layer(layer)
    if not chosen.is_map:
        raise ValueError(f"Grad-CAM weighs the channels of a feature map; {chosen.title} is a vector.")
    x, batched = as_batch(m, img)
    targets = class_indices(m, x, target, batched, "Grad-CAM")
    with torch.enable_grad():
        captured = m.activations_graph(x.requires_grad_(), [chosen.name, OUTPUT])
        maps = captured[chosen.name]
        scores = captured[OUTPUT][torch.arange(len(x)), targets]
        (grads,) = torch.autograd.grad(scores.sum(), maps)  # image b's score depends on image b's maps only
    weights = grads.mean(dim=(2, 3))
    cams = torch.relu(torch.einsum("bk,bkhw->bhw", weights, maps.detach())).cpu()
    return one_or_batch(np.stack([upsample(cam, x.shape[-1]) for cam in cams]), batched)
