"""The Attribution page through Streamlit's AppTest: every picture it shows is what vizcore computes on its own.

Pages draw their results with ``studio.widgets.pictures``; the ``stores``
fixture records what it is given in each run (a run starts with the sidebar),
and :func:`pictures` returns the last run's pictures by caption.
"""

import numpy as np
import pytest
import torch
from test_pages import current, open_page, texts, use_model

from studio import sidebar, widgets
from vizcore import attribution
from vizcore.activations import units
from vizcore.attribution import Unit

ALL = ["saliency", "smoothgrad", "guided_backprop", "deconvnet", "grad_cam", "integrated_gradients", "occlusion"]


@pytest.fixture
def stores(monkeypatch):
    """(picture, caption) pairs that ``widgets.pictures`` drew in the last run (each run begins with the sidebar)."""
    drawn = []
    draw, render = widgets.pictures, sidebar.render

    def record(where, images, captions=None, *args, **kwargs):
        images = images if isinstance(images, list) else [images]
        captions = captions if isinstance(captions, list) else [captions] * len(images)
        drawn.extend(zip(images, captions, strict=True))
        return draw(where, images, captions, *args, **kwargs)

    def new_run():
        drawn.clear()
        render()

    monkeypatch.setattr(widgets, "pictures", record)
    monkeypatch.setattr(sidebar, "render", new_run)
    return drawn


def pictures(app, stores) -> dict[str, np.ndarray]:
    """The page's pictures by caption (each also on the page, with its caption)."""
    shown = {}
    for image, caption in stores:
        shown.setdefault(caption, []).append(np.asarray(image.convert("RGB")))
    on_page = {caption for element in app.main.get("image") for caption in element.captions}
    assert set(shown) <= on_page, set(shown) - on_page
    return shown


def seen(app):
    model, image = current(app)
    return model.deprocess(model.preprocess(image))


def overlay(app, values) -> np.ndarray:
    return np.asarray(units.overlay(seen(app), torch.tensor(values), "viridis", 0.7))


def test_the_predicted_class_by_saliency_guided_backprop_and_grad_cam(app, stores):
    open_page(app, "attribution")
    model, image = current(app)
    probs = model.probabilities(image)
    target = int(probs.argmax())
    assert [(m.label, m.value) for m in app.metric] == [(f"p({model.categories[target]})", f"{probs[target]:.1%}")]
    shown = pictures(app, stores)
    saliency = attribution.saliency(model, image, target)
    guided = attribution.guided_backprop(model, image, target)
    cam = attribution.grad_cam(model, image, target)
    heatmaps = [np.asarray(attribution.heatmap(saliency)), np.asarray(attribution.gradient_picture(guided)),
                np.asarray(attribution.heatmap(cam))]
    assert len(shown["scaled to its maximum"]) == 2 and len(shown["over the image"]) == 3
    np.testing.assert_array_equal(shown["scaled to its maximum"][0], heatmaps[0])
    np.testing.assert_array_equal(shown["signed gradient: grey is 0"][0], heatmaps[1])
    np.testing.assert_array_equal(shown["scaled to its maximum"][1], heatmaps[2])
    for got, values in zip(shown["over the image"], [saliency, attribution.magnitude(guided), cam], strict=True):
        np.testing.assert_array_equal(got, overlay(app, values))
    segmentation = attribution.cutout(seen(app), attribution.foreground(saliency, 0.9))
    np.testing.assert_array_equal(shown["the top 10% of the smoothed saliency"][0], np.asarray(segmentation))
    assert len(app.get("download_button")) == 7  # heatmap and overlay of each method, and the segmentation


def test_every_method_with_its_settings_on_a_chosen_class(app, stores):
    open_page(app, "attribution")
    model, image = current(app)
    app.radio(key="attribution_explain").set_value("a class").run()
    app.selectbox(key=f"attribution_class:{app.session_state['_model_key']}").select(4).run()
    app.multiselect(key="attribution_methods").set_value(ALL).run()
    app.slider(key="attribution_samples").set_value(10)
    app.selectbox(key="attribution_baseline").select("blur")
    app.slider(key="attribution_steps").set_value(16)
    app.slider(key="attribution_window").set_value(16).run()
    app.slider(key="attribution_stride").set_value(8)
    app.selectbox(key="attribution_fill").select("black").run()
    assert not app.exception and not app.warning
    assert app.metric[0].label == f"p({model.categories[4]})"

    shown = pictures(app, stores)
    smooth = attribution.smoothgrad(model, image, 4, noise=0.15, samples=10)
    deconv = attribution.deconvnet(model, image, 4)
    integrated = attribution.integrated_gradients(model, image, 4, steps=16, baseline="blur")
    drops = attribution.occlusion(model, image, 4, window=16, stride=8, fill=0)
    np.testing.assert_array_equal(shown["scaled to its maximum"][1], np.asarray(attribution.heatmap(smooth)))
    np.testing.assert_array_equal(shown["signed gradient: grey is 0"][1],
                                  np.asarray(attribution.gradient_picture(deconv)))
    np.testing.assert_array_equal(shown[f"red for the score, blue against; total {integrated.sum():.3g}"][0],
                                  np.asarray(attribution.heatmap(integrated, "blue-white-red")))
    probability = model.probabilities(image)[4] - drops
    np.testing.assert_array_equal(shown["class probability, window at each position"][0],
                                  np.asarray(attribution.heatmap(probability, size=64, vmax=1.0)))
    np.testing.assert_array_equal(shown["its drop, per pixel, over the image"][0],
                                  overlay(app, attribution.occlusion_map(drops, 16, 8, 64)))


