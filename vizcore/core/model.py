"""A loaded classifier, ready to be looked inside: the object ``load_model`` returns, or
:meth:`Model.wrap` makes of a network in memory.

One ``Model`` is shared by every session of the app, so it is frozen (eval
mode, parameters without gradients) and its methods never change it: layer
capture goes through :class:`vizcore.core.capture.Recorder`'s thread-scoped hooks.
``lock`` is for the rare method that must change the module for a moment; it
serialises such calls.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import torch
from PIL import Image
from torch import nn

from vizcore.core.capture import OUTPUT, Recorder
from vizcore.core.layers import Layer, discover
from vizcore.core.preprocessing import IMAGENET_MEAN, IMAGENET_STD, Preprocessing
from vizcore.errors import ModelError


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

    @classmethod
    def wrap(cls, module: nn.Module, categories: Sequence[str] | None = None,
             input_size: int | tuple[int, int] = (224, 224), mean: Sequence[float] = IMAGENET_MEAN,
             std: Sequence[float] = IMAGENET_STD, name: str | None = None,
             device: str | torch.device | None = None) -> Model:
        """A classifier of your own, in memory, as a :class:`Model`: every vizcore function works on it.

        ``module`` maps pictures [B, 3, H, W], normalized with ``mean`` and
        ``std`` (per channel, of pixels in [0, 1]; ImageNet's by default), to
        class scores [B, K]. ``categories``: the K class names (None: "class 0",
        "class 1", … from the width of the output). ``input_size``: (height,
        width) or one side; vizcore's techniques work on square inputs, so the
        two must be equal. Pictures are resized (short side) and centre-cropped
        to it. ``name``: shown in messages (None: the module's class name).
        ``device``: where the module runs; None leaves it where its parameters are.

        The module is used, not copied, and changed as :func:`vizcore.load_model`
        changes the networks it loads: it is put in eval mode, its parameters
        get ``requires_grad=False``, it moves to ``device`` when one is given,
        and every submodule gets a forward hook that does nothing outside
        vizcore's own calls (that is how a layer's output is read). Call
        ``module.train()`` and ``requires_grad_(True)`` to train it again.
        Raises :class:`~vizcore.ModelError` when the module does not fit this description.
        """
        side = _square_side(input_size)
        mean, std = tuple(float(v) for v in mean), tuple(float(v) for v in std)
        if len(mean) != 3 or len(std) != 3 or min(std) <= 0:
            raise ModelError(f"mean and std need three values, one per colour channel, and std above 0; "
                             f"got mean={mean}, std={std}.")
        if device is None:
            device = next((p.device for p in module.parameters()), torch.device("cpu"))
        device = torch.device(device)
        module.eval()  # before the probe below: a training-mode batch norm would learn from it
        width = output_width(module.to(device), side, device)
        if categories is None:
            categories = [f"class {i}" for i in range(width)]
        elif len(categories) != width:
            raise ModelError(f"{len(categories)} categories were given, but the module scores {width} classes.")
        name = name or type(module).__name__
        return cls(module, name, list(categories), Preprocessing(side, side, mean, std), device,
                   "an in-memory module (Model.wrap)")

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

    def preprocess(self, img: Image.Image | Sequence[Image.Image]) -> torch.Tensor:
        """PIL RGB -> the network's input: a normalized float tensor [1, 3, H, W] on the model's device.

        A list of pictures gives a batch [B, 3, H, W]. This is the one way to
        make the exact input of a picture: its short side is resized to the
        preprocessing's size and the centre cropped, unless it already has
        the input size, in which case it is taken pixel for pixel (so
        ``preprocess(view(img))`` equals ``preprocess(img)``).
        """
        images = [img] if isinstance(img, Image.Image) else list(img)
        if not images:
            raise ValueError("There are no pictures to preprocess.")
        return torch.stack([self.preprocessing.to_tensor(picture) for picture in images]).to(self.device)

    def deprocess(self, x: torch.Tensor) -> Image.Image:
        """Normalized tensor [1, 3, H, W] or [3, H, W] -> PIL RGB (inverse of :meth:`preprocess`)."""
        return self.preprocessing.to_image(x)

    def view(self, img: Image.Image) -> Image.Image:
        """The image as the network sees it: resized and cropped to its input, as PIL RGB.

        The network scores this picture exactly as it scores ``img``: ``predict(view(img)) == predict(img)``.
        """
        return self.deprocess(self.preprocess(img))

    def probabilities(self, img: Image.Image | torch.Tensor) -> np.ndarray:
        """Softmax over the classes [K] for a PIL image or a preprocessed tensor [1, 3, H, W]."""
        x = self.preprocess(img) if isinstance(img, Image.Image) else img.to(self.device)
        if x.dim() != 4 or len(x) != 1:
            raise ValueError(f"probabilities() scores one image, a tensor [1, 3, H, W]; this one is {list(x.shape)}.")
        with torch.inference_mode():
            logits = self.module(x)[0]
        return torch.softmax(logits.float(), dim=0).cpu().numpy()

    def predict(self, img: Image.Image, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` most probable ``(label, probability)`` pairs, most probable first."""
        return ranked(self.probabilities(img), self.categories, k)

    def activations(self, img: Image.Image, layers=None) -> dict[str, torch.Tensor]:
        """``{layer: tensor [C, H, W] or [D]}`` (cpu, float32) from one forward pass.

        ``layers``: names or labels (or one of them); None = every layer, by
        name. The result is keyed exactly as asked: ``["conv5"]`` gives key
        ``"conv5"``, ``["features.10"]`` key ``"features.10"``. The pass stops
        after the deepest requested layer.
        """
        batch = self.activations_batch(self.preprocess(img), layers)
        return {key: t[0] for key, t in batch.items()}

    def activations_batch(self, x: torch.Tensor, layers=None, on_device: bool = False) -> dict[str, torch.Tensor]:
        """Like :meth:`activations` for a preprocessed batch [B, 3, H, W]: tensors [B, ...], keyed as asked.

        ``on_device``: leave them on the model's device (no copy to the CPU,
        no wait for the device), for work that goes on there.
        """
        asked = [layer.name for layer in self.layers] if layers is None else _as_list(layers)
        names = self._names(asked)
        with torch.inference_mode():
            captured = self._recorder.run(x.to(self.device), names)
        return {key: captured[name].float() if on_device else captured[name].float().cpu()
                for key, name in zip(asked, names, strict=True)}

    def activations_graph(self, x: torch.Tensor, layers) -> dict[str, torch.Tensor]:
        """Outputs of ``layers`` for a batch ``x`` [B, 3, H, W], kept in the autograd graph (on the model's device).

        For gradients with respect to a layer or to ``x`` (give it
        ``requires_grad``). ``layers``: names or labels, and ``"output"`` for
        the model's return value; keyed exactly as asked. The pass stops after
        the deepest requested layer unless the output is among them. Only this
        thread's pass is affected (see :mod:`vizcore.core.capture`).
        """
        asked = _as_list(layers)
        names = self._names(asked)
        captured = self._recorder.run(x, names, in_graph=True)
        return {key: captured[name] for key, name in zip(asked, names, strict=True)}

    def _names(self, asked: list[str]) -> list[str]:
        """Module paths of layers given by name or label (``"output"``: the model's return value)."""
        return [OUTPUT if n == OUTPUT else self.layer(n).name for n in asked]


def ranked(probabilities, categories: list[str], k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` largest of class ``probabilities`` [K] (tensor or array) as (class, probability), largest first."""
    values, indices = torch.topk(torch.as_tensor(probabilities).flatten(), min(k, len(probabilities)))
    return [(categories[i], float(p)) for p, i in zip(values, indices, strict=True)]


def output_width(module: nn.Module, side: int, device: torch.device | str = "cpu") -> int:
    """The number of classes ``module`` (in eval mode) scores, from one forward pass of a black picture."""
    try:
        with torch.inference_mode():
            out = module(torch.zeros(1, 3, side, side, device=device))
    except Exception as e:
        raise ModelError(f"The module does not take a picture of 3 × {side} × {side} ({type(e).__name__}: {e}); "
                         "give the input size it was made for.") from e
    if not isinstance(out, torch.Tensor) or out.dim() != 2:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ModelError(f"vizcore needs a classifier that returns scores [batch, classes]; this module returns "
                         f"{shape}.")
    return out.shape[1]


def _square_side(input_size: int | tuple[int, int]) -> int:
    """The side of a square input given as one int or as (height, width)."""
    height, width = (input_size, input_size) if isinstance(input_size, int) else tuple(input_size)
    if height != width:
        raise ModelError(f"vizcore's techniques work on square inputs (receptive fields, occlusion grids and "
                         f"synthesized pictures have one side), and {height} × {width} is not square: give one "
                         f"side, e.g. input_size={min(height, width)}; pictures are resized and centre-cropped to it.")
    return int(height)


def _as_list(layers) -> list[str]:
    """One layer name or several, as a list."""
    return [layers] if isinstance(layers, str) else list(layers)
