"""GraphiQL works offline: headless Chromium, with every request off the API's own origin
refused, opens /graphql, finds the documented example queries as tabs, runs one through
the page and sees its answer — the same answer the API gives to the same query."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from api.graphiql import example_queries
from tests.api.test_dashboard_browser import CHROMIUM, served  # noqa: F401 - the fixture

pytestmark = [pytest.mark.neo4j, pytest.mark.browser]

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]


def test_graphiql_runs_a_documented_query_offline(served: str) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "install Debian's chromium (apt-get install chromium)"
    examples = example_queries()
    assert len(examples) >= 5 and examples[0].startswith("query DiversionRisk")
    expected = httpx.post(f"{served}/graphql", json={"query": examples[0]}, timeout=120).json()
    assert "errors" not in expected, expected
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            refused: list[str] = []

            def offline(route):  # noqa: ANN001, ANN202 - playwright's callback
                if route.request.url.startswith(served):
                    return route.continue_()
                refused.append(route.request.url)
                return route.abort()

            page.route("**/*", offline)
            page.goto(served + "/graphql", wait_until="load")
            page.wait_for_selector(".graphiql-execute-button", timeout=60_000)
            tabs = page.locator(".graphiql-tab").count()
            assert tabs == len(examples), tabs
            page.click(".graphiql-execute-button")
            # the result editor's whole text (CodeMirror draws only the visible lines)
            result = ("() => { const cm = document.querySelector('.result-window .CodeMirror');"
                      " return cm ? cm.CodeMirror.getValue() : ''; }")
            page.wait_for_function(f"({result})().includes('totalPaths')", timeout=120_000)
            got = json.loads(page.evaluate(result))
            assert got == expected
            assert not refused, refused  # nothing was asked of another host
        finally:
            browser.close()
