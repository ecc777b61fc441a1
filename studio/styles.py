"""The Style transfer page's inputs and the rows of its loss curves.

- :func:`pick_network`: the loss network (VGG-19 pretrained, the sidebar's
  model, or the built-in shapes model), with what quality to expect, and
  which network runs when the chosen one cannot be had;
- :func:`pick_styles`: style images from every source — the generated ones
  (``vc.style.sample``), scikit-learn's photos, uploads and the camera —
  with their blend weights;
- :func:`rows`: a step's loss terms as rows of the curve that
  ``studio.runs.live`` keeps (one per ratio for a sweep).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

import vizcore as vc
from vizcore import builtin

from . import cache, sidebar

VGG = "vgg19"


@dataclass(frozen=True)
class Style:
    label: str
    image: object  # PIL image
    key: str


def pick_network(model: vc.Model, model_key: tuple) -> tuple[vc.style.LossNetwork, tuple]:
    """The loss network chosen on the page and a key for it; a network that cannot be had is replaced by the
    built-in shapes model, and one sentence says so and why."""
    vgg = cache.zoo_entries()[VGG]
    options = {VGG: f"VGG-19, pretrained · {'cached' if vgg.cached else f'download {vgg.download_mb:.0f} MB'}",
               "sidebar": f"the sidebar's model · {model.name}", builtin.NAMES[0]: "built-in shapes model · offline"}
    choice = st.selectbox("Loss network", list(options), index=0 if vgg.cached else 2, format_func=options.get,
                          key="style_network", help="Whose features define content and style (Gatys et al. use "
                                                    "VGG-19). Without pretrained weights expect coarser results.")
    key = model_key if choice == "sidebar" else (choice, "default", None)
    try:
        if choice == VGG and not vgg.cached:
            sidebar.download(VGG)
        net = vc.style.network(model if choice == "sidebar" else cache.model(*key))
    except vc.ModelError as e:
        st.warning(f"The built-in shapes model runs instead of the network chosen above: {e}")
        key = (builtin.NAMES[0], "default", None)
        net = vc.style.network(cache.model(*key))
    st.caption(f"Loss network: {net.description}")
    return net, key


def pick_styles() -> tuple[list[Style], list[float]]:
    """The style images picked (generated, photos, uploads, camera) and their blend weights."""
    gallery = {f"generated: {name}": Style(f"generated: {name}", image, f"sample:{name}")
               for name, image in cache.style_samples().items()}
    gallery |= {name: Style(name, image, f"sample:{name}") for name, image in cache.gallery().items()
                if name.startswith("photo:")}
    uploads = st.file_uploader("Your own style images", accept_multiple_files=True, key="style_uploads")
    for upload in uploads or []:
        if (style := _decode(upload)) is not None:
            gallery[style.label] = style
    if st.toggle("Take a style picture with the camera", key="style_camera_on"):
        if (style := _decode(st.camera_input("Style picture", key="style_camera"))) is not None:
            gallery[style.label] = style
    names = st.multiselect("Style images", list(gallery), default=["generated: swirls"], key="style_images",
                           help="Several are blended: the targets are the weighted average of their Gram matrices.")
    chosen = [gallery[name] for name in names if name in gallery]
    weights = [1.0] * len(chosen)
    if len(chosen) > 1:
        for i, column in enumerate(st.columns(len(chosen))):
            weights[i] = column.slider(f"Weight of {chosen[i].label}", 0.0, 1.0, 1.0, 0.05, key=f"style_weight:{i}")
    if chosen:
        st.image([style.image for style in chosen], width=96, caption=[style.label for style in chosen])
    return chosen, weights


def _decode(upload) -> Style | None:
    if upload is None:
        return None
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    try:
        return Style(f"upload: {upload.name}", cache.decoded_image(digest, data, upload.name), f"upload:{digest}")
    except vc.ImageError as e:
        st.error(str(e))
        return None


def rows(step: vc.Step) -> list[dict]:
    """The loss terms of a step as curve rows (one per ratio for a sweep)."""
    terms = {name: value for name, value in step.parts.items() if name in ("style", "content", "tv")}
    if "ratios" not in step.parts:
        return [terms]
    return [{"ratio": ratio, **{name: values[k] for name, values in terms.items()}}
            for k, ratio in enumerate(step.parts["ratios"])]
