"""The Filters and Activations pages through Streamlit's AppTest.

What a page shows is compared with vizcore computing the same thing on its
own: the grid the page draws must be, pixel for pixel, the grid of the current
image's activations. The model is watched with a forward pre-hook to prove
that switching layer, unit or colours does not run it again.
"""
import base64
import io
import json

import numpy as np
import pytest
import torch
from conftest import noise_image
from PIL import Image
from torch import nn

import vizcore as vc
from vizcore.activations import grids, units


def use_model(app, name):
    app.sidebar.selectbox(key="model_name").select(name)
    app.sidebar.radio(key="weights_mode").set_value("pretrained" if name.startswith("builtin") else "random init")
    app.run()


def open_page(app, page):
    app.switch_page(f"pages/{page}.py").run()
    assert not app.exception, app.exception[0].value


def decode(value) -> np.ndarray:
    """A Plotly JSON array: a list, or a typed array {"dtype", "bdata"}."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value)


def figure(app, i=0) -> dict:
    return json.loads(app.get("plotly_chart")[i].proto.spec)


def shown_grid(app) -> tuple[np.ndarray, int]:
    """The grid picture inside the page's clickable chart, and how many tiles can be clicked."""
    image_trace, markers = figure(app)["data"][:2]
    png = base64.b64decode(image_trace["source"].split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(png))), len(decode(markers["x"]))


def current(app):
    state = app.session_state
    return state["_model"], state["_image"]


def expected_grid(app, layer_name: str, colormap="viridis", boost=0.0, gamma=1.0) -> np.ndarray:
    model, image = current(app)
    maps = model.activations(image, [layer_name])[layer_name]
    return np.asarray(grids.grid(maps, colormap, boost, gamma)[0])


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


@pytest.mark.parametrize("name", ["builtin-shapes", "builtin-digits", "alexnet", "vgg16", "resnet18"])
def test_both_pages_draw_what_vizcore_computes(app, name):
    use_model(app, name)
    model, image = current(app)
    assert model.name == name
    open_page(app, "filters")
    w = model.module.get_submodule(model.layers[0].name).weight
    captions = " ".join(caption for element in app.get("image") for caption in element.captions)
    assert f"{model.layers[0].title}: {'×'.join(map(str, w.shape))}" in captions
    assert len(app.get("download_button")) == 3

    open_page(app, "activations")
    layer = next(candidate for candidate in model.layers if candidate.kind == "ReLU")  # where the page opens
    assert app.session_state["selected_layer"] == layer.name and app.session_state["selected_unit"] == 0
    picture, tiles = shown_grid(app)
    assert tiles == layer.shape[0]
    assert np.array_equal(picture, expected_grid(app, layer.name))
    acts = model.activations(image, [layer.name])[layer.name]
    peak, _, _ = units.peak(acts[0])
    assert [m.value for m in app.metric][:2] == [f"{peak:.3g}", f"{units.rank(acts, 0)} of {layer.shape[0]}"]


def test_switching_layer_unit_or_colours_does_not_run_the_model_again(app):
    use_model(app, "alexnet")
    open_page(app, "activations")
    model, _ = current(app)
    calls = []
    handle = model.module.register_forward_pre_hook(lambda *_: calls.append(1))
    try:
        for layer in ["features.6", "features.11", "classifier.6", "features.3", "features.6"]:
            app.selectbox(key="activations_layer").select(layer).run()
            assert not app.exception and app.session_state["selected_layer"] == layer
        app.number_input(key="activations_unit").set_value(200).run()
        app.selectbox(key="activations_colormap").select("blue-white-red").run()
        app.slider(key="activations_boost").set_value(0.5).run()
        picture, _ = shown_grid(app)
        assert np.array_equal(picture, expected_grid(app, "features.6", "blue-white-red", boost=0.5))
        calls.clear()  # expected_grid ran the model itself
        open_page(app, "filters")
        open_page(app, "activations")
        assert not app.exception and calls == []

        calls.clear()
        app.sidebar.selectbox(key="sample").select("photo: flower.jpg").run()
        assert calls == [1], "a new image: exactly one forward pass"
    finally:
        handle.remove()


