"""The Style transfer page through Streamlit's AppTest: it shows what vc.style computes on its own, and its
trade-off slider moves between computed results without running the network again.

The built-in shapes model is the loss network (no VGG-19 weights here) and
pictures are 48 pixels, so that every optimisation takes a moment.
"""
import urllib.error

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from test_attribution_page import pictures, stores  # noqa: F401 (a fixture)
from test_pages import current, open_page, texts
from test_style import one_thread  # noqa: F401 (a fixture)

import vizcore as vc
from studio import charts

SIZE, STEPS = 48, 12


def close(shown: np.ndarray, expected: Image.Image) -> bool:
    """Equal but for a level of rounding here and there (the page's thread may sum in another order)."""
    difference = np.abs(shown.astype(float) - np.asarray(expected, float))
    return difference.max() <= 2 and difference.mean() < 0.1


def start(app, mode="sweep", steps=STEPS):
    open_page(app, "style")
    app.radio(key="style_mode").set_value(mode)
    app.slider(key="style_size").set_value(SIZE)
    app.slider(key="style_steps").set_value(steps).run()
    if "Press **Run** to start." in texts(app.info):  # not when another session made the same already
        app.button(key="style_run").click().run()
    assert not app.exception and not app.error, (app.exception, app.error)


def swirls():
    return vc.style.sample("swirls", 256)


def main_picture(app, stores):  # noqa: F811
    shown = pictures(app, stores)
    return next(images[0] for caption, images in shown.items() if caption.startswith("β/α = "))


def test_nothing_runs_until_asked_and_the_network_says_what_to_expect(app):
    open_page(app, "style")
    assert [button.label for button in app.button] == ["Run", "Stop"]
    assert "Press **Run** to start." in texts(app.info)
    assert "Loss network: the built-in shapes model (offline" in texts(app.caption)
    assert "style_ratio" not in [s.key for s in app.select_slider]


def test_the_slider_moves_between_the_computed_sweep_without_optimising_again(app, stores):  # noqa: F811
    start(app)
    model, image = current(app)
    *_, final = vc.style.sweep(image, [swirls()], vc.style.RATIOS, [1.0], tv_weight=3.0, size=SIZE, steps=STEPS,
                               model=model)
    fine = vc.style.between(vc.style.RATIOS, 4)  # the slider's positions
    assert app.select_slider(key="style_ratio").value == pytest.approx(vc.style.RATIOS[4])
    assert close(main_picture(app, stores), final.images[4])
    assert not np.array_equal(np.asarray(final.images[0]), np.asarray(final.images[-1]))

    passes = []
    handle = model.module.register_forward_pre_hook(lambda *_: passes.append(1))
    try:
        for k in (0, 7, 2):
            app.select_slider(key="style_ratio").set_value(fine[4 * k]).run()
            assert close(main_picture(app, stores), final.images[k]), k
        between = fine[9]  # a quarter of the way from ratios[2] to ratios[3]
        app.select_slider(key="style_ratio").set_value(between)
        app.toggle(key="style_blend").set_value(True).run()
        assert close(main_picture(app, stores), Image.blend(final.images[2], final.images[3], 0.25))
        assert passes == [] and not app.exception
    finally:
        handle.remove()
    assert len(app.get("download_button")) == 3


def test_a_new_style_waits_for_run_and_then_recomputes_with_it(app, stores):  # noqa: F811
    start(app)
    before = main_picture(app, stores)
    passes = []
    model, image = current(app)
    handle = model.module.register_forward_pre_hook(lambda *_: passes.append(1))
    try:
        app.multiselect(key="style_images").set_value(["generated: stripes"]).run()
    finally:
        handle.remove()
    assert passes == [] and not app.exception  # nothing ran: the last sweep stays, said to be from other settings
    assert "The settings have changed" in texts(app.info)
    np.testing.assert_array_equal(main_picture(app, stores), before)
    app.button(key="style_run").click().run()
    *_, final = vc.style.sweep(image, [vc.style.sample("stripes", 256)], vc.style.RATIOS, [1.0], tv_weight=3.0,
                               size=SIZE, steps=STEPS, model=model)
    assert close(main_picture(app, stores), final.images[4])


def test_one_transfer_blending_two_styles_with_colours_kept(app, stores):  # noqa: F811
    start(app, "transfer")
    app.multiselect(key="style_images").set_value(["generated: swirls", "photo: flower.jpg"]).run()
    app.slider(key="style_weight:1").set_value(0.5)
    app.toggle(key="style_preserve").set_value(True)
    app.radio(key="style_optimizer").set_value("adam").run()
    app.button(key="style_run").click().run()
    assert not app.exception
    model, image = current(app)
    flower = vc.data.builtin("samples")[1][0]
    *_, final = vc.style.transfer(image, [swirls(), flower], [1.0, 0.5], content_weight=1.0, style_weight=3.0,
                                  tv_weight=3.0, preserve_colors=True, size=SIZE, steps=STEPS, optimizer="adam",
                                  model=model)
    assert close(pictures(app, stores)[f"One transfer after {STEPS} iterations"][0], final.image)


def test_a_texture_from_the_lowest_layers(app, stores):  # noqa: F811
    start(app, "texture")
    model, _ = current(app)
    app.select_slider(key=f"style_layers:{app.session_state['_model_key']}").set_value("relu2").run()
    app.button(key="style_run").click().run()
    assert not app.exception
    *_, final = vc.style.texture(swirls(), layers=["relu1", "relu2"], size=SIZE, steps=STEPS, tv_weight=3.0,
                                 model=model)
    assert close(pictures(app, stores)[f"Texture after {STEPS} iterations"][0], final.image)


def test_vgg19_offline_says_in_one_sentence_that_the_built_in_model_runs(app, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def refuse(*args, **kwargs):
        raise urllib.error.URLError("no network here")

    monkeypatch.setattr("urllib.request.urlopen", refuse)
    open_page(app, "style")
    app.selectbox(key="style_network").select("vgg19").run()
    assert not app.error and not app.exception  # no red box
    said = texts(app.warning)
    assert said.startswith("The built-in shapes model runs instead of the network chosen above: vgg19's pretrained")
    assert "could not be downloaded" in said
    assert "Loss network: the built-in shapes model" in texts(app.caption)


def test_the_trade_off_chart_ticks_only_the_computed_ratios_and_the_losses_only_their_decades():
    ratios = list(vc.style.RATIOS)
    curves = pd.DataFrame({"ratio": ratios, "style": np.geomspace(1.0, 1e-3, len(ratios)),
                           "content": np.geomspace(1e-4, 0.5, len(ratios))})
    figure = charts.loss_curves(curves, x="ratio", log_x=True)
    assert list(figure.layout.xaxis.tickvals) == ratios
    assert list(figure.layout.xaxis.ticktext) == ["0.03", "0.1", "0.3", "1", "3", "10", "30", "100"]
    assert figure.layout.yaxis.dtick == 1  # four decades: one label each, not plotly's 2 and 5 between them
    narrow = charts.loss_curves(curves.assign(style=0.5, content=0.3), x="ratio")
    assert narrow.layout.yaxis.dtick is None  # within a decade plotly's own labels are few
