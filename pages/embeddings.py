"""Embeddings: a dataset's penultimate-layer vectors as a map you can select on, nearest neighbours, the t-SNE grid.

The lecture's "last layer" slides: the network's FC7 vector for every image
(Krizhevsky et al. 2012), mapped to 2-D by PCA, t-SNE (van der Maaten &
Hinton 2008) or UMAP (McInnes et al. 2018) (``vc.embed.fit``), with the
current image placed into the map without redrawing it; the images nearest a
query in feature space beside those nearest in pixel space
(``vc.embed.neighbors``); and Karpathy's t-SNE grid (``vc.embed.snap``).
Features and maps are computed once per model, dataset, layer and method
with a progress bar (time left) and Streamlit's Stop, and kept for every
session, and so is the grid picture: a change that only restyles the map
(Colour by) computes nothing.
"""
import numpy as np
import pandas as pd
import streamlit as st

import vizcore as vc
from studio import cache, charts, datasets, downloads, selection, sidebar, widgets
from vizcore.activations import grids

COLOURS = {"label": "true label", "predicted": "predicted class"}
MAX_SHOWN = 60  # selected images drawn as thumbnails
THUMB = 64


def grid_picture(chosen: np.ndarray, rows: int, cols: int, size: int):
    """Karpathy's t-SNE grid of the ``chosen`` images: each moved to a lattice cell near its place on the map."""
    cells = vc.embed.snap(fitted.points[chosen], rows, cols)
    return vc.embed.picture((dataset[int(i)][0] for i in chosen), cells, cols, rows, size)


def thumbnails(indices, captions) -> list:
    return [dataset[int(i)][0] for i in indices], list(captions)


model, model_key, image, image_key = sidebar.page(
    "Embeddings", "Every image of a dataset as the vector of one layer (by default the one before the classifier, "
                  "AlexNet's FC7), mapped to two dimensions: similar images land together. Draw a box or a lasso on "
                  "the map to see the images inside it.")

top_row = st.columns([2, 1, 3])
dataset = datasets.pick(model, "embed", top_row[0], top_row[1])
with top_row[2]:
    layer = selection.layer_selectbox(model, "Layer", key="embed_layer_pick", store="embed_layer",
                                      default=model.layer(vc.embed.penultimate(model)))
settings = st.columns([2, 2, 1])
method = settings[0].radio("Map", list(vc.embed.METHODS), index=1, format_func=vc.embed.METHODS.get,
                           horizontal=True, key="embed_method")
colour = settings[1].radio("Colour by", list(COLOURS), format_func=COLOURS.get, horizontal=True, key="embed_colour")
seed = int(settings[2].number_input("Seed", 0, 9999, 0, key="embed_seed"))
with widgets.Bar(f"Running the network on {len(dataset)} images", "images") as bar:
    found = cache.embedding_features(model_key, dataset, layer.name, model, bar)
try:
    with widgets.Bar(vc.embed.METHODS[method], "steps") as bar:
        fitted = cache.embedding_map(model_key, dataset, layer.name, method, seed, found.vectors, bar)
    with st.spinner("Placing the current image into the map…"):
        current = cache.encoded(model_key, image_key, layer.name, model, image)
        here = cache.placed(model_key, dataset, layer.name, method, seed, image_key, current, fitted)
except vc.DataError as e:
    st.error(str(e))
    st.stop()

classes = [dataset.classes[label] for label in found.labels]
predicted = [model.categories[p] for p in found.predicted]
names = [dataset.name(i) for i in range(len(dataset))]
groups, order = (classes, dataset.classes) if colour == "label" else (predicted, model.categories)
hover = [f"{name}<br>label: {c}<br>predicted: {p}" for name, c, p in zip(names, classes, predicted, strict=True)]
pooled = " (averaged over positions)" if layer.is_map else ""
st.subheader(f"{vc.embed.METHODS[method]} of {layer.title}{pooled}: {len(dataset)} images, "
             f"{found.vectors.shape[1]} numbers each")
st.caption(f"Computed by {fitted.made_by}.")
figure = charts.embedding_scatter(fitted.points, groups, hover, [g for g in order if g in set(groups)], here,
                                  "the current image")
event = st.plotly_chart(figure, on_select="rerun", selection_mode=("points", "box", "lasso"),
                        key=f"embed_map:{dataset.fingerprint}:{layer.name}:{method}:{seed}")  # a new map: no selection
picked = [int(p["customdata"]) for p in event.selection.points if p.get("customdata") is not None]
table = pd.DataFrame({"image": names, "label": classes, "predicted": predicted, "x": fitted.points[:, 0],
                      "y": fitted.points[:, 1]})
