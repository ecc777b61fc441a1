"""vc.patches: the streaming top-k scan against brute force, shards, and receptive fields against real gradients.

The scan is checked against every image's activations taken one at a time
(every channel, its maximum over the map and where). A receptive field is
checked against the real network: the input gradient of a unit, on random
inputs, must be zero outside the box and reach each of its four edges.
"""
import numpy as np
import pytest
import torch
import torchvision
from attribution_models import wrap
from conftest import noise_image
from torch import nn

import vizcore as vc
from vizcore.__main__ import main
from vizcore.patches import TopK, crop, receptive_field, scan, store


def small_net() -> vc.Model:
    torch.manual_seed(0)
    module = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                           nn.Conv2d(8, 6, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(6 * 4 * 4, 5))
    return wrap(module, 16, 5)


def noise_set(n: int) -> list:
    return [(noise_image(seed, (16, 16)), 0) for seed in range(n)]


def brute_force(m: vc.Model, dataset, layer: str, k: int):
    """Per channel: the k best (value, index, (y, x)) over every image, one image at a time."""
    rows = []
    for i, (img, _) in enumerate(dataset):
        acts = m.activations(img, [layer])[layer]
        if acts.dim() == 3:
            flat = acts.flatten(1)
            where = flat.argmax(1)
            rows.append([(float(flat[c, where[c]]), i, divmod(int(where[c]), acts.shape[2])) for c in range(len(acts))])
        else:
            rows.append([(float(v), i, (0, 0)) for v in acts])
    return [sorted((row[c] for row in rows), key=lambda t: (-t[0], t[1]))[:k] for c in range(len(rows[0]))]


@pytest.mark.parametrize("layer", ["1", "4", "6"])
def test_scan_equals_brute_force(layer):
    m, dataset = small_net(), noise_set(40)
    result = scan(m, dataset, [layer], k=5, batch_size=7)[layer]
    expected = brute_force(m, dataset, layer, 5)
    assert result.values.shape == (len(expected), 5) and result.positions.shape == (len(expected), 5, 2)
    np.testing.assert_allclose(result.values.numpy(), [[v for v, _, _ in row] for row in expected], rtol=1e-5,
                               atol=1e-6)
    assert result.indices.tolist() == [[i for _, i, _ in row] for row in expected]
    assert result.positions.tolist() == [[list(p) for _, _, p in row] for row in expected]


def test_shards_merge_into_one_scan():
    m, dataset = small_net(), noise_set(30)
    whole = scan(m, dataset, ["1", "6"], k=4, batch_size=8)
    first = scan(m, dataset, ["1", "6"], k=4, batch_size=5, indices=range(0, 13))
    second = scan(m, dataset, ["1", "6"], k=4, batch_size=64, indices=range(13, 30))
    for name in whole:
        merged = first[name].merge(second[name])
        assert torch.equal(merged.indices, whole[name].indices)
        assert torch.equal(merged.positions, whole[name].positions)
        torch.testing.assert_close(merged.values, whole[name].values)


def test_merge_breaks_ties_by_lower_index_and_keeps_k():
    a = TopK(torch.tensor([[3.0, 1.0]]), torch.tensor([[7, 2]]), torch.tensor([[[1, 1], [0, 0]]]))
    b = TopK(torch.tensor([[3.0, 2.0]]), torch.tensor([[4, 9]]), torch.tensor([[[2, 2], [3, 3]]]))
    for merged in (a.merge(b), b.merge(a)):
        assert merged.indices.tolist() == [[4, 7]]
        assert merged.values.tolist() == [[3.0, 3.0]]
        assert merged.positions.tolist() == [[[2, 2], [1, 1]]]
    assert a.merge(b, k=4).indices.tolist() == [[4, 7, 9, 2]]


