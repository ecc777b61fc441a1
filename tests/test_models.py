"""load_model on torchvision architectures: layers, activations, predictions, threads.

Activations are checked against a second computation: running the model's own
submodules by hand, which is what a captured layer must equal.
"""
import threading

import numpy as np
import pytest
import torch
from conftest import noise_image

import vizcore as vc


@pytest.fixture(scope="module")
def alexnet():
    torch.manual_seed(0)
    return vc.load_model("alexnet", weights=None, device="cpu")


@pytest.fixture(scope="module")
def resnet18():
    torch.manual_seed(0)
    return vc.load_model("resnet18", weights=None, device="cpu")


def test_alexnet_layers_have_caffe_names_and_shapes(alexnet):
    labels = [layer.label for layer in alexnet.layers]
    assert labels == ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "conv3", "relu3", "conv4", "relu4",
                      "conv5", "relu5", "pool5", "avgpool", "fc6", "relu6", "fc7", "relu7", "fc8"]
    assert alexnet.layer("conv5").name == "features.10"
    assert alexnet.layer("conv5").title == "conv5 (features.10)"
    assert alexnet.layer("conv1").shape == (64, 55, 55)
    assert alexnet.layer("fc7").shape == (4096,)
    assert alexnet.layer("conv1").params == 64 * 3 * 11 * 11 + 64


def test_vgg16_layers_are_named_by_block():
    m = vc.load_model("vgg16", weights=None, device="cpu")
    labels = [layer.label for layer in m.layers]
    assert labels[:5] == ["conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1"]
    assert "conv5_3" in labels and "pool5" in labels
    assert labels[-5:] == ["fc6", "relu6", "fc7", "relu7", "fc8"]
    assert m.layer("conv4_2").shape == (512, 28, 28)


def test_alexnet_activations_equal_a_manual_forward_despite_inplace_relu(alexnet):
    img = noise_image(1)
    acts = alexnet.activations(img, ["conv1", "relu1", "fc7"])
    x = alexnet.preprocess(img)
    f = alexnet.module.features
    with torch.no_grad():
        conv1 = f[0](x)[0]
        fc7 = alexnet.module.classifier[:5](torch.flatten(alexnet.module.avgpool(f(x)), 1))[0]
    assert list(acts) == ["conv1", "relu1", "fc7"]
    assert (acts["conv1"] < 0).any(), "conv1 was captured after the in-place ReLU overwrote it"
    torch.testing.assert_close(acts["conv1"], conv1)
    torch.testing.assert_close(acts["relu1"], conv1.clamp(min=0))
    torch.testing.assert_close(acts["fc7"], fc7, rtol=1e-4, atol=1e-5)
    assert all(t.dtype == torch.float32 and t.device.type == "cpu" for t in acts.values())


