"""The sidebar every page shares: which model, which image, which device.

``render()`` draws it and puts the choices into ``st.session_state``; pages
read them with :func:`current_model` and :func:`current_image` (or both at a page's start, with
its title, through :func:`page`). A model that
cannot be loaded or an image that cannot be read gets its sentence in the
sidebar, and the app carries on with the model it had (the built-in one at
first) or a sample image. The sample suits the model: a shape for the shapes
model, a digit for the digits model, a photo for an ImageNet network.
"""
from __future__ import annotations

import hashlib

import streamlit as st
import torch
from PIL import Image

import vizcore as vc
from vizcore import builtin
from vizcore.core import zoo

from . import cache, shell, widgets

FALLBACK_MODEL = "builtin-shapes"
DEFAULT_SAMPLES = {"builtin-shapes": "shapes: star", "builtin-digits": "digits: 3"}
"""The sample each built-in model starts on; any other model starts on the first photo."""
WEIGHT_MODES = ("pretrained", "random init", "my checkpoint")


def render() -> None:
    """Draw the model picker, the image source and the device line."""
    with st.sidebar:
        st.subheader("Model")
        model, key = _pick_model()
        st.session_state["_model"], st.session_state["_model_key"] = model, key
        st.subheader("Image")
        st.session_state["_image"], st.session_state["_image_key"] = _pick_image()
        st.caption(f"Running on **{_device_name(model)}**")


def page(title: str, caption: str) -> tuple[vc.Model, tuple, Image.Image, str]:
    """A page's start: its title and caption; returns the sidebar's model, its key, image and image key."""
    model, model_key = current_model()
    image, image_key = current_image()
    st.title(title)
    st.caption(caption)
    return model, model_key, image, image_key


def current_model() -> tuple[vc.Model, tuple]:
    """The model chosen in the sidebar and a hashable key that identifies it."""
    _require_sidebar()
    return st.session_state["_model"], st.session_state["_model_key"]


def current_image() -> tuple[Image.Image, str]:
    """The image chosen in the sidebar and a string key that identifies it."""
    _require_sidebar()
    return st.session_state["_image"], st.session_state["_image_key"]


def _require_sidebar() -> None:
    """Do app.py's part when a page was run without it (see :mod:`studio.shell`): the navigation and the sidebar."""
    if not shell.through_app():
        shell.adopt()
        render()


def _model_label(name: str, entries: dict[str, zoo.ZooEntry]) -> str:
    if name in builtin.NAMES or entries[name].offline:
        return f"{name} · offline"
    entry = entries[name]
    return f"{name} · cached" if entry.cached else f"{name} · download {entry.download_mb:.0f} MB"


def _pick_model() -> tuple[vc.Model, tuple]:
    names = list(builtin.NAMES) + zoo.names()
    entries = cache.zoo_entries()  # read once per run: st.cache_data hands out a fresh copy at every call
    name = st.selectbox("Network", names, format_func=lambda n: _model_label(n, entries), key="model_name")
    mode = st.radio("Weights", WEIGHT_MODES, horizontal=True, key="weights_mode")
    checkpoint = None
    if mode == "my checkpoint":
        upload = st.file_uploader("State dict (for the network above) or TorchScript file", key="checkpoint_upload",
                                  help=f"Up to {widgets.upload_limit()}: VGG-16's state dict is 528 MB.")
        if upload is None:
            st.info("Upload a .pt/.pth file: a state_dict saved from the network chosen above, or a TorchScript model.")
        else:
            checkpoint = cache.save_checkpoint(upload.getvalue(), upload.name)
    weights = None if mode == "random init" else "default"
    try:
        if weights and checkpoint is None and name not in builtin.NAMES and not entries[name].cached:
            download(name)
        key = (name, weights, checkpoint)
        return cache.model(*key), key
    except vc.ModelError as e:
        st.error(str(e))
        key = st.session_state.get("_model_key", (FALLBACK_MODEL, "default", None))
        st.caption(f"Still showing **{key[0]}**: the pages use it until another network loads.")
        return cache.model(*key), key


def download(name: str) -> None:
    """Fetch pretrained weights into torchvision's cache with a progress bar."""
    bar = st.progress(0.0, text=f"Downloading {name}…")

    def show(done: int, total: int) -> None:
        text = f"Downloading {name}: {done / 1e6:.0f} of {total / 1e6:.0f} MB" if total else f"{done / 1e6:.0f} MB"
        bar.progress(min(done / total, 1.0) if total else 0.0, text=text)

    weights = zoo.weights_enum(name)
    try:
        zoo.download(weights, progress=show)
    except vc.ModelError as e:  # its sentence names the network error: say it plainly, with what to do
        folder = zoo.cache_path(weights).parent
        raise vc.ModelError(f"{name}'s pretrained weights could not be downloaded (no internet here?): connect "
                            f"to the internet, or copy {weights.url.rsplit('/', 1)[-1]} into {folder}/.") from e
    finally:
        bar.empty()
    cache.zoo_entries.clear()


def _pick_image() -> tuple[Image.Image, str]:
    source = st.radio("Source", ("samples", "upload", "camera"), horizontal=True, key="image_source")
    picked = None
    if source == "upload":
        upload = st.file_uploader("An image file (JPEG, PNG, GIF, BMP, TIFF, WebP)", key="image_upload",
                                  help=f"Up to {widgets.upload_limit()}.")
        picked = _decode(upload)
    elif source == "camera":
        picked = _decode(st.camera_input("Take a picture", key="camera"))
    if picked is None:
        gallery = cache.gallery()
        _suit_sample(list(gallery))
        name = st.selectbox("Sample", list(gallery), key="sample")
        picked = gallery[name], f"sample:{name}"
    st.image(picked[0], width="stretch")
    return picked


def _suit_sample(names: list[str]) -> None:
    """Start on the sample that suits the model, and move to the new model's one on a model change unless a sample
    was picked by hand (one that is not the previous model's default)."""
    model_name = st.session_state["_model_key"][0]
    default = DEFAULT_SAMPLES.get(model_name, next(name for name in names if name.startswith("photo:")))
    before = st.session_state.get("_sample_default")
    if "sample" not in st.session_state or st.session_state["sample"] == before:
        st.session_state["sample"] = default
    st.session_state["_sample_default"] = default


def _decode(upload) -> tuple[Image.Image, str] | None:
    """An uploaded or camera image, or None (with the reason shown) when there is none."""
    if upload is None:
        return None
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    try:
        return cache.decoded_image(digest, data, upload.name), f"upload:{digest}"
    except vc.ImageError as e:
        st.error(str(e))
        return None


def _device_name(model: vc.Model) -> str:
    if model.device.type == "cuda":
        return f"GPU ({torch.cuda.get_device_name(model.device)})"
    return {"mps": "Apple GPU (MPS)", "cpu": "CPU"}.get(model.device.type, str(model.device))
