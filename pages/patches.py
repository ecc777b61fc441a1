"""Max patches: the dataset patches that excite a unit most, beside what in them the unit responds to.

Zeiler & Fergus 2014 (§4) and the Deep Visualization Toolbox's "top 9"
(Yosinski et al. 2015): a scan of a dataset (``vc.patches.scan``) finds each
unit's strongest images and where on them it peaks; each patch is the
unit's receptive field there (``vc.patches.crop``), shown beside the
guided-backprop (Springenberg et al. 2015) or deconvnet (Zeiler & Fergus)
view of that unit at that place. A scan runs once per model, dataset,
layer and k, on request (several layers in one pass if asked), with a
progress bar (images/s, time left) and Streamlit's Stop, and is kept for
every session and on disk (``cache.scan``). The dataset comes from
``studio.datasets``; the layer and unit are the ones picked on the
Activations page (``studio.selection``).
"""
import pandas as pd
import streamlit as st
from PIL import Image

import vizcore as vc
from studio import cache, datasets, downloads, selection, sidebar, widgets
from vizcore.activations import grids
from vizcore.attribution import Unit, gradient_picture
from vizcore.patches import crop, cut, outline, source

VIEWS = {"guided_backprop": "guided backprop", "deconvnet": "deconvnet"}
PER_ROW = 3
TILE = 112  # pixels on a side for a patch on screen


