"""app.py under Streamlit's AppTest, on any of its pages (used by the page tests and the benchmark).

AppTest builds a fresh ``PagesManager`` for every run, and a new one that sees
a ``pages/`` folder next to the main script takes the app for an old-style
(pre-``st.navigation``) multipage app: a rerun on any page but the first then
runs the page file alone, without app.py and its sidebar. app.py routes its
pages with ``st.navigation``, so :func:`app_test` tells every new
``PagesManager`` so.
"""
from __future__ import annotations

from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"


def app_test(timeout: float = 300) -> AppTest:
    """An AppTest of app.py (not yet run) whose ``switch_page`` reruns go through app.py."""
    if not getattr(PagesManager, "_deepvis_navigation", False):
        init = PagesManager.__init__

        def navigation_app(self, *args, **kwargs):
            init(self, *args, **kwargs)
            PagesManager.uses_pages_directory = False

        PagesManager.__init__ = navigation_app
        PagesManager._deepvis_navigation = True
    return AppTest.from_file(str(APP), default_timeout=timeout)
