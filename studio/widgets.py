"""Page helpers that every page shares: use these rather than writing them again on a page.

- :func:`pictures`: draw result pictures (one or several, with captions) where asked; page tests record what a
  page shows through it, so draw results with it rather than with ``st.image``.
- :func:`class_picker`: the searchable class selectbox ("pagoda (576)"), keyed per model.
- :func:`map_layers`: the layers whose output is a map of more than one cell, those Grad-CAM and DeepDream take.
- :class:`Bar`: a progress bar whose line says how far and how long is left (``vizcore.core.progress.Meter``); it is
  the ``progress(done, total)`` callback of vizcore's long passes.
- :func:`stale`: the note over results on screen while newer ones are made.
- :func:`upload_limit`: the largest upload the server takes, for an upload box's help ("Up to 600 MB.").
- :func:`remembered`: a widget's keyword arguments so that its choice survives runs that do not draw it.
"""
from __future__ import annotations

from collections.abc import Sequence

import streamlit as st
from PIL import Image

import vizcore as vc
from vizcore.core.progress import Meter


def pictures(where, images: Image.Image | Sequence[Image.Image], captions: str | Sequence[str] | None = None,
             width: int | str = "content", **options) -> None:
    """``where.image(images, caption=captions, width=width, **options)``: the one way pages draw result pictures."""
    where.image(images, caption=captions, width=width, **options)


def class_picker(model: vc.Model, model_key: tuple, label: str, key: str, index: int, where=st) -> int:
    """A searchable selectbox of the model's classes, shown as "name (index)"; the widget key is made per model,
    so that another network starts on ``index`` again. Returns the class index."""
    return where.selectbox(label, range(len(model.categories)), index=index, key=f"{key}:{model_key}",
                           format_func=lambda i: f"{model.categories[i]} ({i})")


def map_layers(model: vc.Model) -> list[vc.Layer]:
    """The layers whose output is a feature map of more than one cell (what Grad-CAM and DeepDream need)."""
    return [layer for layer in model.layers if layer.is_map and layer.shape[1] * layer.shape[2] > 1]


class Bar:
    """A progress bar for long work: ``Bar("Scanning conv5", "images")`` is the ``progress(done, total)``
    callback of a vizcore pass; its line reads "Scanning conv5: 640 of 2,000 images · 210 images/s · 7 s left".

    Use it in a ``with`` block: the bar goes away when the work ends, stopped or not.
    """

    def __init__(self, what: str, unit: str = "steps", where=st):
        self.what, self.meter = what, Meter(unit)
        self.bar = where.progress(0.0, text=f"{what}…")

    def __call__(self, done: int, total: int) -> None:
        self.bar.progress(min(done / max(total, 1), 1.0), text=f"{self.what}: {self.meter(done, total)}")

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *_) -> None:
        self.bar.empty()


def stale(where=st, what: str = "The picture below") -> None:
    """Say, in ``where``, that what is on screen was made with other settings and is out of date until the new one
    is made (draw it just above the old result, and empty it once the new one is drawn)."""
    where.caption(f":orange[{what} is from the previous settings: the new one is being made…]")


def remembered(key: str, default, store: str | None = None) -> dict:
    """``key``, ``on_change`` and ``args`` for a widget (``st.radio(label, options, **remembered("k", "a"))``) whose
    value is kept apart from the widget, in ``st.session_state[store]`` (default ``_{key}_kept``), so that it
    survives a run that does not draw it (Streamlit forgets those; the browser would go on showing the old choice
    while the page used the default), and other pages can read or set it."""
    store = store or f"_{key}_kept"
    st.session_state[key] = st.session_state.get(store, default)
    return {"key": key, "on_change": _copy, "args": (key, store)}


def _copy(key: str, store: str) -> None:
    st.session_state[store] = st.session_state[key]


def upload_limit() -> str:
    """The largest upload the server takes (``server.maxUploadSize`` in .streamlit/config.toml), e.g. "600 MB"."""
    return f"{st.get_option('server.maxUploadSize')} MB"
