"""Saliency, SmoothGrad, integrated gradients, occlusion and Grad-CAM against computations written out in the test.

References: autograd on the bare module (saliency, SmoothGrad), the
completeness axiom and a linear network's exact answer (integrated
gradients), one forward pass per window position and Captum's ``Occlusion``
(occlusion), the class activation map a network with global average pooling
has in closed form, on a network with planted detectors (Grad-CAM).
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from attribution_models import MEAN, STD, planted, wrap
from captum.attr import Occlusion
from conftest import noise_image
from PIL import Image, ImageDraw
from torch import nn
from torch.nn import functional as F

import vizcore as vc
from vizcore import attribution
from vizcore.attribution import Unit


@pytest.fixture(scope="module")
def shapes():
    return vc.load_model("builtin-shapes", device="cpu")


@pytest.fixture(scope="module")
def shape_image():
    return vc.data.builtin("shapes", split="test", n=1, seed=3)[0][0]


def input_gradient(score, x: torch.Tensor) -> torch.Tensor:
    """d score(x) / dx for x [1, 3, H, W], by autograd on the bare module."""
    x = x.clone().requires_grad_()
    (grad,) = torch.autograd.grad(score(x), x)
    return grad[0]


@pytest.mark.parametrize("name", ["builtin-shapes", "resnet18"])
def test_saliency_is_the_largest_absolute_pixel_gradient_of_the_class_score(name):
    m = vc.load_model(name, weights=None if name == "resnet18" else "default", device="cpu")
    image = noise_image(7)
    x = m.preprocess(image)
    predicted = int(m.module(x).argmax())
    for target in (predicted, 3):
        expected = input_gradient(lambda t, c=target: m.module(t)[0, c], x).abs().amax(dim=0).numpy()
        np.testing.assert_allclose(attribution.saliency(m, image, target), expected, rtol=1e-5, atol=1e-8)
    np.testing.assert_array_equal(attribution.saliency(m, image), attribution.saliency(m, image, predicted))


def test_saliency_of_a_unit_is_the_gradient_of_its_activation_at_its_peak(shapes, shape_image):
    x = shapes.preprocess(shape_image)
    conv3 = shapes.module.features[:7]
    peak = divmod(int(conv3(x)[0, 5].argmax()), conv3(x).shape[-1])
    expected = input_gradient(lambda t: conv3(t)[(0, 5, *peak)], x).abs().amax(dim=0).numpy()
    np.testing.assert_allclose(attribution.saliency(shapes, shape_image, Unit("conv3", 5)), expected, rtol=1e-5)
    fc7 = shapes.module.classifier[:5]
    expected = input_gradient(lambda t: fc7(torch.flatten(shapes.module.avgpool(shapes.module.features(t)), 1))[0, 9],
                              x).abs().amax(dim=0).numpy()
    np.testing.assert_allclose(attribution.saliency(shapes, shape_image, Unit("fc7", 9)), expected, rtol=1e-5)


def test_smoothgrad_averages_the_absolute_gradients_of_the_documented_noisy_copies(shapes, shape_image):
    x = shapes.preprocess(shape_image)
    samples, noise, seed = 7, 0.2, 11
    draws = torch.randn(samples, *x.shape[1:], generator=torch.Generator().manual_seed(seed))
    draws *= noise * float(x.max() - x.min())
    grads = [input_gradient(lambda t: shapes.module(t)[0, 4], x + d).abs() for d in draws]
    expected = torch.stack(grads).mean(dim=0).amax(dim=0).numpy()
    calls = []
    got = attribution.smoothgrad(shapes, shape_image, 4, noise=noise, samples=samples, batch_size=3, seed=seed,
                                 progress=lambda done, total: calls.append((done, total)))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-7)
    assert calls == [(3, 7), (6, 7), (7, 7)]


@pytest.mark.parametrize("baseline", attribution.BASELINES)
def test_integrated_gradients_add_up_to_the_score_difference(shapes, shape_image, baseline):
    """Completeness (Sundararajan et al. 2017): the attributions sum to score(image) - score(baseline)."""
    x = shapes.preprocess(shape_image)
    target = int(shapes.module(x).argmax())
    reference = attribution.baseline_image(shapes, shape_image, baseline)
    with torch.inference_mode():
        difference = float(shapes.module(x)[0, target] - shapes.module(reference)[0, target])
    calls = []
    got = attribution.integrated_gradients(shapes, shape_image, target, steps=64, baseline=baseline, batch_size=16,
                                           progress=lambda done, total: calls.append((done, total)))
    assert got.shape == (64, 64) and abs(difference) > 1
    assert got.sum() == pytest.approx(difference, rel=0.02)
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_integrated_gradients_of_a_linear_network_are_weight_times_distance_from_black():
    m = wrap(nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 4)).eval(), 8, 4)
    image = noise_image(3, (8, 8))
    x = m.preprocess(image)
    black = ((0 - torch.tensor(MEAN)) / torch.tensor(STD)).view(1, 3, 1, 1)
    weight = m.module[1].weight[2].view(1, 3, 8, 8)
    expected = (weight * (x - black))[0].sum(dim=0).numpy()
    np.testing.assert_allclose(attribution.integrated_gradients(m, image, 2, steps=5), expected, rtol=1e-4,
                               atol=1e-6)


def test_baselines_are_black_blurred_and_noise_in_pixels(shapes, shape_image):
    black = attribution.baseline_image(shapes, shape_image, "black")
    assert np.asarray(shapes.deprocess(black)).max() == 0
    seen = np.asarray(shapes.deprocess(shapes.preprocess(shape_image)), dtype=np.float64)
    blurred = np.asarray(shapes.deprocess(attribution.baseline_image(shapes, shape_image, "blur")), dtype=np.float64)
    np.testing.assert_allclose(blurred.mean(axis=(0, 1)), seen.mean(axis=(0, 1)), atol=6)  # the colours stay
    assert np.abs(np.diff(blurred, axis=1)).mean() < 0.3 * np.abs(np.diff(seen, axis=1)).mean()  # the edges go
    noise = np.asarray(shapes.deprocess(attribution.baseline_image(shapes, shape_image, "noise", seed=1)))
    assert noise.min() < 10 and noise.max() > 245 and abs(noise.mean() - 127.5) < 5
    with pytest.raises(ValueError, match="Unknown baseline 'white'; choose one of black, blur, noise"):
        attribution.baseline_image(shapes, shape_image, "white")


def probability_rounding(m: vc.Model, x: torch.Tensor) -> float:
    """How far float32 rounding may move a class probability of the shapes model on the images ``x`` [B, 3, H, W]
    between two forward passes that sum in different orders (a batch, one image).

    A logit is a sum whose rounding error grows with the size of its terms,
    Σ|w·a| + |b| over fc8's inputs; 1e-6 of that (8 float32 epsilons) bounds it,
    as in the Grad-CAM test. A softmax probability moves by p(1 − p) times the
    difference of two logits' errors: at most ½ of the largest.
    """
    fc8 = m.module.classifier[6]
    with torch.inference_mode():
        relu7 = m.activations_batch(x, ["relu7"])["relu7"]
    terms = relu7.abs() @ fc8.weight.abs().T + fc8.bias.abs()
    return 0.5 * 1e-6 * float(terms.max())


@pytest.mark.parametrize("fill", [None, 0, 200])
def test_occlusion_equals_one_forward_pass_per_window_position(shapes, shape_image, fill):
    x = shapes.preprocess(shape_image)
    target = int(shapes.module(x).argmax())
    window, stride = 20, 12  # 64 pixels: windows at 0, 12, 24, 36 and 48, the last one cut to 16 pixels
    paint = torch.zeros(3) if fill is None else (fill / 255 - torch.tensor(shapes.preprocessing.mean)) / torch.tensor(
        shapes.preprocessing.std)
    occluded_images = []
    with torch.inference_mode():
        original = torch.softmax(shapes.module(x)[0], dim=0)[target]
        expected = np.zeros((5, 5), dtype=np.float32)
        for i, top in enumerate(range(0, 49, stride)):
            for j, left in enumerate(range(0, 49, stride)):
                occluded = x.clone()
                occluded[0, :, top:top + window, left:left + window] = paint.view(3, 1, 1)
                expected[i, j] = original - torch.softmax(shapes.module(occluded)[0], dim=0)[target]
                occluded_images.append(occluded)
    calls = []
    got = attribution.occlusion(shapes, shape_image, target, window, stride, fill=fill, batch_size=8,
                                progress=lambda done, total: calls.append((done, total)))
    rounding = probability_rounding(shapes, torch.cat([x, *occluded_images]))  # ours: 8 images a pass; here: 1
    assert rounding < 1e-4
    np.testing.assert_allclose(got, expected, atol=rounding)
    assert np.abs(expected).max() > 0.01
    assert calls == [(8, 25), (16, 25), (24, 25), (25, 25)]


def test_occlusion_spread_over_pixels_is_captums_occlusion(shapes, shape_image):
    x = shapes.preprocess(shape_image)
    window, stride, fill = 20, 12, 0
    drops = attribution.occlusion(shapes, shape_image, 2, window, stride, fill=fill)
    expected = Occlusion(lambda t: torch.softmax(shapes.module(t), dim=1)).attribute(
        x, sliding_window_shapes=(3, window, window), strides=(3, stride, stride),
        baselines=attribution.baseline_image(shapes, x, "black"), target=2)[0, 0].numpy()
    # Captum sends one occluded image through at a time, vizcore 32: the sums differ in their rounding.
    np.testing.assert_allclose(attribution.occlusion_map(drops, window, stride, 64), expected,
                               atol=probability_rounding(shapes, x))


def test_occlusion_refuses_windows_that_do_not_fit_and_stops_when_progress_raises(shapes, shape_image):
    with pytest.raises(ValueError, match="must be 1 to 64 pixels wide"):
        attribution.occlusion(shapes, shape_image, 0, window=65, stride=8)
    with pytest.raises(ValueError, match="stride must be between 1 and the window's width"):
        attribution.occlusion(shapes, shape_image, 0, window=8, stride=9)

    class Stop(Exception):
        pass

    def stop_after_two(done, total):
        if done >= 16:
            raise Stop

    forwards = []
    handle = shapes.module.register_forward_pre_hook(lambda *_: forwards.append(1))
    try:
        with pytest.raises(Stop):
            attribution.occlusion(shapes, shape_image, 0, window=8, stride=4, batch_size=8, progress=stop_after_two)
    finally:
        handle.remove()
    assert len(forwards) == 3  # the image itself and two batches of the 225 positions


def test_grad_cam_lights_up_the_planted_object_of_each_class():
    m = planted()
    picture = Image.new("RGB", (32, 32), (128, 128, 128))
    ImageDraw.Draw(picture).rectangle((4, 6, 13, 15), fill=(255, 0, 0))  # red, top left: class 0
    ImageDraw.Draw(picture).rectangle((18, 20, 29, 27), fill=(0, 0, 255))  # blue, bottom right: class 1
    boxes = {0: (slice(6, 16), slice(4, 14)), 1: (slice(20, 28), slice(18, 30))}
    x = m.preprocess(picture)
    conv, _, _, _, linear = m.module
    maps = torch.relu(conv(x))[0]  # [2, 16, 16]
    for target, box in boxes.items():
        cam = attribution.grad_cam(m, picture, target)
        # Global average pooling + one linear layer: Grad-CAM is Zhou et al.'s CAM, divided by the map's area.
        expected = torch.relu(torch.einsum("k,khw->hw", linear.weight[target], maps)) / maps[0].numel()
        expected = F.interpolate(expected[None, None], size=(32, 32), mode="bilinear", align_corners=False)[0, 0]
        np.testing.assert_allclose(cam, expected.numpy(), rtol=1e-5, atol=1e-7)
        near = np.zeros_like(cam, dtype=bool)  # the planted box and a pixel around it (bilinear upsampling)
        near[box[0].start - 1:box[0].stop + 1, box[1].start - 1:box[1].stop + 1] = True
        assert cam[box].max() == cam.max()
        assert cam[box].mean() > 5 * cam[boxes[1 - target]].mean() and cam[~near].max() < 0.15 * cam.max()


def test_grad_cam_of_a_convolution_that_an_in_place_relu_overwrites_uses_its_output_before_the_relu():
    m = vc.load_model("alexnet", weights=None, device="cpu")  # conv5 = features.10, then ReLU(inplace=True)
    image = noise_image(5)
    x = m.preprocess(image)
    conv5 = m.module.features[:11](x)
    assert (conv5 < 0).any()
    maps = conv5.detach().requires_grad_()
    rest = torch.flatten(m.module.avgpool(m.module.features[11:](maps.clone())), 1)
    (grads,) = torch.autograd.grad(m.module.classifier(rest)[0, 42], maps)
    terms = grads[0].mean(dim=(1, 2))[:, None, None] * conv5[0]
    expected = torch.relu(terms.sum(dim=0)).detach()
    expected = F.interpolate(expected[None, None], size=(224, 224), mode="bilinear", align_corners=False)[0, 0]
    rounding = 1e-6 * float(terms.abs().sum(dim=0).max())  # float32 sums err with the size of their terms
    np.testing.assert_allclose(attribution.grad_cam(m, image, 42, layer="conv5"), expected.numpy(), rtol=1e-4,
                               atol=rounding)


def test_grad_cam_looks_at_the_last_convolutional_stage_by_default(shapes):
    assert attribution.default_layer(shapes).label == "relu5"
    for name, layer in [("alexnet", "features.11"), ("resnet18", "layer4.1"), ("densenet121", "features.norm5")]:
        assert attribution.default_layer(vc.load_model(name, weights=None, device="cpu")).name == layer
    with pytest.raises(ValueError, match="fc7 \\(classifier.4\\) is a vector"):
        attribution.grad_cam(shapes, noise_image(0), 1, layer="fc7")


def test_a_target_that_does_not_exist_gets_a_sentence(shapes, shape_image):
    with pytest.raises(ValueError, match="Class 10 does not exist: builtin-shapes has 10 classes, 0 to 9"):
        attribution.saliency(shapes, shape_image, 10)
    with pytest.raises(ValueError, match="conv1 \\(features.0\\) has 32 units, 0 to 31; there is no unit 32"):
        attribution.guided_backprop(shapes, shape_image, Unit("conv1", 32))
    with pytest.raises(ValueError, match="maps are 7×7; there is no position \\(7, 0\\)"):
        attribution.saliency(shapes, shape_image, Unit("conv3", 0, (7, 0)))


def test_the_foreground_of_a_planted_saliency_map_is_the_planted_disk():
    yy, xx = np.mgrid[:64, :64]
    disk = (yy - 20) ** 2 + (xx - 40) ** 2 <= 10 ** 2
    saliency = np.random.default_rng(0).random((64, 64)) * 0.3 + disk
    mask = attribution.foreground(saliency, quantile=1 - disk.mean())
    assert (mask & disk).sum() / (mask | disk).sum() > 0.9
    cut = np.asarray(attribution.cutout(Image.new("RGB", (64, 64), (200, 100, 50)), mask, dim=0.5))
    assert (cut[mask] == (200, 100, 50)).all() and (cut[~mask] == (100, 50, 25)).all()


def test_pictures_put_zero_where_the_papers_do():
    gradient = np.zeros((4, 4, 3), dtype=np.float32)
    gradient[0, 0] = (2.0, -2.0, 1.0)
    picture = np.asarray(attribution.gradient_picture(gradient))
    assert picture[0, 0].tolist() == [255, 0, 191] and (picture[1:] == 128).all()
    assert attribution.magnitude(gradient)[0, 0] == 2.0
    heat = np.asarray(attribution.heatmap(np.array([[0.0, 0.5], [1.0, 0.25]]), "gray", size=4, vmax=1.0))
    assert heat.shape == (4, 4, 3) and heat[0, 0, 0] == 0 and heat[0, 2, 0] == 128 and heat[2, 0, 0] == 255


def test_importing_vizcore_leaves_captum_until_attribution_is_used():
    """Captum brings matplotlib (about half a second): the app's start-up should not pay for it."""
    script = ("import sys, vizcore as vc; assert 'captum' not in sys.modules; "
              "vc.attribution.saliency; assert 'captum' in sys.modules")
    subprocess.run([sys.executable, "-c", script], check=True, cwd=Path(__file__).resolve().parents[1])
