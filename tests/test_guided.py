"""Guided backprop and the deconvnet against backward passes written by hand and against Captum, and thread safety.

The hand-written backward walks the test network's stages in reverse: a
linear stage sends the signal back through its own vector-Jacobian product,
a ReLU applies the rule of the paper explicitly. Captum's ``GuidedBackprop``
and ``Deconvolution`` (hooks on ``nn.ReLU`` modules) are the reference on
torchvision's ResNet and DenseNet, run on private copies of the networks.
"""
import copy
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from attribution_models import mixed, wrap
from captum.attr import Deconvolution, GuidedBackprop
from conftest import noise_image
from torch import nn
from torch.nn import functional as F

import vizcore as vc
from vizcore.attribution import Unit, deconvnet, grad_cam, guided_backprop, saliency


def hand_backward(model: vc.Model, x: torch.Tensor, start, deconv: bool, stop_after: int | None = None):
    """The rule applied by hand: the signal ``start`` sent back from stage ``stop_after`` (None: the last) to the
    pixels."""
    stages = model.module.stages()[:stop_after]
    inputs, h = [], x
    for kind, f in stages:
        inputs.append(h)
        h = f(h) if kind == "linear" else (h.clamp(min=0) if kind == "relu" else h.clamp(0, 6))
    g = start(h)
    for (kind, f), inp in zip(reversed(stages), reversed(inputs), strict=True):
        if kind == "linear":
            inp = inp.detach().requires_grad_()
            (g,) = torch.autograd.grad(f(inp), inp, g)
        elif deconv:
            g = g.clamp(min=0)
        else:
            passes = (inp > 0) if kind == "relu" else ((inp > 0) & (inp < 6))
            g = g * passes * (g > 0)
    return g[0].permute(1, 2, 0).numpy()


def one_hot(index):
    def start(out):
        g = torch.zeros_like(out)
        g[(0, *index)] = 1
        return g

    return start


@pytest.mark.parametrize("deconv", [False, True], ids=["guided", "deconvnet"])
def test_a_class_score_sent_back_by_hand_through_every_kind_of_relu(deconv):
    model = mixed()
    method = deconvnet if deconv else guided_backprop
    for seed, target in [(1, 0), (2, 3), (3, 4)]:
        x = model.preprocess(noise_image(seed, (16, 16)))
        assert (model.activations_batch(x, ["relu6"])["relu6"] == 6).any(), "the test should reach ReLU6's cap"
        expected = hand_backward(model, x, one_hot((target,)), deconv)
        got = method(model, x, target)  # a tensor [1, 3, H, W] is a batch of one: [1, H, W, 3]
        assert got.shape == (1, 16, 16, 3) and np.abs(expected).max() > 0
        np.testing.assert_allclose(got[0], expected, rtol=1e-5, atol=1e-6 * np.abs(expected).max())


@pytest.mark.parametrize("deconv", [False, True], ids=["guided", "deconvnet"])
def test_a_unit_sent_back_by_hand_from_its_peak_or_a_given_position(deconv):
    model = mixed()
    method = deconvnet if deconv else guided_backprop
    x = model.preprocess(noise_image(4, (16, 16)))
    conv3 = model.module.conv3(model.module.relu(model.module.conv2(model.module.relu(model.module.conv1(x)))))
    channel = 2
    peak = divmod(int(conv3[0, channel].argmax()), conv3.shape[-1])
    for position, index in [(None, (channel, *peak)), ((1, 6), (channel, 1, 6))]:
        expected = hand_backward(model, x, one_hot(index), deconv, stop_after=5)
        got = method(model, x[0], Unit("conv3", channel, position))  # one image [3, H, W]: one map
        assert got.shape == (16, 16, 3)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6 * np.abs(expected).max())


class ModuleReLUDenseNet(nn.Module):
    """torchvision's DenseNet with its functional final ReLU as a module, which Captum's hooks can see."""

    def __init__(self, densenet):
        super().__init__()
        self.features, self.relu, self.classifier = densenet.features, nn.ReLU(), densenet.classifier

    def forward(self, x):
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(self.relu(self.features(x)), 1), 1))


