"""vc.style: Gram matrices, texture synthesis, style transfer, colour preservation and the batched trade-off sweep.

Everything runs on the built-in shapes model at a few dozen pixels: the
properties tested (the lecture's formula, losses falling, the trade-off
moving monotonically, chroma kept, blends, batching, sharing a model between
threads) do not depend on the network being VGG-19.
"""
import urllib.error
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

import vizcore as vc
from vizcore.optvis import pixels
from vizcore.style.transfers import problem

SIZE = 48


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Pictures of a few dozen pixels gain nothing from intra-op threads, and lose much when the cores are busy."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def shapes():
    return vc.load_model("builtin-shapes", device="cpu")


@pytest.fixture(scope="module")
def photos():
    samples = vc.data.builtin("samples")
    return samples[0][0], samples[1][0]  # the temple (content) and the flower (style)


def last(steps):
    *_, final = steps
    return final


def test_gram_and_layer_loss_follow_the_lecture_on_a_hand_checked_example():
    f = torch.tensor([[[1.0, 2.0]], [[3.0, 4.0]]])  # N = 2 channels, M = 1 × 2 positions
    target = torch.tensor([[[0.0, 1.0]], [[1.0, 0.0]]])
    # F Fᵀ = [[5, 11], [11, 25]], normalised by N·M = 4
    torch.testing.assert_close(vc.style.gram(f), torch.tensor([[1.25, 2.75], [2.75, 6.25]]))
    # E = 1/(4 N² M²) Σ (F Fᵀ − F̂ F̂ᵀ)², F̂ F̂ᵀ = I: (4² + 11² + 11² + 24²) / 64
    e = vc.style.layer_loss(vc.style.gram(f).unsqueeze(0), vc.style.gram(target))
    assert e.shape == (1,) and float(e[0]) == pytest.approx(834 / 64)
    batch = torch.stack([f, target])
    torch.testing.assert_close(vc.style.gram(batch), torch.stack([vc.style.gram(f), vc.style.gram(target)]))


def test_random_features_against_the_unnormalised_formula():
    f, t = torch.rand(2, 7, 5, 6, generator=torch.Generator().manual_seed(0)).double().unbind(0)
    n, m = 7, 30
    raw = lambda x: x.reshape(n, m) @ x.reshape(n, m).T  # noqa: E731
    expected = ((raw(f) - raw(t)) ** 2).sum() / (4 * n ** 2 * m ** 2)
    got = vc.style.layer_loss(vc.style.gram(f[None]), vc.style.gram(t))
    assert float(got[0]) == pytest.approx(float(expected), rel=1e-12)


def test_vgg19_gets_the_papers_layers_and_the_built_in_model_five_relus():
    vgg = vc.style.network(vc.load_model("vgg19", weights=None, device="cpu"))
    assert [vgg.label(name) for name in vgg.style_layers] == ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
    assert vgg.label(vgg.content_layer) == "relu4_2"
    shapes = vc.style.network(vc.load_model("builtin-shapes", device="cpu"))
    assert [shapes.label(name) for name in shapes.style_layers] == ["relu1", "relu2", "relu3", "relu4", "relu5"]


def test_offline_without_vgg_weights_the_built_in_model_serves_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def refuse(*args, **kwargs):
        raise urllib.error.URLError("no network here")

    monkeypatch.setattr("urllib.request.urlopen", refuse)
    net = vc.style.loss_network(None)
    assert net.model.name == "builtin-shapes"
    assert net.description.startswith("VGG-19's pretrained weights are not available")
    assert "vgg19-dcbb9e9d.pth" in net.description and "built-in shapes model" in net.description


def test_texture_synthesis_lowers_the_style_loss_ten_fold(shapes, photos):
    steps = list(vc.style.texture(photos[1], steps=60, model=shapes, size=SIZE, every=20))
    assert [step.i for step in steps][0] == 0 and steps[-1].i == 60
    assert steps[0].parts["style"] >= 10 * steps[-1].parts["style"]
    assert steps[-1].image.size == (SIZE, SIZE)


def test_raising_the_ratio_trades_content_for_style_monotonically(shapes, photos):
    ratios = [0.1, 0.5, 2.5, 12.5, 60]
    final = last(vc.style.sweep(*photos, ratios=ratios, model=shapes, size=SIZE, steps=40, every=40))
    style, content = np.array(final.parts["style"]), np.array(final.parts["content"])
    assert np.all(np.diff(style) < 0), style
    assert np.all(np.diff(content) > 0), content
    assert len(final.images) == len(ratios) and final.parts["ratios"] == ratios


def test_the_batched_sweep_equals_separate_adam_runs(shapes, photos):
    ratios = [0.2, 5.0]
    together = last(vc.style.sweep(*photos, ratios=ratios, model=shapes, size=SIZE, steps=15, every=15))
    for k, ratio in enumerate(ratios):
        alone = last(vc.style.transfer(*photos, style_weight=ratio, model=shapes, size=SIZE, steps=15,
                                       optimizer="adam", every=15))
        assert together.parts["style"][k] == pytest.approx(alone.parts["style"], rel=1e-3)
        assert together.parts["content"][k] == pytest.approx(alone.parts["content"], rel=1e-3, abs=1e-4)
        difference = np.abs(np.asarray(together.images[k], float) - np.asarray(alone.image, float))
        assert difference.max() <= 2, difference.max()


