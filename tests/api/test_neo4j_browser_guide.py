"""The guide plays in the real Neo4j Browser (the one the managed test server serves), in
headless Chromium: log in, `:play` the API's guide from localhost (the Browser fetches it
cross-origin, with a CORS preflight), click a slide's query, run it, and see its result —
the same rows the query gives on the test server."""

from __future__ import annotations

import pytest

from graph.db import Graph, Target
from tests.api.browser import chromium_page
from tests.conftest import test_settings

pytestmark = [pytest.mark.neo4j, pytest.mark.browser]


def test_the_guide_plays_in_neo4j_browser(served: str, bundled: Graph,
                                          neo4j_target: Target) -> None:
    if not neo4j_target.managed:
        pytest.skip("an external test server: its Browser address is not known here")
    browser_url = f"http://127.0.0.1:{test_settings().http_port}/browser/"
    # the Browser plays remote guides from localhost by default (not from 127.0.0.1)
    guide = served.replace("127.0.0.1", "localhost") + "/browser/guide.html"
    with chromium_page(1400, 1000) as (page, _):
        # the Browser asks the internet for news and telemetry: no network here, and
        # its page "load" waits for them, so only the document is awaited
        page.goto(browser_url, wait_until="domcontentloaded", timeout=120_000)
        page.wait_for_selector("[data-testid=connect]", timeout=120_000)
        page.fill("[data-testid=username]", "neo4j")
        page.fill("[data-testid=password]", neo4j_target.password)
        page.click("[data-testid=connect]")
        page.wait_for_selector("text=You are connected", timeout=120_000)
        page.locator("#monaco-main-editor").click()
        page.keyboard.type(f":play {guide}")
        page.keyboard.press("Enter")
        first = page.locator("pre.runnable").first
        first.wait_for(timeout=120_000)  # the slides, not "No guide by that name"
        assert page.locator("text=No guide by that name").count() == 0
        query = first.inner_text().strip()
        assert query.startswith("MATCH (n:Entity) RETURN labels(n)[0] AS label")
        first.click()  # a slide's query goes to the editor
        page.click("[data-testid=editor-Run]")
        frame = page.locator("[data-testid=frame]").first
        frame.locator("text=Started streaming").wait_for(timeout=180_000)
        shown = frame.inner_text()
        rows = bundled.read(query)
        assert rows and all(r["label"] in shown for r in rows)
        assert str(rows[0]["nodes"]) in shown
