"""Shared test helpers and fixtures."""
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"
APP_TIMEOUT = 300


def noise_image(seed: int, size=(240, 260)) -> Image.Image:
    """A reproducible RGB noise picture of ``size`` (height, width)."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8))


@pytest.fixture
def app(monkeypatch):
    """app.py under AppTest, run once, on the built-in model.

    AppTest builds a fresh PagesManager for every run, which sees our ``pages/``
    folder and takes the app for an old-style (pre-``st.navigation``) multipage
    app: it would then run a page file without app.py, i.e. without the
    sidebar. app.py does use ``st.navigation``, which in a real server clears
    that flag after the first run; here we clear it for every run.
    """
    init = PagesManager.__init__

    def navigation_app(self, *args, **kwargs):
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", navigation_app)
    return AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT).run()
