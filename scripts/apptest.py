"""app.py under Streamlit's AppTest, on any of its pages (used by the page tests and the benchmark).

``at.switch_page("pages/activations.py")`` runs that page through app.py and
its sidebar like a served app does (see :mod:`studio.shell`).
"""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"


def app_test(timeout: float = 300) -> AppTest:
    """An AppTest of app.py, not yet run."""
    return AppTest.from_file(str(APP), default_timeout=timeout)