def test_scan_runs_one_stopping_forward_per_batch_and_reports_progress():
    m, dataset = small_net(), noise_set(10)
    calls = {"first": 0, "last": 0}
    m.module[0].register_forward_pre_hook(lambda *_: calls.__setitem__("first", calls["first"] + 1))
    m.module[6].register_forward_pre_hook(lambda *_: calls.__setitem__("last", calls["last"] + 1))
    seen = []
    result = scan(m, dataset, ["3"], k=20, batch_size=4, progress=lambda done, total: seen.append((done, total)))
    assert calls == {"first": 3, "last": 0}
    assert seen == [(4, 10), (8, 10), (10, 10)]
    assert result["3"].k == 10  # never more than the images scanned


def test_progress_can_stop_a_scan():
    m, dataset = small_net(), noise_set(10)

    def stop(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scan(m, dataset, ["1"], batch_size=4, progress=stop)


def test_vector_layers_have_position_zero():
    m, dataset = small_net(), noise_set(6)
    result = scan(m, dataset, ["6"], k=3)["6"]
    assert result.positions.abs().sum() == 0
    assert receptive_field(m, "6", 0, 0) == (0, 0, 16, 16)


def test_bad_arguments_are_explained():
    m = small_net()
    with pytest.raises(ValueError, match="no images to scan"):
        scan(m, [], ["1"])
    with pytest.raises(ValueError, match="no position"):
        receptive_field(m, "1", 16, 0)


def torchvision_net(name: str) -> vc.Model:
    torch.manual_seed(0)
    return wrap(getattr(torchvision.models, name)(weights=None), 64, 1000)


def builtin_shapes() -> vc.Model:
    return vc.load_model("builtin-shapes")


CASES = [(builtin_shapes, ["conv1", "pool1", "conv3", "relu5", "pool5", "avgpool"]),
         (lambda: torchvision_net("alexnet"), ["conv1", "pool1", "conv2", "conv5"]),
         (lambda: torchvision_net("vgg16"), ["conv1_2", "pool2", "conv3_3", "conv4_1"]),
         (lambda: torchvision_net("resnet18"), ["maxpool", "layer1.0", "layer2.0", "layer3.1", "layer4.0"])]


def gradient_footprint(m: vc.Model, layer: str, y: int, x: int) -> np.ndarray:
    """Where the real input gradient of unit (y, x) (all channels summed) is non-zero, over three random inputs."""
    mask = np.zeros((m.input_size, m.input_size), dtype=bool)
    for seed in range(3):
        inputs = torch.randn(1, 3, m.input_size, m.input_size, generator=torch.Generator().manual_seed(seed))
        inputs.requires_grad_()
        with torch.enable_grad():
            out = m.activations_graph(inputs, [layer])[layer]
            (grad,) = torch.autograd.grad(out[0, :, y, x].sum(), inputs)
        mask |= (grad[0] != 0).any(0).numpy()
    return mask


@pytest.mark.parametrize("make, layers", CASES, ids=["builtin-shapes", "alexnet", "vgg16", "resnet18"])
def test_receptive_field_is_where_the_gradient_reaches(make, layers):
    m = make()
    for layer in layers:
        _, h, w = m.layer(layer).shape
        for y, x in {(0, 0), (h // 2, w // 2), (h - 1, w - 1)}:
            top, left, bottom, right = receptive_field(m, layer, y, x)
            mask = gradient_footprint(m, layer, y, x)
            rows, cols = np.nonzero(mask.any(1))[0], np.nonzero(mask.any(0))[0]
            where = f"{layer} unit ({y}, {x})"
            assert (rows[0], cols[0], rows[-1] + 1, cols[-1] + 1) == (top, left, bottom, right), where


def test_unclipped_fields_follow_the_receptive_field_arithmetic():
    """conv1 of the shapes model is 7×7, stride 2, padding 3; pool1 adds a 3×3 window at stride 2 (Araujo et al.)."""
    m = builtin_shapes()
    assert receptive_field(m, "conv1", 0, 0, clip=False) == (-3, -3, 4, 4)
    assert receptive_field(m, "conv1", 5, 2, clip=False) == (7, 1, 14, 8)
    size = 7 + 2 * 2  # r1 + (k2 - 1) * s1
    assert receptive_field(m, "pool1", 1, 1, clip=False) == (1, 1, 1 + size, 1 + size)


def test_crop_is_the_field_cut_from_the_network_view_and_black_outside():
    m = builtin_shapes()
    img = noise_image(3, (80, 90))
    seen = np.asarray(m.deprocess(m.preprocess(img)))
    top, left, bottom, right = receptive_field(m, "conv3", 0, 1, clip=False)
    patch = np.asarray(crop(m, img, "conv3", 0, 1))
    assert patch.shape == (bottom - top, right - left, 3)
    inside = patch[-top:, max(0, -left):]
    assert np.array_equal(inside, seen[:bottom, max(0, left):right])
    assert not patch[:-top].any()
    assert np.array_equal(np.asarray(crop(m, img, "fc7", 0, 0)), seen)


def test_the_command_line_scan_writes_what_scan_computes(tmp_path, capsys):
    out = tmp_path / "top.npz"
    main(["scan", "--model", "builtin-shapes", "--data", "shapes", "--n", "50", "--layers", "conv5", "fc7",
          "--k", "4", "--out", str(out)])
    m = builtin_shapes()
    expected = scan(m, vc.data.builtin("shapes", n=50), ["conv5", "fc7"], k=4)
    saved = np.load(out)
    for label, name in (("conv5", "features.10"), ("fc7", "classifier.4")):
        np.testing.assert_array_equal(saved[f"{label}.indices"], expected[name].indices.numpy())
        np.testing.assert_array_equal(saved[f"{label}.positions"], expected[name].positions.numpy())
        np.testing.assert_allclose(saved[f"{label}.values"], expected[name].values.numpy(), rtol=1e-5)
    printed = capsys.readouterr()
    assert saved["names"][0] == "circle 0" and "wrote" in printed.out
    assert printed.err.split("\r")[-1].startswith("50 of 50 images · ") and "images/s" in printed.err


def test_the_command_line_explains_a_mistake_in_one_sentence(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["scan", "--model", "builtin-shapes", "--data", "shapes", "--layers", "conv9"])
    assert stop.value.code == 2
    assert capsys.readouterr().err.strip() == "error: builtin-shapes has no layer 'conv9'."


def test_ctrl_c_stops_the_command_line_scan_without_writing(tmp_path, capsys, monkeypatch):
    def interrupted(*args, progress, **kwargs):
        progress(64, 500)
        raise KeyboardInterrupt  # what Ctrl+C raises in the middle of the scan

    monkeypatch.setattr("vizcore.__main__.scan", interrupted)
    out = tmp_path / "top.npz"
    with pytest.raises(SystemExit) as stop:
        main(["scan", "--model", "builtin-shapes", "--data", "shapes", "--layers", "conv5", "--out", str(out)])
    assert stop.value.code == 130 and not out.exists()
    assert capsys.readouterr().err.split("\n")[-2] == "stopped: nothing written."


def test_scans_kept_on_disk_come_back_without_running_the_network(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPVIS_CACHE", str(tmp_path))
    m, dataset = small_net(), vc.data.builtin("shapes", n=12)
    first = store.cached_scans(m, dataset, ["1"], k=3)["1"]
    twin = small_net()  # the same weights in a new object: a restarted process
    calls = []
    twin.module[0].register_forward_pre_hook(lambda *_: calls.append(1))
    again = store.cached_scans(twin, dataset, ["1"], k=3)["1"]
    assert not calls and torch.equal(again.indices, first.indices) and torch.equal(again.values, first.values)
    assert torch.equal(again.positions, first.positions)
    other_weights = small_net()
    with torch.no_grad():
        other_weights.module[0].bias += 1
    assert store.load(other_weights, dataset, "1", 3) is None  # other weights, other key
    assert store.load(m, vc.data.builtin("shapes", n=13), "1", 3) is None  # other data
    assert store.load(m, dataset, "1", 4) is None  # other k
