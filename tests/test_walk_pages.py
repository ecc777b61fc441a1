"""Every control of the analysis pages, switched through its choices before and after the page's main action, in
the orders a person might: no run may end in an exception (issue 20: no red boxes after ordinary clicks).

The walks use the built-in shapes model and small datasets, so that each test takes seconds. Alongside, the
promises that a walk can check on every step: a layer change on Activations never leaves a silent unit picked
without saying so, and every prediction chart names its classes as categories.
"""
import ast
import json
from pathlib import Path

import pytest
from test_pages import current, open_page

from studio import cache
from vizcore.activations import units


@pytest.fixture(autouse=True)
def nothing_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPVIS_CACHE", str(tmp_path))
    monkeypatch.setenv("DEEPVIS_WORKERS", "0")
    cache._stores.clear()


SETTERS = {"selectbox": lambda w, v: w.select(v), "multiselect": lambda w, v: w.set_value(v)}


def walk(app, steps, check=lambda app, key, value: None) -> None:
    """Set each widget (kind, key) to each of its values in turn, one run each; no run may raise."""
    for kind, key, values in steps:
        for value in values:
            widget = getattr(app, kind)(key=key)
            SETTERS.get(kind, lambda w, v: w.set_value(v))(widget, value).run()
            assert not app.exception, (key, value, app.exception[0].value)
            check(app, key, value)


def category_axes(app) -> None:
    """Every bar chart of classes on the page puts its labels on a category axis."""
    for chart in app.get("plotly_chart"):
        figure = json.loads(chart.proto.spec)
        if figure["data"] and figure["data"][0].get("orientation") == "h":
            assert figure["layout"]["yaxis"]["type"] == "category"


def test_home_and_the_sidebar(app):
    walk(app, [("selectbox", "model_name", ["builtin-digits", "builtin-shapes"]),
               ("radio", "image_source", ["upload", "camera", "samples"]),
               ("selectbox", "sample", ["photo: flower.jpg", "digits: 7", "shapes: ring"])],
         lambda app, *_: category_axes(app))


def test_filters(app):
    open_page(app, "filters")
    model, _ = current(app)
    convs = [layer.name for layer in model.layers if layer.kind == "Conv2d"]
    walk(app, [("toggle", "filters_rgb_shared", [True, False]), ("selectbox", "filters_layer_input", convs),
               ("number_input", "filters_filter_input", [5, 0]), ("toggle", "filters_averaged", [True, False]),
               ("toggle", "filters_gray_shared", [True, False]), ("selectbox", "filters_layer_input", convs[::-1])])


def silent_unit_is_said(app, key, value) -> None:
    """After a layer (or image) change, a silent unit is picked only with a sentence that says so."""
    model, image = current(app)
    layer, unit = app.session_state["selected_layer"], app.session_state["selected_unit"]
    values = model.activations(image, [layer])[layer]
    if float(values[unit].max()) <= 0 and layer != model.layers[-1].name:
        assert any(f"Unit {unit} is silent" in w.value for w in app.warning), (layer, unit)


def test_activations_every_layer_and_option(app):
    open_page(app, "activations")
    model, _ = current(app)
    names = [layer.name for layer in model.layers]
    maps = next(layer.name for layer in model.layers if layer.kind == "ReLU")
    walk(app, [("selectbox", "activations_layer", names), ("selectbox", "activations_layer", [maps]),
               ("selectbox", "activations_colormap", ["blue-white-red", "gray", "viridis"]),
               ("slider", "activations_boost", [1.0, 0.0]), ("select_slider", "activations_gamma", [0.2, 1.0]),
               ("number_input", "activations_unit", [3, 0]), ("slider", "activations_top_n", [32, 1]),
               ("selectbox", "activations_layer", names[::-1]), ("selectbox", "sample", ["photo: china.jpg"])],
         lambda app, key, value: (silent_unit_is_said(app, key, value), category_axes(app)))


