"""vizcore.optvis, the one optimisation loop under synthesis and style: each piece against its definition.

On the built-in shapes model; the methods built on the loop are tested in test_synthesis.py and test_style.py.
"""
import numpy as np
import pytest
import torch

import vizcore as vc
from vizcore.optvis import Pixels, objectives, optimizers, pixels, render, transforms


@pytest.fixture(scope="module")
def shapes():
    return vc.load_model("builtin-shapes", device="cpu")


def noise(*shape, seed=0):
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed))


def test_objectives_add_and_scale_and_report_every_term_by_name(shapes):
    x = noise(2, 3, 64, 64)
    objective = objectives.logit(1) - 0.5 * objectives.logit(2) + objectives.channel("conv3", [4, 7])
    total, parts = objective.on(shapes)(x, x)
    with torch.no_grad():
        logits = shapes.module(pixels.to_input(shapes, x))
        conv3 = shapes.activations_batch(pixels.to_input(shapes, x), ["conv3"])["conv3"]
    units = torch.stack([conv3[0, 4].mean(), conv3[1, 7].mean()])
    assert list(parts) == ["score", "score 2", "score 3"]
    torch.testing.assert_close(parts["score 2"], logits[:, 2])
    torch.testing.assert_close(parts["score 3"], units)
    torch.testing.assert_close(total, logits[:, 1] - 0.5 * logits[:, 2] + units)
    per_picture = objectives.logit(1) * [2.0, -1.0]  # one weight per picture
    torch.testing.assert_close(per_picture.on(shapes)(x, x)[0], logits[:, 1] * torch.tensor([2.0, -1.0]))


def test_feature_distance_is_the_relative_squared_distance_for_one_layer_or_one_per_picture(shapes):
    x, target = noise(2, 3, 64, 64), noise(1, 3, 64, 64, seed=1)
    features = shapes.activations_batch(pixels.to_input(shapes, torch.cat([x, target])), ["conv2", "fc7"])
    t2, t7 = features["conv2"][2], features["fc7"][2]

    def relative(a, t):
        return float(((a - t) ** 2).sum() / (t ** 2).sum())

    one = objectives.feature_distance("conv2", t2).on(shapes)(x, x)[1]["distance"]
    assert one.tolist() == pytest.approx([relative(features["conv2"][b], t2) for b in range(2)], rel=1e-5)
    each = objectives.feature_distance(["conv2", "fc7"], [t2, t7]).on(shapes)(x, x)[1]["distance"]
    assert each.tolist() == pytest.approx([relative(features["conv2"][0], t2), relative(features["fc7"][1], t7)],
                                          rel=1e-5)
    t2b = features["conv2"][1]  # one layer, a target per picture
    same = objectives.feature_distance(["conv2", "conv2"], [t2, t2b]).on(shapes)(x, x)[1]["distance"]
    assert same.tolist() == pytest.approx([relative(features["conv2"][0], t2), relative(features["conv2"][1], t2b)],
                                          rel=1e-5)


def test_the_step_rules_move_each_picture_as_defined():
    scales = torch.tensor([1.0, 100.0]).view(2, 1, 1, 1)
    g = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(3)) * scales
    p = torch.zeros(2, 3, 8, 8)
    p.grad = g
    optimizers.make("normalized", [p], 2.0).step()
    assert p.abs().mean(dim=(1, 2, 3)).tolist() == pytest.approx([2.0, 2.0])  # whatever the gradient's scale
    assert torch.equal(torch.sign(p), -torch.sign(g))
    q = torch.zeros(2, 3, 8, 8)
    q.grad = g
    optimizers.make("sign", [q], 1.5).step()
    assert torch.equal(q, -1.5 * torch.sign(g))
    with pytest.raises(ValueError, match="Unknown optimizer"):
        optimizers.make("sgd!", [q], 1.0)


def test_caffe_pixels_are_levels_about_the_mean_and_stay_real(shapes):
    mean = pixels.stats(shapes)[0]
    image = Pixels.caffe(shapes, mean.expand(1, 3, 4, 4).clone())
    assert torch.equal(image.leaf, torch.zeros(1, 3, 4, 4))  # 0 is the mean colour
    image.assign(torch.full((1, 3, 4, 4), 1000.0))
    image.constrain()
    torch.testing.assert_close(image.image(), torch.ones(1, 3, 4, 4))  # white, not beyond
    torch.testing.assert_close(image.leaf, (255 * (1 - mean)).expand(1, 3, 4, 4))


def test_transforms_roll_as_torch_rolls_and_an_affine_identity_changes_nothing():
    x = noise(2, 3, 16, 16)
    rolled = transforms.Roll(3)(x, torch.Generator().manual_seed(5))
    shift = torch.randint(-3, 4, (2,), generator=torch.Generator().manual_seed(5)).tolist()
    assert torch.equal(rolled, torch.roll(x, shift, dims=(2, 3)))
    identity = transforms.Affine((transforms.Jitter(0), transforms.Scale(1, 1), transforms.Rotate(0)))
    torch.testing.assert_close(identity(x, torch.Generator()), x, atol=1e-5, rtol=0)
    moved = transforms.compose(transforms.standard(16))(x, torch.Generator().manual_seed(0))
    assert moved.shape == x.shape and not torch.allclose(moved, x)


@pytest.mark.parametrize("optimizer, lr", [("adam", None), ("normalized", 0.01)])
def test_the_loop_reports_at_the_start_every_few_steps_and_the_end_with_the_terms_of_the_picture_shown(
        shapes, optimizer, lr):
    start = noise(2, 3, 64, 64)
    objective = objectives.channel("conv3", [1, 2]) - 0.1 * objectives.total_variation()
    steps = list(render(shapes, objective, Pixels(start), 12, optimizer, lr, every=5))
    assert [step.i for step in steps] == [0, 5, 10, 12] and all(step.total == 12 for step in steps)
    for step in (steps[0], steps[-1]):  # recomputed from the reported pictures themselves
        x = torch.stack([torch.from_numpy(np.asarray(p, dtype=np.float32) / 255).permute(2, 0, 1)
                         for p in step.images])
        total, parts = objective.on(shapes)(x, x)
        assert step.parts["score"] == pytest.approx(parts["score"].tolist(), abs=0.02, rel=0.02)
        assert step.loss == pytest.approx(-float(total.mean()), abs=0.02, rel=0.02)
        assert step.image is step.images[0] and len(step.images) == 2
    assert np.mean(steps[-1].parts["score"]) > np.mean(steps[0].parts["score"])


def test_constraints_act_on_pixels_only(shapes):
    spectrum = vc.optvis.Fourier(shapes, 1, 64, torch.Generator())
    with pytest.raises(ValueError, match="act on pixels"):
        next(render(shapes, objectives.logit(0), spectrum, 3, constraints=[lambda u, g, i: u]))


def test_lbfgs_reports_every_few_iterations_and_closes_in(shapes):
    target = shapes.activations_batch(pixels.to_input(shapes, noise(1, 3, 64, 64, seed=1)), ["conv3"])["conv3"]
    objective = -objectives.feature_distance("conv3", target)
    steps = list(render(shapes, objective, Pixels(noise(1, 3, 64, 64)), 12, "lbfgs", every=5))
    assert [step.i for step in steps] == [0, 5, 10, 12]
    assert steps[-1].parts["distance"] < steps[0].parts["distance"] / 2
