"""Long work on a page: the one run loop of every page that optimises, and the device-sized defaults it starts from.

The methods of ``vc.synthesis`` and ``vc.style`` yield :class:`vizcore.Step`.
:func:`live` draws Run and Stop and, when Run is pressed, iterates one,
drawing every step as it comes: a progress bar with the time left
(``vizcore.core.progress.Meter``), a live preview and a curve. Each step is
written to the session as it comes, so a Stop (this page's button or
Streamlit's own, which end the run by rerunning or stopping the script)
leaves what was made so far on the page, ready to download. Nothing starts
by itself: a change of settings waits for Run, and the last result stays on
the page with a note meanwhile, but only under what made it (``made_by``:
the page's mode, the model, the image): a result is never drawn by a mode or
for a model that did not make it.

:func:`paper_switch` draws a page's "Paper settings" switch and starts its
widgets at the defaults of ``studio.defaults``: sized for a CPU, or the
papers' settings (on by default on a GPU).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st
from PIL import Image

import vizcore as vc
from vizcore.core.progress import Meter

from . import cache, defaults


@dataclass
class Run:
    """What a run made: under what (``made_by``) and with which ``settings``, its last step, the curve values of
    every step reported (``rows``, each with its ``step``), and whether it finished."""

    made_by: tuple
    settings: tuple
    last: vc.Step | None = None
    rows: list[dict] = field(default_factory=list)
    done: bool = False

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)


def live(key: str, made_by: tuple, settings: tuple, start: Callable[[], Iterator[vc.Step]],
         values: Callable[[vc.Step], dict | list[dict]], what: str,
         picture: Callable[[vc.Step], Image.Image] = lambda step: step.image, width: int = 256, chart: bool = True,
         shared: bool = False) -> Run | None:
    """Run and Stop buttons (keys ``{key}_run``, ``{key}_stop``) for the generator ``start()``; the last run, if any.

    The run is kept in ``st.session_state[f"{key}_result"]``. ``values(step)``:
    the curve's values (name -> number; a list of such rows for a batch);
    ``picture(step)``: the preview, ``width`` pixels wide; ``what``: the
    progress bar's word ("Optimising"); ``chart``: draw the curve live (one
    row per step); ``shared``: a finished run is kept for every session, and a
    session asking for the same is shown it without running again.
    """
    buttons = st.columns([1, 1, 6])
    run = buttons[0].button("Run", type="primary", key=f"{key}_run")
    buttons[1].button("Stop", key=f"{key}_stop", help="Stop and keep what has been made so far.")
    wanted = (key, made_by, settings)
    if run:
        made = _iterate(key, Run(made_by, settings), start, values, what, picture, width, chart)
        if made is None:
            return None
        if shared:
            cache.keep("run", wanted, made)
    stored = st.session_state.get(f"{key}_result")
    if shared and (stored is None or (stored.made_by, stored.settings) != (made_by, settings)):
        stored = st.session_state[f"{key}_result"] = cache.stored("run", wanted) or stored
    if stored is None or stored.last is None or stored.made_by != made_by:
        st.info("Press **Run** to start.")
        return None
    if stored.settings != settings:
        st.info("The settings have changed: press **Run** for a new result. The last one, made with other "
                "settings, is below.")
    elif not stored.done:
        st.warning(f"Stopped after step {stored.last.i} of {stored.last.total}: this is the result so far.")
    return stored


def _iterate(key: str, made: Run, start: Callable[[], Iterator[vc.Step]], values, what: str, picture,
             width: int, chart: bool) -> Run | None:
    """Iterate ``start()`` into ``made`` (kept in the session at every step) with the live view; None on an error."""
    st.session_state[f"{key}_result"] = made
    view = st.empty()  # the live view in one placeholder: emptied whole, its columns leave no gap behind
    with view.container():
        bar = st.progress(0.0, text=f"{what}: starting…")
        left, right = st.columns([1, 2])
        preview, curve = left.empty(), right.empty()
    meter = Meter("steps")
    try:
        for step in start():
            made.last = step
            rows = values(step)
            made.rows += [{"step": step.i, **row} for row in (rows if isinstance(rows, list) else [rows])]
            bar.progress(step.i / step.total, text=f"{what}: {meter(step.i, step.total)}")
            preview.image(picture(step), width=width, output_format="PNG")
            if chart:
                curve.line_chart(made.table().set_index("step"), height=220)
        made.done = True
    except (ValueError, vc.VizError) as e:
        st.session_state.pop(f"{key}_result", None)
        view.empty()
        st.error(str(e))
        return None
    view.empty()
    return made


def paper_switch(key: str, pages: list[str], model: vc.Model) -> bool:
    """The "Paper settings" switch (widget ``key``): whether it is on. The widgets of ``pages`` (keyed
    ``{page}_{name}``) start at its defaults and are reset to them when it is switched."""
    on = st.toggle("Paper settings", value=defaults.paper_by_default(model), key=key, on_change=_reset,
                   args=(key, pages), help="The settings of the papers: better pictures, but minutes on a CPU. "
                                           "Off: fewer steps and smaller pictures, sized to finish in seconds.")
    for page in pages:
        for name, value in defaults.settings(page, on).items():
            st.session_state.setdefault(f"{page}_{name}", value)
    return on


def _reset(key: str, pages: list[str]) -> None:
    for page in pages:
        for name, value in defaults.settings(page, st.session_state[key]).items():
            st.session_state[f"{page}_{name}"] = value
