"""GraphiQL works offline: headless Chromium, with every request off the API's own origin
refused, opens /graphql, finds the documented example queries as tabs, runs one through
the page and sees its answer — the same answer the API gives to the same query."""

from __future__ import annotations

import json

import httpx
import pytest

from api.graphiql import example_queries
from tests.api.browser import chromium_page

pytestmark = [pytest.mark.neo4j, pytest.mark.browser]

def test_graphiql_runs_a_documented_query_offline(served: str) -> None:  # noqa: F811
    examples = example_queries()
    assert len(examples) >= 5 and examples[0].startswith("query DiversionRisk")
    expected = httpx.post(f"{served}/graphql", json={"query": examples[0]}, timeout=120).json()
    assert "errors" not in expected, expected
    with chromium_page(1400, 1000, only=served) as (page, refused):
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