def test_a_unit_picked_on_the_activations_page(app, stores):
    use_model(app, "alexnet")
    open_page(app, "activations")
    app.selectbox(key="activations_layer").select("features.6").run()  # conv3
    app.number_input(key="activations_unit").set_value(17).run()
    open_page(app, "attribution")
    model, image = current(app)
    app.radio(key="attribution_explain").set_value("a unit").run()
    assert app.selectbox(key="attribution_layer").value == "features.6"
    assert app.number_input(key="attribution_unit").value == 17
    assert "Grad-CAM and occlusion explain a class, so they are left out for a unit." in texts(app.info)
    acts = model.activations(image, ["features.6"])["features.6"][17]
    value, y, x = units.peak(acts)
    assert (app.metric[0].label, app.metric[0].value) == (f"Unit 17 at ({y}, {x})", f"{value:.3g}")
    shown = pictures(app, stores)
    guided = attribution.guided_backprop(model, image, Unit("features.6", 17, (y, x)))
    np.testing.assert_array_equal(shown["signed gradient: grey is 0"][0],
                                  np.asarray(attribution.gradient_picture(guided)))

    app.toggle(key="attribution_at").set_value(True).run()
    app.number_input(key="attribution_y").set_value(2)
    app.number_input(key="attribution_x").set_value(9).run()
    assert app.metric[0].value == f"{float(acts[2, 9]):.3g}"
    shown = pictures(app, stores)
    saliency = attribution.saliency(model, image, Unit("conv3", 17, (2, 9)))
    np.testing.assert_array_equal(shown["scaled to its maximum"][0], np.asarray(attribution.heatmap(saliency)))


def test_a_network_with_hardswish_gets_a_sentence_for_guided_backprop_and_the_other_maps(app, stores):
    use_model(app, "mobilenet_v3_small")
    open_page(app, "attribution")
    assert "Guided backprop is defined for networks of ReLUs, but mobilenet_v3_small also applies hardswish" in \
        texts(app.warning)
    assert len(pictures(app, stores)["over the image"]) == 2  # saliency and Grad-CAM


def test_changing_how_maps_look_does_not_run_the_model_again(app):
    open_page(app, "activations")
    open_page(app, "attribution")
    app.multiselect(key="attribution_methods").set_value(ALL).run()
    model, _ = current(app)
    calls = []
    handle = model.module.register_forward_pre_hook(lambda *_: calls.append(1))
    try:
        app.selectbox(key="attribution_colormap").select("gray").run()
        app.slider(key="attribution_alpha").set_value(0.4).run()
        app.slider(key="attribution_foreground").set_value(0.3).run()
        open_page(app, "activations")
        open_page(app, "attribution")
        assert not app.exception and calls == []
    finally:
        handle.remove()


def test_a_recompute_marks_the_maps_on_screen_as_out_of_date_and_a_restyle_does_not(app, monkeypatch):
    open_page(app, "attribution")
    marked = []
    stale = widgets.stale
    monkeypatch.setattr(widgets, "stale", lambda *args, **kwargs: (marked.append(1), stale(*args, **kwargs)))
    app.radio(key="attribution_explain").set_value("a class").run()
    app.selectbox(key=f"attribution_class:{app.session_state['_model_key']}").select(2).run()
    assert len(marked) == 3 and not app.exception  # the three maps, each made again under an out-of-date note
    marked.clear()
    app.slider(key="attribution_alpha").set_value(0.4).run()  # only how they look: nothing made, nothing marked
    app.multiselect(key="attribution_methods").set_value(["saliency", "occlusion"]).run()  # a new map, no old one
    assert marked == [] and not app.exception
