"""App cold start: from `streamlit run` to the first page fully drawn in Chromium.

Also times a second page load (a new session on the same server, caches warm),
which is the baseline the cold start is compared with.

    python benchmarks/cold_start.py
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.browser import chromium_page, served_app, wait_until_idle  # noqa: E402

CONTENT = '[data-testid="stPlotlyChart"]'


def load(page, url) -> float:
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(CONTENT, timeout=120_000)
    wait_until_idle(page)
    return time.perf_counter() - start


def main() -> None:
    with chromium_page() as page:
        start = time.perf_counter()
        with served_app() as base:
            healthy = time.perf_counter() - start
            first = load(page, base)
            cold = time.perf_counter() - start
            warm = load(page, base)  # a new session: same server, warm caches
    print(f"{'step':34} {'seconds':>8}")
    print(f"{'server start to /_stcore/health':34} {healthy:>8.2f}")
    print(f"{'first page load (cold caches)':34} {first:>8.2f}")
    print(f"{'cold start to first page, total':34} {cold:>8.2f}")
    print(f"{'page load, warm (baseline)':34} {warm:>8.2f}")
    print(f"{'cold / warm page load':34} {first / warm:>8.1f}")


if __name__ == "__main__":
    main()
