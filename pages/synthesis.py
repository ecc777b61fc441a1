"""Feature visualisation: the image a class or a unit likes best, made by gradient ascent.

Simonyan et al. 2014's class models, unit visualisations with Yosinski et
al. 2015's regularizers and their four presets, or Olah et al. 2017's
Fourier parametrization with random jitter, scale and rotation; a whole
layer's first channels as one batch. Everything comes from
``vc.synthesis``; ``studio.runs`` draws the live preview, the time left and
the score curve, and keeps the result. The unit defaults to the one picked
on the Activations page (``studio.selection``); steps and channels start at
the device's defaults (``studio.defaults``).
"""
from functools import partial

import numpy as np
import streamlit as st
from PIL import ImageOps

import vizcore as vc
from studio import charts, defaults, downloads, runs, selection, sidebar, widgets
from vizcore.core.model import ranked

PRESET_NONE = "none (Simonyan et al. 2014)"
SETTINGS = {"lr": 2.0, "l2": 0.0, "decay": 0.0, "blur_radius": 0.0, "blur_every": 0, "norm_percentile": 0,
            "contribution_percentile": 0}
L2_CHOICES = [0.0, 1e-8, 1e-7, 1e-6, 1e-5]
MOSAIC_WIDTH = 720


def apply_preset() -> None:
    """Fill the regulariser widgets from the chosen preset (Yosinski et al.'s Table 1); its step count only with the
    paper settings (a CPU takes the device's)."""
    preset = dict(vc.synthesis.PRESETS.get(st.session_state["synthesis_preset"], {}))
    steps = preset.pop("steps", None)
    for name, value in {**SETTINGS, **preset}.items():
        st.session_state[f"synthesis_{name}"] = value
    if steps and st.session_state.get("synthesis_paper"):
        st.session_state["synthesis_steps"] = steps


model, model_key = sidebar.current_model()

st.title("Feature visualisation")
st.caption("Start from a blank image and climb the gradient of a class score or a unit's activation with respect "
           "to the pixels: the picture the network would most like to see.")

top = st.columns([2, 3, 3])
kind = top[0].radio("Visualise", ("a class", "a unit", "a whole layer"), key="synthesis_kind")
with top[0]:
    runs.paper_switch("synthesis_paper", ["synthesis"], model)
position = None
with top[1]:
    if kind == "a class":
        target = widgets.class_picker(model, model_key, "Class (type to search)", "synthesis_class", 0)
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
            most = min(count, 64)
            st.session_state["synthesis_channels"] = min(st.session_state["synthesis_channels"], most)
            shown = st.slider("Channels (the first N, one batch)", 1, most, key="synthesis_channels") if most > 1 else 1
            subject = f"{layer.label}-first{shown}"
with top[2]:
    param = st.radio("Parametrization", vc.synthesis.PARAMETRIZATIONS, horizontal=True, key="synthesis_param",
                     index=vc.synthesis.PARAMETRIZATIONS.index(defaults.parametrization(model)),
                     format_func={"pixels": "pixels", "fourier": "Fourier, decorrelated colour"}.get,
                     help="Fourier: Olah et al. 2017; the image is a 1/f-scaled spectrum, stepped with Adam.")
    transforms = st.toggle("Random jitter, scale and rotation each step", value=param == "fourier",
                           key=f"synthesis_transforms:{param}")
    seed = int(st.number_input("Seed", 0, 2**31 - 1, 0, key="synthesis_seed"))

for name, value in SETTINGS.items():
    st.session_state.setdefault(f"synthesis_{name}", value)
settings = {"param": param, "transforms": transforms, "seed": seed}
with st.expander("Steps and regularizers", expanded=True):
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
        settings["l2"] = cells[1].select_slider("L2 weight", L2_CHOICES, key="synthesis_l2",
                                                help="Simonyan et al.: maximise score − λ‖x‖² (λ, this weight).")
        settings["decay"] = cells[1].slider("Decay", 0.0, 0.5, step=0.0001, format="%.4f", key="synthesis_decay",
                                            help="Yosinski et al.'s θ_decay: each step shrinks the image by it.")
        settings["blur_radius"] = cells[2].slider("Blur radius (pixels)", 0.0, 2.0, step=0.1,
                                                  key="synthesis_blur_radius", help="Yosinski et al.'s θ_b_width.")
        settings["blur_every"] = cells[2].slider("Blur every … steps", 0, 10, key="synthesis_blur_every",
                                                 help="Yosinski et al.'s θ_b_every (0: never).")
        settings["norm_percentile"] = cells[3].slider(
            "Clip pixels of small norm (percentile)", 0, 95, step=5, key="synthesis_norm_percentile",
            help="Yosinski et al.'s θ_n_pct: pixels whose colour norm is below this percentile become 0.")
        settings["contribution_percentile"] = cells[3].slider(
            "Clip pixels of small contribution (percentile)", 0, 95, step=5, key="synthesis_contribution_percentile",
            help="Yosinski et al.'s θ_c_pct: pixels whose contribution to the score is below it become 0.")

whole = kind == "a whole layer"
if kind == "a class":
    start = partial(vc.synthesis.class_visualization, model, target, **settings)
elif kind == "a unit":
    start = partial(vc.synthesis.unit_visualization, model, layer.name, unit, position=position, **settings)
else:
    start = partial(vc.synthesis.layer_mosaic, model, layer.name, shown, **settings)
label = "mean score" if whole else ("logit" if kind == "a class" else "activation")
width = MOSAIC_WIDTH if whole else 256
result = runs.live("synthesis", (model_key, kind, subject, position), tuple(sorted(settings.items())), start,
                   lambda step: {label: float(np.mean(step.parts["score"]))}, "Optimising", width=width)

if result:
    name = f"{model.name}-{subject}-{param}-seed{seed}"
    final = made = result.last.image  # a whole layer's: the montage of its channels
    if st.toggle("Stretch the contrast", key="synthesis_stretch",
                 help="Each colour spread over 0–255, as the Deep Visualization Toolbox saves its images; faint "
                      "results (a strong decay) become visible. Scores are those of the image itself."):
        final = ImageOps.autocontrast(made)
    caption = f"after {result.last.i} steps · {label} {np.mean(result.last.parts['score']):.3g}"
    # a mosaic takes the whole width and its curve goes below it; a single picture has its curve beside it
    left, right = (st.container(), st.container()) if whole else st.columns([1, 2])
    widgets.pictures(left, final, caption, width=width, output_format="PNG")
    right.line_chart(result.table().set_index("step"), height=220)
    if kind == "a class":
        probs = model.probabilities(made)  # at the input size: scored pixel for pixel
        right.plotly_chart(charts.top_k_bars(ranked(probs, model.categories, 5)), key="synthesis_top5")
    buttons = st.columns(2)
    buttons[0].download_button("Image (PNG)", partial(downloads.png, final), f"{name}.png", "image/png",
                               on_click="ignore", key="synthesis_download_png")
    buttons[1].download_button("Score curve (CSV)", result.table().to_csv(index=False), f"{name}-curve.csv",
                               "text/csv", on_click="ignore", key="synthesis_download_csv")
