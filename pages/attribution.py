"""Attribution: which pixels matter for a class, or for one unit of an inner layer.

The lecture's saliency maps (Simonyan et al. 2014), occlusion experiments
(Zeiler & Fergus 2014) and guided backprop (Springenberg et al. 2015), beside
SmoothGrad, the deconvnet, Grad-CAM and integrated gradients, all from
``vizcore.attribution``. Each map is computed once per model, image, method,
target and settings (``cache.attribution``); while one is made, a spinner
(or, for the long ones, a progress bar with the time left) says so and the map
still on screen is marked out of date; Streamlit's own Stop ends them. The
long methods' defaults are sized for the device (fewer samples, steps and
occlusion positions on a CPU). A unit target is the layer and unit picked on
the Activations page (``studio.selection``).
"""
from functools import partial

import numpy as np
import streamlit as st
import torch

import vizcore as vc
from studio import cache, defaults, downloads, selection, sidebar, widgets
from vizcore import attribution
from vizcore.activations import grids, units

METHODS = {  # vizcore function -> (title, paper, whether it can explain a unit)
    "saliency": ("Saliency", "Simonyan et al. 2014", True),
    "smoothgrad": ("SmoothGrad", "Smilkov et al. 2017", True),
    "guided_backprop": ("Guided backprop", "Springenberg et al. 2015", True),
    "deconvnet": ("Deconvnet", "Zeiler & Fergus 2014", True),
    "grad_cam": ("Grad-CAM", "Selvaraju et al. 2017", False),
    "integrated_gradients": ("Integrated gradients", "Sundararajan et al. 2017", True),
    "occlusion": ("Occlusion", "Zeiler & Fergus 2014", False),
}
LONG = {"smoothgrad": "noisy copies", "integrated_gradients": "steps", "occlusion": "positions"}  # with a bar: its unit
FILLS = {"the training set's mean colour": None, "black": 0, "mid grey": 128, "white": 255}
PER_ROW = 3


def keep_within(key: str, low: int, high: int, default: int) -> None:
    """Clamp a number widget's stored value to the range it is about to be drawn with."""
    st.session_state[key] = min(max(int(st.session_state.get(key, default)), low), high)


model, model_key, image, image_key = sidebar.page(
    "Attribution", "Which pixels of the image in the sidebar matter for a class, or for one unit inside the network. "
                   "Each map is at the network's input size, drawn as a heatmap and laid over the image.")
# SmoothGrad's copies, IG's steps, and occlusion's stride as the window / stride_share: seconds each on a CPU
# (benchmarks/page_actions.py), the papers' settings on a GPU
chosen_defaults = defaults.settings("attribution", defaults.paper_by_default(model))
size = model.input_size
seen = model.view(image)

probs = cache.probabilities(model_key, image_key, model, image)
predicted = int(np.argmax(probs))
top_row = st.columns([2, 3])
explain = top_row[0].radio("Explain", ("the predicted class", "a class", "a unit"), key="attribution_explain")
with top_row[1]:
    if explain == "a unit":
        layer = selection.layer_selectbox(model, "Layer", key="attribution_layer")
        count = layer.shape[0]
        channel = selection.index_input(f"Unit (0–{count - 1})", count, key="attribution_unit",
                                        help="The layer and unit are shared with the Activations page.")
        acts = cache.activations(model_key, image_key, model, image)[layer.name][channel]
        value, y, x = units.peak(acts) if layer.is_map else (float(acts), None, None)
        position = None
        if layer.is_map and st.toggle("At a chosen position", key="attribution_at",
                                      help="Off: where this unit is strongest on the image."):
            keep_within("attribution_y", 0, layer.shape[1] - 1, y)
            keep_within("attribution_x", 0, layer.shape[2] - 1, x)
            cells = st.columns(2)
            y = cells[0].number_input("Row", 0, layer.shape[1] - 1, key="attribution_y")
            x = cells[1].number_input("Column", 0, layer.shape[2] - 1, key="attribution_x")
            position, value = (y, x), float(acts[y, x])
        target = attribution.Unit(layer.name, channel, position)
        st.metric(f"Unit {channel}" + (f" at ({y}, {x})" if layer.is_map else ""), f"{value:.3g}",
                  help="Its activation on the image.")
    else:
        target = predicted
        if explain == "a class":
            target = widgets.class_picker(model, model_key, "Class (type to search)", "attribution_class", predicted)
        st.metric(f"p({model.categories[target]})", f"{probs[target]:.1%}",
                  help="The network's probability for this class on the image.")
chosen = st.multiselect("Methods", list(METHODS), default=["saliency", "guided_backprop", "grad_cam"],
                        format_func=lambda method: METHODS[method][0], key="attribution_methods",
                        help="Several side by side, or one at a time. SmoothGrad, integrated gradients and "
                             "occlusion run the network many times: a few seconds each on a CPU.")

