"""Feature visualisation: the image a class or a unit likes best, made by gradient ascent.

Simonyan et al. 2014's class models, unit visualisations with Yosinski et
al. 2015's regularisers and their four presets, or Olah et al. 2017's
Fourier parameterisation with random jitter, scale and rotation; a whole
layer's first channels as one batch. Everything comes from
``vc.synthesis``; ``studio.runs`` draws the live preview and score curve and
keeps the result. The unit defaults to the one picked on the Activations
page (``studio.selection``).
"""
from functools import partial

import numpy as np
import streamlit as st
from PIL import Image, ImageOps

import vizcore as vc
from studio import charts, downloads, runs, selection, sidebar
from vizcore.activations import grids
from vizcore.synthesis import pixels
from vizcore.core.model import ranked

PRESET_NONE = "none (Simonyan et al. 2014)"
SETTINGS = {"steps": 200, "lr": 2.0, "l2": 0.0, "decay": 0.0, "blur_radius": 0.0, "blur_every": 0,
            "norm_percentile": 0, "contribution_percentile": 0}
L2_CHOICES = [0.0, 1e-8, 1e-7, 1e-6, 1e-5]


def apply_preset() -> None:
    """Fill the regulariser widgets from the chosen preset (Yosinski et al.'s Table 1)."""
    preset = vc.synthesis.PRESETS.get(st.session_state["synthesis_preset"], {})
    for name, value in {**SETTINGS, **preset}.items():
        st.session_state[f"synthesis_{name}"] = value


def mosaic(images: list[Image.Image]) -> Image.Image:
    return grids.tile(np.stack([np.asarray(image) for image in images]))[0]


model, model_key = sidebar.current_model()

st.title("Feature visualisation")
st.caption("Start from a blank image and climb the gradient of a class score or a unit's activation with respect "
           "to the pixels: the picture the network would most like to see.")