def test_preserving_colours_keeps_the_contents_chroma_and_changes_its_luminance(shapes, photos):
    content, style = photos
    result = last(vc.style.transfer(content, style, style_weight=50, preserve_colors=True, model=shapes, size=64,
                                    steps=20, every=20)).image
    before = np.asarray(pixels.fitted(content, 64).convert("YCbCr"), float)
    after = np.asarray(result.convert("YCbCr"), float)
    chroma = np.abs(after[..., 1:] - before[..., 1:]).max(axis=-1)
    in_gamut = ((np.asarray(result) > 0) & (np.asarray(result) < 255)).all(axis=-1)  # elsewhere RGB clips the chroma
    assert in_gamut.mean() > 0.8 and chroma[in_gamut].max() <= 1  # rounding to 8 bits alone
    assert chroma.mean() < 1
    assert np.abs(after[..., 0] - before[..., 0]).mean() > 5


def test_blending_two_styles_with_weights_one_and_zero_is_the_first_alone(shapes, photos):
    content, style = photos
    other = vc.style.sample("stripes", 64)
    blended = last(vc.style.transfer(content, [style, other], style_weights=[1, 0], model=shapes, size=SIZE, steps=10))
    alone = last(vc.style.transfer(content, style, model=shapes, size=SIZE, steps=10))
    np.testing.assert_array_equal(np.asarray(blended.image), np.asarray(alone.image))
    assert blended.loss == alone.loss
    mixed = last(vc.style.transfer(content, [style, other], style_weights=[1, 1], model=shapes, size=SIZE, steps=10))
    assert not np.array_equal(np.asarray(mixed.image), np.asarray(alone.image))


def test_targets_are_computed_only_for_what_changed(photos):
    model = vc.load_model("builtin-shapes", device="cpu")  # its own, so no other test has filled its targets
    passes = []
    handle = model.module.register_forward_pre_hook(lambda *_: passes.append(1))
    content, style = photos
    stripes, dots = vc.style.sample("stripes", 64), vc.style.sample("dots", 64)
    try:
        def setup(styles, weights=None, scale=1.0):
            passes.clear()
            problem(content, styles, weights, scale, False, SIZE, "content", 1, model, 0)
            return len(passes)

        assert setup([style, stripes]) == 3  # the content and both styles
        assert setup([style, dots]) == 1  # only the new style
        assert setup([style, dots], [3, 1]) == 0  # new blend weights: nothing to run
        assert setup([style, dots], [3, 1], scale=0.5) == 2  # both styles at another scale
    finally:
        handle.remove()


def test_sixteen_threads_sharing_the_model_get_the_serial_results(shapes, photos):
    def run(k: int):
        final = last(vc.style.sweep(photos[0], vc.style.sample("swirls", 64, seed=k % 4), ratios=[0.5, 8.0],
                                    model=shapes, size=32, steps=6, every=6))
        return [np.asarray(img) for img in final.images]

    serial = [run(k) for k in range(16)]
    with ThreadPoolExecutor(16) as pool:
        together = list(pool.map(run, range(16)))
    for a, b in zip(serial, together, strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)


def test_the_slider_picks_the_nearest_result_or_blends_its_neighbours():
    images = [vc.style.sample(name, 16) for name in ("swirls", "mosaic", "stripes")]
    ratios = [0.1, 1.0, 10.0]
    fine = vc.style.between(ratios, per_gap=4)
    assert len(fine) == 9 and all(any(f == pytest.approx(r) for f in fine) for r in ratios)
    assert vc.style.pick(images, ratios, 0.35) is images[1]  # log 0.35 is nearer log 1 than log 0.1
    assert vc.style.pick(images, ratios, 0.3) is images[0]
    assert vc.style.pick(images, ratios, 1000) is images[2]
    middle = vc.style.pick(images, ratios, 10 ** -0.5, blend=True)
    expected = (np.asarray(images[0], float) + np.asarray(images[1], float)) / 2
    assert np.abs(np.asarray(middle, float) - expected).max() <= 1
    np.testing.assert_array_equal(np.asarray(vc.style.pick(images, ratios, 1.0, blend=True)), np.asarray(images[1]))


def test_generated_styles_are_reproducible_and_differ_by_seed():
    for name in vc.style.SAMPLES:
        a, b = vc.style.sample(name, 64, seed=1), vc.style.sample(name, 64, seed=1)
        assert a.size == (64, 64) and a.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        assert not np.array_equal(np.asarray(a), np.asarray(vc.style.sample(name, 64, seed=2)))
        assert np.asarray(a).std() > 20  # a pattern, not a flat colour
    with pytest.raises(KeyError):
        vc.style.sample("nonesuch")
