"""Coverage of the bundled data that issue 14 asks for, counted in the loaded graph (not in
the YAML), so a record the loader rejects does not count:

- Entity List listings relevant to AI and semiconductors, each with the effective date and
  a cited Federal Register rule whose FR citation ("90 FR 14046") is in the source title;
- models released since July 2025, each with a developer and a source, from the US, China,
  Europe and the Gulf;
- the 2025-2026 accelerators of data/chips/accelerators_2025_2026.yaml, each sourced, with a
  designer, and an ``hbm`` that names an HBM chip of the graph.

The data/ YAML is written by the data engineers; a failure here says what is short."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from graph.db import Graph
from ingest.bundled import load_bundled
from ingest.loader import LoadSummary
from tests.conftest import ROOT, wipe

ENTITY_LIST = "list:us-entity-list"
# Firm kinds that make a listing relevant to AI and semiconductors (a listed firm controlled
# by a firm of these kinds counts too: subsidiaries are listed for their parent's activity)
AI_SEMIS_KINDS = {"chip_designer", "foundry", "memory", "osat", "equipment", "materials", "eda",
                  "server_oem", "distributor", "cloud", "ai_lab", "datacenter_operator"}
FR_CITATION = re.compile(r"\b\d{2} FR \d{3,6}\b")
MIN_LISTINGS = 104  # issue 14 asks for 100; 104 read as of 2026-12-06 (see data/README.md)
MIN_MODELS_SINCE_2025_07 = 25
EUROPE = {"FRA", "DEU", "CHE", "GBR", "NLD", "ITA", "ESP", "SWE", "FIN", "BEL", "AUT", "DNK",
          "NOR", "POL", "IRL", "PRT", "CZE"}
GULF = {"ARE", "SAU", "QAT", "KWT", "BHR", "OMN"}
NEW_CHIPS_FILE = ROOT / "data" / "chips" / "accelerators_2025_2026.yaml"


@pytest.fixture(scope="module")
def bundled(session_graph: Graph) -> Iterator[tuple[Graph, LoadSummary]]:
    """The bundled data loaded once for the module's read-only checks."""
    wipe(session_graph)
    yield session_graph, load_bundled(session_graph)


def day(value: Any) -> dt.date:
    """A Neo4j or Python date as a Python date."""
    if hasattr(value, "to_native"):
        return value.to_native()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def titles(graph: Graph) -> dict[str, str]:
    return {r["id"]: r["title"] or "" for r in graph.read(
        "MATCH (s:Source) RETURN s.id AS id, s.title AS title")}


def ai_semis_listings(graph: Graph) -> list[dict[str, Any]]:
    """Entity List listings of firms relevant to AI and semiconductors, with their sources."""
    kinds = {r["id"]: set(r["kind"] or []) for r in graph.read(
        "MATCH (f:Firm) RETURN f.id AS id, f.kind AS kind")}
    parents: dict[str, set[str]] = {}
    for r in graph.read("MATCH (p:Firm)-[o:OWNS]->(f:Firm) WHERE o.kind = 'control' "
                        "RETURN p.id AS parent, f.id AS child"):
        parents.setdefault(r["child"], set()).add(r["parent"])
    listings = graph.read(
        "MATCH (f:Firm)-[r:LISTED_ON]->(:ControlList {id: $list}) "
        "RETURN f.id AS firm, r.since AS since, r.sources AS sources", {"list": ENTITY_LIST})

    def relevant(firm: str) -> bool:
        return bool(kinds.get(firm, set()) & AI_SEMIS_KINDS) or any(
            kinds.get(p, set()) & AI_SEMIS_KINDS for p in parents.get(firm, ()))

    return [r for r in listings if relevant(r["firm"])]