def test_the_unit_is_clamped_and_handed_to_other_pages(app):
    use_model(app, "alexnet")
    open_page(app, "activations")
    app.selectbox(key="activations_layer").select("features.6").run()  # conv3: 384 channels
    app.number_input(key="activations_unit").set_value(300).run()
    assert app.session_state["selected_unit"] == 300 and "Unit 300" not in texts(app.metric)
    app.selectbox(key="activations_layer").select("features.0").run()  # conv1: 64 channels
    assert app.session_state["selected_unit"] == 63 and app.number_input(key="activations_unit").value == 63

    open_page(app, "filters")
    open_page(app, "activations")
    assert app.session_state["selected_layer"] == "features.0" and app.session_state["selected_unit"] == 63

    use_model(app, "builtin-shapes")  # its conv1 is features.0 too, with 32 channels
    assert not app.exception
    assert app.session_state["selected_layer"] == "features.0" and app.session_state["selected_unit"] == 31
    assert app.number_input(key="activations_unit").value == 31


def test_the_output_layer_names_the_models_top_classes(app):
    open_page(app, "activations")
    model, image = current(app)
    app.selectbox(key="activations_layer").select(model.layers[-1].name).run()
    assert not app.exception
    bars = figure(app, 1)["data"][0]
    shown = list(zip(bars["y"][::-1], decode(bars["x"])[::-1], strict=True))
    reference = model.predict(image, k=5)
    assert [label for label, _ in shown] == [label for label, _ in reference]
    np.testing.assert_allclose([p for _, p in shown], [p for _, p in reference], rtol=1e-5)
    table = app.dataframe[0].value  # the most active units: the largest logits, named
    logits = model.activations(image, [model.layers[-1].name])[model.layers[-1].name]
    top = torch.topk(logits, len(table))
    assert list(table["unit"]) == top.indices.tolist()
    np.testing.assert_allclose(table["value"], top.values.numpy(), rtol=1e-6)
    assert list(table["class"][:5]) == [label for label, _ in reference]


def jpeg(picture) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def test_each_camera_snapshot_redraws_the_grid(app):
    open_page(app, "activations")
    app.sidebar.radio(key="image_source").set_value("camera").run()
    seen = []
    for seed in (1, 2):
        shot = jpeg(noise_image(seed))
        app.sidebar.camera_input(key="camera").set_value(("snapshot.jpg", shot, "image/jpeg")).run()
        assert not app.exception and app.session_state["_image_key"].startswith("upload:")
        model, layer = current(app)[0], app.session_state["selected_layer"]
        maps = model.activations(vc.open_image(io.BytesIO(shot)), [layer])[layer]
        picture, _ = shown_grid(app)
        assert np.array_equal(picture, np.asarray(grids.grid(maps)[0]))
        seen.append(picture)
    assert not np.array_equal(*seen)


def test_a_torchscript_model_gets_a_sentence_on_filters_and_its_output_on_activations(app, tmp_path):
    path = tmp_path / "scripted.pt"
    torch.jit.trace(nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten()).eval(),
                    torch.zeros(1, 3, 32, 32)).save(str(path))
    app.sidebar.radio(key="weights_mode").set_value("my checkpoint").run()
    app.sidebar.file_uploader(key="checkpoint_upload").upload("scripted.pt", path.read_bytes()).run()
    assert not app.sidebar.error
    open_page(app, "filters")
    assert "shows no convolution weights (a TorchScript model hides its layers)" in texts(app.info)
    open_page(app, "activations")
    assert app.session_state["selected_layer"] == "output"
    assert [m.label for m in app.metric][:2] == ["Unit 0", "Rank in layer"]
    assert list(app.dataframe[0].value["class"]) == [f"class {i}" for i in (app.dataframe[0].value["unit"])]