@pytest.mark.filterwarnings("ignore:Setting backward hooks on ReLU activations")
@pytest.mark.parametrize("name", ["resnet18", "densenet121"])
def test_equal_to_captum_on_in_place_shared_and_functional_relus(name):
    """ResNet: in-place ReLU, one module per block used twice. DenseNet: a final ``F.relu`` in ``forward``."""
    model = vc.load_model(name, weights=None, device="cpu")
    reference = copy.deepcopy(model.module)
    for sub in reference.modules():
        if isinstance(sub, nn.ReLU):
            sub.inplace = False  # Captum's backward hooks cannot follow in-place ReLUs
    if name == "densenet121":
        reference = ModuleReLUDenseNet(reference)
    image = vc.data.builtin("samples")[0][0]
    x = model.preprocess(image)
    for ours, theirs in [(guided_backprop, GuidedBackprop), (deconvnet, Deconvolution)]:
        expected = theirs(reference).attribute(x.clone().requires_grad_(), target=7)[0].permute(1, 2, 0).numpy()
        np.testing.assert_allclose(ours(model, image, 7), expected, rtol=1e-5, atol=1e-6 * np.abs(expected).max())


def test_other_activations_and_torchscript_get_a_sentence_and_leave_nothing_behind():
    model = vc.load_model("mobilenet_v3_small", weights=None, device="cpu")
    image = vc.data.builtin("samples")[1][0]
    before = saliency(model, image, 5)
    for method in (guided_backprop, deconvnet):
        with pytest.raises(vc.ModelError, match="also applies hardswish, whose gradient"):
            method(model, image, 5)
    np.testing.assert_array_equal(saliency(model, image, 5), before)  # this thread's next pass is plain again

    scripted = wrap(torch.jit.trace(mixed().module, torch.zeros(1, 3, 16, 16)), 16, 5)
    with pytest.raises(vc.ModelError, match="TorchScript model hides its operations"):
        guided_backprop(scripted, noise_image(0, (16, 16)), 1)


def test_eight_threads_on_one_shared_model_get_what_serial_calls_get():
    model = vc.load_model("resnet18", weights=None, device="cpu")  # in-place ReLUs, one module used twice per block
    images = [noise_image(seed, (224, 224)) for seed in range(8)]
    methods = (guided_backprop, saliency, deconvnet, grad_cam)

    def all_methods(i):
        return [method(model, images[i], 100 * i) for method in methods]

    serial = [all_methods(i) for i in range(8)]
    start = threading.Barrier(8)

    def together(i):
        start.wait(timeout=60)
        return all_methods(i)

    with ThreadPoolExecutor(8) as pool:
        parallel = list(pool.map(together, range(8)))
    for expected_maps, maps in zip(serial, parallel, strict=True):
        for expected, got in zip(expected_maps, maps, strict=True):
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6 * np.abs(expected).max())


def test_a_guided_pass_in_flight_changes_nothing_in_another_threads_pass():
    """Two threads meet at two points of the forward pass, so the second thread's ReLUs run while the first's rule
    is on."""
    model = mixed(seed=5)
    a, b = model.preprocess(noise_image(10, (16, 16))), model.preprocess(noise_image(11, (16, 16)))
    pairs = [(lambda: guided_backprop(model, a, 2), lambda: saliency(model, b, 2)),
             (lambda: deconvnet(model, a, 1), lambda: model.activations_batch(b)),
             (lambda: grad_cam(model, a, 3, layer="conv2"), lambda: saliency(model, b, 4))]
    serial = [(first(), second()) for first, second in pairs]
    barrier = threading.Barrier(2)
    model.module.meet.barrier = model.module.meet_again.barrier = barrier
    try:
        with ThreadPoolExecutor(2) as pool:
            together = [tuple(f.result() for f in [pool.submit(first), pool.submit(second)]) for first, second in pairs]
    finally:
        model.module.meet.barrier = model.module.meet_again.barrier = None
    for (expected_first, expected_second), (first, second) in zip(serial, together, strict=True):
        np.testing.assert_allclose(first, expected_first, rtol=1e-6)
        if isinstance(second, dict):
            for name, tensor in second.items():
                torch.testing.assert_close(tensor, expected_second[name], rtol=1e-6, atol=0)
        else:
            np.testing.assert_allclose(second, expected_second, rtol=1e-6)
