"""vc.synthesis on the built-in shapes model: each method does what its paper says, measured from the outside.

Every score is recomputed here from the picture a method returns (the PNG
pixels, fed to the network without resizing), not taken from its reports.
"""
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from scipy import ndimage

import vizcore as vc
from vizcore.optvis import Pixels, Regularizers, pixels


@pytest.fixture(scope="module")
def shapes():
    return vc.load_model("builtin-shapes", device="cpu")


@pytest.fixture(scope="module")
def circle(shapes):
    dataset = vc.data.builtin("shapes", split="test", n=10)
    img, label = dataset[0]
    assert dataset.classes[label] == "circle" and int(np.argmax(shapes.probabilities(img))) == label
    return img


def network_input(m, picture):
    return m.preprocess(picture)  # a picture at the input size is taken pixel for pixel


def logits(m, picture) -> np.ndarray:
    with torch.inference_mode():
        return m.module(network_input(m, picture))[0].numpy()


def last(steps):
    *_, final = steps
    return final


def test_a_class_model_raises_its_logit_far_above_its_start_and_every_other_class(shapes):
    start = logits(shapes, shapes.deprocess(torch.zeros(1, 3, 64, 64)))  # the mean image, where it begins
    final = logits(shapes, last(vc.synthesis.class_visualization(shapes, 3, steps=15)).image)
    others = np.delete(final, 3)
    assert final[3] > start[3] + 20
    assert final[3] > others.max() + 20


def test_a_unit_visualisation_raises_the_unit_at_least_tenfold(shapes):
    layer = shapes.layer("relu3")
    steps = list(vc.synthesis.unit_visualization(shapes, "relu3", 6, steps=30, start="noise", seed=0, every=1))
    noise = 10 * torch.randn((1, 3, 64, 64), generator=torch.Generator().manual_seed(0))  # levels, about the mean
    noise = Pixels.caffe(shapes, noise / 255 + pixels.stats(shapes)[0]).image()
    before = shapes.activations_batch(pixels.to_input(shapes, noise), [layer.name])[layer.name][0, 6].mean()
    after = shapes.activations_batch(network_input(shapes, steps[-1].image), [layer.name])[layer.name][0, 6].mean()
    assert before > 0.05
    assert after >= 10 * before


def test_a_layer_mosaic_optimises_each_channel_in_one_batch_and_each_image_excites_its_own_channel_most():
    model = vc.load_model("builtin-shapes", device="cpu")  # a private copy: the test counts its forward passes
    batches = []
    model.module.register_forward_pre_hook(lambda _module, inputs: batches.append(inputs[0].shape[0]))
    mosaic = last(vc.synthesis.layer_mosaic(model, "conv3", 4, steps=15)).images
    assert batches == [4] * 16  # one pass of the whole batch per step, and one to measure the result
    x = torch.cat([network_input(model, picture) for picture in mosaic])
    layer = model.layer("conv3").name
    means = model.activations_batch(x, [layer])[layer][:, :4].mean(dim=(2, 3))  # [image, channel]
    assert torch.equal(means.argmax(dim=0), torch.arange(4))


def high_frequency_share(picture) -> float:
    """The share of the picture's (mean-removed) spectral power at wavelengths under 8 pixels."""
    grey = np.asarray(picture, dtype=np.float64).mean(axis=2)
    power = np.abs(np.fft.fft2(grey - grey.mean())) ** 2
    f = np.fft.fftfreq(grey.shape[0])
    radius = np.hypot(*np.meshgrid(f, f, indexing="ij"))
    return float(power[radius > 0.125].sum() / power.sum())


def test_the_fourier_parametrization_gives_less_high_frequency_noise_than_pixels(shapes):
    made = {param: last(vc.synthesis.unit_visualization(shapes, "conv3", 6, steps=20, param=param)).image
            for param in ("pixels", "fourier")}
    assert high_frequency_share(made["fourier"]) < 0.8 * high_frequency_share(made["pixels"])


def test_regularizers_follow_yosinskis_definitions():
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(1)) * 40
    grad = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(2))
    np.testing.assert_allclose(Regularizers(decay=0.3)(x, grad, 0), 0.7 * x, rtol=1e-6)
    blurred = Regularizers(blur_radius=1.0, blur_every=4)(x, grad, 4).numpy()
    reference = ndimage.gaussian_filter(x.numpy(), sigma=(0, 0, 1.0, 1.0), mode="mirror", truncate=3.0)
    np.testing.assert_allclose(blurred, reference, atol=1e-3)
    assert torch.equal(Regularizers(blur_radius=1.0, blur_every=4)(x, grad, 5), x)  # not a blur step
    clipped = Regularizers(norm_percentile=50)(x, grad, 0)
    norms = x.norm(dim=1)
    for b in range(2):
        zeroed = (clipped[b] == 0).all(dim=0)
        assert zeroed.sum() == 128 and norms[b][zeroed].max() < norms[b][~zeroed].min()
    clipped = Regularizers(contribution_percentile=90)(x, grad, 0)
    contribution = (x * grad).sum(dim=1).abs()
    for b in range(2):
        kept = ~(clipped[b] == 0).all(dim=0)
        assert kept.sum() == 26 and contribution[b][kept].min() > contribution[b][~kept].max()


