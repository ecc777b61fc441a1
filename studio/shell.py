"""The app's frame: page set-up, the navigation, and the first paint before anything heavy is imported.

Only Streamlit is imported here, so that app.py can draw the page's title and a
"Loading the model…" line at once, before vizcore (and torch) are imported and
the model is loaded. :func:`navigation` is the one list of pages; :func:`through_app`
says whether the current script run came through app.py.

Why a page can run without app.py: until some run has called ``st.navigation``,
a fresh server (and every run of Streamlit's AppTest) that sees the ``pages/``
folder takes the app for an old-style multipage app and runs a bookmarked page
(``/activations``, say) alone. :func:`studio.sidebar.current_model` then calls
:func:`adopt`, which does what app.py would have done before the page (the public
``st.navigation`` also switches that mode off for the process, so later runs go
through app.py), and draws the sidebar; the page then carries on in the same
run, so a button press that started it is not lost to a rerun.
"""
from __future__ import annotations

import contextlib
import threading

import streamlit as st

TITLE = "DeepVis Studio"
LOADING = "Loading the model…"
_run = threading.local()  # a script run executes app.py and its page on one thread


def navigation():
    """``st.navigation`` over the app's pages (the page to run)."""
    return st.navigation([
        st.Page("pages/home.py", title="Model & prediction", icon=":material/home:", default=True),
        st.Page("pages/filters.py", title="Filters", icon=":material/filter_center_focus:", url_path="filters"),
        st.Page("pages/activations.py", title="Activations", icon=":material/grid_view:", url_path="activations"),
        st.Page("pages/patches.py", title="Max patches", icon=":material/apps:", url_path="patches"),
        st.Page("pages/embeddings.py", title="Embeddings", icon=":material/scatter_plot:", url_path="embeddings"),
        st.Page("pages/attribution.py", title="Attribution", icon=":material/highlight:", url_path="attribution"),
        st.Page("pages/synthesis.py", title="Feature visualisation", icon=":material/auto_awesome:",
                url_path="synthesis"),
        st.Page("pages/dream.py", title="DeepDream & inversion", icon=":material/cloud:", url_path="dream"),
        st.Page("pages/adversarial.py", title="Adversarial images", icon=":material/bug_report:",
                url_path="adversarial"),
        st.Page("pages/style.py", title="Style transfer", icon=":material/palette:", url_path="style"),
    ])


def start():
    """Set up the page, draw the navigation and, in a placeholder, the page's title with a loading line.

    Returns ``(page, placeholder)``: empty the placeholder once the model is there, then run the page.
    """
    _configure()
    page = navigation()
    placeholder = st.empty()
    with placeholder.container():
        st.title(TITLE if page.title == "Model & prediction" else page.title)
        st.caption(LOADING)
    return page, placeholder


def adopt() -> None:
    """For a page that runs without app.py: the page set-up and the navigation, and this run counted as one
    through app.py (the caller draws the sidebar next)."""
    _configure()
    navigation()
    _run.through_app = True


def _configure() -> None:
    st.set_page_config(page_title=TITLE, page_icon=":material/neurology:", layout="wide")


@contextlib.contextmanager
def app_run():
    """Mark the script run as one that goes through app.py (and so draws the sidebar) while the block runs."""
    _run.through_app = True
    try:
        yield
    finally:
        _run.through_app = False


def through_app() -> bool:
    """Whether the current script run came through app.py."""
    return getattr(_run, "through_app", False)
