"""The Neo4j Browser guide: generated from the queries' own .cypher files, and every
query in it runs on the bundled data with its :params (evaluated by Neo4j itself, as the
Browser does)."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from api import browser_guide
from graph.db import Graph
from graph.schema import SCHEMA

pytestmark = pytest.mark.neo4j

PRE = re.compile(r'<pre mode="cypher" class="pre-scrollable code runnable">(.*?)</pre>', re.S)


def test_guide_slides_are_the_query_files() -> None:
    slides = browser_guide.slides()
    names = {s.cypher_file.name for s in slides}
    assert {"diversion.cypher", "stakes.cypher", "concentration.cypher", "exposure.cypher",
            "paths.cypher"} <= names
    text = browser_guide.guide_html(None)
    blocks = [html.unescape(b) for b in PRE.findall(text)]
    for s in slides:
        assert s.cypher_file.read_text(encoding="utf-8").strip() in blocks


def test_every_guide_query_runs_on_bundled_data(bundled_client: TestClient,
                                                bundled: Graph) -> None:
    text = bundled_client.get("/browser/guide.html").text
    blocks = [html.unescape(b) for b in PRE.findall(text)]
    assert len(blocks) >= 2 + 2 * len(browser_guide.slides())
    params: dict = {}
    ran = 0
    for block in blocks:
        if block.startswith(":params "):
            # the Browser evaluates the map as Cypher; so do we
            params = bundled.read("RETURN " + block[len(":params "):] + " AS p")[0]["p"]
            continue
        rows = bundled.read(block, params)
        ran += 1
        assert isinstance(rows, list)
    assert ran == 2 + len(browser_guide.slides())


def test_sample_parameters_answer_something(bundled: Graph) -> None:
    """The sample ids exist in the bundled data, so each slide shows a real answer."""
    for title, params, query in browser_guide.guide_queries(bundled):
        assert params is not None
        lit = browser_guide.cypher_literal(params)
        p = bundled.read("RETURN " + lit + " AS p")[0]["p"]
        rows = bundled.read(query, p)
        assert rows, title


def test_style_has_every_label(bundled_client: TestClient) -> None:
    grass = bundled_client.get("/browser/style.grass").text
    for label in SCHEMA.labels:
        assert f"node.{label} {{" in grass
    assert grass.count("caption: '{name}'") == len(SCHEMA.labels)


def test_the_guide_answers_the_browsers_cors_preflight(small: Graph) -> None:
    """Neo4j Browser fetches a remote guide cross-origin with a preflight (OPTIONS) first;
    an answer without Access-Control-Allow-Origin makes it say "No guide by that name"."""
    from api.app import create_app
    from tests.api.conftest import api_settings

    origin = "http://127.0.0.1:7474"
    with TestClient(create_app(api_settings(), graph=small)) as client:
        for path in ("/browser/guide.html", "/browser/style.grass"):
            pre = client.options(path, headers={
                "Origin": origin, "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "content-type, x-requested-with"})
            assert pre.status_code in (200, 204), (path, pre.status_code, pre.text)
            assert pre.headers["access-control-allow-origin"] in ("*", origin)
            assert "GET" in pre.headers["access-control-allow-methods"]
            assert "x-requested-with" in pre.headers["access-control-allow-headers"].lower()
            got = client.get(path, headers={"Origin": origin})
            assert got.status_code == 200
            assert got.headers["access-control-allow-origin"] in ("*", origin)
