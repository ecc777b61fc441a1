"""Filters: a convolution's weights as pictures.

The first layer in colour, the "AlexNet: 64×3×11×11" slide (Krizhevsky et
al. 2012, fig. 3); any later layer per input channel in grey; the filters'
norms. Zeiler & Fergus 2014 show why the later layers are better seen through
their activations.
"""
import pandas as pd
import streamlit as st

from studio import charts, downloads, selection, sidebar, widgets
from vizcore import filters

NORMS_CHART = "filters_norms"
PICKED_LAYER, PICKED_FILTER = "filters_layer", "filters_filter"  # this page's own picks (not the shared unit)

model, _ = sidebar.current_model()

st.title("Filters")
st.caption("The weights of the convolution layers: what each filter multiplies its input with.")

convs = filters.conv_layers(model)
if not convs:
    st.info(f"{model.name} shows no convolution weights (a TorchScript model hides its layers). "
            "The Activations page still shows what it computes.")
    st.stop()


first = filters.first_rgb_layer(model)
if first is not None:
    st.subheader("First layer")
    w = filters.weight(model, first)
    shared = st.toggle("Shared scale", key="filters_rgb_shared",
                       help="Off: each filter stretched to its own range, so its pattern shows. "
                            "On: one scale for all filters, so their strengths compare.")
    rgb_picture, _ = filters.rgb_grid(w, shared)
    widgets.pictures(st, rgb_picture, f"{first.title}: {'×'.join(map(str, w.shape))}, i.e. {len(w)} filters of "
                                      f"{w.shape[2]}×{w.shape[3]} pixels in 3 colours, filter 0 top left", width=640)
    st.download_button("Download the filters (PNG)", downloads.png(rgb_picture),
                       f"{model.name}-{first.label}-filters.png", "image/png", on_click="ignore")

st.subheader("Any convolution layer")
controls = st.columns([3, 2])
with controls[0]:
    layer = selection.layer_selectbox(model, "Layer", key="filters_layer_input", candidates=convs,
                                      store=PICKED_LAYER)
w = filters.weight(model, layer)
with controls[1]:
    picked = selection.index_input(f"Filter (0–{len(w) - 1})", len(w), key="filters_filter_input",
                                   store=PICKED_FILTER, help="Or click its bar in the norm chart below.")
toggles = st.columns(2)
with toggles[0]:
    averaged = st.toggle("All filters, each averaged over its inputs", key="filters_averaged")
with toggles[1]:
    shared_gray = st.toggle("Shared scale", key="filters_gray_shared",
                            help="Off: each tile stretched to its own range. On: one scale for the whole grid.")
kernel_picture, _ = filters.kernel_grid(filters.kernels(w, None if averaged else picked), shared_gray)
kernel = f"{w.shape[2]}×{w.shape[3]}"
caption = (f"All {len(w)} filters of {layer.title}, each averaged over its {w.shape[1]} input channels ({kernel})"
           if averaged else f"Filter {picked} of {layer.title}: its {w.shape[1]} input channels, {kernel} each, "
                            "in channel order")
widgets.pictures(st, kernel_picture, caption + ". Grey is zero, white positive, black negative.", width=640)
st.download_button("Download this grid (PNG)", downloads.png(kernel_picture),
                   f"{model.name}-{layer.label}-{'mean' if averaged else f'filter{picked}'}.png", "image/png",
                   on_click="ignore")
st.info("Filters above the first layer weigh feature maps, not pixels, so their weights are hard to read. "
        "To see what a channel responds to, pick its layer and unit on the Activations page; the max-patches page "
        "will show the image regions that excite it most.")
st.page_link("pages/activations.py", label="Open the Activations page", icon=":material/grid_view:")

st.subheader("Filter norms")
norms = filters.norms(w)
st.plotly_chart(charts.sorted_bars(norms, "filter", picked), key=NORMS_CHART, selection_mode="points",
                on_select=selection.on_pick(NORMS_CHART, lambda point: int(point["x"]), store=PICKED_FILTER))
st.caption(f"L2 norm of each of the {len(w)} filters of {layer.title}, largest first. Click a bar to pick that filter.")
st.download_button("Download the norms (CSV)", pd.DataFrame({"filter": range(len(w)), "l2_norm": norms}).to_csv(
    index=False), f"{model.name}-{layer.label}-norms.csv", "text/csv", on_click="ignore")
