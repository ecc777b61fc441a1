"""Activations: every channel of a layer for the current image, one unit picked out.

The Deep Visualization Toolbox's main view (Yosinski et al. 2015). The forward
pass runs once per model and image (``cache.activations``); switching layer or
unit only redraws. The layer and unit picked here are stored for other pages
(see ``studio.selection``). It opens on the first ReLU: Caffe's in-place ReLU
made the toolbox's "conv1" show rectified maps too. When the layer changes
(here, on another page, or with the model) and the picked unit is silent on
it (nothing above 0), the most active unit is picked instead, and a unit that
stays silent is said to be.
"""
import pandas as pd
import streamlit as st
from PIL import ImageEnhance, ImageOps

from studio import cache, charts, downloads, selection, sidebar, widgets
from vizcore.activations import grids, units

GRID_CHART = "activations_grid"
SEEN = "_activations_seen"  # the (model, image, layer) the unit was last checked on


def strongest(values, unit: int) -> float:
    """A unit's largest activation on the image (a map's peak, or a vector element)."""
    return float(values[unit].max())


model, model_key, image, image_key = sidebar.page(
    "Activations", "What each channel of a layer computes for the image in the sidebar. Click a tile to pick a unit. "
                   "With **camera** as the image source every snapshot redraws the layer.")

acts = cache.activations(model_key, image_key, model, image)
top_row = st.columns([3, 2, 2, 2])
with top_row[0]:
    first_relu = next((candidate for candidate in model.layers if candidate.kind == "ReLU"), None)
    layer = selection.layer_selectbox(model, "Layer", key="activations_layer", default=first_relu)
values = acts[layer.name]
count = layer.shape[0]
name = f"{model.name}-{layer.label}"
is_output = layer == model.layers[-1] and layer.shape == (len(model.categories),)  # logits: below 0 is not silent
picked_unit = selection.unit(count)
if st.session_state.get(SEEN) != (model_key, image_key, layer.name) and not is_output:  # a new layer or image
    st.session_state[SEEN] = (model_key, image_key, layer.name)
    best = units.top(values, 1)[0][0]
    if strongest(values, picked_unit) <= 0 < strongest(values, best):
        st.session_state[selection.SELECTED_UNIT] = best
        st.toast(f"Unit {picked_unit} is silent on {layer.label} for this image: showing unit {best}, the most "
                 "active.")

if layer.is_map:
    with top_row[1]:
        colormap = st.selectbox("Colormap", grids.COLORMAPS, key="activations_colormap",
                                help="viridis: perceptual, dark is low. blue-white-red: zero is white (signed maps).")
    with top_row[2]:
        boost = st.slider("Contrast boost", 0.0, 1.0, 0.0, 0.1, key="activations_boost",
                          help="0: every tile on the layer's common scale. 1: each tile stretched to its own maximum.")
    with top_row[3]:
        gamma = st.select_slider("Gamma", [1.0, 0.8, 0.6, 0.4, 0.2], key="activations_gamma",
                                 help="Below 1 lifts faint activations, as the toolbox's gamma key does.")
    png, layout = cache.activation_grid(model_key, image_key, layer.name, colormap, boost, gamma, values)

    grid_column, unit_column = st.columns([3, 2])
    with unit_column:
        unit = selection.index_input(f"Unit (0–{count - 1})", count, key="activations_unit")
        if strongest(values, unit) <= 0:
            st.warning(f"Unit {unit} is silent on this image: nothing in its map is above 0."
                       + ("" if values.max() > 0 else " So is every unit of this layer."))
        peak, y, x = units.peak(values[unit])
        rank = units.rank(values, unit)
        metrics = st.columns(2)
        metrics[0].metric("Max activation", f"{peak:.3g}", help=f"At row {y}, column {x} of the map.")
        metrics[1].metric("Rank in layer", f"{rank} of {count}", help="Channels ordered by their maximum.")
        enlarged, _ = grids.grid(values[unit:unit + 1], colormap, width=240)
        backdrop = ImageEnhance.Brightness(ImageOps.grayscale(model.view(image)).convert("RGB")).enhance(0.6)
        overlaid = units.overlay(backdrop, values[unit], colormap, alpha=0.95)  # colour stands out on a dim photo
        widgets.pictures(st, [enlarged, overlaid], width=240,
                         captions=[f"unit {unit}: {layer.shape[1]}×{layer.shape[2]} map, peak at ({y}, {x})",
                                   f"upsampled onto the {model.input_size}×{model.input_size} input (dimmed, "
                                   "in grey)"])
        st.download_button("Download the overlay (PNG)", lambda: downloads.png(overlaid),
                           f"{name}-unit{unit}-overlay.png", "image/png", on_click="ignore")
    with grid_column:
        st.plotly_chart(charts.tile_picker(png, layout, unit), key=GRID_CHART, on_select=selection.on_pick(
            GRID_CHART, lambda point: layout.channel_at(point["x"], point["y"])), selection_mode="points",
            config={"displayModeBar": False})
        st.caption(f"{layer.title}: {count} channels of {layer.shape[1]}×{layer.shape[2]}, channel 0 top left, "
                   "in reading order.")
        buttons = st.columns(2)
        buttons[0].download_button("Download the grid (PNG)", png, f"{name}-grid.png", "image/png", on_click="ignore")
        buttons[1].download_button("Download the activations (.npy)", lambda: downloads.npy(values), f"{name}.npy",
                                   "application/octet-stream", on_click="ignore",
                                   help=f"A float32 array [{count}, H, W]; np.load reads it.")
else:
    unit = selection.index_input(f"Unit (0–{count - 1})", count, key="activations_unit")
    if strongest(values, unit) <= 0 and not is_output:
        st.warning(f"Unit {unit} is silent on this image: its value is not above 0.")
    st.plotly_chart(charts.vector(values.numpy(), unit))
    metrics = st.columns(2)
    metrics[0].metric(f"Unit {unit}", f"{float(values[unit]):.3g}")
    metrics[1].metric("Rank in layer", f"{units.rank(values, unit)} of {count}")
    if is_output:
        st.subheader("Top classes")
        st.plotly_chart(charts.top_k_bars(units.top_classes(values, model.categories)))
    table = pd.DataFrame({"unit": range(count), "value": values.numpy()})
    st.download_button("Download the values (CSV)", lambda: table.to_csv(index=False), f"{name}.csv", "text/csv",
                       on_click="ignore")

st.subheader("Most active units")
n = min(st.slider("How many", 1, 32, 9, key="activations_top_n"), count)
top = pd.DataFrame(units.top(values, n), columns=["unit", "max" if layer.is_map else "value"])
top.insert(0, "rank", range(1, len(top) + 1))
if layer.is_map:
    small, _ = grids.grid(values[top["unit"].to_list()], colormap, boost, gamma, cols=min(n, 12), width=960)
    widgets.pictures(st, small, f"In rank order, left to right: units {', '.join(map(str, top['unit']))}, on one "
                                "scale.")
elif is_output:
    top.insert(2, "class", [model.categories[u] for u in top["unit"]])
st.dataframe(top, hide_index=True)
st.download_button("Download this table (CSV)", top.to_csv(index=False), f"{name}-top{n}.csv", "text/csv",
                   on_click="ignore")

st.subheader("Distribution")
left, right = st.columns([3, 1])
left.plotly_chart(charts.histogram(*units.histogram(values)))
right.metric("Zeros", f"{units.zero_fraction(values):.1%}",
             help="Share of the layer's values that are exactly 0: after a ReLU, the silenced units.")