def test_a_layer_change_picks_the_most_active_unit_instead_of_a_silent_one(app):
    open_page(app, "activations")
    model, image = current(app)
    acts = model.activations(image)
    relus = [layer for layer in model.layers if layer.kind == "ReLU"]
    # a unit silent on one ReLU layer and on another, where some other unit is active
    layer, unit, other = next((a, u, b) for a in relus for b in relus if a != b
                              for u in range(min(a.shape[0], b.shape[0]))
                              if acts[a.name][u].max() <= 0 and acts[b.name][u].max() <= 0 < acts[b.name].max())
    app.selectbox(key="activations_layer").select(layer.name).run()
    app.number_input(key="activations_unit").set_value(unit).run()
    assert f"Unit {unit} is silent on this image" in app.warning[0].value  # picked by hand: said, and kept
    app.selectbox(key="activations_layer").select(other.name).run()
    best = units.top(acts[other.name], 1)[0][0]
    assert app.session_state["selected_unit"] == best and not app.warning
    assert f"Unit {unit} is silent on {other.label} for this image: showing unit {best}" in app.toast[0].value


def test_patches_before_and_after_a_scan(app):
    open_page(app, "patches")
    app.number_input(key="patches_n").set_value(40).run()
    walk(app, [("slider", "patches_k", [4, 9]), ("selectbox", "patches_data", ["digits", "samples", "zip", "folder",
                                                                                  "shapes"]),
               ("multiselect", "patches_also", [["features.3"], []])])
    app.button(key="patches_run").click().run()
    assert not app.exception and app.dataframe
    walk(app, [("radio", "patches_view", ["deconvnet"]), ("selectbox", "patches_pick", [2, 0]),
               ("number_input", "patches_overview_units", [4]), ("number_input", "patches_unit", [7])])
    scanned = app.session_state["selected_layer"]
    app.selectbox(key="patches_layer").select("features.3").run()  # not scanned: the page offers a scan
    assert not app.exception and "has not been scanned" in app.info[0].value
    app.selectbox(key="patches_layer").select(scanned).run()  # back: the view chosen before, said the same way
    assert app.radio(key="patches_view").value == "deconvnet"
    captions = [caption for image in app.main.get("image") for caption in image.captions]
    assert "deconvnet for the unit there" in captions and "guided backprop for the unit there" not in captions
    walk(app, [("radio", "patches_view", ["guided_backprop"]), ("selectbox", "patches_data", ["digits"])])


def test_embeddings_every_option(app):
    open_page(app, "embeddings")
    app.number_input(key="embed_n").set_value(60).run()
    assert not app.exception
    walk(app, [("radio", "embed_colour", ["predicted", "label"]), ("radio", "embed_method", ["pca", "tsne"]),
               ("number_input", "embed_seed", [1]), ("radio", "embed_metric", ["l2", "cosine"]),
               ("slider", "embed_k", [3]), ("slider", "embed_grid_n", [16]),
               ("select_slider", "embed_grid_size", [16]), ("selectbox", "embed_layer_pick", ["features.10"]),
               ("selectbox", "embed_data", ["digits", "shapes"])])


def test_attribution_every_mode_and_setting(app):
    open_page(app, "attribution")
    walk(app, [("radio", "attribution_explain", ["a class", "a unit"]), ("toggle", "attribution_at", [True, False]),
               ("radio", "attribution_explain", ["the predicted class"]),
               ("multiselect", "attribution_methods", [["occlusion", "smoothgrad", "integrated_gradients",
                                                        "deconvnet"], ["grad_cam"]]),
               ("slider", "attribution_samples", [5]), ("slider", "attribution_steps", [8]),
               ("selectbox", "attribution_baseline", ["blur", "noise"]), ("slider", "attribution_window", [20]),
               ("slider", "attribution_stride", [10]), ("selectbox", "attribution_fill", ["white"]),
               ("selectbox", "attribution_cam_layer", ["features.3"]), ("selectbox", "attribution_colormap", ["gray"]),
               ("slider", "attribution_alpha", [0.3]), ("radio", "attribution_explain", ["a unit", "a class"]),
               ("selectbox", "model_name", ["builtin-digits"])])


def test_no_page_shows_a_stray_string():
    """Streamlit's magic draws every bare expression of a page file: only the module docstring may be one."""
    for path in sorted(Path(__file__).resolve().parents[1].glob("pages/*.py")):
        body = ast.parse(path.read_text()).body
        stray = [node.lineno for node in body[1:]
                 if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)]
        assert stray == [], f"{path.name}: lines {stray}"