with st.expander("Method settings"):
    cells = st.columns(4)
    with cells[0]:
        st.markdown("**SmoothGrad**")
        noise = st.slider("Noise (share of the input's range)", 0.0, 0.5, 0.15, 0.05, key="attribution_noise",
                          help="σ / (max − min) in Smilkov et al.: they find 10–20 % best.")
        samples = st.slider("Noisy copies", 5, 100, chosen_defaults["samples"], 5, key="attribution_samples",
                            help="More copies: a smoother map, in proportion more time.")
    with cells[1]:
        st.markdown("**Integrated gradients**")
        baseline = st.selectbox("Baseline", attribution.BASELINES, key="attribution_baseline",
                                help="black: a black image (in pixels, before normalisation). "
                                     "blur: the image blurred. noise: random pixels.")
        steps = st.slider("Steps along the path", 8, 128, chosen_defaults["steps"], 8, key="attribution_steps",
                          help="More steps: a more exact integral (its total nears the score's change), more time.")
    with cells[2]:
        st.markdown("**Occlusion**")
        keep_within("attribution_window", 2, size // 2, max(2, round(size / 7)))
        window = st.slider("Window (pixels)", 2, size // 2, key="attribution_window")
        keep_within("attribution_stride", 1, window, max(1, window // chosen_defaults["stride_share"]))
        stride = st.slider("Stride (pixels)", 1, window, key="attribution_stride",
                           help="How far the window moves each time: halving it makes four times the positions.")
        fill = st.selectbox("Fill", list(FILLS), key="attribution_fill")
    with cells[3]:
        st.markdown("**Grad-CAM and display**")
        feature_maps = widgets.map_layers(model)
        cam_layer = None
        if feature_maps:
            cam_layer = selection.layer_selectbox(model, "Grad-CAM layer", key="attribution_cam_layer",
                                                  candidates=feature_maps, store="attribution_cam_layer_name",
                                                  default=attribution.default_layer(model)).name
        colormap = st.selectbox("Colormap", [c for c in grids.COLORMAPS if c not in grids.DIVERGING],
                                key="attribution_colormap")
        alpha = st.slider("Overlay opacity", 0.1, 1.0, 0.7, 0.1, key="attribution_alpha")
settings = {
    "smoothgrad": {"noise": noise, "samples": samples},
    "integrated_gradients": {"steps": steps, "baseline": baseline},
    "occlusion": {"window": window, "stride": stride, "fill": FILLS[fill]},
    "grad_cam": {"layer": cam_layer},
}


def pictures(method: str, result: np.ndarray) -> tuple[list, list[str]]:
    """The heatmap and the overlay of one method's result, with their captions."""
    over = "over the image"
    if method in ("guided_backprop", "deconvnet"):
        heat, strength = attribution.gradient_picture(result), attribution.magnitude(result)
        shows = "signed gradient: grey is 0"
    elif method == "occlusion":
        heat = attribution.heatmap(probs[target] - result, colormap, size=size, vmax=1.0)
        strength = attribution.occlusion_map(result, window, stride, size)
        shows, over = "class probability, window at each position", "its drop, per pixel, over the image"
    elif method == "integrated_gradients":
        heat, strength = attribution.heatmap(result, "blue-white-red"), result
        shows = f"red for the score, blue against; total {result.sum():.3g}"
    else:
        heat, strength, shows = attribution.heatmap(result, colormap), result, "scaled to its maximum"
    return [heat, units.overlay(seen, torch.tensor(strength), colormap, alpha)], [shows, over]


is_unit = isinstance(target, attribution.Unit)
if is_unit and any(not METHODS[method][2] for method in chosen):
    st.info("Grad-CAM and occlusion explain a class, so they are left out for a unit.")
methods = [method for method in chosen if METHODS[method][2] or not is_unit]
name = f"{model.name}-{target.layer}-unit{target.channel}" if is_unit else f"{model.name}-class{target}"
results = {}
drawn_before = st.session_state.get("_attribution_drawn", ())  # maps on screen from the previous run
for start in range(0, len(methods), PER_ROW):
    for column, method in zip(st.columns(PER_ROW), methods[start:start + PER_ROW], strict=False):
        title, paper, _ = METHODS[method]
        with column:
            st.markdown(f"**{title}** · {paper}")
            params = settings.get(method, {})
            working = st.empty()  # while a map is made: a spinner or a bar, and the old map marked out of date
            try:
                if cache.has_attribution(model_key, image_key, method, target, params):
                    results[method] = cache.attribution(model_key, image_key, method, target, params, model, image)
                else:
                    with working.container():
                        if method in drawn_before:
                            widgets.stale()
                        with (widgets.Bar(title, LONG[method]) if method in LONG else
                              st.spinner(f"Computing {title}…", show_time=True)) as bar:
                            results[method] = cache.attribution(model_key, image_key, method, target, params,
                                                                model, image, bar if method in LONG else None)
            except vc.ModelError as e:
                st.warning(str(e))
                continue
            finally:
                working.empty()
            shown, captions = pictures(method, results[method])
            widgets.pictures(st, shown, captions, width="stretch", output_format="PNG")
            buttons = st.columns(2)
            for button, picture, suffix in zip(buttons, shown, ("", "-overlay"), strict=True):
                button.download_button("Overlay (PNG)" if suffix else "Heatmap (PNG)", partial(downloads.png, picture),
                                       f"{name}-{method}{suffix}.png", "image/png", on_click="ignore",
                                       key=f"attribution_download_{method}{suffix}")

st.session_state["_attribution_drawn"] = tuple(results)

if "saliency" in results:
    st.subheader("Saliency segmentation")
    st.caption("Simonyan et al. 2014 find the object from its saliency map alone: the most salient pixels, "
               "smoothed a little, are the foreground.")
    share = st.slider("Foreground share of the image", 0.02, 0.5, 0.1, 0.02, key="attribution_foreground")
    cut = attribution.cutout(seen, attribution.foreground(results["saliency"], 1 - share))
    left, _ = st.columns([1, 2])
    widgets.pictures(left, cut, f"the top {share:.0%} of the smoothed saliency", width="stretch",
                     output_format="PNG")
    left.download_button("Segmentation (PNG)", partial(downloads.png, cut), f"{name}-segmentation.png",
                         "image/png", on_click="ignore")
