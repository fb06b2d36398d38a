"""The dashboard page in headless Chromium (Debian's ``chromium``, driven by Playwright):
the charts render, with the very numbers of /exposure/consortia.json; the scenario switch
reloads them. Its screenshot goes to the test's temporary folder; with
STACKGRAPH_UPDATE_SCREENSHOTS=1 (`make screenshots`) it refreshes docs/dashboard.png, so
`make test` leaves the checkout as it found it."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from api.app import create_app
from graph.db import Graph
from tests.api.conftest import api_settings

pytestmark = [pytest.mark.neo4j, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def served(bundled: Graph) -> Iterator[str]:
    """The app on a free port, uvicorn in a thread (the same app `stackgraph serve` runs)."""
    port = free_port()
    config = uvicorn.Config(create_app(api_settings(), graph=bundled), host="127.0.0.1",
                            port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def screenshot_path(name: str, tmp_path: Path) -> Path:
    """Where a browser test keeps its screenshot: docs/ only when asked to refresh it."""
    if os.environ.get("STACKGRAPH_UPDATE_SCREENSHOTS") == "1":
        return ROOT / "docs" / name
    return tmp_path / name


def chart_data(page, chart_id: str) -> dict:  # noqa: ANN001
    return page.evaluate(
        """id => { const c = Chart.getChart(document.getElementById(id));
                   return { labels: c.data.labels,
                            datasets: c.data.datasets.map(d => ({label: d.label, data: d.data})),
                            drawn: c.chartArea.width > 0 && c.chartArea.height > 0 }; }""",
        chart_id)


def parse_map(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in filter(None, text.split(";")):
        k, _, v = part.rpartition(":")
        out[k] = int(float(v))
    return out


def test_dashboard_renders_real_numbers(served: str, tmp_path: Path) -> None:
    import httpx
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "install Debian's chromium (apt-get install chromium)"
    expected = httpx.get(f"{served}/exposure/consortia.json", timeout=60).json()
    rows = expected["rows"]
    assert rows, "the bundled data has consortia"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(served + "/")
            page.wait_for_function("document.body.dataset.ready === 'default'",
                                   timeout=60_000)
            names = [r["consortium_name"] for r in rows]
            tier = chart_data(page, "chart-tier")
            assert tier["drawn"] and tier["labels"] == names
            got = {d["label"]: d["data"] for d in tier["datasets"]}
            assert got["trusted"] == [r["members_trusted"] for r in rows]
            assert got["between"] == [r["members_between"] for r in rows]
            assert got["concern"] == [r["members_concern"] for r in rows]
            country = chart_data(page, "chart-country")
            for d in country["datasets"]:
                assert d["data"] == [parse_map(r["members_by_country"]).get(d["label"], 0)
                                     for r in rows]
            assert {d["label"] for d in country["datasets"]} == {
                c for r in rows for c in parse_map(r["members_by_country"])}
            american = chart_data(page, "chart-american")
            assert american["datasets"][0]["data"] == [
                None if r["american_share"] is None else round(r["american_share"] * 1000) / 10
                for r in rows]
            risk = chart_data(page, "chart-risk")
            got = {d["label"]: d["data"] for d in risk["datasets"]}
            assert got["listed members"] == [r["listed_members"] for r in rows]
            assert got["chokepoint inputs"] == [r["chokepoints"] for r in rows]
            # the table shows the same rows
            cells = page.eval_on_selector_all(
                "#rows tbody tr", "trs => trs.map(tr => tr.dataset.consortium)")
            assert cells == [r["consortium_id"] for r in rows]
            # links into GraphiQL and Neo4j Browser
            assert page.get_attribute("#link-graphiql", "href") == "/graphql"
            assert page.get_attribute("#link-browser", "href").startswith("http://")
            shot = screenshot_path("dashboard.png", tmp_path)
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            # everything came from the API itself: no CDN
            assert all(u.startswith(served) for u in requests), requests
            # switching the scenario reloads the numbers for that scenario
            other = httpx.get(f"{served}/exposure/consortia.json",
                              params={"scenario": "american-monopoly"}, timeout=60).json()
            page.select_option("#scenario", "american-monopoly")
            page.wait_for_function("document.body.dataset.ready === 'american-monopoly'",
                                   timeout=60_000)
            tier = chart_data(page, "chart-tier")
            got = {d["label"]: d["data"] for d in tier["datasets"]}
            assert got["concern"] == [r["members_concern"] for r in other["rows"]]
        finally:
            browser.close()
