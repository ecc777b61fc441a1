"""DeepDream and feature inversion of the image in the sidebar.

DeepDream (Mordvintsev, Olah & Tyka 2015) amplifies what a layer sees, octave
by octave; feature inversion (Mahendran & Vedaldi 2015) rebuilds the image
from one layer's features under a total-variation prior, several layers side
by side: the lower ones keep the detail, the higher ones only the gist.
Both come from ``vc.synthesis``; ``studio.runs`` draws the live preview and
the time left and keeps the result; octaves and steps start at the device's
defaults (``studio.defaults``).
"""
from functools import partial

import numpy as np
import streamlit as st

import vizcore as vc
from studio import defaults, downloads, runs, selection, sidebar, widgets
from vizcore.activations import grids


def several(step: vc.Step) -> list:
    """An inversion's pictures, one per layer."""
    return step.images or [step.image]


def distances(step: vc.Step) -> dict[str, float]:
    """An inversion's feature distances by layer label."""
    return dict(zip(titles, np.atleast_1d(step.parts["distance"]).tolist(), strict=True))


model, model_key = sidebar.current_model()
image, image_key = sidebar.current_image()
seen = model.view(image)
maps = [layer for layer in model.layers if layer.is_map]

st.title("DeepDream & inversion")
st.caption("Two ways of asking what a layer sees in the image in the sidebar: make the image more of it, or "
           "rebuild the image from it alone.")
runs.paper_switch("dream_paper", ["dream", "invert"], model)

st.subheader("DeepDream")
st.caption("Mordvintsev et al. 2015: the layer's gradient is set to its own activation, so whatever it sees grows; "
           "from a small copy of the image (the smallest octave) up to the full one.")
if not maps:
    st.info("This network shows no feature maps (a TorchScript file hides its layers): DeepDream needs one.")
else:
    cells = st.columns(4)
    with cells[0]:
        layer = selection.layer_selectbox(model, "Layer", key="dream_layer", candidates=maps, store="dream_layer_name",
                                          default=defaults.dream_layer(model))
    octaves = cells[1].slider("Octaves", 1, 6, key="dream_octaves")
    scale = cells[1].slider("Octave scale", 1.1, 2.0, 1.4, 0.05, key="dream_scale")
    steps = cells[2].slider("Steps per octave", 1, 50, key="dream_steps")
    step_size = cells[2].slider("Step size (levels of 0–255)", 0.25, 4.0, 1.5, 0.25, key="dream_step_size")
    jitter = cells[3].slider("Jitter (pixels)", 1, max(2, model.input_size // 4),
                             max(1, round(32 * model.input_size / 224)), key="dream_jitter")
    seed = int(cells[3].number_input("Seed", 0, 2**31 - 1, 0, key="dream_seed"))
    dream_settings = dict(octaves=octaves, steps=steps, octave_scale=scale, step_size=step_size, jitter=jitter,
                          seed=seed)
    dreamt = runs.live("dream", (model_key, image_key, layer.name), tuple(dream_settings.items()),
                       partial(vc.synthesis.deep_dream, model, image, layer.name, **dream_settings),
                       lambda step: {"‖a‖ (this octave)": step.parts["norm"]}, "Dreaming")
    if dreamt:
        dream = dreamt.last.image
        if dream.size == seen.size:
            widgets.pictures(st, [seen, dream], ["the image as the network sees it", f"dreamt at {layer.title}"],
                             width=256, output_format="PNG")
        else:
            widgets.pictures(st, dream, f"octave {dreamt.last.parts['octave']}", width=256, output_format="PNG")
        st.download_button("Dream (PNG)", partial(downloads.png, dream),
                           f"{model.name}-{layer.label}-dream-seed{seed}.png", "image/png", on_click="ignore",
                           key="dream_download")

st.subheader("Feature inversion")
st.caption("Mahendran & Vedaldi 2015: from noise, find the image whose features at a layer match the real image's, "
           "with a total-variation prior (its exponent β and weight) that keeps it smooth.")
labels = {layer_.name: layer_.title for layer_ in model.layers}
cells = st.columns(4)
chosen = cells[0].multiselect("Layers (one reconstruction each, side by side)", list(labels),
                              default=defaults.inversion_layers(model), format_func=labels.get, key="invert_layers")
inv_steps = cells[1].slider("Steps", 20, 1000, step=20, key="invert_steps")
tv_weight = cells[2].select_slider("TV weight", [0.0, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0], 0.5, key="invert_tv")
beta = cells[2].select_slider("TV exponent", [1.0, 1.5, 2.0], 2.0, key="invert_beta",
                             help="Mahendran & Vedaldi's β: 2 smooths, 1 lets edges stay sharp.")
inv_seed = int(cells[3].number_input("Seed", 0, 2**31 - 1, 0, key="invert_seed"))
if not chosen:
    st.info("Pick at least one layer.")
    st.stop()
titles = [model.layer(name).label for name in chosen]
inverted = runs.live("invert", (model_key, image_key, tuple(chosen)), (inv_steps, tv_weight, beta, inv_seed),
                     partial(vc.synthesis.invert, model, image, chosen, inv_steps, tv_weight, beta, seed=inv_seed),
                     distances, "Inverting",
                     lambda step: grids.montage([seen, *several(step)], cols=len(chosen) + 1),
                     width=180 * (len(chosen) + 1))
if inverted:
    pictures = several(inverted.last)
    widgets.pictures(st, [seen, *pictures],
                     ["the image", *(f"from {title}: feature distance {d:.2g}"
                                     for title, d in distances(inverted.last).items())],
                     width=180, output_format="PNG")
    st.line_chart(inverted.table().set_index("step"), height=220, y_label="relative feature distance")
    for column, picture, title in zip(st.columns(max(4, len(pictures))), pictures, titles, strict=False):
        column.download_button(f"{title} (PNG)", partial(downloads.png, picture),
                               f"{model.name}-{title}-inversion-seed{inv_seed}.png", "image/png", on_click="ignore",
                               key=f"invert_download_{title}")
