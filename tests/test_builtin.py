"""The built-in models: committed weights, held-out accuracy, AlexNet layout, smooth conv1 filters."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torchvision.models import alexnet

from vizcore import builtin, data
from vizcore.builtin.net import MiniAlexNet
from vizcore.builtin.train import predict
from vizcore.errors import ModelError


@pytest.fixture(scope="module")
def shapes_model():
    return builtin.build("builtin-shapes")


def recalls(model: builtin.Builtin, dataset: data.Dataset) -> tuple[float, np.ndarray]:
    """(accuracy, per-class recall [10]) of ``model`` on ``dataset``, through its own preprocessing."""
    images, labels = zip(*dataset, strict=True)
    correct = predict(model.module, model.preprocessing, images) == np.array(labels)
    return correct.mean(), np.bincount(labels, correct, 10) / np.bincount(labels, minlength=10)


def test_shapes_accuracy_on_a_fresh_draw(shapes_model):
    # training reads only the "train" stream; seed 2024 of the test stream was never rendered by it
    accuracy, recall = recalls(shapes_model, data.builtin("shapes", split="test", n=2000, seed=2024))
    assert accuracy >= 0.95
    assert recall.min() >= 0.9, recall  # every class of the generator is recognisable


def test_digits_accuracy_on_the_held_out_split():
    accuracy, _ = recalls(builtin.build("builtin-digits"), data.builtin("digits", split="test"))
    assert accuracy >= 0.97


def roughness(weight: torch.Tensor) -> np.ndarray:
    """Per filter: mean squared difference of neighbouring pixels / (2 x mean squared value).

    Independent noise scores 1 in expectation (E[(a - b)^2] = 2 var), a constant 0,
    a sinusoid of wavelength L pixels along either axis sin^2(pi / L), a checkerboard 2.
    """
    w = weight.detach().double()
    dx = (w[..., :, 1:] - w[..., :, :-1]).pow(2).mean((1, 2, 3))
    dy = (w[..., 1:, :] - w[..., :-1, :]).pow(2).mean((1, 2, 3))
    return ((dx + dy) / 2 / (2 * w.pow(2).mean((1, 2, 3)))).numpy()


def test_shapes_conv1_filters_are_smooth(shapes_model):
    """The typical learned 7x7 filter is an edge, grating or blob, not pixel noise.

    Threshold: median roughness < 0.35 = sin^2(pi / 5), i.e. the typical filter's
    energy lies at wavelengths above ~5 px (the finest stripes in the data have a
    6 px period), and at most a third of the random initialisation's (~1).
    """
    learned = np.median(roughness(shapes_model.module.features[0].weight))
    torch.manual_seed(0)
    random = np.median(roughness(MiniAlexNet(**builtin.SPECS["builtin-shapes"].config).features[0].weight))
    assert 0.8 < random < 1.2  # white noise, as the docstring of roughness says
    assert learned < 0.35 and learned < random / 3, (learned, random)


@pytest.mark.parametrize("name", builtin.NAMES)
def test_build_returns_a_frozen_alexnet_shaped_model(name):
    b = builtin.build(name)
    size = builtin.SPECS[name].input_size
    assert not b.module.training and not any(p.requires_grad for p in b.module.parameters())
    assert (b.preprocessing.crop_size, b.preprocessing.resize_size) == (size, size)
    assert len(b.categories) == 10
    reference = alexnet(weights=None)
    for part in ("features", "classifier"):
        assert [type(m) for m in getattr(b.module, part)] == [type(m) for m in getattr(reference, part)]
    assert type(b.module.avgpool) is type(reference.avgpool)
    with torch.no_grad():
        assert b.module(torch.zeros(2, 3, size, size)).shape == (2, 10)
    assert b.rebuild(7)(torch.zeros(1, 3, size, size)).shape == (1, 7)


@pytest.mark.parametrize("name", builtin.NAMES)
def test_weight_files_are_small_and_safe_to_load(name):
    path = builtin.weights_path(name)
    assert path.stat().st_size < 3_000_000
    checkpoint = torch.load(path, weights_only=True, map_location="cpu")
    spec = builtin.SPECS[name]
    assert checkpoint["categories"] == list(spec.categories)
    assert checkpoint["input_size"] == spec.input_size
    assert (tuple(checkpoint["mean"]), tuple(checkpoint["std"])) == (spec.mean, spec.std)
    assert checkpoint["config"] == spec.config


def test_missing_weights_and_unknown_names_raise_model_errors(tmp_path, monkeypatch):
    monkeypatch.setattr(builtin, "WEIGHTS_DIR", tmp_path)
    with pytest.raises(ModelError, match="run python -m vizcore.builtin train"):
        builtin.build("builtin-shapes")
    assert builtin.build("builtin-shapes", pretrained=False).module.features[0].weight.shape == (32, 3, 7, 7)
    with pytest.raises(ModelError, match="builtin-shapes, builtin-digits"):
        builtin.build("builtin-cats")
