"""The layer and unit a person has picked, shared between pages.

Hand-off for the max-patches page (and any page about one unit) — two plain
session-state entries, written by the Activations page:

- ``st.session_state["selected_layer"]``: the layer's module path, ``Layer.name``
  (e.g. ``"features.10"``, AlexNet's conv5);
- ``st.session_state["selected_unit"]``: the unit, an ``int``: a channel of a
  feature map, or an element of a vector layer.

They are not widget keys, because Streamlit forgets the state of a widget that
the current page does not draw. Read them with :func:`layer` and :func:`unit`,
which check them against the current model (a layer the model lacks becomes
the default one, a unit past the layer's end its last unit) and write the
checked values back. Draw the pickers with :func:`layer_selectbox` and
:func:`index_input`; a click on a chart sets a unit through :func:`on_pick`.
"""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

import vizcore as vc

from . import widgets

SELECTED_LAYER = "selected_layer"
SELECTED_UNIT = "selected_unit"


def layer(model: vc.Model, candidates: list[vc.Layer] | None = None, store: str = SELECTED_LAYER,
          default: vc.Layer | None = None) -> vc.Layer:
    """The stored layer if it is among ``candidates`` (None: all the model's layers), else ``default`` or the first."""
    layers = candidates or model.layers
    by_name = {candidate.name: candidate for candidate in layers}
    chosen = by_name.get(st.session_state.get(store), default or layers[0])
    st.session_state[store] = chosen.name
    return chosen


def unit(count: int, store: str = SELECTED_UNIT) -> int:
    """The stored unit, clamped to 0 … ``count`` - 1."""
    chosen = min(max(int(st.session_state.get(store, 0)), 0), count - 1)
    st.session_state[store] = chosen
    return chosen


def layer_title(layer_: vc.Layer) -> str:
    """"conv3 (features.6) · 384×13×13"."""
    return f"{layer_.title} · {'×'.join(map(str, layer_.shape))}"


def layer_selectbox(model: vc.Model, label: str, key: str, candidates: list[vc.Layer] | None = None,
                    store: str = SELECTED_LAYER, default: vc.Layer | None = None) -> vc.Layer:
    """A layer picker (widget ``key``) bound to the stored layer ``store``."""
    chosen = layer(model, candidates, store, default)
    titles = {candidate.name: layer_title(candidate) for candidate in candidates or model.layers}
    st.selectbox(label, list(titles), format_func=titles.get, **widgets.remembered(key, chosen.name, store))
    return chosen


def index_input(label: str, count: int, key: str, store: str = SELECTED_UNIT, help: str | None = None) -> int:
    """A number input 0 … ``count`` - 1 (widget ``key``) bound to the stored index ``store``."""
    chosen = unit(count, store)
    st.number_input(label, min_value=0, max_value=count - 1, step=1, help=help,
                    **widgets.remembered(key, chosen, store))
    return chosen


def on_pick(chart_key: str, to_index: Callable[[dict], int | None], store: str = SELECTED_UNIT) -> Callable[[], None]:
    """An ``on_select`` callback for the Plotly chart ``chart_key``: stores the clicked point mapped by ``to_index``."""
    def callback() -> None:
        points = st.session_state[chart_key].selection.points
        index = to_index(points[0]) if points else None
        if index is not None:
            st.session_state[store] = index

    return callback
