"""The app in a real browser: every page renders its content and shows no exception; clicks pick units.

One server and one browser serve every test.
"""
import contextlib
import re
import time

import numpy as np
import pytest
import torch
from playwright.sync_api import expect

import vizcore as vc
from scripts.browser import chromium_page, served_app, wait_until_idle
from vizcore import filters
from vizcore.activations import grids

# URL path -> selectors that prove the page's content is drawn. A page comes first: the fresh server's first
# request is a bookmark of it, which must run through app.py (and its sidebar) like any other.
PAGES = {
    "activations": ['h1:has-text("Activations")', '[data-testid="stPlotlyChart"] image',  # the tiled grid
                    '[data-testid="stImage"] img', '[data-testid="stMetric"]'],
    "attribution": ['h1:has-text("Attribution")', '[data-testid="stMetric"]',  # the class probability
                    '[data-testid="stMain"] [data-testid="stImage"] img', 'text=Saliency segmentation'],
    "patches": ['h1:has-text("Max patches")', 'button:has-text("Run scan")'],  # no scan until asked for
    "embeddings": ['h1:has-text("Embeddings")', '[data-testid="stPlotlyChart"] path.point',  # the map's points
                   'text=The map as a grid', '[data-testid="stMain"] [data-testid="stImage"] img'],
    "style": ['h1:has-text("Style transfer")', 'text=Loss network:',  # which network, and what to expect
              '[data-testid="stMain"] [data-testid="stImage"] img'],  # the content and style images
    "synthesis": ['h1:has-text("Feature visualisation")', 'button:has-text("Run")'],  # nothing runs until asked
    "dream": ['h1:has-text("DeepDream & inversion")', 'button:has-text("Run") >> nth=1'],  # one per method
    "adversarial": ['h1:has-text("Adversarial images")', 'button:has-text("Run") >> nth=1'],
    "filters": ['h1:has-text("Filters")', '[data-testid="stImage"] img',  # the first layer's filters
                '[data-testid="stPlotlyChart"] g.point'],  # the norm bars
    "": ['h1:has-text("DeepVis Studio")', '[data-testid="stPlotlyChart"]', '[data-testid="stDataFrame"]',
         '[data-testid="stImage"]'],
}
SIDEBAR = '[data-testid="stSidebar"] [data-testid="stSelectbox"]'  # app.py ran: the model picker is there


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DEEPVIS_CACHE", str(tmp_path_factory.mktemp("cache")))  # no scan kept from an earlier run
        env.setenv("DEEPVIS_WORKERS", "2")  # scans read images in worker processes, whatever the machine
        with served_app() as base:
            yield base


@pytest.fixture(scope="module")
def page():
    with chromium_page() as p:
        yield p


@pytest.fixture(scope="module")
def shapes():
    return vc.load_model("builtin-shapes", device="cpu")


def test_the_first_paint_of_a_fresh_server_shows_the_title_and_a_loading_line_at_once():
    """Before vizcore and torch are imported and the model loads (seconds on a server's first run), the title."""
    with served_app() as base, chromium_page() as fresh:
        fresh.goto(base, wait_until="domcontentloaded")  # the page is open: Streamlit's own script starts
        opened = time.monotonic()
        fresh.wait_for_selector('h1:has-text("DeepVis Studio")', timeout=10_000)
        assert time.monotonic() - opened <= 2.0
        fresh.wait_for_selector(SIDEBAR, timeout=90_000)
        fresh.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=90_000)  # the home page's top-5 chart
        wait_until_idle(fresh)
        assert fresh.locator('h1:has-text("DeepVis Studio")').count() == 1  # the loading title gave way to the page's
        assert fresh.locator("text=Loading the model…").count() == 0
        assert fresh.locator('[data-testid="stException"]').count() == 0


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
    """The value of ``field`` (a locator, looked up afresh: a rerun may draw a new element) once it shows
    ``expected`` or 30 s have passed."""
    with contextlib.suppress(AssertionError):
        expect(field).to_have_value(expected, timeout=30_000)
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


def slider_thumb(page, label: str):
    return page.locator('[data-testid="stSlider"]', has_text=label).locator('input[type="range"]')


def open_style_settings(page, app_url, iterations: str) -> None:
    """The Style transfer page with the smallest picture and the fewest ("Home") or most ("End") iterations."""
    page.goto(f"{app_url}/style")
    page.wait_for_selector('button:has-text("Run")', timeout=90_000)
    wait_until_idle(page)
    page.get_by_text("Settings", exact=True).click()
    for label, key in (("Output size", "Home"), ("Iterations", iterations)):
        slider_thumb(page, label).focus()
        page.keyboard.press(key)
        wait_until_idle(page)


