"""The Style transfer page through Streamlit's AppTest: it shows what vc.style computes on its own, and its
trade-off slider moves between computed results without running the network again.

The built-in shapes model is the loss network (no VGG-19 weights here) and
pictures are 48 pixels, so that every optimisation takes a moment.
"""
import urllib.error

import numpy as np
import pytest
from PIL import Image
from test_attribution_page import pictures, stores  # noqa: F401 (a fixture)
from test_pages import current, open_page, texts
from test_style import one_thread  # noqa: F401 (a fixture)

import vizcore as vc

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
    if any(button.key == "style_run" for button in app.button):  # not when another test made the same already
        app.button(key="style_run").click().run()
    assert not app.exception and not app.error, (app.exception, app.error)


def swirls():
    return vc.style.sample("swirls", 256)


def main_picture(app, stores):  # noqa: F811
    shown = pictures(app, stores)
    return next(images[0] for caption, images in shown.items() if caption.startswith("β/α = "))


def test_nothing_runs_until_asked_and_the_network_says_what_to_expect(app):
    open_page(app, "style")
    assert [button.label for button in app.button] == ["Run"]
    assert "Nothing is computed until you press Run" in texts(app.info)
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


def test_changing_the_style_recomputes_with_the_new_style(app, stores):  # noqa: F811
    start(app)
    app.multiselect(key="style_images").set_value(["generated: stripes"]).run()
    assert not app.exception
    model, image = current(app)
    *_, final = vc.style.sweep(image, [vc.style.sample("stripes", 256)], vc.style.RATIOS, [1.0], tv_weight=3.0,
                               size=SIZE, steps=STEPS, model=model)
    assert close(main_picture(app, stores), final.images[4])


def test_one_transfer_blending_two_styles_with_colours_kept(app, stores):  # noqa: F811
    start(app, "transfer")
    app.multiselect(key="style_images").set_value(["generated: swirls", "photo: flower.jpg"]).run()
    app.slider(key="style_weight:1").set_value(0.5)
    app.toggle(key="style_preserve").set_value(True)
    app.radio(key="style_optimiser").set_value("adam").run()
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
    assert not app.exception
    *_, final = vc.style.texture(swirls(), layers=["relu1", "relu2"], size=SIZE, steps=STEPS, tv_weight=3.0,
                                 model=model)
    assert close(pictures(app, stores)[f"Texture after {STEPS} iterations"][0], final.image)


def test_vgg19_offline_gets_a_sentence_and_the_built_in_model(app, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def refuse(*args, **kwargs):
        raise urllib.error.URLError("no network here")

    monkeypatch.setattr("urllib.request.urlopen", refuse)
    open_page(app, "style")
    app.selectbox(key="style_network").select("vgg19").run()
    assert "could not be downloaded (no network here)" in texts(app.error)
    assert "Loss network: the built-in shapes model" in texts(app.caption)
    assert not app.exception
