"""Train the built-in models on data the project makes itself; write ``weights/<name>.pt``.

Run ``python -m vizcore.builtin train [--only shapes|digits] [--epochs N] [--seed S]``.
Everything is seeded, so a run is reproducible on the same machine and library
versions. The shapes model sees a fresh stream of generated images every epoch
(split ``"train"``, which no test draw can reproduce); the digits model sees the
fixed training split under small random affine jitter.

The recipe has two optimisers, both on a one-cycle learning rate (Smith & Topin 2017):
- AdamW (Loshchilov & Hutter 2019) for every layer but conv1: without batch norm
  it trains this network several times faster than SGD does.
- SGD with momentum and weight decay for conv1, which starts 10x smaller than
  He's initialisation. SGD's steps are proportional to the gradient, and the
  gradient of a first-layer filter is a correlation of smooth images with the
  error signal, so its high spatial frequencies stay small and decay: conv1 ends
  with smooth oriented edges, gratings and colour blobs (AlexNet's own conv1 came
  out like that, Krizhevsky et al. 2012, fig. 3). Adam would scale the weak noisy
  gradient components up to full-size steps and leave noisy filters.

Images become tensors through :func:`vizcore.builtin.preprocessing`, the same
:class:`~vizcore.core.preprocessing.Preprocessing` :func:`vizcore.builtin.build` serves the model with.
"""
from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from vizcore.builtin import SPECS, digits, shapes, weights_path
from vizcore.builtin import preprocessing as builtin_preprocessing
from vizcore.builtin.net import MiniAlexNet
from vizcore.core.preprocessing import Preprocessing

Item = tuple[Image.Image, int]


@dataclass(frozen=True)
class Recipe:
    epochs: int
    train_size: int | None  # images per epoch; None: the whole training split
    lr: float = 0.002  # AdamW, all layers but conv1
    weight_decay: float = 0.01
    conv1_lr: float = 0.02  # SGD with momentum
    conv1_weight_decay: float = 0.05
    conv1_init_scale: float = 0.1
    batch_size: int = 64


RECIPES = {
    "shapes": Recipe(epochs=6, train_size=20_000),
    "digits": Recipe(epochs=30, train_size=None),
}


def predict(module: torch.nn.Module, preprocessing: Preprocessing, images: Sequence[Image.Image],
            batch_size: int = 256) -> np.ndarray:
    """Predicted class index of each image, [N] int."""
    out = []
    with torch.no_grad():
        for b in range(0, len(images), batch_size):
            x = torch.stack([preprocessing.to_tensor(img) for img in images[b:b + batch_size]])
            out.append(module(x).argmax(1))
    return torch.cat(out).numpy()


def train(name: str, epochs: int | None = None, seed: int = 0,
          log: Callable[[str], None] = print) -> dict:
    """Train the built-in model ``name``; return its checkpoint dict (see :func:`save`)."""
    recipe, spec = RECIPES[name], SPECS[f"builtin-{name}"]
    epochs = recipe.epochs if epochs is None else epochs
    torch.manual_seed(seed)
    preprocessing = builtin_preprocessing(f"builtin-{name}")
    test_images, test_labels = zip(*_held_out(name), strict=True)
    model = MiniAlexNet(**spec.config)
    conv1 = model.features[0]
    with torch.no_grad():
        conv1.weight.mul_(recipe.conv1_init_scale)
    optimizers = [
        torch.optim.SGD(conv1.parameters(), lr=recipe.conv1_lr, momentum=0.9,
                        weight_decay=recipe.conv1_weight_decay),
        torch.optim.AdamW([p for n, p in model.named_parameters() if not n.startswith("features.0.")],
                          lr=recipe.lr, weight_decay=recipe.weight_decay),
    ]
    epoch_size = recipe.train_size or len(digits.indices("train"))
    steps = epochs * math.ceil(epoch_size / recipe.batch_size)
    schedules = [torch.optim.lr_scheduler.OneCycleLR(o, o.defaults["lr"], total_steps=steps, pct_start=0.2)
                 for o in optimizers]
    log(f"{name}: {sum(p.numel() for p in model.parameters()):,} parameters, {epochs} epochs "
        f"of {epoch_size} images, {len(test_images)} held out")
    start = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        total, count = 0.0, 0
        for batch in _epoch(name, recipe, epoch, seed):
            x = torch.stack([preprocessing.to_tensor(img) for img, _ in batch])
            y = torch.tensor([label for _, label in batch])
            loss = torch.nn.functional.cross_entropy(model(x), y)
            model.zero_grad()
            loss.backward()
            for optimizer, schedule in zip(optimizers, schedules, strict=True):
                optimizer.step()
                schedule.step()
            total, count = total + loss.item() * len(batch), count + len(batch)
        model.eval()
        accuracy = float(np.mean(predict(model, preprocessing, test_images) == test_labels))
        log(f"{name} epoch {epoch + 1}/{epochs}: loss {total / count:.4f}, "
            f"held-out accuracy {accuracy:.2%}, {time.perf_counter() - start:.0f} s")
    return {
        "state_dict": model.state_dict(),
        "categories": list(spec.categories),
        "input_size": spec.input_size,
        "mean": spec.mean,
        "std": spec.std,
        "config": spec.config,
        "accuracy": accuracy,
        "seed": seed,
        "epochs": epochs,
    }


def save(name: str, checkpoint: dict) -> Path:
    """Write ``checkpoint`` to ``weights/<name>.pt`` (loadable with ``weights_only=True``)."""
    path = weights_path(f"builtin-{name}")
    path.parent.mkdir(exist_ok=True)
    torch.save(checkpoint, path)
    return path


def _epoch(name: str, recipe: Recipe, epoch: int, seed: int) -> Iterator[list[Item]]:
    """The training batches of one epoch, as lists of (PIL image, label)."""
    if name == "shapes":
        start = epoch * recipe.train_size
        items = (shapes.render(i, seed, "train") for i in range(start, start + recipe.train_size))
    else:
        rng = np.random.default_rng([seed, epoch])
        items = (_jitter(*digits.render(i), rng) for i in rng.permutation(digits.indices("train")))
    while batch := list(itertools.islice(items, recipe.batch_size)):
        yield batch


def _held_out(name: str) -> list[Item]:
    """What progress is reported on: 1000 test-stream shapes (seed 0), or the digits test split."""
    if name == "shapes":
        return [shapes.render(i, 0, "test") for i in range(1000)]
    return [digits.render(i) for i in digits.indices("test")]


def _jitter(img: Image.Image, label: int, rng: np.random.Generator) -> Item:
    """A small random rotation (+-12 deg), scaling (0.9-1.1) and shift (+-2 px) of a digit."""
    angle, scale = np.deg2rad(rng.uniform(-12, 12)), rng.uniform(0.9, 1.1)
    dx, dy = rng.uniform(-2, 2, 2)
    c, s = np.cos(angle) / scale, np.sin(angle) / scale
    half = img.width / 2
    # inverse map output -> input about the centre, as Image.transform expects
    coeffs = (c, s, half - c * (half + dx) - s * (half + dy),
              -s, c, half + s * (half + dx) - c * (half + dy))
    return img.transform(img.size, Image.Transform.AFFINE, coeffs, Image.Resampling.BILINEAR), label