def test_the_style_slider_shows_computed_results_without_optimising_again(app_url, page):
    open_style_settings(page, app_url, "Home")
    page.get_by_role("button", name="Run").click()
    picture = page.locator('[data-testid="stImage"]', has_text="computed at").locator("img")
    picture.wait_for(timeout=120_000)
    wait_until_idle(page)
    first = picture.get_attribute("src")
    page.evaluate("""() => { window.progressSeen = false;
        const watch = () => { if (document.querySelector('[data-testid="stProgress"]')) window.progressSeen = true; };
        new MutationObserver(watch).observe(document.body, {childList: true, subtree: true}); }""")
    shown = {first}
    for key, ratio in (("End", "100"), ("Home", "0.03")):  # the most style, then the most content
        slider_thumb(page, "Style / content ratio").focus()
        page.keyboard.press(key)
        page.wait_for_selector(f'[data-testid="stImage"]:has-text("computed at β/α = {ratio}")', timeout=30_000)
        wait_until_idle(page)
        shown.add(picture.get_attribute("src"))
    assert len(shown) == 3  # three different pictures
    assert page.evaluate("window.progressSeen") is False
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_scan_in_the_served_app_reports_its_rate_then_shows_the_top_patches(app_url, page):
    page.goto(f"{app_url}/patches")
    page.wait_for_selector('button:has-text("Run scan")', timeout=90_000)
    wait_until_idle(page)
    page.evaluate("""() => { window.rateSeen = false;
        const watch = () => { for (const bar of document.querySelectorAll('[data-testid="stProgress"]'))
            if (bar.innerText.includes("images/s")) window.rateSeen = true; };
        new MutationObserver(watch).observe(document.body, {childList: true, subtree: true, characterData: true}); }""")
    page.get_by_role("button", name="Run scan").click()
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=180_000)  # the unit's top-k table
    wait_until_idle(page)
    assert page.evaluate("window.rateSeen") is True
    assert page.locator('[data-testid="stMain"] [data-testid="stImage"] img').count() >= 9  # the patches
    assert page.locator('[data-testid="stException"]').count() == 0


def test_stop_ends_a_style_run_and_keeps_the_picture_so_far(app_url, page):
    open_style_settings(page, app_url, "End")  # 1000 iterations: long enough to stop
    page.get_by_role("button", name="Run").click()
    page.wait_for_selector(r'text=/Trade-off sweep: [1-9]\d* of 1,000 steps/', timeout=120_000)  # it has begun
    page.get_by_role("button", name="Stop", exact=True).click()
    page.wait_for_selector('text=Stopped after step', timeout=60_000)
    wait_until_idle(page)
    assert page.locator('[data-testid="stProgress"]').count() == 0
    assert page.get_by_role("button", name="Run", exact=True).count() == 1
    assert page.locator('[data-testid="stImage"]:has-text("computed at")').count() == 1  # the sweep so far
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_feature_visualisation_runs_live_and_stop_keeps_the_picture_so_far(app_url, page):
    page.goto(f"{app_url}/synthesis")
    page.wait_for_selector('button:has-text("Run")', timeout=90_000)
    wait_until_idle(page)
    slider_thumb(page, "Steps").first.focus()
    page.keyboard.press("End")  # 1000 steps: time to stop
    wait_until_idle(page)
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_selector(r'text=/Optimising: [1-9]\d* of 1,000 steps · .* left/', timeout=120_000)  # live, time left
    page.get_by_role("button", name="Stop", exact=True).click()
    page.wait_for_selector('text=Stopped after step', timeout=60_000)
    wait_until_idle(page)
    assert page.locator('[data-testid="stMain"] [data-testid="stImage"] img').count() == 1  # the picture so far
    assert page.get_by_role("button", name="Image (PNG)").count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_lasso_on_the_embedding_map_shows_the_images_inside_it(app_url, page):
    page.goto(f"{app_url}/embeddings")
    page.wait_for_selector('[data-testid="stPlotlyChart"] path.point', timeout=120_000)
    wait_until_idle(page)
    area = page.locator('[data-testid="stPlotlyChart"] .nsewdrag').first  # the plotting area
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    left, top = box["x"] + 0.25 * box["width"], box["y"] + 0.25 * box["height"]
    right, bottom = box["x"] + 0.75 * box["width"], box["y"] + 0.75 * box["height"]

    def inside(margin: float) -> int:
        """The dataset's points (every trace but the last, the current image's star) with their centre in the box."""
        return page.evaluate("""([l, t, r, b]) => [...document.querySelectorAll(
                '[data-testid="stPlotlyChart"] g.trace.scatter')].slice(0, -1)
            .flatMap(trace => [...trace.querySelectorAll('path.point')])
            .map(p => p.getBoundingClientRect())
            .filter(c => c.x + c.width / 2 > l && c.x + c.width / 2 < r && c.y + c.height / 2 > t
                         && c.y + c.height / 2 < b).length""", [left + margin, top + margin, right - margin,
                                                                 bottom - margin])

    fewest, most = inside(3), inside(-3)  # a point on the lasso's edge may fall either way
    page.mouse.move(left, top)
    page.mouse.down()
    for x, y in [(right, top), (right, bottom), (left, bottom), (left, top + 1)]:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()
    heading = page.wait_for_selector('h3:has-text("Selected:")', timeout=90_000)
    wait_until_idle(page)
    count = int(re.search(r"Selected: (\d+) images", heading.inner_text())[1])
    assert 0 < count and fewest <= count <= most
    assert page.locator('[data-testid="stImageCaption"]', has_text="→").count() == min(count, 60)  # the thumbnails
    assert page.get_by_role("button", name="Download the selection (PNG)").count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0
