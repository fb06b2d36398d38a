"""The dashboard page in headless Chromium (Debian's ``chromium``, driven by Playwright):
the charts render, with the very numbers of /exposure/consortia.json; the scenario switch
reloads them. Its screenshot goes to the test's temporary folder; with
STACKGRAPH_UPDATE_SCREENSHOTS=1 (`make screenshots`) it refreshes docs/dashboard.png, so
`make test` leaves the checkout as it found it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.browser import chromium_page, screenshot_path

pytestmark = [pytest.mark.neo4j, pytest.mark.browser]


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

    expected = httpx.get(f"{served}/exposure/consortia.json", timeout=60).json()
    rows = expected["rows"]
    assert rows, "the bundled data has consortia"
    with chromium_page(1400, 1100) as (page, _):
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
