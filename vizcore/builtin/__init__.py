"""The two offline models that ship with vizcore: ``builtin-shapes`` and ``builtin-digits``.

Both are :class:`~vizcore.builtin.net.MiniAlexNet` (AlexNet's layout, Krizhevsky
et al. 2012, shrunk), trained by ``python -m vizcore.builtin train`` on data the
project makes itself (procedural shapes and textures; scikit-learn's digits), with
the weights committed under ``vizcore/builtin/weights``. No download, ever.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import torch

from vizcore.builtin import digits, shapes
from vizcore.builtin.net import MiniAlexNet
from vizcore.core.preprocessing import Preprocessing
from vizcore.errors import ModelError

NAMES = ("builtin-shapes", "builtin-digits")
WEIGHTS_DIR = Path(__file__).with_name("weights")


class Spec(NamedTuple):
    """What a built-in model is, independent of its trained weights."""

    config: dict  # MiniAlexNet's keyword arguments
    categories: tuple[str, ...]
    input_size: int
    mean: tuple[float, float, float]  # of the training images, rounded
    std: tuple[float, float, float]


def _config(conv1_kernel: int, conv1_stride: int) -> dict:
    return {"num_classes": 10, "widths": [32, 64, 96, 96, 64], "conv1_kernel": conv1_kernel,
            "conv1_stride": conv1_stride, "hidden": 256, "dropout": 0.1}


SPECS = {
    # uniformly random colours: mean 0.5 and std 0.3 per channel (measured: 0.495, 0.295)
    "builtin-shapes": Spec(_config(7, 2), shapes.CLASSES, shapes.SIZE, (0.5, 0.5, 0.5), (0.3, 0.3, 0.3)),
    # white on black: measured mean 0.199, std 0.311 on the training split
    "builtin-digits": Spec(_config(5, 1), digits.CLASSES, digits.SIZE, (0.2, 0.2, 0.2), (0.31, 0.31, 0.31)),
}


class Builtin(NamedTuple):
    module: MiniAlexNet  # eval mode, parameters frozen
    categories: list[str]
    preprocessing: Preprocessing
    rebuild: Callable[[int], MiniAlexNet]  # a fresh, randomly initialised copy with n classes


def weights_path(name: str) -> Path:
    """Where the trained weights of ``name`` live ("builtin-shapes" -> weights/shapes.pt)."""
    return WEIGHTS_DIR / f"{name.removeprefix('builtin-')}.pt"


def preprocessing(name: str) -> Preprocessing:
    """The image -> tensor conversion ``name`` is trained and served with."""
    spec = SPECS[name]
    return Preprocessing(spec.input_size, spec.input_size, spec.mean, spec.std)


def build(name: str, pretrained: bool = True) -> Builtin:
    """``name`` (one of :data:`NAMES`) on the CPU, with its committed weights or randomly initialised."""
    if name not in SPECS:
        raise ModelError(f"There is no built-in model {name!r}; the built-in models are {', '.join(NAMES)}.")
    spec = SPECS[name]

    def rebuild(num_classes: int) -> MiniAlexNet:
        return MiniAlexNet(**{**spec.config, "num_classes": num_classes})

    module = rebuild(len(spec.categories))
    if pretrained:
        module.load_state_dict(_load_state_dict(name))
    module.eval().requires_grad_(False)
    return Builtin(module, list(spec.categories), preprocessing(name), rebuild)


def _load_state_dict(name: str) -> dict[str, torch.Tensor]:
    path = weights_path(name)
    if not path.is_file():
        raise ModelError(f"The weights of {name} are missing ({path}); "
                         "run python -m vizcore.builtin train to make them.")
    checkpoint = torch.load(path, weights_only=True, map_location="cpu")
    if checkpoint.get("config") != SPECS[name].config:
        raise ModelError(f"The weights in {path} were trained for another version of {name}; "
                         "run python -m vizcore.builtin train to make them again.")
    return checkpoint["state_dict"]
