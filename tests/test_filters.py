"""vizcore.filters: which layers have filters, their weights as tiles in filter order, their norms.

Tiles are checked against a NumPy reference on planted filters whose scale or
colour is known; norms against a sum of squares.
"""
import numpy as np
import pytest
import torch
from torch import nn

import vizcore as vc
from vizcore import filters
from vizcore.core.preprocessing import Preprocessing


@pytest.fixture(scope="module")
def alexnet():
    torch.manual_seed(0)
    return vc.load_model("alexnet", weights=None, device="cpu")


def test_alexnet_filters_are_its_five_convolutions(alexnet):
    convs = filters.conv_layers(alexnet)
    assert [layer.label for layer in convs] == ["conv1", "conv2", "conv3", "conv4", "conv5"]
    assert filters.first_rgb_layer(alexnet).label == "conv1"
    w = filters.weight(alexnet, convs[0])
    assert w.shape == (64, 3, 11, 11) and w.dtype == torch.float32
    assert torch.equal(w, alexnet.module.features[0].weight)
    assert filters.weight(alexnet, convs[2]).shape == (384, 192, 3, 3)


def test_resnet_convolutions_include_the_shortcut_projections():
    names = [layer.name for layer in filters.conv_layers(vc.load_model("resnet18", weights=None, device="cpu"))]
    assert names[0] == "conv1" and "layer1.0.conv2" in names and "layer2.0.downsample.0" in names
    assert len(names) == 20


def test_a_torchscript_model_has_no_filters_to_show():
    traced = torch.jit.trace(nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten()).eval(),
                             torch.zeros(1, 3, 16, 16))
    model = vc.Model(traced, "scripted", ["a", "b", "c", "d"], Preprocessing(16, 16, (0, 0, 0), (1, 1, 1)),
                     torch.device("cpu"), "test")
    assert filters.conv_layers(model) == [] and filters.first_rgb_layer(model) is None


def planted_rgb(n=6) -> tuple[torch.Tensor, torch.Tensor]:
    """Filter k = (k + 1) x one base pattern [3, 5, 4]."""
    base = torch.randn(3, 5, 4, generator=torch.Generator().manual_seed(1))
    return torch.stack([(k + 1) * base for k in range(n)]), base


def reference_tiles(w: np.ndarray, lo, hi) -> np.ndarray:
    return (((w - lo) / (hi - lo)).transpose(0, 2, 3, 1) * 255 + 0.5).astype(np.uint8)


def test_each_filter_on_its_own_range_shows_the_same_pattern():
    w, base = planted_rgb()
    tiles = filters.rgb_tiles(w)
    assert tiles.shape == (6, 5, 4, 3)
    expected = reference_tiles(base[None].numpy(), base.min().item(), base.max().item())[0]
    for k in range(6):
        assert np.abs(tiles[k].astype(int) - expected).max() <= 1, f"filter {k}"
        assert tiles[k].min() == 0 and tiles[k].max() == 255


def test_a_shared_scale_keeps_the_filters_strengths():
    w, _ = planted_rgb()
    tiles = filters.rgb_tiles(w, shared=True)
    expected = reference_tiles(w.numpy(), w.min().item(), w.max().item())
    assert np.abs(tiles.astype(int) - expected).max() <= 1
    spread = [int(t.max()) - int(t.min()) for t in tiles]
    assert spread == sorted(spread) and spread[-1] == 255 and spread[0] < 60


def test_the_colour_grid_puts_filter_k_in_tile_k():
    n = 10
    w = torch.zeros(n, 3, 3, 3)
    for k in range(n):
        w[k, k % 3] = k + 1  # filter k: channel k mod 3 (red, green, blue) at strength k + 1
    picture, layout = filters.rgb_grid(w, shared=True, width=300)
    pixels = np.asarray(picture)
    for k in range(n):
        left, top, right, bottom = layout.box(k)
        colour = pixels[(top + bottom) // 2, (left + right) // 2]
        expected = [0, 0, 0]
        expected[k % 3] = round(255 * (k + 1) / n)
        assert np.abs(colour.astype(int) - expected).max() <= 1, f"tile {k}"
    with pytest.raises(ValueError, match=r"\[O, 3, kh, kw\]"):
        filters.rgb_tiles(torch.zeros(4, 5, 3, 3))


def test_kernels_of_one_filter_or_averaged_over_inputs(alexnet):
    w = filters.weight(alexnet, alexnet.layer("conv2"))
    assert torch.equal(filters.kernels(w, 17), w[17]) and filters.kernels(w, 17).shape == (64, 5, 5)
    torch.testing.assert_close(filters.kernels(w), w.sum(dim=1) / w.shape[1])
    with pytest.raises(IndexError, match="has 192 filters; there is no filter 192"):
        filters.kernels(w, 192)


def test_kernel_grid_puts_zero_at_mid_grey():
    maps = torch.tensor([[[-1.0, 0.0, 2.0]], [[0.0, 0.5, 0.0]]])
    picture, layout = filters.kernel_grid(maps, width=120)
    row = np.asarray(picture)[layout.box(0)[1], layout.box(0)[0]:layout.box(0)[2]:layout.tile_w // 3, 0]
    assert row.tolist() == [64, 128, 255]
    picture, layout = filters.kernel_grid(maps, shared=True, width=120)
    left, top, right, _ = layout.box(1)
    assert np.asarray(picture)[top, left + layout.tile_w // 2, 0] == round(255 * (0.5 + 0.5 * 0.25)), "0.5 of 2"


def test_norms_are_each_filters_l2_norm(alexnet):
    w = filters.weight(alexnet, alexnet.layer("conv1"))
    expected = np.sqrt((w.numpy().astype(np.float64) ** 2).sum(axis=(1, 2, 3)))
    np.testing.assert_allclose(filters.norms(w), expected, rtol=1e-5)