buttons = st.columns(2)
buttons[0].download_button("Download the map (CSV)", table.to_csv(index_label="index"),
                           f"{model.name}-{layer.label}-{method}.csv", "text/csv", on_click="ignore")
buttons[1].download_button("Download the features (.npy)", lambda: downloads.npy(found.vectors),
                           f"{model.name}-{layer.label}-features.npy", on_click="ignore")

if picked:
    st.subheader(f"Selected: {len(picked)} images")
    shown = picked[:MAX_SHOWN]
    pictures, captions = thumbnails(shown, (f"{names[i]} → {predicted[i]}" for i in shown))
    widgets.pictures(st, pictures, captions, width=THUMB)
    if len(picked) > MAX_SHOWN:
        st.caption(f"The first {MAX_SHOWN} of them.")
    mosaic = grids.montage(pictures, size=THUMB)
    st.download_button("Download the selection (PNG)", lambda: downloads.png(mosaic), "selection.png", "image/png",
                       on_click="ignore")
else:
    st.caption("Nothing selected: draw a box or a lasso around some points (the toolbar above the map switches "
               "between them), or click one.")

st.subheader("Nearest neighbours: feature space against pixel space")
query_row = st.columns([2, 1, 1])
sources = ["the current image"] + ([f"the selected {names[picked[0]]}"] if picked else [])
query = query_row[0].radio("Query", sources, index=len(sources) - 1, horizontal=True, key="embed_query")
metric = query_row[1].radio("Distance", vc.embed.search.METRICS, horizontal=True, key="embed_metric")
k = query_row[2].slider("Neighbours shown", 1, 20, 8, key="embed_k", help="k, in each space.")
pixels = cache.pixels(model_key, dataset.fingerprint, model, dataset)
if query == sources[0]:
    query_image, itself = image, None
    query_vector, query_pixels = current, cache.image_pixels(model_key, image_key, model, image)
else:
    itself = picked[0]
    query_image, query_vector, query_pixels = dataset[itself][0], found.vectors[itself], pixels[itself]
widgets.pictures(st, model.view(query_image), "query", width=THUMB * 2)
rows = []
for column, space, vectors, q in zip(st.columns(2), ("feature", "pixel"), (found.vectors, pixels),
                                     (query_vector, query_pixels), strict=True):
    near, distance = vc.embed.neighbors(vectors, q, k + 1, metric)
    kept = [(int(i), float(d)) for i, d in zip(near, distance, strict=True) if i != itself][:k]
    column.markdown(f"**In {space} space** ({layer.label if space == 'feature' else 'input pixels'})")
    pictures, captions = thumbnails([i for i, _ in kept], (f"{names[i]} · {d:.3f}" for i, d in kept))
    widgets.pictures(column, pictures, captions, width=THUMB)
    rows += [{"space": space, "rank": r + 1, "image": names[i], "label": classes[i], "distance": d}
             for r, (i, d) in enumerate(kept)]
neighbours = pd.DataFrame(rows)
if itself is not None:
    same = neighbours.label == classes[itself]
    share = {space: same[neighbours.space == space].mean() for space in ("feature", "pixel")}
    st.caption(f"Neighbours labelled {classes[itself]}, like the query: {share['feature']:.0%} in feature space, "
               f"{share['pixel']:.0%} in pixel space.")
st.download_button("Download the neighbours (CSV)", neighbours.to_csv(index=False), "neighbours.csv", "text/csv",
                   on_click="ignore")

st.subheader("The map as a grid")
st.caption("Karpathy's t-SNE grid: images moved to the cells of a square lattice, each to a cell near its place on "
           "the map (one image per cell, the least total movement).")
grid_row = st.columns(2)
most = min(len(dataset), vc.embed.lattice.MAX_CELLS)
count = int(grid_row[0].slider("Images", 2, most, min(most, 400), key="embed_grid_n")) if most > 2 else most
size = int(grid_row[1].select_slider("Cell size (pixels)", [16, 24, 32, 48, 64], 32, key="embed_grid_size"))
chosen = np.linspace(0, len(dataset) - 1, count).round().astype(int)
rows_, cols = vc.embed.shape(count)
with st.spinner("Assigning images to cells…"):
    lattice = cache.kept("embedding", ("grid", model_key, dataset.fingerprint, layer.name, method, seed, count, size),
                         lambda: grid_picture(chosen, rows_, cols, size))
widgets.pictures(st, lattice, f"{count} images on a {rows_}×{cols} lattice", width=min(lattice.width, 900),
                 output_format="PNG")
st.download_button("Download the grid (PNG)", lambda: downloads.png(lattice),
                   f"{model.name}-{layer.label}-{method}-grid.png", "image/png", on_click="ignore")
