"""The Epoch importer on the real sample: counts derived independently from the CSV."""

from __future__ import annotations

import csv

import pytest

from graph.db import Graph
from ingest.epoch import SOURCE_ID, read_epoch
from ingest.pipeline import list_source, run_load
from tests.conftest import EPOCH_CSV
from tests.ingest.helpers import count, load_countries, snapshot


def rows() -> list[dict[str, str]]:
    with EPOCH_CSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def orgs(r: dict[str, str]) -> list[str]:
    return [o.strip() for o in r["Organization"].split(",") if o.strip()]


@pytest.fixture()
def epoch_loaded(graph: Graph):  # type: ignore[no-untyped-def]
    load_countries(graph)
    return graph, run_load(graph, list_source(read_epoch(EPOCH_CSV)), progress=False)


def test_epoch_counts_match_the_csv(epoch_loaded) -> None:  # type: ignore[no-untyped-def]
    graph, summary = epoch_loaded
    data = rows()
    named = [r for r in data if r["Model"].strip()]
    assert count(graph, "MATCH (m:Model) RETURN count(m) AS n") == len(named)
    assert count(graph, "MATCH (m:Model) WHERE m.id STARTS WITH 'model:epoch-' "
                        "RETURN count(m) AS n") == len(named)
    developers = {o.casefold() for r in data for o in orgs(r)}
    assert count(graph, "MATCH (f:Firm) RETURN count(f) AS n") == len(developers)
    pairs = sum(len({o.casefold() for o in orgs(r)}) for r in named)
    assert count(graph, "MATCH (:Firm)-[r:DEVELOPS]->(:Model) RETURN count(r) AS n") == pairs
    # models without an organization are reported, not dropped
    no_org = [r for r in named if not orgs(r)]
    assert len([w for w in summary.warnings if w.field == "Organization"]) == len(no_org)
    # headquarters: only where every readable country of the organization agrees
    assert not [e for e in summary.errors if e.label not in {"HEADQUARTERED_IN"}]
    hq = count(graph, "MATCH (:Firm)-[r:HEADQUARTERED_IN]->(:Country) RETURN count(r) AS n")
    unresolved = [e for e in summary.errors if e.label == "HEADQUARTERED_IN"]
    assert hq + len(unresolved) == len(developers)
    assert all(e.field == "Country (from Organization)" for e in unresolved)


def test_epoch_values(epoch_loaded) -> None:  # type: ignore[no-untyped-def]
    graph, _ = epoch_loaded
    data = rows()
    with_params = [r for r in data if r["Parameters"].strip()]
    assert count(graph, "MATCH (m:Model) WHERE m.parameters IS NOT NULL "
                        "RETURN count(m) AS n") == len(with_params)
    total = sum(float(r["Parameters"]) for r in with_params)
    got = graph.read("MATCH (m:Model) RETURN sum(m.parameters) AS s")[0]["s"]
    assert got == pytest.approx(total, rel=1e-9)
    open_w = [r for r in data if r["Model accessibility"].startswith("Open weights")]
    closed = [r for r in data if r["Model accessibility"].strip()
              and not r["Model accessibility"].startswith("Open weights")]
    assert count(graph, "MATCH (m:Model {open_weights: true}) RETURN count(m) AS n") == len(
        open_w)
    assert count(graph, "MATCH (m:Model {open_weights: false}) RETURN count(m) AS n") == len(
        closed)
    gpt3 = [r for r in data if r["Model"] == "GPT-3 175B (davinci)"]
    if gpt3:
        stored = graph.read("MATCH (m:Model {name: $n}) RETURN toString(m.release_date) AS d",
                            {"n": gpt3[0]["Model"]})
        assert stored == [{"d": gpt3[0]["Publication date"]}]
    # every relationship the Epoch reader wrote cites Epoch (the country-groups file's own
    # dated histories, HAS_VALUE, cite that file's sources)
    assert count(graph, "MATCH ()-[r]->() WHERE type(r) <> 'HAS_VALUE' "
                        "AND NOT $s IN r.sources RETURN count(r) AS n", s=SOURCE_ID) == 0


def test_epoch_resolves_organizations_to_existing_firms(graph: Graph) -> None:
    from ingest.resolve import FirmIndex

    load_countries(graph)
    graph.write("CREATE (:Firm:Entity {id: 'firm:openai', name: 'OpenAI Group PBC', "
                "aliases: ['OpenAI'], sources: ['src:x']})")
    firms = FirmIndex().add_graph(graph, SOURCE_ID)
    run_load(graph, list_source(read_epoch(EPOCH_CSV, firms)), progress=False)
    expected = sum(1 for r in rows() if "OpenAI" in orgs(r))
    assert expected > 0
    assert count(graph, "MATCH (:Firm {id: 'firm:openai'})-[r:DEVELOPS]->() "
                        "RETURN count(r) AS n") == expected
    assert count(graph, "MATCH (f:Firm) WHERE f.name = 'OpenAI' RETURN count(f) AS n") == 0


def test_epoch_reload_is_idempotent(epoch_loaded) -> None:  # type: ignore[no-untyped-def]
    from ingest.resolve import FirmIndex

    graph, first = epoch_loaded
    before = snapshot(graph)
    second = run_load(graph, list_source(read_epoch(
        EPOCH_CSV, FirmIndex().add_graph(graph, SOURCE_ID))), progress=False)
    assert snapshot(graph) == before
    assert second.totals()["nodes"]["created"] == 0 == second.totals()["nodes"]["updated"]
    assert second.totals()["relationships"]["updated"] == 0
    assert second.totals()["nodes"]["unchanged"] == first.totals()["nodes"]["created"]
