"""DeepDream and feature inversion of the image in the sidebar.

DeepDream (Mordvintsev, Olah & Tyka 2015) amplifies what a layer sees, octave
by octave; feature inversion (Mahendran & Vedaldi 2015) rebuilds the image
from one layer's features under a total-variation prior, several layers side
by side: the lower ones keep the detail, the higher ones only the gist.
Both come from ``vc.synthesis``; ``studio.runs`` draws the live preview and
keeps the result.
"""
from functools import partial

import numpy as np
import streamlit as st
from PIL import Image

import vizcore as vc
from studio import downloads, runs, selection, sidebar
from vizcore.activations import grids


def side_by_side(images: list[Image.Image]) -> Image.Image:
    return grids.tile(np.stack([np.asarray(image) for image in images]), cols=len(images))[0]


model, model_key = sidebar.current_model()
image, image_key = sidebar.current_image()
seen = model.view(image)
maps = [layer for layer in model.layers if layer.is_map]

st.title("DeepDream & inversion")
st.caption("Two ways of asking what a layer sees in the image in the sidebar: make the image more of it, or "
           "rebuild the image from it alone.")

st.subheader("DeepDream")
st.caption("Mordvintsev et al. 2015: the layer's gradient is set to its own activation, so whatever it sees grows; "
           "from a small copy of the image (the smallest octave) up to the full one.")
if not maps:
    st.info("This network shows no feature maps (a TorchScript file hides its layers): DeepDream needs one.")
else:
    cells = st.columns(4)
    with cells[0]:
        layer = selection.layer_selectbox(model, "Layer", key="dream_layer", candidates=maps, store="dream_layer_name",
                                          default=maps[len(maps) * 2 // 3])
    octaves = cells[1].slider("Octaves", 1, 6, 3, key="dream_octaves")
    scale = cells[1].slider("Octave scale", 1.1, 2.0, 1.4, 0.05, key="dream_scale")
    steps = cells[2].slider("Steps per octave", 1, 50, 10, key="dream_steps")
    step_size = cells[2].slider("Step size (levels of 0–255)", 0.25, 4.0, 1.5, 0.25, key="dream_step_size")
    jitter = cells[3].slider("Jitter (pixels)", 1, max(2, model.input_size // 4),
                             max(1, round(32 * model.input_size / 224)), key="dream_jitter")
    seed = int(cells[3].number_input("Seed", 0, 2**31 - 1, 0, key="dream_seed"))
    dream_settings = dict(octaves=octaves, steps=steps, octave_scale=scale, step_size=step_size, jitter=jitter,
                          seed=seed)
    dreamt = runs.live("dream", (model_key, image_key, layer.name, tuple(dream_settings.items())),
                       partial(vc.synthesis.deep_dream, model, image, layer.name, **dream_settings),
                       lambda step: step.image, lambda step: {"‖a‖ (this octave)": step.parts["norm"]}, "Dreaming")
    if dreamt:
        pair = [seen, dreamt.last.image]
        if dreamt.last.image.size == seen.size:
            st.image(pair, width=256, caption=["the image as the network sees it", f"dreamt at {layer.title}"],
                     output_format="PNG")
        else:
            st.image(dreamt.last.image, width=256, caption=f"octave {dreamt.last.parts['octave']}", output_format="PNG")
        st.download_button("Dream (PNG)", partial(downloads.png, dreamt.last.image),
                           f"{model.name}-{layer.label}-dream-seed{seed}.png", "image/png", on_click="ignore",
                           key="dream_download")

st.subheader("Feature inversion")
st.caption("Mahendran & Vedaldi 2015: from noise, find the image whose features at a layer match the real image's, "
           "with a total-variation prior (β, weight) that keeps it smooth.")
labels = {layer_.name: layer_.title for layer_ in model.layers}
convs = [layer_.name for layer_ in model.layers if layer_.kind == "Conv2d"]
default = list(dict.fromkeys([*convs[:3:2], *convs[-1:], model.layers[-3:][0].name]))
cells = st.columns(4)
chosen = cells[0].multiselect("Layers (one reconstruction each, side by side)", list(labels), default=default,
                              format_func=labels.get, key="invert_layers")
inv_steps = cells[1].slider("Steps", 20, 1000, 100, 20, key="invert_steps")
tv_weight = cells[2].select_slider("TV weight", [0.0, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0], 0.5, key="invert_tv")
beta = cells[2].select_slider("β", [1.0, 1.5, 2.0], 2.0, key="invert_beta")
inv_seed = int(cells[3].number_input("Seed", 0, 2**31 - 1, 0, key="invert_seed"))
if not chosen:
    st.info("Pick at least one layer.")
    st.stop()
titles = [model.layer(name).label for name in chosen]
inverted = runs.live("invert", (model_key, image_key, tuple(chosen), inv_steps, tv_weight, beta, inv_seed),
                     partial(vc.synthesis.invert, model, image, chosen, inv_steps, tv_weight, beta, seed=inv_seed),
                     lambda step: side_by_side([seen, *(step.image if len(chosen) > 1 else [step.image])]),
                     lambda step: dict(zip(titles, np.atleast_1d(step.parts["distance"]).tolist())), "Inverting",
                     width=180 * (len(chosen) + 1))
if inverted:
    pictures = inverted.last.image if len(chosen) > 1 else [inverted.last.image]
    distances = np.atleast_1d(inverted.last.parts["distance"])
    st.image([seen, *pictures], width=180, output_format="PNG",
             caption=["the image", *(f"from {title}: feature distance {d:.2g}" for title, d in zip(titles, distances))])
    st.line_chart(inverted.table(), height=220, y_label="relative feature distance")
    for column, picture, title in zip(st.columns(max(4, len(pictures))), pictures, titles):
        column.download_button(f"{title} (PNG)", partial(downloads.png, picture),
                               f"{model.name}-{title}-inversion-seed{inv_seed}.png", "image/png", on_click="ignore",
                               key=f"invert_download_{title}")