top = st.columns([2, 3, 3])
kind = top[0].radio("Visualise", ("a class", "a unit", "a whole layer"), key="synthesis_kind")
position = None
with top[1]:
    if kind == "a class":
        target = st.selectbox("Class (type to search)", range(len(model.categories)),
                              format_func=lambda i: f"{model.categories[i]} ({i})", key=f"synthesis_class:{model_key}")
        subject = f"class-{target}"
    else:
        layer = selection.layer_selectbox(model, "Layer", key="synthesis_layer")
        count = layer.shape[0]
        if kind == "a unit":
            unit = selection.index_input(f"Unit (0–{count - 1})", count, key="synthesis_unit",
                                         help="The layer and unit are shared with the Activations page.")
            if layer.is_map and st.radio("Score", ("the map's mean", "the centre neuron"), horizontal=True,
                                         key="synthesis_where") == "the centre neuron":
                position = (layer.shape[1] // 2, layer.shape[2] // 2)
            subject = f"{layer.label}-unit{unit}"
        else:
            shown = st.slider("Channels (the first N, one batch)", 1, min(count, 64), min(count, 16),
                              key="synthesis_channels")
            subject = f"{layer.label}-first{shown}"
with top[2]:
    param = st.radio("Parameterisation", vc.synthesis.PARAMETERISATIONS, horizontal=True, key="synthesis_param",
                     format_func={"pixels": "pixels", "fourier": "Fourier, decorrelated colour"}.get,
                     help="Fourier: Olah et al. 2017; the image is a 1/f-scaled spectrum, stepped with Adam.")
    transforms = st.toggle("Random jitter, scale and rotation each step", value=param == "fourier",
                           key=f"synthesis_transforms:{param}")
    seed = int(st.number_input("Seed", 0, 2**31 - 1, 0, key="synthesis_seed"))

for name, value in SETTINGS.items():
    st.session_state.setdefault(f"synthesis_{name}", value)
settings = {"param": param, "transforms": transforms, "seed": seed}
with st.expander("Steps and regularisers", expanded=True):
    cells = st.columns(4)
    settings["steps"] = cells[0].slider("Steps", 10, 1000, step=10, key="synthesis_steps")
    if param == "fourier":
        settings["lr"] = cells[1].slider("Adam's learning rate", 0.01, 0.2, 0.05, 0.01, key="synthesis_adam")
    else:
        cells[0].selectbox("Preset", [PRESET_NONE, *vc.synthesis.PRESETS], key="synthesis_preset",
                           on_change=apply_preset, help="Yosinski et al. 2015, Table 1.")
        settings["start"] = cells[0].radio("Start from", vc.synthesis.STARTS, horizontal=True, key="synthesis_start",
                                           format_func={"zeros": "the mean colour", "noise": "noise"}.get)
        settings["lr"] = cells[1].slider("Learning rate (levels per step)", 0.25, 8.0, step=0.25, key="synthesis_lr",
                                         help="How far the average pixel moves per step, in levels of 0–255.")
        settings["l2"] = cells[1].select_slider("L2 weight λ", L2_CHOICES, key="synthesis_l2",
                                                help="Simonyan et al.: maximise score − λ‖x‖².")
        settings["decay"] = cells[1].slider("Decay θ_decay", 0.0, 0.5, step=0.0001, format="%.4f",
                                            key="synthesis_decay")
        settings["blur_radius"] = cells[2].slider("Blur radius θ_b_width (pixels)", 0.0, 2.0, step=0.1,
                                                  key="synthesis_blur_radius")
        settings["blur_every"] = cells[2].slider("Blur every θ_b_every steps", 0, 10, key="synthesis_blur_every")
        settings["norm_percentile"] = cells[3].slider("Clip small norm θ_n_pct", 0, 95, step=5,
                                                      key="synthesis_norm_percentile")
        settings["contribution_percentile"] = cells[3].slider("Clip small contribution θ_c_pct", 0, 95, step=5,
                                                              key="synthesis_contribution_percentile")

if kind == "a class":
    start = partial(vc.synthesis.class_visualization, model, target, **settings)
elif kind == "a unit":
    start = partial(vc.synthesis.unit_visualization, model, layer.name, unit, position=position, **settings)
else:
    start = partial(vc.synthesis.layer_mosaic, model, layer.name, shown, **settings)
picture = (lambda step: mosaic(step.image)) if kind == "a whole layer" else (lambda step: step.image)
label = "mean score" if kind == "a whole layer" else ("logit" if kind == "a class" else "activation")
result = runs.live("synthesis", (model_key, subject, position, tuple(sorted(settings.items()))), start, picture,
                   lambda step: {label: float(np.mean(step.parts["score"]))}, "Optimising",
                   width=720 if kind == "a whole layer" else 256)

if result:
    name = f"{model.name}-{subject}-{param}-seed{seed}"
    final = made = picture(result.last)
    if st.toggle("Stretch the contrast", key="synthesis_stretch",
                 help="Each colour spread over 0–255, as the Deep Visualization Toolbox saves its images; faint "
                      "results (a strong decay) become visible. Scores are those of the image itself."):
        final = ImageOps.autocontrast(made)
    left, right = st.columns([1, 2])
    left.image(final, width=720 if kind == "a whole layer" else 256, output_format="PNG",
               caption=f"after {result.last.i} steps · {label} {np.mean(result.last.parts['score']):.3g}")
    right.line_chart(result.table(), height=220)
    if kind == "a class":
        probs = model.probabilities(pixels.to_input(model, pixels.exact(model, made)))
        right.plotly_chart(charts.top_k_bars(ranked(probs, model.categories, 5)), key="synthesis_top5")
    buttons = st.columns(2)
    buttons[0].download_button("Image (PNG)", partial(downloads.png, final), f"{name}.png", "image/png",
                               on_click="ignore", key="synthesis_download_png")
    buttons[1].download_button("Score curve (CSV)", result.table().to_csv(), f"{name}-curve.csv", "text/csv",
                               on_click="ignore", key="synthesis_download_csv")
