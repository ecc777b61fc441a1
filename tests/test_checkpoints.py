"""Weights from torchvision's cache, user checkpoints and TorchScript files, good and bad.

Every file is made by the test itself; the network is never used (offline is
simulated by making urlopen fail, downloads are served from 127.0.0.1).
"""
import http.server
import os
import threading
import urllib.error
from functools import partial

import pytest
import torch
import torchvision
from conftest import noise_image

import vizcore as vc
from vizcore.core import zoo


class RunsCode:
    """A pickle payload: loading it would create the marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    return tmp_path / "torch-home"


@pytest.fixture
def offline(monkeypatch):
    def refuse(*args, **kwargs):
        raise urllib.error.URLError("no network here")

    monkeypatch.setattr("urllib.request.urlopen", refuse)


def seeded_state(name, seed, **kwargs):
    torch.manual_seed(seed)
    return torchvision.models.get_model(name, weights=None, **kwargs).state_dict()


def test_pretrained_weights_are_read_from_torch_home(torch_home, offline):
    weights = zoo.weights_enum("resnet18")
    target = zoo.cache_path(weights)
    assert str(target).startswith(str(torch_home))
    state = seeded_state("resnet18", 7)
    target.parent.mkdir(parents=True)
    torch.save(state, target)
    assert zoo.entries()[zoo.names().index("resnet18")].cached
    m = vc.load_model("resnet18", device="cpu")
    torch.testing.assert_close(m.module.conv1.weight, state["conv1.weight"])
    assert m.categories[:2] == ["tench", "goldfish"]
    assert "pretrained" in m.source


def test_weights_enums_and_their_names_pick_the_planted_file_they_name(torch_home, offline):
    """mobilenet_v2 has two sets of weights; V1 and V2 are planted with different seeds, DEFAULT is V2."""
    from torchvision.models import MobileNet_V2_Weights as W

    states = {}
    for seed, weights in enumerate((W.IMAGENET1K_V1, W.IMAGENET1K_V2)):
        states[weights] = seeded_state("mobilenet_v2", seed)
        zoo.cache_path(weights).parent.mkdir(parents=True, exist_ok=True)
        torch.save(states[weights], zoo.cache_path(weights))
    assert W.DEFAULT is W.IMAGENET1K_V2
    for given, meant in [(W.IMAGENET1K_V1, W.IMAGENET1K_V1), ("IMAGENET1K_V1", W.IMAGENET1K_V1),
                         ("MobileNet_V2_Weights.IMAGENET1K_V1", W.IMAGENET1K_V1), (W.IMAGENET1K_V2, W.IMAGENET1K_V2),
                         ("DEFAULT", W.IMAGENET1K_V2), ("default", W.IMAGENET1K_V2), (W.DEFAULT, W.IMAGENET1K_V2)]:
        m = vc.load_model("mobilenet_v2", weights=given, device="cpu")
        torch.testing.assert_close(m.module.features[0][0].weight, states[meant]["features.0.0.weight"])
        assert m.source.startswith(f"pretrained {meant.name} ")
        assert m.preprocessing.resize_size == meant.transforms().resize_size[0]  # V1: 256, V2: 232
    with pytest.raises(vc.ModelError, match="no weights called 'IMAGENET1K_V3'; it takes IMAGENET1K_V1, "
                                            "IMAGENET1K_V2, DEFAULT"):
        vc.load_model("mobilenet_v2", weights="IMAGENET1K_V3")


def test_offline_without_cached_weights_says_where_to_put_them(torch_home, offline):
    with pytest.raises(vc.ModelError) as e:
        vc.load_model("alexnet")
    message = str(e.value)
    assert "could not be downloaded" in message
    assert "alexnet-owt-7be5be79.pth" in message and str(torch_home / "hub" / "checkpoints") in message
    assert "built-in" in message


def test_a_planted_malicious_cache_file_is_refused_before_torchvision_unpickles_it(torch_home, tmp_path, offline):
    marker = tmp_path / "payload-ran"
    target = zoo.cache_path(zoo.weights_enum("resnet18"))
    target.parent.mkdir(parents=True)
    torch.save({"conv1.weight": torch.zeros(1), "x": RunsCode(marker)}, target)
    with pytest.raises(vc.ModelError, match="could run code"):
        vc.load_model("resnet18")
    assert not marker.exists()


@pytest.fixture
def http_file(tmp_path):
    """Serve tmp_path/served over HTTP on 127.0.0.1; yields the file's URL and its path."""
    served = tmp_path / "served"
    served.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/", served
    server.shutdown()


def test_download_reports_progress_and_checks_the_hash_in_the_name(http_file, tmp_path):
    import hashlib

    base, served = http_file
    payload = os.urandom(3 << 20)
    digest = hashlib.sha256(payload).hexdigest()[:8]
    (served / f"net-{digest}.pth").write_bytes(payload)
    seen = []
    target = tmp_path / "cache" / f"net-{digest}.pth"
    zoo.fetch(base + target.name, target, progress=lambda done, total: seen.append((done, total)))
    assert target.read_bytes() == payload
    assert seen[-1] == (len(payload), len(payload))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) >= 3

    wrong = tmp_path / "cache" / "net-00000000.pth"
    (served / wrong.name).write_bytes(payload)
    with pytest.raises(ValueError, match="checksum"):
        zoo.fetch(base + wrong.name, wrong)
    assert not wrong.exists() and not list(wrong.parent.glob("*.partial"))


