"""vizcore.activations.grids: planted maps land in the right tiles, clicks map back to channels, colours and scales.

Every check compares with values worked out by hand for planted input: a map
whose every value is its channel number, a single hot cell, a known ramp.
"""
import numpy as np
import pytest
import torch

from vizcore.activations import grids


def tile_pixels(picture, layout, channel) -> np.ndarray:
    left, top, right, bottom = layout.box(channel)
    return np.asarray(picture)[top:bottom, left:right]


def test_every_channel_lands_in_its_own_tile_in_channel_order():
    n = 37  # not a square: the last row is partly empty
    maps = torch.arange(n, dtype=torch.float32)[:, None, None].expand(n, 5, 7)  # map c is the constant c
    picture, layout = grids.grid(maps, "gray")
    assert layout.cols == 7 and layout.rows == 6 and picture.size == layout.size
    for c in range(n):
        expected = round(255 * c / (n - 1))
        assert np.all(np.abs(tile_pixels(picture, layout, c).astype(int) - expected) <= 1), f"tile {c}"
    canvas = np.asarray(picture)
    left, top, right, bottom = layout.box(n - 1)
    assert np.all(canvas[top:bottom, right + layout.pad:] == grids.BACKGROUND), "the row's end after the last tile"
    assert np.all(canvas[: layout.pad] == grids.BACKGROUND), "the gap above the first row"


def test_a_hot_cell_keeps_its_place_inside_its_tile():
    n, h, w = 12, 6, 9
    maps = torch.zeros(n, h, w)
    cells = [(c % h, (3 * c) % w) for c in range(n)]
    for c, (y, x) in enumerate(cells):
        maps[c, y, x] = 1.0
    picture, layout = grids.grid(maps, "gray", width=400)
    scale = layout.tile_w // w
    assert scale > 1 and layout.tile_h == h * scale
    for c, (y, x) in enumerate(cells):
        tile = tile_pixels(picture, layout, c)[..., 0]
        hot = np.argwhere(tile == 255)
        assert hot.min(0).tolist() == [y * scale, x * scale] and hot.max(0).tolist() == [y * scale + scale - 1,
                                                                                         x * scale + scale - 1]
        assert (tile == 0).sum() == tile.size - scale * scale


def test_large_maps_are_shrunk_by_area_and_keep_their_orientation():
    maps = torch.zeros(4, 200, 200)
    maps[:, :, 100:] = 1.0  # right half bright
    maps[1] = maps[1].T.clone()  # bottom half bright
    picture, layout = grids.grid(maps, "gray", width=400)
    assert layout.tile_w < 200 and picture.size[0] <= 400
    half = layout.tile_w // 2
    right_bright, bottom_bright = tile_pixels(picture, layout, 0)[..., 0], tile_pixels(picture, layout, 1)[..., 0]
    assert right_bright[:, : half - 1].max() < 10 and right_bright[:, half + 1:].min() > 245
    assert bottom_bright[: half - 1].max() < 10 and bottom_bright[half + 1:].min() > 245


def test_channel_at_inverts_box_and_refuses_gaps():
    layout = grids.TileLayout(count=10, cols=4, tile_w=8, tile_h=5, pad=2)
    assert layout.size == (4 * 10 + 2, 3 * 7 + 2)
    for c in range(layout.count):
        left, top, right, bottom = layout.box(c)
        assert layout.channel_at(*layout.center(c)) == c
        assert layout.channel_at(left, top) == c and layout.channel_at(right - 0.01, bottom - 0.01) == c
        assert layout.channel_at(right + 0.5, top) is None, "the gap right of a tile"
        assert layout.channel_at(left, bottom + 0.5) is None, "the gap below a tile"
    full = grids.TileLayout(count=12, cols=4, tile_w=8, tile_h=5, pad=2)
    assert layout.channel_at(*full.center(10)) is None, "where an 11th tile would be, past the last one"
    assert layout.channel_at(-3, 4) is None and layout.channel_at(4, 500) is None
    with pytest.raises(IndexError):
        layout.box(10)


def test_normalize_shared_scale_boost_gamma_and_symmetry():
    maps = torch.tensor([[[0.0, 1.0]], [[0.0, 4.0]]])
    np.testing.assert_allclose(grids.normalize(maps), [[[0, 0.25]], [[0, 1]]])
    np.testing.assert_allclose(grids.normalize(maps, boost=1.0), [[[0, 1]], [[0, 1]]], atol=1e-6)
    np.testing.assert_allclose(grids.normalize(maps, boost=0.5), [[[0, 0.5]], [[0, 1]]], atol=1e-6)
    np.testing.assert_allclose(grids.normalize(maps, gamma=0.5), [[[0, 0.5]], [[0, 1]]], atol=1e-6)
    signed = torch.tensor([[[-2.0, 0.0, 1.0]]])
    np.testing.assert_allclose(grids.normalize(signed, symmetric=True), [[[0.0, 0.5, 0.75]]])
    np.testing.assert_allclose(grids.normalize(signed), [[[0.0, 2 / 3, 1.0]]])
    with pytest.raises(ValueError, match="boost"):
        grids.normalize(maps, boost=2)


def test_colormaps_run_between_their_anchor_colours():
    viridis = grids.colormap("viridis")
    assert viridis.shape == (256, 3) and viridis.dtype == np.uint8
    assert viridis[0].tolist() == [0x44, 0x01, 0x54] and viridis[-1].tolist() == [0xFD, 0xE7, 0x25]
    luminance = viridis @ np.array([0.2126, 0.7152, 0.0722])
    assert np.all(np.diff(luminance) >= 0) and luminance[-1] - luminance[0] > 150, "perceptual: ever brighter"
    diverging = grids.colormap("blue-white-red")
    assert diverging[0, 2] > diverging[0, 0] and diverging[-1, 0] > diverging[-1, 2], "blue low, red high"
    assert diverging[128].min() >= 240, "zero (the centre) is white"
    assert grids.colorize(np.array([0.0, 0.5, 1.0]), "gray")[:, 0].tolist() == [0, 128, 255]
    with pytest.raises(ValueError, match="Unknown colormap 'jet'"):
        grids.colormap("jet")


def test_a_diverging_grid_puts_zero_at_white():
    maps = torch.tensor([[[-1.0, 0.0, 3.0]]])
    picture, layout = grids.grid(maps, "blue-white-red", width=30)
    row = tile_pixels(picture, layout, 0)[0, :: layout.tile_w // 3]
    assert row[1].min() >= 240 and row[0, 2] > row[0, 0] and row[2, 0] > row[2, 2]


def test_tiles_grow_to_the_width_with_gaps_in_proportion():
    picture, layout = grids.tile(np.zeros((64, 11, 11, 3), np.uint8), width=640)
    assert layout.cols == 8 and layout.tile_w == 11 * 6 and layout.pad == 4
    assert picture.size == layout.size == (8 * 70 + 4, 8 * 70 + 4)
    single, one = grids.tile(np.zeros((1, 13, 13, 3), np.uint8), width=240)
    assert one.pad == 0 and single.size == (13 * 18, 13 * 18)
