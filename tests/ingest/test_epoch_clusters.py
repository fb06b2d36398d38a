"""The ``epoch-clusters`` importer on Epoch AI's real GPU clusters file, beside the bundled
data: counts derived independently from the CSV, named spot checks, messy cells, re-load."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.db import Graph
from ingest.epoch_clusters import SOURCE_ID, read_epoch_clusters
from ingest.formats import detect_format
from ingest.loader import LoadSummary
from ingest.records import NodeRecord, Rejection, RelRecord
from tests.ingest.datasets import CLUSTERS_CSV, csv_rows, fresh_with_bundled, ingest
from tests.ingest.helpers import count, snapshot


def _names(cell: str) -> list[str]:
    return [p.strip() for p in cell.split(",") if p.strip()]


def skipped(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Rows flagged a possible duplicate of a row present (and itself not so flagged)."""
    present = {r["Name"] for r in rows}
    flagged = {r["Name"] for r in rows if r["Possible Duplicate"] == "True"
               and any(n in present for n in _names(r["Possible Duplicate Of"]))}
    return [r for r in rows if r["Name"] in flagged
            and any(n in present and n not in flagged
                    for n in _names(r["Possible Duplicate Of"]))]


@pytest.fixture(scope="module")
def loaded(session_graph: Graph) -> Iterator[tuple[Graph, LoadSummary]]:
    fresh_with_bundled(session_graph)
    yield session_graph, ingest(session_graph, CLUSTERS_CSV)


def test_detected_from_its_header() -> None:
    assert detect_format(CLUSTERS_CSV) == "epoch-clusters"


