"""The Embeddings page through Streamlit's AppTest: its map, star, neighbours and grid are what vizcore computes alone.

A selection on the map needs a browser (tests/test_browser.py drives one).
"""
import numpy as np
import pytest
from test_attribution_page import stores  # noqa: F401 (a fixture)
from test_pages import current, decode, figure, open_page, use_model

import vizcore as vc
from studio import cache
from vizcore.embed import maps


@pytest.fixture(autouse=True)
def nothing_kept(tmp_path, monkeypatch):
    """Every test starts with no features or maps kept, in memory or on disk."""
    monkeypatch.setenv("DEEPVIS_CACHE", str(tmp_path))
    cache._stores.clear()


def drawn_points(app) -> dict[int, tuple[str, float, float, str]]:
    """{dataset index: (trace name, x, y, hover text)} of the map's points, and the star apart (index -1)."""
    points = {}
    for trace in figure(app)["data"]:
        xs, ys = decode(trace["x"]), decode(trace["y"])
        if "customdata" not in trace:
            points[-1] = (trace["name"], float(xs[0]), float(ys[0]), "")
            continue
        for i, x, y, text in zip(decode(trace["customdata"]).reshape(-1), xs, ys, trace["hovertext"], strict=True):
            points[int(i)] = (trace["name"], float(x), float(y), text)
    return points


def captions(app) -> list[str]:
    return [caption for element in app.main.get("image") for caption in element.captions]


def test_the_digits_t_sne_map_with_the_current_image_and_its_neighbours(app):
    use_model(app, "builtin-digits")
    app.session_state["embed_n"] = 200
    open_page(app, "embeddings")
    model, image = current(app)
    dataset = vc.data.builtin("digits", n=200)
    found = vc.embed.extract(model, dataset)
    fitted = maps.fit(found.vectors, "tsne", seed=0, threads=1)
    points = drawn_points(app)
    assert len(points) == len(dataset) + 1
    for i in (0, 100, 199):
        name, x, y, text = points[i]
        assert name == dataset.classes[found.labels[i]]
        np.testing.assert_allclose((x, y), fitted.points[i], rtol=1e-5, atol=1e-5)
        assert text == (f"{dataset.name(i)}<br>label: {dataset.classes[found.labels[i]]}<br>"
                        f"predicted: {model.categories[found.predicted[i]]}")
    vector = vc.embed.encode(model, [image])[0]
    np.testing.assert_allclose(points[-1][1:3], fitted.place(vector), rtol=1e-4, atol=1e-4)

    shown = captions(app)
    for space, vectors, query in [("feature", found.vectors, vector),
                                  ("pixel", vc.embed.pixels(model, dataset), vc.embed.pixels(model, [(image, 0)])[0])]:
        near, distance = vc.embed.neighbors(vectors, query, 8, "cosine")
        expected = [f"{dataset.name(int(i))} · {d:.3f}" for i, d in zip(near, distance, strict=True)]
        assert all(caption in shown for caption in expected), space
    assert "200 images on a 14×15 lattice" in shown
    assert "Computed by openTSNE on the CPU (1 thread); principal components and neighbours on the CPU." in [
        caption.value for caption in app.caption]
    assert len(app.get("download_button")) == 4
    assert not app.error


def test_pca_coloured_by_prediction_on_a_conv_layer(app):
    app.session_state["embed_layer"] = "features.10"  # conv5 of the shapes model, averaged over positions
    app.session_state["embed_n"] = 200
    open_page(app, "embeddings")
    app.radio(key="embed_method").set_value("pca").run()
    app.radio(key="embed_colour").set_value("predicted").run()
    assert not app.exception
    model, _ = current(app)
    dataset = vc.data.builtin("shapes", n=200)
    found = vc.embed.extract(model, dataset, "features.10")
    expected = vc.embed.project(found.vectors, "pca")
    for i, (name, x, y, _) in drawn_points(app).items():
        if i >= 0:
            assert name == model.categories[found.predicted[i]]
            np.testing.assert_allclose((x, y), expected[i], rtol=1e-4, atol=1e-4)
    assert "averaged over positions" in app.subheader[0].value


def test_too_few_images_for_t_sne_get_a_sentence(app):
    open_page(app, "embeddings")
    app.selectbox(key="embed_data").select("samples").run()
    assert not app.exception
    assert app.error[0].value.startswith("t-SNE needs at least 10 vectors")
    app.radio(key="embed_method").set_value("pca").run()
    assert not app.exception and not app.error and "2 images on a 1×2 lattice" in captions(app)


def test_a_dataset_that_cannot_be_downloaded_gets_its_sentence(app, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    open_page(app, "embeddings")
    app.selectbox(key="embed_data").select("cifar10").run()
    assert not app.exception and not app.get("plotly_chart")
    assert "could not be downloaded" in app.error[0].value
    assert "CIFAR-10 needs the internet the first time: 163 MB are downloaded once and kept." in [
        caption.value for caption in app.caption]  # said before trying


def test_a_colour_only_change_computes_nothing_the_grid_included(app, monkeypatch):
    app.session_state["embed_n"] = 100
    open_page(app, "embeddings")
    calls = []
    for name in ("extract", "fit", "encode", "snap", "picture", "pixels"):
        made = getattr(vc.embed, name)
        monkeypatch.setattr(vc.embed, name, lambda *a, _made=made, _name=name, **k: (calls.append(_name),
                                                                                      _made(*a, **k))[1])
    model, _ = current(app)
    forwards = []
    handle = model.module.register_forward_pre_hook(lambda *_: forwards.append(1))
    try:
        for colour in ("predicted", "label", "predicted"):
            app.radio(key="embed_colour").set_value(colour).run()
            assert not app.exception
    finally:
        handle.remove()
    assert calls == [] and forwards == []
    names = {trace["name"] for trace in figure(app)["data"] if "customdata" in trace}
    assert names <= set(model.categories)  # coloured by the predicted class
