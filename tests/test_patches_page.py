"""The Max patches page through Streamlit's AppTest: its table and pictures are what vizcore computes on its own."""
import numpy as np
import pytest
import torch
from test_attribution_page import pictures, stores  # noqa: F401 (stores is a fixture)
from test_pages import current, open_page, use_model

import vizcore as vc
from studio import cache
from vizcore.attribution import Unit, gradient_picture, guided_backprop
from vizcore.patches import crop, cut, outline, receptive_field, scan


@pytest.fixture(autouse=True)
def no_scans(tmp_path, monkeypatch):
    """Every test starts with no scan kept, in memory (shared by the whole process) or on disk."""
    monkeypatch.setenv("DEEPVIS_CACHE", str(tmp_path))
    cache._scans.clear()


def enlarged(picture) -> np.ndarray:
    scale = max(1, 112 // picture.width)
    return np.asarray(picture.resize((picture.width * scale,) * 2, 0))


def run_scan(app):
    assert "has not been scanned" in app.info[0].value and not app.dataframe
    app.button(key="patches_run").click().run()
    assert not app.exception, app.exception[0].value


def test_the_scan_waits_for_its_button_then_shows_the_selected_units_top_patches(app, stores):
    app.session_state["selected_layer"], app.session_state["selected_unit"] = "features.10", 5  # conv5, unit 5
    open_page(app, "patches")
    run_scan(app)
    model, _ = current(app)
    dataset = vc.data.builtin("shapes", n=500)
    top = scan(model, dataset, ["conv5"], k=9)["features.10"]
    table = app.dataframe[0].value
    np.testing.assert_allclose(table["activation"], top.values[5].numpy(), rtol=1e-5)
    assert table["image"].tolist() == top.indices[5].tolist()
    assert table["source"].tolist() == [dataset.name(int(i)) for i in top.indices[5]]
    assert table[["y", "x"]].values.tolist() == top.positions[5].tolist()

    shown = pictures(app, stores)
    first = dataset[int(top.indices[5, 0])][0]
    y, x = (int(v) for v in top.positions[5, 0])
    np.testing.assert_array_equal(shown[f"#1 · {float(top.values[5, 0]):.3g}"][0],
                                  enlarged(crop(model, first, "conv5", y, x)))
    gradient = gradient_picture(guided_backprop(model, first, Unit("features.10", 5, (y, x))))
    np.testing.assert_array_equal(shown[dataset.name(int(top.indices[5, 0]))][0],
                                  enlarged(cut(gradient, receptive_field(model, "conv5", y, x, clip=False),
                                               (128, 128, 128))))
    source_caption = f"{dataset.name(int(top.indices[5, 0]))}: the unit's field at ({y}, {x})"
    box = receptive_field(model, "conv5", y, x)
    np.testing.assert_array_equal(shown[source_caption][0],
                                  np.asarray(outline(model.deprocess(model.preprocess(first)), box)))
    overview = shown["The top patch of units 0 to 35 of conv5 (features.10)"][0]
    assert overview.shape[1] >= 6 * 83  # six patches of conv5's 83-pixel field across
    assert len(app.get("download_button")) == 4


def test_a_kept_scan_is_reused_without_scanning_again(app):
    open_page(app, "patches")
    run_scan(app)
    model, _ = current(app)
    batches = []  # the scan's forward passes take many images; a unit's views take one
    handle = model.module.features[0].register_forward_pre_hook(lambda _, inputs: batches.append(len(inputs[0])))
    try:
        app.number_input(key="patches_unit").set_value(3).run()
        app.selectbox(key="patches_pick").select(4).run()
    finally:
        handle.remove()
    assert not app.exception and not app.info and set(batches) == {1}
    assert app.session_state["selected_unit"] == 3  # handed on to the other pages
    assert app.dataframe[0].value["rank"].tolist() == list(range(1, 10))


def test_a_stopped_scan_is_not_kept():
    model = vc.load_model("builtin-shapes")
    dataset = vc.data.builtin("shapes", n=100)

    def stop(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cache.scan(("builtin-shapes", "default", None), dataset, "features.0", 9, model, stop)
    assert cache.stored_scan(("builtin-shapes", "default", None), dataset, "features.0", 9, model) is None


def test_vector_layers_show_whole_images_and_the_deconvnet_on_request(app, stores):
    app.session_state["selected_layer"] = "classifier.4"  # fc7
    open_page(app, "patches")
    app.selectbox(key="patches_data").select("samples").run()
    run_scan(app)
    app.radio(key="patches_view").set_value("deconvnet").run()
    assert not app.exception
    table = app.dataframe[0].value
    assert len(table) == 2 and (table[["y", "x"]].values == 0).all()  # two sample photos, no positions
    model, _ = current(app)
    assert set(table["field (top, left, bottom, right)"]) == {str((0, 0, model.input_size, model.input_size))}
    shown = pictures(app, stores)
    assert "deconvnet for the unit there" in shown


def test_the_digits_model_scans_digits(app):
    use_model(app, "builtin-digits")
    open_page(app, "patches")
    assert app.selectbox(key="patches_data").value == "digits"
    run_scan(app)
    assert all(name.startswith("digit ") for name in app.dataframe[0].value["source"])
    model, _ = current(app)
    assert torch.is_tensor(cache.stored_scan(app.session_state["_model_key"], vc.data.builtin("digits", n=500),
                                             app.session_state["selected_layer"], 9, model).values)


def test_a_scan_kept_on_disk_is_shown_after_a_restart(app):
    open_page(app, "patches")
    run_scan(app)
    cache._scans.clear()  # a new server process: nothing in memory
    app.run()
    assert not app.info and len(app.dataframe[0].value) == 9


def test_a_dataset_that_cannot_be_downloaded_gets_its_sentence(app, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    open_page(app, "patches")
    app.selectbox(key="patches_data").select("cifar10").run()
    assert not app.exception and not app.button
    sentence = app.error[0].value
    assert sentence.startswith("CIFAR-10 (163 MB) is not in ") and "could not be downloaded" in sentence