def enlarged(picture: Image.Image) -> Image.Image:
    """A patch blown up to ``TILE`` pixels wide, keeping its pixels crisp."""
    scale = max(1, TILE // picture.width)
    return picture.resize((picture.width * scale, picture.height * scale), Image.Resampling.NEAREST)


model, model_key = sidebar.current_model()

st.title("Max patches")
st.caption("For one unit, the patches of a dataset that excite it most (Zeiler & Fergus 2014), each the unit's "
           "receptive field where it peaks, beside the pixels it responds to there.")

top_row = st.columns([2, 1, 1, 3])
k = top_row[2].slider("Patches per unit", 1, 16, 9, key="patches_k",
                      help="k: each unit's k strongest patches are kept by the scan (the toolbox showed 9).")
with top_row[3]:
    layer = selection.layer_selectbox(model, "Layer", key="patches_layer")
dataset = datasets.pick(model, "patches", top_row[0], top_row[1])
count = layer.shape[0]
unit = selection.index_input(f"Unit (0–{count - 1})", count, key="patches_unit")
name = f"{model.name}-{layer.label}-unit{unit}"

top = cache.stored_scan(model_key, dataset, layer.name, k, model)
if top is None:
    offer = st.empty()  # the offer to scan, cleared once the scan is done
    with offer.container():
        st.info(f"{layer.title} has not been scanned over these {len(dataset)} images yet: "
                "one forward pass per 64 images finds every unit's top patches at once.")
        labels = {candidate.name: candidate.label for candidate in model.layers}
        also = st.multiselect("Also scan these layers in the same pass", list(labels), format_func=labels.get,
                              key="patches_also", help="Each is then kept on its own, ready when you pick it.")
        run = st.button("Run scan", type="primary", key="patches_run")
    if not run:
        st.stop()
    scanned = list(dict.fromkeys([layer.name, *also]))
    what = ", ".join(model.layer(scanned_layer).label for scanned_layer in scanned)
    try:
        with widgets.Bar(f"Scanning {what}", "images") as bar:
            top = cache.scan(model_key, dataset, scanned, k, model, bar)[layer.name]
    except vc.VizError as e:  # an image that stopped decoding since the folder was read
        st.error(str(e))
        st.stop()
    offer.empty()

k = top.k  # at most the number of images
places = [tuple(int(v) for v in top.positions[unit, rank]) for rank in range(k)]
with st.spinner("Measuring the layer's receptive field (once per layer)…"):
    seen = [source(model, dataset, top, layer.name, unit, rank) for rank in range(k)]
table = pd.DataFrame({"rank": range(1, k + 1), "activation": top.values[unit].numpy(),
                      "image": top.indices[unit].numpy(), "source": [dataset.name(int(i)) for i in top.indices[unit]],
                      "y": top.positions[unit, :, 0].numpy(), "x": top.positions[unit, :, 1].numpy(),
                      "field (top, left, bottom, right)": [str(box) for _, box in seen]})

st.subheader(f"Unit {unit} of {layer.title}: its top {k}")
view = st.radio("Beside each patch", list(VIEWS), format_func=VIEWS.get, horizontal=True,
                help="What in the patch the unit responds to: the unit's signal sent back to the pixels "
                     "(grey is 0).", **widgets.remembered("patches_view", "guided_backprop"))
views = []
try:
    with st.spinner(f"Sending the unit's signal back to the pixels of its {k} patches ({VIEWS[view]})…"):
        for rank in range(k):
            target = Unit(layer.name, unit, places[rank] if layer.is_map else None)
            gradient = cache.attribution(model_key, f"{dataset.fingerprint}:{int(top.indices[unit, rank])}", view,
                                         target, {}, model, seen[rank][0])
            views.append(gradient_picture(gradient))
except vc.ModelError as e:
    st.warning(str(e))
patches = [crop(model, img, layer.name, *places[rank]) for rank, (img, _) in enumerate(seen)]
for row in range(0, k, PER_ROW):
    for rank, column in zip(range(row, min(row + PER_ROW, k)), st.columns(PER_ROW), strict=False):
        box = vc.patches.receptive_field(model, layer.name, *places[rank], clip=False)
        pictures = [enlarged(patches[rank])] + ([enlarged(cut(views[rank], box, (128, 128, 128)))] if views else [])
        widgets.pictures(column, pictures, [f"#{rank + 1} · {float(top.values[unit, rank]):.3g}",
                                            table["source"][rank]][:len(pictures)], width=TILE, output_format="PNG")

grid = grids.montage(patches, cols=min(k, PER_ROW * 3))
buttons = st.columns(2)
buttons[0].download_button("Download the patches (PNG)", lambda: downloads.png(grid), f"{name}-top{k}.png",
                           "image/png", on_click="ignore")
buttons[1].download_button("Download this table (CSV)", table.to_csv(index=False), f"{name}-top{k}.csv", "text/csv",
                           on_click="ignore")
st.dataframe(table, hide_index=True)

st.subheader("Where a patch comes from")
rank = st.selectbox("Patch", range(k), key="patches_pick",
                    format_func=lambda r: f"#{r + 1} · {table['source'][r]} · {table['activation'][r]:.3g}")
img, box = seen[rank]
whole = [outline(model.view(img), box)] + ([outline(views[rank], box)] if views else [])
captions = [f"{table['source'][rank]}: the unit's field at ({table['y'][rank]}, {table['x'][rank]})",
            f"{VIEWS[view]} for the unit there"]
widgets.pictures(st, whole, captions[:len(whole)], width=256, output_format="PNG")
st.download_button("Download the source with its box (PNG)", lambda: downloads.png(whole[0]),
                   f"{name}-source{rank + 1}.png", "image/png", on_click="ignore")

st.subheader("The whole layer")
shown = int(st.number_input("Units", 1, count, min(count, 36), key="patches_overview_units",
                            help="Each unit's strongest patch, units 0 onwards in reading order."))
mosaic = grids.montage([crop(model, dataset[int(top.indices[u, 0])][0], layer.name,
                               *(int(v) for v in top.positions[u, 0])) for u in range(shown)])
widgets.pictures(st, mosaic, f"The top patch of units 0 to {shown - 1} of {layer.title}", width=720,
                 output_format="PNG")
st.download_button("Download the overview (PNG)", lambda: downloads.png(mosaic),
                   f"{model.name}-{layer.label}-overview.png", "image/png", on_click="ignore")
