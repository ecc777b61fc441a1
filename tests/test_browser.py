"""The app in a real browser: every page renders its content and shows no exception; clicks pick units.

One server and one browser serve every test.
"""
import numpy as np
import pytest
import torch

import vizcore as vc
from scripts.browser import chromium_page, served_app, wait_until_idle
from vizcore import filters, grids

# URL path -> selectors that prove the page's content is drawn. A page comes first: the fresh server's first
# request is a bookmark of it, which must run through app.py (and its sidebar) like any other.
PAGES = {
    "activations": ['h1:has-text("Activations")', '[data-testid="stPlotlyChart"] image',  # the tiled grid
                    '[data-testid="stImage"] img', '[data-testid="stMetric"]'],
    "attribution": ['h1:has-text("Attribution")', '[data-testid="stMetric"]',  # the class probability
                    '[data-testid="stMain"] [data-testid="stImage"] img', 'text=Saliency segmentation'],
    "patches": ['h1:has-text("Max patches")', 'button:has-text("Run scan")'],  # no scan until asked for
    "filters": ['h1:has-text("Filters")', '[data-testid="stImage"] img',  # the first layer's filters
                '[data-testid="stPlotlyChart"] g.point'],  # the norm bars
    "": ['h1:has-text("DeepVis Studio")', '[data-testid="stPlotlyChart"]', '[data-testid="stDataFrame"]',
         '[data-testid="stImage"]'],
}
SIDEBAR = '[data-testid="stSidebar"] [data-testid="stSelectbox"]'  # app.py ran: the model picker is there


@pytest.fixture(scope="module")
def app_url():
    with served_app() as base:
        yield base


@pytest.fixture(scope="module")
def page():
    with chromium_page() as p:
        yield p


@pytest.fixture(scope="module")
def shapes():
    return vc.load_model("builtin-shapes", device="cpu")


@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders_without_exception(app_url, page, path):
    page.goto(f"{app_url}/{path}")
    for selector in [*PAGES[path], SIDEBAR]:
        page.wait_for_selector(selector, timeout=90_000)
    wait_until_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0


def click(page, element, x: float, y: float) -> None:
    """Click ``element`` at (x, y), given as fractions of its width and height."""
    element.scroll_into_view_if_needed()
    box = element.bounding_box()
    page.mouse.click(box["x"] + x * box["width"], box["y"] + y * box["height"])


def settled_value(page, field, expected: str) -> str:
    page.wait_for_function("([el, v]) => el.value === v", arg=[field.element_handle(), expected], timeout=30_000)
    wait_until_idle(page)
    return field.input_value()


def test_clicking_a_tile_picks_that_unit(app_url, page, shapes):
    page.goto(f"{app_url}/activations")
    grid = page.locator('[data-testid="stPlotlyChart"] image').first
    grid.wait_for(timeout=90_000)
    wait_until_idle(page)
    layer = next(candidate for candidate in shapes.layers if candidate.kind == "ReLU")  # where the page opens
    _, layout = grids.grid(torch.zeros(layer.shape))
    width, height = layout.size
    for unit in (7, layer.shape[0] - 1):
        x, y = layout.center(unit)
        click(page, grid, x / width, y / height)
        field = page.get_by_label(f"Unit (0–{layer.shape[0] - 1})", exact=True)
        assert settled_value(page, field, str(unit)) == str(unit)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_clicking_a_norm_bar_picks_that_filter(app_url, page, shapes):
    page.goto(f"{app_url}/filters")
    bars = page.locator('[data-testid="stPlotlyChart"] g.point')
    bars.first.wait_for(timeout=90_000)
    wait_until_idle(page)
    first = filters.first_rgb_layer(shapes)
    order = np.argsort(-filters.norms(filters.weight(shapes, first)), kind="stable")
    click(page, bars.nth(2), 0.5, 0.9)  # the third tallest bar
    field = page.get_by_label(f"Filter (0–{first.shape[0] - 1})", exact=True)
    assert settled_value(page, field, str(order[2])) == str(order[2])
