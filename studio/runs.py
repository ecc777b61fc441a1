"""Run a vizcore generator on a page: Run and Stop buttons, a progress bar, a live preview and curve, the result kept.

The methods of ``vc.synthesis`` yield :class:`vizcore.Step`. :func:`live`
iterates one when Run is pressed and draws every step as it comes; each
step is also written to the session, so a Stop (this page's button or
Streamlit's own, which end the run by rerunning or stopping the script)
leaves what was made so far on the page, ready to download. A result is
shown with a note when the settings have changed since.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st
from PIL import Image

import vizcore as vc


@dataclass
class Run:
    """What a run made: its settings, the last step, one row of curve values per step, and whether it finished."""

    settings: tuple
    last: vc.Step | None = None
    curve: list[dict] = field(default_factory=list)
    done: bool = False

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.curve).set_index("step")


def live(key: str, settings: tuple, start: Callable[[], Iterator[vc.Step]], picture: Callable[[vc.Step], Image.Image],
         values: Callable[[vc.Step], dict], what: str, width: int = 256) -> Run | None:
    """Run and Stop buttons (keys ``{key}_run``, ``{key}_stop``) for the generator ``start()``; the last run, if any.

    The run is kept in ``st.session_state[f"{key}_result"]``.
    ``picture(step)``: the preview; ``values(step)``: the curve's values
    (name -> number); ``what``: the progress bar's sentence ("Optimising").
    """
    buttons = st.columns([1, 1, 6])
    run = buttons[0].button("Run", type="primary", key=f"{key}_run")
    buttons[1].button("Stop", key=f"{key}_stop", help="Stop and keep what has been made so far.")
    if run:
        st.session_state[f"{key}_result"] = made = Run(settings)
        view = st.empty()  # the live view in one placeholder: emptied whole, its columns leave no gap behind
        with view.container():
            bar = st.progress(0.0, text=f"{what}…")
            left, right = st.columns([1, 2])
            preview, chart = left.empty(), right.empty()
        try:
            for step in start():
                made.last = step
                made.curve.append({"step": step.i, **values(step)})
                bar.progress(step.i / step.total, text=f"{what}: step {step.i} of {step.total}")
                preview.image(picture(step), width=width, output_format="PNG")
                chart.line_chart(made.table(), height=220)
            made.done = True
        except (ValueError, vc.VizError) as e:
            st.session_state.pop(f"{key}_result", None)
            view.empty()
            st.error(str(e))
            return None
        view.empty()
    stored = st.session_state.get(f"{key}_result")
    if stored is None or stored.last is None:
        st.info("Press **Run** to start.")
        return None
    if stored.settings != settings:
        st.info("The settings have changed: press **Run** for a new result. The last one, made with other "
                "settings, is below.")
    elif not stored.done:
        st.warning(f"Stopped after step {stored.last.i} of {stored.last.total}.")
    return stored
