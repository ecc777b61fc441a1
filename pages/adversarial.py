"""Adversarial and fooling images: pictures the network is sure about for the wrong reasons.

An adversarial image (Szegedy et al. 2013; Goodfellow et al. 2014) changes
the image in the sidebar by a few levels per pixel, within an L∞ budget,
until the network reads the class you pick; a fooling image (Nguyen et al.
2014) goes from noise to ≥ 99 % confidence in a class. Both come from
``vc.synthesis``, at the network's input size, and are scored exactly as
downloaded (whole pixel levels).
"""
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

import vizcore as vc
from studio import downloads, runs, sidebar, widgets
from vizcore.synthesis import difference


def progress_values(step) -> dict:
    return {"p(target)": step.parts["probability"]}


model, model_key = sidebar.current_model()
image, image_key = sidebar.current_image()
seen = model.view(image)
before = model.probabilities(seen)  # a picture at the input size is scored pixel for pixel
predicted = int(np.argmax(before))

st.title("Adversarial images")
runs.paper_switch("adversarial_paper", ["adversarial", "fooling"], model)
st.subheader("A small change, another class")
st.caption("Signed-gradient steps towards the class you pick (Goodfellow et al. 2014, iterated), each kept within "
           "ε levels of 0–255 of the original pixel.")
cells = st.columns(4)
target = widgets.class_picker(model, model_key, "Target class (type to search)", "adversarial_target",
                              (predicted + 1) % len(model.categories), cells[0])
epsilon = cells[1].slider("Budget ε (levels of 0–255)", 1, 32, 16, key="adversarial_epsilon")
steps = cells[2].slider("Steps", 1, 100, key="adversarial_steps")
attacked = runs.live("adversarial", (model_key, image_key), (target, epsilon, steps),
                     partial(vc.synthesis.adversarial, model, image, target, epsilon, steps), progress_values,
                     "Attacking")
if attacked:
    changed = attacked.last.image
    after = model.probabilities(changed)
    shown = [seen, changed, difference(seen, changed), difference(seen, changed, gain=10)]
    largest = int(np.abs(np.asarray(changed, dtype=int) - np.asarray(seen, dtype=int)).max())
    widgets.pictures(st, shown, [f"original: {model.categories[predicted]} {before[predicted]:.1%}",
                                 f"adversarial: {model.categories[int(np.argmax(after))]} {after.max():.1%}",
                                 f"difference (grey = 0), largest {largest} levels", "difference × 10"],
                     width=200, output_format="PNG")
    top = np.argsort(-np.maximum(before, after))[:5]
    bars = {name: st.column_config.ProgressColumn(name, format="percent", min_value=0, max_value=1)
            for name in ("original", "adversarial")}
    st.dataframe(pd.DataFrame({"class": [model.categories[i] for i in top], "original": before[top],
                               "adversarial": after[top]}), hide_index=True, column_config=bars)
    names = ["original", "adversarial", "difference", "difference-x10"]
    for column, picture, name in zip(st.columns(4), shown, names, strict=True):
        column.download_button(f"{name.replace('-x10', ' × 10').capitalize()} (PNG)", partial(downloads.png, picture),
                               f"{model.name}-{model.categories[target]}-eps{epsilon}-{name}.png", "image/png",
                               on_click="ignore", key=f"adversarial_download_{name}")

st.subheader("Fooling images")
st.caption("Nguyen et al. 2014: from random noise to a picture the network gives a class with at least the "
           "confidence you ask for; it stops as soon as it gets there.")
cells = st.columns(4)
fool_target = widgets.class_picker(model, model_key, "Class (type to search)", "fooling_target", 0, cells[0])
confidence = cells[1].slider("Confidence", 0.5, 0.999, 0.99, 0.001, format="%.3f", key="fooling_confidence")
fool_steps = cells[2].slider("At most steps", 10, 500, step=10, key="fooling_steps")
fool_seed = int(cells[3].number_input("Seed", 0, 2**31 - 1, 0, key="fooling_seed"))
fooled = runs.live("fooling", (model_key, fool_target), (confidence, fool_steps, fool_seed),
                   partial(vc.synthesis.fooling, model, fool_target, fool_steps, confidence, seed=fool_seed),
                   progress_values, "Fooling")
if fooled:
    p = fooled.last.parts["probability"]
    widgets.pictures(st, fooled.last.image,
                     f"p({model.categories[fool_target]}) = {p:.2%} after {fooled.last.i} steps", width=200,
                     output_format="PNG")
    if p < fooled.settings[0]:
        st.warning(f"It did not reach {fooled.settings[0]:.1%} in {fooled.last.total} steps: allow more steps.")
    st.download_button("Fooling image (PNG)", partial(downloads.png, fooled.last.image),
                       f"{model.name}-fooling-{model.categories[fool_target]}-seed{fool_seed}.png", "image/png",
                       on_click="ignore", key="fooling_download")