def test_one_data_center_per_row_duplicates_reported(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, summary = loaded
    rows = csv_rows(CLUSTERS_CSV)
    dup = skipped(rows)
    assert len(rows) == 639 and len(dup) == 37
    kept = [r for r in rows if r not in dup]
    assert count(graph, "MATCH (d:DataCenter) WHERE $src IN d.sources "
                        "RETURN count(d) AS n", src=SOURCE_ID) == len(kept)
    reported = [w for w in summary.warnings if w.field == "Possible Duplicate Of"
                and "not loaded twice" in w.message]
    assert len(reported) == len(dup)
    assert not summary.errors, [str(e) for e in summary.errors[:5]]
    # China's anonymized clusters: every one kept, with its own id
    anon = [r for r in kept if r["Name"] == "Anonymized Chinese System"]
    assert len(anon) == 220
    assert count(graph, "MATCH (d:DataCenter) WHERE d.name STARTS WITH "
                        "'Anonymized Chinese System' RETURN count(DISTINCT d.id) AS n") == 220
    for status, epoch in (("operational", "Existing"), ("planned", "Planned"),
                          ("decommissioned", "Decommissioned")):
        # a cluster joined to a curated data center keeps the curated status
        merged = count(graph, "MATCH (d:DataCenter) WHERE $src IN d.sources AND NOT d.id "
                              "STARTS WITH $p RETURN count(d) AS n", src=SOURCE_ID,
                       p="dc:epoch-")
        own = count(graph, "MATCH (d:DataCenter {status: $s}) WHERE d.id STARTS WITH $p "
                           "RETURN count(d) AS n", s=status, p="dc:epoch-")
        assert own <= sum(r["Status"] == epoch for r in kept) <= own + merged


def test_countries_chips_and_operators(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, summary = loaded
    kept = [r for r in csv_rows(CLUSTERS_CSV) if r not in skipped(csv_rows(CLUSTERS_CSV))]
    assert not [w for w in summary.warnings if w.field == "Country"]
    assert count(graph, "MATCH (d:DataCenter)-[r:LOCATED_IN]->(:Country) WHERE $src IN "
                        "r.sources RETURN count(d) AS n", src=SOURCE_ID) == sum(
        bool(r["Country"]) for r in kept)
    assert count(graph, "MATCH (d:DataCenter)-[r:LOCATED_IN]->(:Country {id: 'CHN'}) WHERE "
                        "$src IN r.sources RETURN count(d) AS n", src=SOURCE_ID) == sum(
        r["Country"] == "China" for r in kept) == 217
    assert count(graph, "MATCH (d:DataCenter)-[r:LOCATED_IN]->(:Country {id: 'KOR'}) WHERE "
                        "$src IN r.sources RETURN count(d) AS n", src=SOURCE_ID) == sum(
        r["Country"] == "Korea (Republic of)" for r in kept)
    hosts = sum(len({r[f"Chip type ({w})"] for w in ("primary", "secondary")} - {""})
                for r in kept)
    assert count(graph, "MATCH (d:DataCenter)-[h:HOSTS]->(:Chip) WHERE $src IN h.sources "
                        "RETURN count(h) AS n", src=SOURCE_ID) == hosts
    operated = sum(len(set(_names(r["Owner"]))) for r in kept)
    assert count(graph, "MATCH (:Firm)-[o:OPERATES]->(d:DataCenter) WHERE $src IN o.sources "
                        "RETURN count(o) AS n", src=SOURCE_ID) == operated
    # every fact cites Epoch's dataset
    assert count(graph, "MATCH ()-[r]->(d:DataCenter) WHERE d.id STARTS WITH $p "
                        "AND NOT $s IN r.sources RETURN count(r) AS n", s=SOURCE_ID,
                 p="dc:epoch-") == 0


def test_spot_checks(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, _ = loaded
    row = graph.read(
        "MATCH (d:DataCenter {name: 'xAI Colossus Memphis Phase 2'})-[:LOCATED_IN]->(c) "
        "MATCH (f:Firm)-[:OPERATES]->(d) "
        "RETURN c.id AS country, f.id AS operator, d.status AS status, "
        "toString(d.first_operational) AS first, d.h100_equivalents AS h100e, "
        "d.confidence AS confidence, d.sources AS sources")
    assert row and row[0]["country"] == "USA" and row[0]["operator"] == "firm:xai"
    assert row[0]["status"] == "operational" and row[0]["first"] == "2025-02-18"
    assert row[0]["h100e"] == pytest.approx(200000.0)
    certainty = next(r["Certainty"] for r in csv_rows(CLUSTERS_CSV)
                     if r["Name"] == "xAI Colossus Memphis Phase 2")
    assert row[0]["confidence"] == {"Confirmed": "high", "Likely": "medium"}[certainty]
    assert SOURCE_ID in row[0]["sources"]
    assert len(row[0]["sources"]) > 1  # the row's own Source 1..5 pages
    chips = {r["chip"]: r["q"] for r in graph.read(
        "MATCH (:DataCenter {name: 'xAI Colossus Memphis Phase 2'})-[h:HOSTS]->(c:Chip) "
        "RETURN c.id AS chip, h.quantity AS q")}
    assert chips == {"chip:nvidia-h100-sxm": 150000.0, "chip:nvidia-h200": 50000.0}
    korea = graph.read("MATCH (d:DataCenter {name: 'Samsung SSC4'})-[:LOCATED_IN]->(c) "
                       "MATCH (d)-[h:HOSTS]->(chip) RETURN c.id AS c, chip.id AS chip, "
                       "h.quantity AS q")
    assert korea == [{"c": "KOR", "chip": "chip:nvidia-h100-sxm", "q": 2496.0}]
    assert graph.read("MATCH (d:DataCenter {name: 'Preferred Networks MN-1b'}) "
                      "RETURN d.status AS s") == [{"s": "decommissioned"}]
    # a cluster used by firms that do not operate it
    users = {r["f"] for r in graph.read(
        "MATCH (f:Firm)-[:USES]->(:DataCenter {name: "
        "'OpenAI Stargate Abilene Oracle OCI Supercluster Phase 2'}) RETURN f.id AS f")}
    assert users == {"firm:microsoft", "firm:openai"}


def test_ids_do_not_depend_on_row_order(tmp_path: Path) -> None:
    lines = CLUSTERS_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    import csv
    import io

    reader = list(csv.reader(io.StringIO("".join(lines))))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(reader[0])
    writer.writerows(reversed(reader[1:]))
    flipped = tmp_path / "gpu_clusters.csv"
    flipped.write_text(out.getvalue(), encoding="utf-8")

    def ids(path: Path) -> set[tuple[str, str]]:
        return {(i.id, i.props["name"]) for i in read_epoch_clusters(path)
                if isinstance(i, NodeRecord) and i.label == "DataCenter"}

    assert ids(flipped) == ids(CLUSTERS_CSV)


def test_messy_cells_are_reported_with_line_and_field(tmp_path: Path) -> None:
    cols = ("Name,Status,Certainty,H100 equivalents,Chip type (primary),"
            "Chip quantity (primary),Country,Owner,Users,Power Capacity (MW),"
            "First Operational Date,Source 1")
    path = tmp_path / "gpu_clusters.csv"
    path.write_text(
        f"{cols}\n"
        'A,Existing,Likely," 1,200.5 ",NVIDIA H100 SXM5 80GB,5e+3,Atlantis,"Acme, Beta",,'
        "lots,1/31/2024,not a url\n"
        "B,Rumoured,Confirmed,,,,,,,,,\n"
        ",Existing,Confirmed,,,,,,,,,\n", encoding="utf-8")
    items = read_epoch_clusters(path)
    rejections = [i for i in items if isinstance(i, Rejection)]
    where = {(r.origin.line if r.origin else None, r.field, r.severity) for r in rejections}
    assert (2, "Country", "warning") in where          # Atlantis: no ISO country
    assert (2, "Power Capacity (MW)", "warning") in where  # "lots": not a number
    assert (2, "Source 1", "warning") in where
    assert (3, "Status", "error") in where and (4, "Name", "error") in where
    dc = next(i for i in items if isinstance(i, NodeRecord) and i.label == "DataCenter")
    assert dc.props["h100_equivalents"] == 1200.5           # float in text, comma, spaces
    assert str(dc.props["first_operational"]) == "2024-01-31"  # US date
    hosts = [i for i in items if isinstance(i, RelRecord) and i.type == "HOSTS"]
    assert [h.props["quantity"] for h in hosts] == [5000.0]
    operators = [i.source for i in items if isinstance(i, RelRecord) and i.type == "OPERATES"]
    assert operators == ["firm:acme", "firm:beta"]           # two owners in one cell


def test_reload_changes_nothing(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, _ = loaded
    before = snapshot(graph)
    again = ingest(graph, CLUSTERS_CSV, "epoch-clusters")
    assert snapshot(graph) == before
    totals = again.totals()
    assert totals["nodes"]["created"] == 0 == totals["nodes"]["updated"]
    assert totals["relationships"]["created"] == 0 == totals["relationships"]["updated"]
