"""Model.wrap: a network in memory gets what a network loaded by name gets.

The reference is the same weights loaded by name: builtin-shapes' network,
built afresh and wrapped with its categories, input size, mean and std, must
give the loaded model's layers, activations, predictions and attributions.
"""
import numpy as np
import pytest
import torch
from conftest import noise_image
from torch import nn

import vizcore as vc
from vizcore import attribution, builtin


@pytest.fixture(scope="module")
def loaded():
    return vc.load_model("builtin-shapes", device="cpu")


@pytest.fixture(scope="module")
def wrapped():
    spec = builtin.SPECS["builtin-shapes"]
    module = builtin.build("builtin-shapes").module
    return vc.Model.wrap(module, categories=spec.categories, input_size=(spec.input_size, spec.input_size),
                         mean=spec.mean, std=spec.std)


@pytest.fixture(scope="module")
def images():
    return [img for img, _ in vc.data.builtin("shapes", split="test", n=3, seed=5)]


def test_a_wrapped_module_has_the_loaded_models_layers_and_predictions(loaded, wrapped, images):
    assert wrapped.layers == loaded.layers and wrapped.input_size == loaded.input_size == 64
    assert wrapped.categories == loaded.categories and wrapped.name == "MiniAlexNet"
    for img in images + [noise_image(1)]:
        torch.testing.assert_close(wrapped.preprocess(img), loaded.preprocess(img), rtol=0, atol=0)
        assert wrapped.predict(img) == loaded.predict(img)


def test_a_wrapped_module_gives_the_same_activations(loaded, wrapped, images):
    for img in images:
        layers = ["conv2", "relu5", "fc7"]
        got, expected = wrapped.activations(img, layers), loaded.activations(img, layers)
        assert list(got) == layers
        for name in got:
            torch.testing.assert_close(got[name], expected[name], rtol=0, atol=0)


@pytest.mark.parametrize("method", ["saliency", "guided_backprop", "deconvnet", "grad_cam", "integrated_gradients",
                                    "smoothgrad", "occlusion"])
def test_a_wrapped_module_gives_the_same_attributions(loaded, wrapped, images, method):
    options = {"smoothgrad": {"samples": 4}, "integrated_gradients": {"steps": 8}, "occlusion": {"window": 16}}
    f = getattr(attribution, method)
    got = f(wrapped, images, [1, 4, 7], **options.get(method, {}))
    expected = f(loaded, images, [1, 4, 7], **options.get(method, {}))
    assert np.abs(expected).max() > 0
    np.testing.assert_array_equal(got, expected)


def test_a_patch_scan_and_a_synthesis_run_on_a_wrapped_module(loaded, wrapped):
    dataset = vc.data.builtin("shapes", split="test", n=12, seed=2)
    ours, theirs = vc.patches.scan(wrapped, dataset, ["conv3"], k=3), vc.patches.scan(loaded, dataset, ["conv3"], k=3)
    conv3 = loaded.layer("conv3").name
    torch.testing.assert_close(ours[conv3].values, theirs[conv3].values, rtol=0, atol=0)
    assert torch.equal(ours[conv3].indices, theirs[conv3].indices) and torch.equal(ours[conv3].positions,
                                                                                  theirs[conv3].positions)
    steps = list(vc.synthesis.class_visualization(wrapped, 3, steps=4))
    assert steps[-1].image.size == (64, 64)


def test_wrap_defaults_imagenet_statistics_and_numbered_classes():
    torch.manual_seed(0)
    module = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 6))
    module.train()
    m = vc.Model.wrap(module, input_size=32)
    assert m.categories == [f"class {i}" for i in range(6)] and m.input_size == 32
    assert m.preprocessing.mean == vc.IMAGENET_MEAN and m.preprocessing.std == vc.IMAGENET_STD
    assert m.module is module and not module.training, "the module itself is used, in eval mode"
    assert not any(p.requires_grad for p in module.parameters())
    assert [layer.name for layer in m.layers] == ["0", "1", "2", "4"]
    assert m.predict(noise_image(3), k=2)[0][0].startswith("class ")


def test_wrap_probes_the_module_in_eval_mode_so_batch_norm_learns_nothing():
    module = nn.Sequential(nn.Conv2d(3, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.LazyLinear(3))
    module(torch.zeros(2, 3, 8, 8))  # materialize the lazy layer (this training-mode pass moves the statistics)
    before = module[1].running_mean.clone(), module[1].num_batches_tracked.clone()
    vc.Model.wrap(module, input_size=(8, 8))
    assert torch.equal(module[1].running_mean, before[0]) and torch.equal(module[1].num_batches_tracked, before[1])


def test_wrap_says_what_does_not_fit():
    module = nn.Sequential(nn.Flatten(), nn.Linear(3 * 16 * 16, 4))
    with pytest.raises(vc.ModelError, match="square inputs.*240 × 320 is not square: give one side, e.g. input_si"):
        vc.Model.wrap(module, input_size=(240, 320))
    with pytest.raises(vc.ModelError, match="does not take a picture of 3 × 32 × 32"):
        vc.Model.wrap(module, input_size=32)
    with pytest.raises(vc.ModelError, match="3 categories were given, but the module scores 4 classes"):
        vc.Model.wrap(module, categories=["a", "b", "c"], input_size=16)
    with pytest.raises(vc.ModelError, match="one per colour channel"):
        vc.Model.wrap(module, input_size=16, std=(0.2, 0.0, 0.2))
    with pytest.raises(vc.ModelError, match=r"returns scores \[batch, classes\]; this module returns \(1, 3, 4, 4\)"):
        vc.Model.wrap(nn.Conv2d(3, 3, 4, stride=4), input_size=16)