def test_entity_list_listings_carry_federal_register_rule_and_date(
        bundled: tuple[Graph, LoadSummary]) -> None:
    graph = bundled[0]
    source_titles = titles(graph)
    listings = ai_semis_listings(graph)
    cited = [r for r in listings if r["since"] is not None and any(
        FR_CITATION.search(source_titles.get(s, "")) for s in r["sources"])]
    assert len(cited) >= MIN_LISTINGS, (
        f"{len(cited)} AI/semiconductor Entity List listings have an effective date and a "
        f"cited Federal Register rule with its FR citation; expected at least {MIN_LISTINGS}; "
        f"uncited or undated: {sorted(r['firm'] for r in listings if r not in cited)[:30]}")
    # the count is of distinct listed firms, not of edges
    assert len({r["firm"] for r in cited}) == len(cited)


def test_listed_subsidiaries_are_linked_to_their_parent(
        bundled: tuple[Graph, LoadSummary]) -> None:
    graph = bundled[0]
    linked = graph.read(
        "MATCH (p:Firm)-[o:OWNS {kind: 'control'}]->(c:Firm)-[:LISTED_ON]->"
        "(:ControlList {id: $list}) RETURN p.id AS parent, count(c) AS n", {"list": ENTITY_LIST})
    by_parent = {r["parent"]: r["n"] for r in linked}
    # the examples: SMIC's and Huawei's listed affiliates hang under their parent
    assert by_parent.get("firm:smic", 0) >= 5, by_parent
    assert by_parent.get("firm:huawei", 0) >= 5, by_parent


def test_models_released_since_july_2025(bundled: tuple[Graph, LoadSummary]) -> None:
    graph = bundled[0]
    rows = graph.read(
        "MATCH (m:Model) WHERE m.release_date IS NOT NULL "
        "OPTIONAL MATCH (f:Firm)-[:DEVELOPS]->(m) "
        "OPTIONAL MATCH (f)-[:HEADQUARTERED_IN]->(c:Country) "
        "RETURN m.id AS id, m.release_date AS released, m.sources AS sources, "
        "collect(DISTINCT f.id) AS developers, collect(DISTINCT c.id) AS countries")
    recent = [r for r in rows if day(r["released"]) >= dt.date(2025, 7, 1)]
    assert len(recent) >= MIN_MODELS_SINCE_2025_07, sorted(r["id"] for r in recent)
    assert not [r["id"] for r in recent if not r["developers"] or not r["sources"]]
    countries = {c for r in recent for c in r["countries"]}
    assert "USA" in countries and "CHN" in countries, countries
    assert countries & EUROPE, countries
    assert countries & GULF, countries


def new_chip_ids() -> list[str]:
    nodes = yaml.safe_load(Path(NEW_CHIPS_FILE).read_text())["nodes"]
    return [n["id"] for n in nodes if n["label"] == "Chip"]


def test_new_accelerators_are_sourced_designed_and_name_their_hbm(
        bundled: tuple[Graph, LoadSummary]) -> None:
    graph = bundled[0]
    ids = new_chip_ids()
    rows = {r["id"]: r for r in graph.read(
        "MATCH (c:Chip) WHERE c.id IN $ids "
        "OPTIONAL MATCH (s:Source) WHERE s.id IN c.sources "
        "OPTIONAL MATCH (d:Firm)-[:DESIGNS]->(c) "
        "OPTIONAL MATCH (h:Chip {id: c.hbm, kind: 'hbm'}) "
        "RETURN c.id AS id, c.kind AS kind, c.hbm AS hbm, c.tpp AS tpp, "
        "c.description AS description, count(DISTINCT s) AS sources, "
        "count(DISTINCT d) AS designers, count(DISTINCT h) AS hbm_found", {"ids": ids})}
    assert sorted(rows) == sorted(ids), "chips of the file missing from the graph"
    assert not [i for i, r in rows.items() if r["sources"] == 0], "chips without a source"
    assert not [i for i, r in rows.items() if r["designers"] == 0], "chips without a designer"
    assert not [i for i, r in rows.items() if r["hbm"] and r["hbm_found"] == 0], \
        "hbm names no HBM chip of the graph"
    # a TPP the data computed says so (the issue: compute it only from published figures)
    assert not [i for i, r in rows.items()
                if r["tpp"] is not None and "computed" not in (r["description"] or "")]
    # the GPUs and accelerators with a published memory name it
    assert sum(1 for r in rows.values() if r["kind"] in ("gpu", "accelerator") and r["hbm"]) >= 6
