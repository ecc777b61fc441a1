"""Take the README's screenshot of the home page: `python scripts/screenshot.py docs/screenshot.png`."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.browser import chromium_page, served_app, wait_until_idle  # noqa: E402


def main(target: str) -> None:
    with served_app() as base, chromium_page() as page:
        page.goto(base)
        page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=90_000)
        wait_until_idle(page)
        page.wait_for_timeout(1500)  # let the chart's animation settle
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=target, full_page=False)
    print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png")
