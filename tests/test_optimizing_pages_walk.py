"""Every control of the pages that optimise (Feature visualisation, DeepDream & inversion, Adversarial images, Style
transfer), in the orders a person might use them, before and after a run: never a traceback.

The cases the classroom report found are here: "a whole layer" after any other
mode, any mode after a whole-layer run, another network and back, another page
and back. A result is drawn only under the mode and model that made it.
"""
import json

from test_pages import open_page, texts, use_model
from test_style import one_thread  # noqa: F401 (an autouse fixture: one torch thread)

from studio import defaults


def ok(app) -> None:
    assert not app.exception, [e.value for e in app.exception]


def set_and_run(widget, value) -> None:
    widget.set_value(value).run()
    ok(widget.root)


def press(app, *buttons: str, **sliders) -> None:
    """Set the sliders (key=value), then press each button in turn: no traceback."""
    for key, value in sliders.items():
        app.slider(key=key).set_value(value)
    for button in buttons:
        app.button(key=button).click().run()
        ok(app)


def elsewhere_and_back(app, page: str) -> None:
    """Another network and another page, then back to the built-in model and this page."""
    use_model(app, "builtin-digits")
    ok(app)
    open_page(app, "home")
    use_model(app, "builtin-shapes")
    open_page(app, page)


def walk_synthesis(app) -> None:
    for kind in ("a whole layer", "a unit", "a class", "a whole layer"):
        set_and_run(app.radio(key="synthesis_kind"), kind)
        for param in ("fourier", "pixels"):
            set_and_run(app.radio(key="synthesis_param"), param)
            toggle = app.toggle(key=f"synthesis_transforms:{param}")
            set_and_run(toggle, not toggle.value)
        if kind != "a class":
            for layer in ("classifier.6", "features.0"):  # a vector layer (fc8), then a map
                set_and_run(app.selectbox(key="synthesis_layer"), layer)
        if kind == "a unit":
            for where in ("the centre neuron", "the map's mean"):
                set_and_run(app.radio(key="synthesis_where"), where)
    for preset in app.selectbox(key="synthesis_preset").options[::-1]:
        app.selectbox(key="synthesis_preset").select(preset).run()
        ok(app)
    for paper in (True, False):
        set_and_run(app.toggle(key="synthesis_paper"), paper)


def test_feature_visualisation_walk(app):
    open_page(app, "synthesis")
    assert app.slider(key="synthesis_steps").value == defaults.settings("synthesis")["steps"]
    walk_synthesis(app)
    set_and_run(app.radio(key="synthesis_kind"), "a whole layer")
    press(app, "synthesis_run", synthesis_channels=2, synthesis_steps=10)
    assert any(caption.startswith("after 10 steps · mean score") for image in app.main.get("image")
               for caption in image.captions)
    assert not any(column.get("image") for column in app.main.columns)  # the mosaic and its curve: one above the other
    set_and_run(app.radio(key="synthesis_kind"), "a class")
    assert "Press **Run** to start." in texts(app.info)  # the layer's mosaic is not drawn as a class model
    assert not app.main.get("image")
    walk_synthesis(app)
    elsewhere_and_back(app, "synthesis")
    walk_synthesis(app)
    set_and_run(app.radio(key="synthesis_kind"), "a whole layer")
    set_and_run(app.slider(key="synthesis_channels"), 2)
    assert "The settings have changed" in texts(app.info)  # the layer's own run is still there, with a note
    assert any(caption.startswith("after 10 steps · mean score") for image in app.main.get("image")
               for caption in image.captions)


def test_dream_and_inversion_walk(app):
    open_page(app, "dream")
    assert app.slider(key="dream_octaves").value == defaults.settings("dream")["octaves"]

    def walk():
        maps = [layer.name for layer in app.session_state["_model"].layers if layer.is_map]
        for layer in (maps[0], maps[-1]):
            app.selectbox(key="dream_layer").select(layer).run()
            ok(app)
        set_and_run(app.multiselect(key="invert_layers"), [])
        assert "Pick at least one layer." in texts(app.info)
        set_and_run(app.multiselect(key="invert_layers"), ["features.0"])
        for paper in (True, False):
            set_and_run(app.toggle(key="dream_paper"), paper)

    walk()
    press(app, "dream_run", "invert_run", dream_octaves=1, dream_steps=2, invert_steps=20)
    walk()
    set_and_run(app.multiselect(key="invert_layers"), ["features.0", "features.3"])
    assert "Press **Run** to start." in texts(app.info)  # a one-layer result is not drawn as two
    elsewhere_and_back(app, "dream")
    walk()


def test_adversarial_walk(app):
    open_page(app, "adversarial")
    key = app.session_state["_model_key"]

    def walk():
        for paper in (True, False):
            set_and_run(app.toggle(key="adversarial_paper"), paper)
        for target in (0, 9):
            set_and_run(app.selectbox(key=f"adversarial_target:{app.session_state['_model_key']}"), target)

    walk()
    press(app, "adversarial_run", "fooling_run", adversarial_steps=3, fooling_steps=10)
    walk()
    set_and_run(app.selectbox(key=f"fooling_target:{key}"), 5)
    assert "Press **Run** to start." in texts(app.info)  # the fooling image of class 0 is not said to be of 5
    elsewhere_and_back(app, "adversarial")
    walk()


def test_style_walk(app):
    open_page(app, "style")
    assert app.slider(key="style_size").value == defaults.settings("style")["size"]

    def walk():
        for mode in ("texture", "transfer", "sweep"):
            set_and_run(app.radio(key="style_mode"), mode)
            for network in ("sidebar", "builtin-shapes"):
                app.selectbox(key="style_network").select(network).run()
                ok(app)
        set_and_run(app.toggle(key="style_paper"), True)
        set_and_run(app.toggle(key="style_paper"), False)

    walk()
    for mode in ("texture", "transfer", "sweep"):
        set_and_run(app.radio(key="style_mode"), mode)
        press(app, "style_run", style_size=32, style_steps=10)
    set_and_run(app.slider(key="style_steps"), 20)  # a change waits for Run: the sweep stays, with a note
    assert "The settings have changed" in texts(app.info) and app.select_slider(key="style_ratio")
    walk()
    elsewhere_and_back(app, "style")
    walk()


def test_a_digit_class_model_names_its_classes_as_categories(app):
    use_model(app, "builtin-digits")
    open_page(app, "synthesis")
    set_and_run(app.radio(key="synthesis_kind"), "a class")
    press(app, "synthesis_run", synthesis_steps=10)
    yaxis = json.loads(app.get("plotly_chart")[0].proto.spec)["layout"]["yaxis"]
    assert yaxis["type"] == "category"  # "0" … "9" as names, not numbers on an axis
    assert len(yaxis["categoryarray"]) == 5 and set(yaxis["categoryarray"]) <= {str(d) for d in range(10)}
