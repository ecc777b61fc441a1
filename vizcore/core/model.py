"""A loaded classifier, ready to be looked inside: the object ``load_model`` returns.

One ``Model`` is shared by every session of the app, so it is frozen (eval
mode, parameters without gradients) and its methods never change it: layer
capture goes through :class:`vizcore.core.capture.Recorder`'s thread-scoped hooks.
``lock`` is for the rare method that must change the module for a moment; it
serialises such calls.
"""
from __future__ import annotations

import threading

import numpy as np
import torch
from PIL import Image
from torch import nn

from vizcore.core.capture import OUTPUT, Recorder
from vizcore.core.layers import Layer, discover
from vizcore.core.preprocessing import Preprocessing


class Model:
    """A frozen classifier with its categories, preprocessing and layer list."""

    def __init__(self, module: nn.Module, name: str, categories: list[str], preprocessing: Preprocessing,
                 device: torch.device, source: str):
        self.name = name
        self.source = source  # a sentence: where the weights came from
        self.categories = list(categories)
        self.preprocessing = preprocessing
        self.device = device
        self.input_size = preprocessing.crop_size
        self.lock = threading.RLock()
        module.eval()
        for p in module.parameters():
            p.requires_grad_(False)
        self.module = module.to(device)
        example = torch.randn(1, 3, self.input_size, self.input_size, generator=torch.Generator().manual_seed(0))
        self.layers: list[Layer] = self._discover(example.to(device))
        self._recorder = Recorder(self.module)

    def _discover(self, example: torch.Tensor) -> list[Layer]:
        if isinstance(self.module, torch.jit.ScriptModule):  # no hooks on TorchScript: only the output is visible
            with torch.inference_mode():
                out = self.module(example)
            return [Layer(OUTPUT, OUTPUT, "Output", tuple(out.shape[1:]))]
        return discover(self.module, example)

    def __repr__(self) -> str:
        return f"Model({self.name!r}, {len(self.layers)} layers, {len(self.categories)} classes, on {self.device})"

    def layer(self, name_or_label: str) -> Layer:
        """The layer with this module path or label ("features.10" or "conv5")."""
        for layer in self.layers:
            if name_or_label in (layer.name, layer.label):
                return layer
        raise KeyError(f"{self.name} has no layer '{name_or_label}'.")

    def preprocess(self, img: Image.Image) -> torch.Tensor:
        """PIL RGB -> normalised float tensor [1, 3, H, W] on the model's device."""
        return self.preprocessing.to_tensor(img).unsqueeze(0).to(self.device)

    def deprocess(self, x: torch.Tensor) -> Image.Image:
        """Normalised tensor [1, 3, H, W] or [3, H, W] -> PIL RGB (inverse of :meth:`preprocess`)."""
        return self.preprocessing.to_image(x)

    def view(self, img: Image.Image) -> Image.Image:
        """The image as the network sees it: resized and cropped to its input, as PIL RGB."""
        return self.deprocess(self.preprocess(img))

    def probabilities(self, img: Image.Image | torch.Tensor) -> np.ndarray:
        """Softmax over the classes [K] for a PIL image or a preprocessed tensor [1, 3, H, W]."""
        x = self.preprocess(img) if isinstance(img, Image.Image) else img.to(self.device)
        with torch.inference_mode():
            logits = self.module(x)[0]
        return torch.softmax(logits.float(), dim=0).cpu().numpy()

    def predict(self, img: Image.Image, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` most probable ``(label, probability)`` pairs, most probable first."""
        return ranked(self.probabilities(img), self.categories, k)

    def activations(self, img: Image.Image, layers=None) -> dict[str, torch.Tensor]:
        """``{layer name: tensor [C, H, W] or [D]}`` (cpu, float32) from one forward pass.

        ``layers``: names or labels; None = every layer. The pass stops after
        the deepest requested layer.
        """
        batch = self.activations_batch(self.preprocess(img), layers)
        return {name: t[0] for name, t in batch.items()}

    def activations_batch(self, x: torch.Tensor, layers=None, on_device: bool = False) -> dict[str, torch.Tensor]:
        """Like :meth:`activations` for a preprocessed batch [B, 3, H, W]: tensors [B, ...].

        ``on_device``: leave them on the model's device (no copy to the CPU,
        no wait for the device), for work that goes on there.
        """
        names = [layer.name for layer in self.layers] if layers is None else [self.layer(n).name for n in layers]
        with torch.inference_mode():
            captured = self._recorder.run(x.to(self.device), names)
        return {name: captured[name].float() if on_device else captured[name].float().cpu() for name in names}

    def activations_graph(self, x: torch.Tensor, layers) -> dict[str, torch.Tensor]:
        """Outputs of ``layers`` for a batch ``x`` [B, 3, H, W], kept in the autograd graph (on the model's device).

        For gradients with respect to a layer or to ``x`` (give it
        ``requires_grad``). ``layers``: names or labels, and ``"output"`` for
        the model's return value; keyed by name. The pass stops after the
        deepest requested layer unless the output is among them. Only this
        thread's pass is affected (see :mod:`vizcore.core.capture`).
        """
        names = [OUTPUT if n == OUTPUT else self.layer(n).name for n in layers]
        return self._recorder.run(x, names, in_graph=True)


def ranked(probabilities, categories: list[str], k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` largest of class ``probabilities`` [K] (tensor or array) as (class, probability), largest first."""
    values, indices = torch.topk(torch.as_tensor(probabilities).flatten(), min(k, len(probabilities)))
    return [(categories[i], float(p)) for p, i in zip(values, indices)]
