"""The entity page in headless Chromium, with every request off the API's own origin
refused: /entity/{id} draws the entity's neighbourhood (the drawing holds exactly the
entity and the other end of each of its relationships, as the graph has them) and its
top diversion paths hop by hop with sources; the dashboard's search results and exposure
table link to it. Its screenshot refreshes docs/entity.png with `make screenshots`."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from graph.db import Graph
from tests.api.browser import chromium_page, screenshot_path

pytestmark = [pytest.mark.neo4j, pytest.mark.browser]

ENTITY = "chip:nvidia-h100-sxm"


def test_entity_page_draws_the_neighbourhood_and_paths(served: str, bundled: Graph,
                                                       tmp_path: Path) -> None:
    data = httpx.get(f"{served}/entity/{ENTITY}/data", timeout=120).json()
    # the neighbourhood, computed here from the graph itself
    rows = bundled.read("MATCH (n:Entity {id: $id})-[r]-(m) WHERE type(r) <> 'HAS_VALUE' "
                        "RETURN DISTINCT m.id AS id", {"id": ENTITY})
    expected_nodes = {ENTITY} | {r["id"] for r in rows}
    paths = data["diversion"]["paths"]
    assert paths, "the H100 has diversion paths in the bundled data"
    with chromium_page(1400, 1300, only=served) as (page, refused):
        page.goto(f"{served}/entity/{ENTITY}")
        page.wait_for_function(f"document.body.dataset.ready === '{ENTITY}'",
                               timeout=120_000)
        drawn = page.evaluate("""() => ({
            nodes: window.entityGraph.nodes().map(n => n.id()),
            edges: window.entityGraph.edges().length,
            box: window.entityGraph.extent() })""")
        assert set(drawn["nodes"]) == expected_nodes
        assert drawn["edges"] == sum(g["count"] for g in data["report"]["relationships"])
        assert drawn["box"]["w"] > 0 and drawn["box"]["h"] > 0
        # the diversion paths, hop by hop, each hop with its sources
        boxes = page.locator(".path")
        assert boxes.count() == len(paths)
        for i, path in enumerate(paths):
            box = boxes.nth(i)
            assert box.get_attribute("data-destination") == path["destination"]["id"]
            hops = box.locator("li.hop")
            assert hops.count() == len(path["hops"])
            for j, hop in enumerate(path["hops"]):
                text = hops.nth(j).inner_text()
                assert hop["type"] in text
                assert all(s["id"] in text for s in hop["sources"])
        shot = screenshot_path("entity.png", tmp_path)
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        # from the dashboard: a search result and the exposure table lead here
        page.goto(served + "/")
        page.wait_for_function("document.body.dataset.ready === 'default'",
                               timeout=120_000)
        consortium = page.locator("#rows tbody tr").first.get_attribute("data-consortium")
        href = page.locator("#rows tbody tr").first.locator("a").first.get_attribute("href")
        assert href == f"/entity/{consortium.replace(':', '%3A')}"
        page.fill("#search input[name=q]", "H100 SXM")
        page.click("#search button")
        page.wait_for_selector("#search-results a", timeout=60_000)
        links = page.eval_on_selector_all("#search-results a",
                                          "as => as.map(a => a.getAttribute('href'))")
        assert f"/entity/{ENTITY.replace(':', '%3A')}" in links
        assert not refused, refused
