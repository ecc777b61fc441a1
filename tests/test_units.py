"""vizcore.activations.units: strengths, ranks and peaks of planted activations; overlays that land where the input
is bright.

The overlay test builds a network whose every convolution averages its input
(all weights equal), so each layer's map is a blurred copy of the image's
brightness: a white square on black must light up the same place at every
depth once the map is upsampled onto the input.
"""
import math

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn
from torchvision.models import alexnet

import vizcore as vc
from vizcore.activations import grids, units
from vizcore.core.preprocessing import Preprocessing


@pytest.fixture
def planted():
    """5 channels of 4x4, all zero but one cell each: maxima 1, 5, 3, 5 and 0 (channel 4 holds -1)."""
    acts = torch.zeros(5, 4, 4)
    for c, (value, y, x) in enumerate([(1, 0, 0), (5, 1, 2), (3, 3, 1), (5, 2, 3), (-1, 0, 3)]):
        acts[c, y, x] = value
    return acts


def test_strengths_top_and_rank_of_planted_channels(planted):
    assert units.strengths(planted).tolist() == [1, 5, 3, 5, 0]
    assert units.top(planted, 3) == [(1, 5.0), (3, 5.0), (2, 3.0)]
    assert [units.rank(planted, c) for c in range(5)] == [4, 1, 3, 1, 5]
    assert units.peak(planted[2]) == (3.0, 3, 1)
    assert units.peak(planted[3]) == (5.0, 2, 3)
    assert units.zero_fraction(planted) == pytest.approx(75 / 80)


def test_vector_units_rank_by_value():
    fc = torch.tensor([0.5, -2.0, 3.0, 0.0])
    assert units.top(fc, 2) == [(2, 3.0), (0, 0.5)]
    assert units.rank(fc, 1) == 4 and units.zero_fraction(fc) == 0.25


def test_histogram_counts_every_value():
    counts, edges = units.histogram(torch.tensor([0.0, 0.0, 1.0, 2.0]), bins=2)
    assert counts.tolist() == [2, 2] and edges.tolist() == [0.0, 1.0, 2.0]


def test_top_classes_are_the_softmax_of_the_output_layer():
    logits = torch.tensor([0.0, math.log(3), math.log(2)])
    top = units.top_classes(logits, ["cat", "dog", "owl"], k=2)
    assert [name for name, _ in top] == ["dog", "owl"]
    assert [p for _, p in top] == pytest.approx([3 / 6, 2 / 6])


@pytest.mark.parametrize("i, j", [(i, j) for i in range(4) for j in range(4)])
def test_upsampling_keeps_a_hot_cell_over_its_block(i, j):
    cell = torch.zeros(4, 4)
    cell[i, j] = 1.0
    y, x = np.unravel_index(np.argmax(units.upsample(cell, 16)), (16, 16))
    assert 4 * i <= y < 4 * i + 4 and 4 * j <= x < 4 * j + 4


@pytest.fixture(scope="module")
def averaging_net() -> vc.Model:
    """AlexNet whose convolutions all average their input: maps are blurred brightness."""
    module = alexnet()
    for conv in module.features:
        if isinstance(conv, nn.Conv2d):
            nn.init.constant_(conv.weight, 1.0 / conv.weight[0].numel())
            nn.init.zeros_(conv.bias)
    categories = [str(i) for i in range(1000)]
    return vc.Model(module, "averaging alexnet", categories, Preprocessing(224, 224, (0, 0, 0), (1, 1, 1)),
                    torch.device("cpu"), "test")


def white_square(top: int, left: int, side: int = 60) -> Image.Image:
    pixels = np.zeros((224, 224, 3), np.uint8)
    pixels[top:top + side, left:left + side] = 255
    return Image.fromarray(pixels)


@pytest.mark.parametrize("top, left", [(30, 134), (140, 20)])
@pytest.mark.parametrize("label", ["conv1", "relu2", "conv3", "conv5", "pool5"])
def test_a_units_hot_spot_lands_on_the_bright_square(averaging_net, label, top, left):
    image = white_square(top, left)
    layer = averaging_net.layer(label)
    channel_map = averaging_net.activations(image, [label])[label][7]
    heat = units.upsample(channel_map, 224)
    y, x = np.unravel_index(np.argmax(heat), heat.shape)
    slack = 224 / layer.shape[1]  # one cell of this layer's map: the finest place it can name
    assert top - slack <= y < top + 60 + slack and left - slack <= x < left + 60 + slack, (label, y, x)

    overlaid = np.asarray(units.overlay(image, channel_map, "viridis", alpha=0.7)).astype(float)
    photo = np.asarray(image).astype(float)
    for at in [(y, x), (200, 210) if top < 112 else (10, 210)]:  # the hot spot, a far corner
        v = heat[at] / heat.max()  # weight 0.7 v on the colour of v, the rest on the photo
        expected = (1 - 0.7 * v) * photo[at] + 0.7 * v * grids.colorize(v, "viridis").astype(float)
        np.testing.assert_allclose(overlaid[at], expected, atol=1)
    silent = heat <= 0
    assert np.array_equal(overlaid[silent], photo[silent]), "where the unit is silent the photo shows"