def test_a_state_dict_for_the_named_architecture_loads(tmp_path):
    state = seeded_state("alexnet", 3)
    path = tmp_path / "alex.pt"
    torch.save({f"module.{k}": v for k, v in state.items()}, path)  # as saved from DataParallel
    m = vc.load_model("alexnet", checkpoint=path, device="cpu")
    torch.testing.assert_close(m.module.features[0].weight, state["features.0.weight"])
    assert len(m.categories) == 1000 and m.name == "alexnet (alex.pt)"


def test_a_fine_tuned_checkpoint_keeps_its_classes_and_names(tmp_path):
    state = seeded_state("resnet18", 4, num_classes=3)
    path = tmp_path / "pets.pth"
    torch.save({"state_dict": state, "categories": ["cat", "dog", "hamster"]}, path)
    m = vc.load_model("resnet18", checkpoint=path, device="cpu")
    assert m.categories == ["cat", "dog", "hamster"]
    assert m.layer("fc").shape == (3,)
    assert {label for label, _ in m.predict(noise_image(0), k=3)} == {"cat", "dog", "hamster"}


def test_a_class_count_that_contradicts_the_names_is_refused(tmp_path):
    path = tmp_path / "pets.pth"
    torch.save({"state_dict": seeded_state("resnet18", 4, num_classes=3), "categories": ["cat", "dog"]}, path)
    with pytest.raises(vc.ModelError, match="names 2 categories but its classifier has 3 outputs"):
        vc.load_model("resnet18", checkpoint=path)


def test_the_wrong_architecture_is_explained(tmp_path):
    path = tmp_path / "vgg.pt"
    torch.save(seeded_state("vgg11", 1), path)
    with pytest.raises(vc.ModelError, match=r"'vgg.pt' does not fit alexnet: .*other shapes .*another architecture"):
        vc.load_model("alexnet", checkpoint=path)
    path2 = tmp_path / "resnet.pt"
    torch.save(seeded_state("resnet18", 1), path2)
    with pytest.raises(vc.ModelError, match=r"missing \(e\.g\. features\.0\.weight\).*names it does not use"):
        vc.load_model("alexnet", checkpoint=path2)


def test_a_pickle_that_would_run_code_is_refused_and_does_not_run(tmp_path):
    marker = tmp_path / "payload-ran"
    path = tmp_path / "evil.pt"
    torch.save({"state_dict": seeded_state("resnet18", 0), "hook": RunsCode(marker)}, path)
    with pytest.raises(vc.ModelError, match="could run code, so it was refused"):
        vc.load_model("resnet18", checkpoint=path)
    assert not marker.exists()


def test_a_whole_pickled_module_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "whole.pt"
    torch.save(torchvision.models.resnet18(), path)
    with pytest.raises(vc.ModelError, match=r"torch.save\(model.state_dict\(\), path\)"):
        vc.load_model("resnet18", checkpoint=path)


@pytest.mark.parametrize("content", [b"", os.urandom(4096), b"PK\x03\x04 not really a zip"])
def test_damaged_files_get_one_sentence(tmp_path, content):
    path = tmp_path / "broken.pt"
    path.write_bytes(content)
    with pytest.raises(vc.ModelError, match="'broken.pt' is not a PyTorch checkpoint that can be read"):
        vc.load_model("resnet18", checkpoint=path)


def test_a_truncated_checkpoint_gets_one_sentence(tmp_path):
    path = tmp_path / "cut.pt"
    torch.save(seeded_state("resnet18", 0), path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(vc.ModelError, match="'cut.pt' is not a PyTorch checkpoint"):
        vc.load_model("resnet18", checkpoint=path)


def test_a_missing_checkpoint_file(tmp_path):
    with pytest.raises(vc.ModelError, match="does not exist"):
        vc.load_model("resnet18", checkpoint=tmp_path / "nope.pt")


def test_torchscript_files_predict_like_the_original(tmp_path):
    torch.manual_seed(0)
    original = torchvision.models.resnet18(num_classes=5).eval()
    path = tmp_path / "traced.pt"
    torch.jit.trace(original, torch.randn(1, 3, 224, 224)).save(str(path))
    m = vc.load_model("my net", checkpoint=path, device="cpu")
    assert [layer.name for layer in m.layers] == ["output"]
    assert m.categories == [f"class {i}" for i in range(5)]
    img = noise_image(0)
    with torch.no_grad():
        expected = torch.softmax(original(m.preprocess(img)), 1)[0]
    top = m.predict(img, k=5)
    assert [p for _, p in top] == pytest.approx(sorted(expected.tolist(), reverse=True), rel=1e-5)
