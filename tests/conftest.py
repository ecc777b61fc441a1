"""Shared test helpers and fixtures."""
import sys

import numpy as np
import pytest
from PIL import Image

from scripts.apptest import app_test


def noise_image(seed: int, size=(240, 260)) -> Image.Image:
    """A reproducible RGB noise picture of ``size`` (height, width)."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8))


@pytest.fixture
def app():
    """app.py under AppTest, run once: the built-in model and the first sample."""
    return app_test().run()


@pytest.fixture(autouse=True)
def real_main_module():
    """Streamlit's script runner (every AppTest run) installs the script it runs as ``__main__`` and leaves it
    there. Worker processes started later (a scan with workers) import ``__main__``'s file again, and an AppTest
    script made from a function cannot be imported alone: put the test run's own ``__main__`` back."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main
