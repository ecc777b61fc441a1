"""The Feature visualisation, DeepDream & inversion and Adversarial pages through AppTest: what they show is what
vc.synthesis makes on its own with the same settings."""
import numpy as np
from PIL import Image
from test_attribution_page import pictures, stores  # noqa: F401 (stores is a fixture)
from test_pages import current, open_page

import vizcore as vc


def final(steps):
    *_, last = steps
    return last


def keys(node) -> set:
    """The widget keys in ``node`` and its children."""
    return {getattr(node, "key", None)}.union(*(keys(child) for child in getattr(node, "children", {}).values()))


def between(app, first: str, last: str) -> list[str]:
    """The types of the main area's nodes between the one holding widget ``first`` and the one holding ``last``."""
    nodes = list(app.main.children.values())
    start = next(i for i, node in enumerate(nodes) if first in keys(node))
    end = next(i for i, node in enumerate(nodes) if last in keys(node))
    return [node.type for node in nodes[start + 1:end]]


def test_a_class_model_is_drawn_as_vizcore_makes_it_and_a_preset_fills_the_regularisers(app, stores):  # noqa: F811
    open_page(app, "synthesis")
    model, _ = current(app)
    app.selectbox(key="synthesis_preset").select("Yosinski 1: blur, norm clip").run()
    preset = vc.synthesis.PRESETS["Yosinski 1: blur, norm clip"]
    assert app.slider(key="synthesis_blur_radius").value == preset["blur_radius"]
    assert app.slider(key="synthesis_norm_percentile").value == preset["norm_percentile"]
    app.slider(key="synthesis_steps").set_value(10)
    app.button(key="synthesis_run").click().run()
    assert not app.exception and not app.error
    expected = final(vc.synthesis.class_visualization(model, 0, steps=10, seed=0, start="zeros", lr=2.0, l2=0.0,
                                                      **{k: v for k, v in preset.items() if k != "steps"})).image
    shown = pictures(app, stores)
    caption = next(c for c in shown if c.startswith("after 10 steps"))
    np.testing.assert_array_equal(shown[caption][0], np.asarray(expected))
    assert [b.label for b in app.get("download_button")] == ["Image (PNG)", "Score curve (CSV)"]
    # the live view is one emptied placeholder (drawn with no height), not a row of empty columns (a blank gap)
    assert between(app, "synthesis_stop", "synthesis_stretch") == ["empty"]


def test_the_unit_defaults_to_the_one_picked_on_the_activations_page(app):
    open_page(app, "activations")
    app.selectbox(key="activations_layer").select("features.6").run()  # conv3
    app.number_input(key="activations_unit").set_value(17).run()
    open_page(app, "synthesis")
    app.radio(key="synthesis_kind").set_value("a unit").run()
    assert app.selectbox(key="synthesis_layer").value == "features.6"
    assert app.number_input(key="synthesis_unit").value == 17


def test_a_dream_is_drawn_as_vizcore_makes_it(app, stores):  # noqa: F811
    open_page(app, "dream")
    model, image = current(app)
    app.slider(key="dream_octaves").set_value(2)
    app.slider(key="dream_steps").set_value(3).run()
    app.button(key="dream_run").click().run()
    assert not app.exception and not app.error
    layer = app.selectbox(key="dream_layer").value
    jitter = app.slider(key="dream_jitter").value
    expected = final(vc.synthesis.deep_dream(model, image, layer, octaves=2, steps=3, jitter=jitter)).image
    shown = pictures(app, stores)
    np.testing.assert_array_equal(shown[f"dreamt at {model.layer(layer).title}"][0], np.asarray(expected))


def test_an_adversarial_image_stays_within_its_budget_and_is_read_as_the_target(app, stores):  # noqa: F811
    open_page(app, "adversarial")
    model, image = current(app)
    target = app.selectbox(key=f"adversarial_target:{app.session_state['_model_key']}").value
    app.slider(key="adversarial_epsilon").set_value(16).run()
    app.button(key="adversarial_run").click().run()
    assert not app.exception and not app.error
    shown = pictures(app, stores)
    changed = next(v[0] for c, v in shown.items() if c.startswith("adversarial:"))
    seen = np.asarray(model.view(image), dtype=int)
    assert np.abs(changed.astype(int) - seen).max() <= 16
    probs = model.probabilities(Image.fromarray(changed))  # at the input size: scored pixel for pixel
    assert f"adversarial: {model.categories[int(np.argmax(probs))]}" in " ".join(shown)
    assert int(np.argmax(probs)) == target
    assert len(app.get("download_button")) == 4