def test_deep_dream_raises_the_layers_norm(shapes, circle):
    layer = shapes.layer("conv4").name
    final = last(vc.synthesis.deep_dream(shapes, circle, "conv4", octaves=2, steps=4))
    assert final.image.size == (64, 64)
    before = shapes.activations(circle, [layer])[layer].norm()
    after = shapes.activations_batch(network_input(shapes, final.image), [layer])[layer].norm()
    assert after > 1.5 * before


def relative_distance(m, picture, img, layer) -> float:
    name = m.layer(layer).name
    target = m.activations(img, [name])[name]
    got = m.activations_batch(network_input(m, picture), [name])[name][0]
    return float((got - target).pow(2).sum() / target.pow(2).sum())


def test_inversion_matches_the_features_and_lower_layers_keep_more_of_the_picture(shapes, circle):
    layers = ["conv1", "conv3", "fc7"]
    steps = list(vc.synthesis.invert(shapes, circle, layers, steps=60, every=1))
    seen = np.asarray(shapes.view(circle), dtype=float)
    errors = []
    for b, layer in enumerate(layers):
        start = steps[0].parts["distance"][b]  # measured before the first update
        assert relative_distance(shapes, steps[-1].images[b], circle, layer) <= start / 10
        errors.append(np.abs(np.asarray(steps[-1].images[b], dtype=float) - seen).mean())
    assert errors[0] < errors[1] < errors[2]


def test_an_adversarial_image_reaches_its_class_within_the_budget(shapes, circle):
    final = last(vc.synthesis.adversarial(shapes, circle, target=1, epsilon=16, steps=20))
    delta = np.asarray(final.image, dtype=int) - np.asarray(shapes.view(circle), dtype=int)
    assert np.abs(delta).max() <= 16
    assert int(np.argmax(shapes.probabilities(network_input(shapes, final.image)))) == 1


def test_a_fooling_image_reaches_99_percent(shapes):
    final = last(vc.synthesis.fooling(shapes, target=7, steps=100, confidence=0.99))
    assert shapes.probabilities(network_input(shapes, final.image))[7] >= 0.99
    assert final.i < 100  # it stopped once there


def test_a_seed_reproduces_a_run_and_another_seed_does_not(shapes):
    def run(seed):
        return np.asarray(last(vc.synthesis.class_visualization(shapes, 2, steps=5, start="noise", transforms=True,
                                                                seed=seed)).image)

    assert np.array_equal(run(4), run(4)) and not np.array_equal(run(4), run(5))


def test_sixteen_threads_get_what_serial_calls_get_and_the_model_is_untouched(shapes, circle):
    before = {k: v.clone() for k, v in shapes.module.state_dict().items()}

    def work(i):
        if i % 2:
            return last(vc.synthesis.class_visualization(shapes, i % 10, steps=4, transforms=True, seed=i)).image
        return last(vc.synthesis.deep_dream(shapes, circle, "conv3", octaves=1, steps=2, seed=i)).image

    serial = [np.asarray(work(i)) for i in range(16)]
    barrier = threading.Barrier(16)

    def together(i):
        barrier.wait(timeout=60)
        return np.asarray(work(i))

    with ThreadPoolExecutor(16) as pool:
        parallel = list(pool.map(together, range(16)))
    for expected, got in zip(serial, parallel, strict=True):
        assert np.abs(expected.astype(int) - got.astype(int)).max() <= 1
    assert not any(p.requires_grad or p.grad is not None for p in shapes.module.parameters())
    for name, tensor in shapes.module.state_dict().items():
        assert torch.equal(tensor, before[name])


@pytest.mark.parametrize("call, message", [
    (lambda m: vc.synthesis.class_visualization(m, 10), "Class 10 does not exist"),
    (lambda m: vc.synthesis.unit_visualization(m, "conv2", 64), "has 64 units"),
    (lambda m: vc.synthesis.adversarial(m, None, 1, epsilon=0.5), "whole levels"),
    (lambda m: vc.synthesis.class_visualization(m, 1, param="fourier", decay=0.1), "act on pixels"),
])
def test_bad_settings_get_a_sentence(shapes, call, message):
    with pytest.raises(ValueError, match=message):
        next(iter(call(shapes)))
