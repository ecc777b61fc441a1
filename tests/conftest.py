"""Shared test helpers and fixtures."""
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
