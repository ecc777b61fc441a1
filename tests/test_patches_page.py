"""The Max patches page through Streamlit's AppTest: its table and pictures are what vizcore computes on its own."""
import io
import os
import zipfile

import numpy as np
import pytest
import torch
from test_attribution_page import pictures, stores  # noqa: F401 (stores is a fixture)
from test_pages import current, open_page, use_model

import vizcore as vc
from studio import cache, datasets
from vizcore.attribution import Unit, gradient_picture, guided_backprop
from vizcore.patches import crop, cut, outline, receptive_field, scan


@pytest.fixture(autouse=True)
def no_scans(tmp_path, monkeypatch):
    """Every test starts with no scan kept, in memory (shared by the whole process) or on disk; scans use workers."""
    monkeypatch.setenv("DEEPVIS_CACHE", str(tmp_path))
    monkeypatch.setenv("DEEPVIS_WORKERS", "2")  # the page's scans read images in worker processes
    cache._stores.clear()


def enlarged(picture) -> np.ndarray:
    scale = max(1, 112 // picture.width)
    return np.asarray(picture.resize((picture.width * scale,) * 2, 0))


def run_scan(app):
    assert "has not been scanned" in app.info[0].value and not app.dataframe
    app.button(key="patches_run").click().run()
    assert not app.exception, app.exception[0].value


def test_the_scan_waits_for_its_button_then_shows_the_selected_units_top_patches(app, stores):  # noqa: F811
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
        cache.scan(("builtin-shapes", "default", None), dataset, ["features.0"], 9, model, stop)
    assert cache.stored_scan(("builtin-shapes", "default", None), dataset, "features.0", 9, model) is None


def test_vector_layers_show_whole_images_and_the_deconvnet_on_request(app, stores):  # noqa: F811
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
    cache._stores.clear()  # a new server process: nothing in memory
    app.run()
    assert not app.info and len(app.dataframe[0].value) == 9


def test_a_dataset_that_cannot_be_downloaded_gets_its_sentence(app, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    open_page(app, "patches")
    app.selectbox(key="patches_data").select("cifar10").run()
    assert not app.exception and not app.button
    sentence = app.error[0].value
    assert sentence.startswith("CIFAR-10 (163 MB) is not in ") and "could not be downloaded" in sentence


def zip_of_images(count: int, extras: dict[str, bytes]) -> bytes:
    """A zip with ``count`` PNG shapes in two class folders, plus ``extras`` (name -> bytes)."""
    shapes = vc.data.builtin("shapes", n=count)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        for i in range(count):
            png = io.BytesIO()
            shapes[i][0].save(png, "PNG")
            z.writestr(f"pictures/{'odd' if i % 2 else 'even'}/{i:02}.png", png.getvalue())
        for name, data in extras.items():
            z.writestr(name, data)
    return archive.getvalue()


def test_an_uploaded_zip_is_scanned_and_its_skipped_files_counted(app):
    data = zip_of_images(12, {"pictures/notes.txt": b"not an image", "../escape.png": b"x"})
    open_page(app, "patches")
    app.selectbox(key="patches_data").select("zip").run()
    assert "Upload a zip" in app.info[0].value and not app.button  # nothing to scan yet
    app.file_uploader(key="patches_zip").upload("pictures.zip", data, "application/zip").run()
    assert any("12 images in 2 classes; 2 files skipped" in caption.value for caption in app.caption)
    run_scan(app)
    model, _ = current(app)
    dataset = vc.data.from_zip(data)
    layer = app.session_state["selected_layer"]
    top = scan(model, dataset, [layer], k=9)[layer]
    table = app.dataframe[0].value
    assert table["source"].tolist() == [dataset.name(int(i)) for i in top.indices[0]]
    np.testing.assert_allclose(table["activation"], top.values[0].numpy(), rtol=1e-5)


def test_a_bad_zip_and_a_missing_folder_get_their_sentence(app, tmp_path):
    open_page(app, "patches")
    app.selectbox(key="patches_data").select("zip").run()
    app.file_uploader(key="patches_zip").upload("broken.zip", b"PK\x03\x04 not really", "application/zip").run()
    assert not app.exception and not app.button
    assert app.error[0].value.startswith("This file is not a readable zip archive")
    app.selectbox(key="patches_data").select("folder").run()
    app.text_input(key="patches_folder").input(str(tmp_path / "nowhere")).run()
    assert not app.exception and app.error[0].value == f"{tmp_path / 'nowhere'} is not a folder."


def test_a_shared_deployment_can_keep_the_servers_folders_to_itself(app, monkeypatch):
    open_page(app, "patches")
    folder, upload = datasets.SOURCES["folder"], datasets.SOURCES["zip"]
    assert folder in app.selectbox(key="patches_data").options
    monkeypatch.setenv("DEEPVIS_SERVER_FOLDERS", "off")
    app.run()
    options = app.selectbox(key="patches_data").options
    assert folder not in options and upload in options


def test_a_folder_on_disk_is_scanned(app, tmp_path):
    shapes = vc.data.builtin("shapes", n=10)
    for i in range(10):
        shapes[i][0].save(tmp_path / f"shape{i}.jpg", quality=90)
    open_page(app, "patches")
    app.selectbox(key="patches_data").select("folder").run()
    app.text_input(key="patches_folder").input(str(tmp_path)).run()
    run_scan(app)
    model, _ = current(app)
    dataset = vc.data.folder(tmp_path)
    layer = app.session_state["selected_layer"]
    top = scan(model, dataset, [layer], k=9)[layer]
    assert app.dataframe[0].value["source"].tolist() == [dataset.name(int(i)) for i in top.indices[0]]


def test_an_image_that_fails_while_the_workers_scan_gets_its_sentence(app, tmp_path):
    shapes = vc.data.builtin("shapes", n=4 * 64)  # four batches: enough for the page's two workers
    for i in range(len(shapes)):
        shapes[i][0].save(tmp_path / f"shape{i:03}.jpg", quality=90)
    open_page(app, "patches")
    app.selectbox(key="patches_data").select("folder").run()
    app.text_input(key="patches_folder").input(str(tmp_path)).run()
    bad = tmp_path / "shape100.jpg"
    seen = bad.stat()
    bad.write_bytes(bad.read_bytes()[:200])  # damaged after the folder was read, its time kept: the scan meets it
    os.utime(bad, ns=(seen.st_atime_ns, seen.st_mtime_ns))
    app.button(key="patches_run").click().run()
    assert not app.exception
    assert [error.value for error in app.error] == [
        f"'{bad}' is truncated or damaged: the file ends before the image does."]
    assert not app.dataframe and app.button(key="patches_run")  # nothing kept; the scan can be run again


def test_layers_scanned_in_one_pass_are_each_ready_afterwards(app):
    open_page(app, "patches")
    app.number_input(key="patches_n").set_value(200).run()
    app.slider(key="patches_k").set_value(3).run()
    model, _ = current(app)
    first = app.session_state["selected_layer"]
    batches = []
    handle = model.module.features[0].register_forward_pre_hook(lambda _, inputs: batches.append(len(inputs[0])))
    try:
        app.multiselect(key="patches_also").select("features.10").select("classifier.4").run()
        run_scan(app)
    finally:
        handle.remove()
    assert [size for size in batches if size > 1] == [64, 64, 64, 8]  # 200 images, once, for the three layers
    dataset = vc.data.builtin("shapes", n=200)
    for layer in ("features.10", "classifier.4"):
        app.selectbox(key="patches_layer").select(layer).run()
        assert not app.info and not app.exception  # already scanned
        top = scan(model, dataset, [layer], k=3)[layer]
        assert app.dataframe[0].value["image"].tolist() == top.indices[app.session_state["selected_unit"]].tolist()
    assert first not in ("features.10", "classifier.4")
