"""Headless Chromium for the browser tests (Debian's ``chromium``, driven by Playwright):
one launch with the same flags for every page, a page that refuses any request off the
API's own origin (so a test proves the page works offline, with no CDN), and where a test
keeps its screenshot."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]


@contextmanager
def chromium_page(width: int, height: int, only: str | None = None
                  ) -> Iterator[tuple[Any, list[str]]]:
    """A fresh page and the list of the URLs it was refused: with ``only`` (an origin),
    every request elsewhere is aborted and listed, so ``assert not refused`` proves the
    page asked nothing of another host."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "install Debian's chromium (apt-get install chromium)"
    refused: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            if only is not None:
                def offline(route):  # noqa: ANN001, ANN202 - playwright's callback
                    if route.request.url.startswith(only):
                        return route.continue_()
                    refused.append(route.request.url)
                    return route.abort()

                page.route("**/*", offline)
            yield page, refused
        finally:
            browser.close()


def screenshot_path(name: str, tmp_path: Path) -> Path:
    """Where a browser test keeps its screenshot: docs/ only when asked to refresh it
    (STACKGRAPH_UPDATE_SCREENSHOTS=1, `make screenshots`), so `make test` leaves the
    checkout as it found it."""
    if os.environ.get("STACKGRAPH_UPDATE_SCREENSHOTS") == "1":
        return ROOT / "docs" / name
    return tmp_path / name
