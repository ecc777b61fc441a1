"""Every attribution method on a batch: the maps equal those of the images one by one, never only the first.

A batch is a list of pictures or a preprocessed tensor [B, 3, H, W], with
one target for all or one per image; the reference is the same method called
on each image alone. Methods that send the whole batch through the network at
once (saliency, guided backprop, the deconvnet, Grad-CAM) may differ from the
single passes in float32 rounding only; the others run image by image and
are equal bit for bit.
"""
import numpy as np
import pytest
import torch

import vizcore as vc
from vizcore import attribution
from vizcore.attribution import Unit

OPTIONS = {"smoothgrad": {"samples": 6, "batch_size": 4}, "integrated_gradients": {"steps": 8, "batch_size": 4},
           "occlusion": {"window": 16, "stride": 8}}
SHAPES = {"saliency": (64, 64), "smoothgrad": (64, 64), "guided_backprop": (64, 64, 3), "deconvnet": (64, 64, 3),
          "grad_cam": (64, 64), "integrated_gradients": (64, 64), "occlusion": (7, 7)}
ONE_PASS = {"saliency", "guided_backprop", "deconvnet", "grad_cam"}


@pytest.fixture(scope="module")
def shapes():
    return vc.load_model("builtin-shapes", device="cpu")


@pytest.fixture(scope="module")
def images():
    return [img for img, _ in vc.data.builtin("shapes", split="test", n=4, seed=9)]


def run(method: str, m, img, target, **extra):
    return getattr(attribution, method)(m, img, target, **OPTIONS.get(method, {}), **extra)


def assert_equal_maps(method: str, got: np.ndarray, expected: np.ndarray):
    if method in ONE_PASS:  # float32 sums in another order: within a millionth of the map's scale
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6 * np.abs(expected).max())
    else:
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("method", list(SHAPES))
def test_a_batch_gives_the_maps_of_its_images_one_by_one(shapes, images, method):
    targets = [3, 0, 7, 3]
    alone = np.stack([run(method, shapes, img, t) for img, t in zip(images, targets, strict=True)])
    assert alone.shape == (4, *SHAPES[method])
    assert not np.allclose(alone[0], alone[1]), "the images' maps should differ, or the test shows nothing"
    as_list = run(method, shapes, images, targets)
    as_tensor = run(method, shapes, shapes.preprocess(images), targets)
    assert as_list.shape == as_tensor.shape == alone.shape
    assert_equal_maps(method, as_list, alone)
    assert_equal_maps(method, as_tensor, alone)
    one_target = run(method, shapes, images, 5)
    assert_equal_maps(method, one_target, np.stack([run(method, shapes, img, 5) for img in images]))


@pytest.mark.parametrize("method", list(SHAPES))
def test_one_image_gives_one_map_and_a_batch_of_one_keeps_its_axis(shapes, images, method):
    x = shapes.preprocess(images[0])
    single = run(method, shapes, images[0], None)
    assert single.shape == SHAPES[method]
    assert run(method, shapes, x[0], None).shape == SHAPES[method]  # a tensor [3, H, W] is one image
    batch_of_one = run(method, shapes, x, None)
    assert batch_of_one.shape == (1, *SHAPES[method])
    assert_equal_maps(method, batch_of_one[0], single)
    assert run(method, shapes, [images[0]], None).shape == (1, *SHAPES[method])


@pytest.mark.parametrize("method", ["saliency", "guided_backprop", "integrated_gradients"])
def test_none_means_each_images_own_prediction_and_units_peak_on_each_image(shapes, images, method):
    predicted = [int(np.argmax(shapes.probabilities(img))) for img in images]
    assert len(set(predicted)) > 1
    assert_equal_maps(method, run(method, shapes, images, None), run(method, shapes, images, predicted))
    unit = Unit("conv3", 5)
    alone = np.stack([run(method, shapes, img, unit) for img in images])
    assert_equal_maps(method, run(method, shapes, images, unit), alone)
    mixed = [unit, 2, Unit("fc7", 9), None]
    alone = np.stack([run(method, shapes, img, t) for img, t in zip(images, mixed, strict=True)])
    assert_equal_maps(method, run(method, shapes, images, mixed), alone)


def test_targets_as_an_array_or_a_tensor(shapes, images):
    expected = attribution.saliency(shapes, images, [1, 2, 3, 4])
    for targets in (np.array([1, 2, 3, 4]), torch.tensor([1, 2, 3, 4])):
        np.testing.assert_array_equal(attribution.saliency(shapes, images, targets), expected)


def test_progress_runs_over_the_whole_batch(shapes, images):
    calls = []
    attribution.smoothgrad(shapes, images[:2], 1, samples=6, batch_size=4,
                           progress=lambda done, total: calls.append((done, total)))
    assert calls == [(4, 12), (6, 12), (10, 12), (12, 12)]
    calls.clear()
    attribution.occlusion(shapes, images[:3], 1, window=32, stride=16, batch_size=8,
                          progress=lambda done, total: calls.append((done, total)))
    assert calls == [(8, 27), (9, 27), (17, 27), (18, 27), (26, 27), (27, 27)]


def test_targets_that_do_not_match_the_images_get_a_sentence(shapes, images):
    with pytest.raises(ValueError, match="3 targets for 4 images: give one target, or one per image"):
        attribution.saliency(shapes, images, [1, 2, 3])
    with pytest.raises(ValueError, match="One image takes one target"):
        attribution.grad_cam(shapes, images[0], [1, 2])
    with pytest.raises(ValueError, match="Grad-CAM explains a class score"):
        attribution.grad_cam(shapes, images, Unit("conv3", 1))
    with pytest.raises(ValueError, match="Class 10 does not exist"):
        attribution.occlusion(shapes, images, [0, 1, 10, 2], window=16)
    with pytest.raises(ValueError, match=r"a batch \[B, 3, H, W\]; this one is \[64, 64\]"):
        attribution.saliency(shapes, torch.zeros(64, 64), 1)