def test_resnet_block_output_and_pre_residual_values(resnet18):
    names = [layer.name for layer in resnet18.layers]
    assert "layer1.0" in names and "layer1.0.bn2" in names
    assert "layer1.0.relu" not in names, "a ReLU module used twice per block cannot name one output"
    assert "layer1" not in names, "a stage whose output is its last block's must not be listed twice"
    img = noise_image(2)
    acts = resnet18.activations(img, ["maxpool", "layer1.0.bn2", "layer1.0"])
    block = resnet18.module.layer1[0]
    with torch.no_grad():
        x = acts["maxpool"].unsqueeze(0)
        bn2 = block.bn2(block.conv2(block.relu(block.bn1(block.conv1(x)))))
        out = torch.relu(bn2 + x)
    torch.testing.assert_close(acts["layer1.0.bn2"], bn2[0], rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(acts["layer1.0"], out[0], rtol=1e-4, atol=1e-5)


def test_activations_are_keyed_exactly_as_asked(alexnet):
    img = noise_image(8)
    by_label = alexnet.activations(img, ["fc7", "conv5"])
    by_path = alexnet.activations(img, ["features.10", "classifier.4"])
    both = alexnet.activations(img, ["conv5", "features.10"])
    assert list(by_label) == ["fc7", "conv5"] and list(by_path) == ["features.10", "classifier.4"]
    assert list(both) == ["conv5", "features.10"]
    torch.testing.assert_close(by_label["conv5"], by_path["features.10"])
    torch.testing.assert_close(both["conv5"], both["features.10"])
    torch.testing.assert_close(by_label["fc7"], by_path["classifier.4"])
    assert list(alexnet.activations(img, "relu5")) == ["relu5"]
    x = alexnet.preprocess([img, noise_image(9)])
    assert list(alexnet.activations_batch(x, ["pool5", "features.0"])) == ["pool5", "features.0"]
    with torch.enable_grad():
        graph = alexnet.activations_graph(x.requires_grad_(), ["relu1", "output"])
    assert list(graph) == ["relu1", "output"] and graph["relu1"].requires_grad and graph["output"].shape == (2, 1000)


def test_the_view_of_an_image_is_scored_as_the_image(alexnet, resnet18):
    """A picture at the input size is taken pixel for pixel, not enlarged to 256 and cropped back to 224."""
    for m in (alexnet, resnet18, vc.load_model("builtin-shapes", device="cpu")):
        for img in (noise_image(20), noise_image(21, size=(300, 180))):
            seen = m.view(img)
            assert seen.size == (m.input_size, m.input_size)
            torch.testing.assert_close(m.preprocess(seen), m.preprocess(img), rtol=0, atol=0)
            assert m.predict(seen) == m.predict(img)
    square = noise_image(22, size=(224, 224))
    assert np.array_equal(np.asarray(resnet18.view(square)), np.asarray(square))


def test_a_list_of_pictures_preprocesses_to_their_batch(alexnet):
    images = [noise_image(30), noise_image(31, size=(224, 224))]
    torch.testing.assert_close(alexnet.preprocess(images), torch.cat([alexnet.preprocess(i) for i in images]),
                               rtol=0, atol=0)
    with pytest.raises(ValueError, match="no pictures"):
        alexnet.preprocess([])
    with pytest.raises(ValueError, match=r"scores one image, a tensor \[1, 3, H, W\]; this one is \[2, 3, 224, 224\]"):
        alexnet.probabilities(alexnet.preprocess(images))


def test_all_layers_in_one_pass_match_their_shapes(resnet18):
    acts = resnet18.activations(noise_image(3))
    assert list(acts) == [layer.name for layer in resnet18.layers]
    for layer in resnet18.layers:
        assert tuple(acts[layer.name].shape) == layer.shape


def test_activations_stop_after_the_deepest_requested_layer(resnet18):
    calls = []
    handle = resnet18.module.fc.register_forward_hook(lambda *a: calls.append(1))
    try:
        resnet18.activations(noise_image(4), ["layer1.0"])
        assert calls == []
        resnet18.predict(noise_image(4))
        assert calls == [1]
    finally:
        handle.remove()


def test_predict_is_sorted_softmax_of_the_logits(alexnet):
    img = noise_image(5)
    top = alexnet.predict(img, k=5)
    with torch.no_grad():
        probs = torch.softmax(alexnet.module(alexnet.preprocess(img)), 1)[0]
    expected = torch.topk(probs, 5)
    assert [label for label, _ in top] == [alexnet.categories[i] for i in expected.indices]
    np.testing.assert_allclose([p for _, p in top], expected.values.numpy(), rtol=1e-5)
    assert len(alexnet.categories) == 1000 and alexnet.categories[0] == "tench"


def test_preprocess_matches_torchvision_and_deprocess_inverts_it(alexnet):
    from torchvision.models import AlexNet_Weights

    img = noise_image(6)
    x = alexnet.preprocess(img)
    torch.testing.assert_close(x[0], AlexNet_Weights.DEFAULT.transforms()(img))
    pixels = np.asarray(noise_image(7, size=(224, 224)), dtype=np.float32) / 255
    mean, std = np.array(alexnet.preprocessing.mean), np.array(alexnet.preprocessing.std)
    normalised = torch.from_numpy((pixels - mean) / std).permute(2, 0, 1).float()
    back = np.asarray(alexnet.deprocess(normalised), dtype=int)
    assert np.abs(back - np.rint(pixels * 255)).max() <= 1


def test_sixteen_threads_get_the_results_they_would_get_alone(resnet18):
    requests = [(noise_image(10 + i), ["layer2.0"] if i % 2 else ["conv1", "fc"]) for i in range(16)]
    alone = [resnet18.activations(img, layers) for img, layers in requests]
    together = [None] * 16
    barrier = threading.Barrier(16)

    def work(i):
        barrier.wait()
        together[i] = resnet18.activations(*requests[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(alone, together, strict=True):
        assert a.keys() == b.keys()
        for name in a:
            torch.testing.assert_close(a[name], b[name], rtol=1e-5, atol=1e-6)


def test_model_is_frozen_in_eval_mode(resnet18):
    assert not resnet18.module.training
    assert not any(p.requires_grad for p in resnet18.module.parameters())
    assert resnet18.device == torch.device("cpu")


def test_unknown_names_get_a_sentence():
    with pytest.raises(vc.ModelError, match="not a torchvision classification model"):
        vc.load_model("resnet-9000", weights=None)
    with pytest.raises(vc.ModelError, match="no weights called 'BOGUS'; it takes IMAGENET1K_V1, DEFAULT"):
        vc.load_model("resnet18", weights="BOGUS")
    from torchvision.models import AlexNet_Weights

    with pytest.raises(vc.ModelError, match="AlexNet_Weights.IMAGENET1K_V1 are not weights of resnet18; "
                                            "it takes IMAGENET1K_V1, DEFAULT"):
        vc.load_model("resnet18", weights=AlexNet_Weights.IMAGENET1K_V1)
    with pytest.raises(vc.ModelError, match="builtin-shapes has one set of weights"):
        vc.load_model("builtin-shapes", weights="IMAGENET1K_V1")


def test_auto_device_prefers_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert vc.pick_device("auto") == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert vc.pick_device("auto") == torch.device("cpu")
