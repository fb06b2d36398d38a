"""The ``dod-1260h`` and ``bis-mieu`` importers on OpenSanctions' real CSVs, beside the
bundled data: listings with since/until, SMIC's subsidiaries under SMIC's control, counts
derived independently from the CSVs, re-load."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.db import Graph
from ingest.cells import name_and_abbreviation
from ingest.formats import detect_format
from ingest.loader import LoadSummary
from ingest.records import Rejection, RelRecord
from ingest.resolve import normalize
from ingest.us_lists import DOD_LIST, DOD_SOURCE, MIEU_LIST, read_dod_1260h
from tests.ingest.datasets import DOD_CSV, MIEU_CSV, csv_rows, fresh_with_bundled, ingest
from tests.ingest.helpers import count, snapshot

SMIC = "Semiconductor Manufacturing International Corporation"


@pytest.fixture(scope="module")
def loaded(session_graph: Graph) -> Iterator[tuple[Graph, LoadSummary, LoadSummary]]:
    fresh_with_bundled(session_graph)
    dod = ingest(session_graph, DOD_CSV)
    mieu = ingest(session_graph, MIEU_CSV)
    yield session_graph, dod, mieu


def test_detected_from_their_headers() -> None:
    assert detect_format(DOD_CSV) == "dod-1260h"
    assert detect_format(MIEU_CSV) == "bis-mieu"


def test_every_row_is_a_listing_with_its_dates(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, dod, _ = loaded
    rows = csv_rows(DOD_CSV)
    assert len(rows) == 397 and not dod.errors, [str(e) for e in dod.errors[:3]]
    # two listed names that the curated data holds as one firm give one listing of that
    # day (reported); since Huawei's holding company and Huawei Technologies became two
    # curated firms, few such merges are left
    merged = [w for w in dod.warnings if w.field == "Clean Name"]
    assert len(merged) <= 5
    assert count(graph, "MATCH (:Firm)-[r:LISTED_ON]->(:ControlList {id: $l}) "
                        "RETURN count(r) AS n", l=DOD_LIST) == 397 - len(merged)
    ended = [r for r in rows if r["End date"]]
    assert len(ended) == 21
    assert count(graph, "MATCH (:Firm)-[r:LISTED_ON]->(:ControlList {id: $l}) WHERE "
                        "r.until IS NOT NULL RETURN count(r) AS n", l=DOD_LIST) == len(ended)
    merged_lines = {w.origin.line for w in merged if w.origin}
    for start in {r["Start date"] for r in rows}:
        assert count(graph, "MATCH (:Firm)-[r:LISTED_ON]->(:ControlList {id: $l}) WHERE "
                            "toString(r.since) = $d RETURN count(r) AS n", l=DOD_LIST,
                     d=start) == sum(r["Start date"] == start and i + 2 not in merged_lines
                                     for i, r in enumerate(rows))
    # SMIC is the curated firm, listed in three editions
    assert sorted(r["d"] for r in graph.read(
        "MATCH (:Firm {id: 'firm:smic'})-[r:LISTED_ON]->(:ControlList {id: $l}) "
        "RETURN toString(r.since) AS d", {"l": DOD_LIST})) == sorted(
        r["Start date"] for r in rows if r["Clean Name"] == SMIC)


def test_smic_subsidiaries_under_its_control(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, _, _ = loaded
    rows = csv_rows(DOD_CSV)
    subsidiaries = {r["Clean Name"] for r in rows if r["Parent Name"] == SMIC}
    assert len(subsidiaries) == 13
    got = graph.read("MATCH (:Firm {id: 'firm:smic'})-[o:OWNS]->(s:Firm) WHERE $s IN "
                     "o.sources RETURN s.name AS name, o.kind AS kind, o.share AS share, "
                     "o.sources AS sources", {"s": DOD_SOURCE})
    # each listed subsidiary is a firm; the curated Entity List (loaded first) holds two of
    # the 13 names as one firm
    assert len(subsidiaries) - 1 <= len(got) <= len(subsidiaries)
    # the list's own links are control without a share (a curated stake keeps its values)
    assert all(r["kind"] == "control" and r["share"] is None
               for r in got if r["sources"] == [DOD_SOURCE])
    # "SMIC Holdings Limited" is a subsidiary, not SMIC itself (normalisation alone would
    # merge them), and every subsidiary is listed
    assert count(graph, "MATCH (s:Firm {id: 'firm:smic-holdings'})-[:LISTED_ON]->"
                        "(:ControlList {id: $l}) WHERE s.id <> 'firm:smic' "
                        "RETURN count(*) AS n", l=DOD_LIST) >= 1
    assert count(graph, "MATCH (:Firm {id: 'firm:smic'})-[:OWNS]->(s:Firm) WHERE NOT "
                        "(s)-[:LISTED_ON]->(:ControlList {id: $l}) RETURN count(s) AS n",
                 l=DOD_LIST) == 0


def test_parents_link_subsidiaries(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, dod, _ = loaded
    pairs = {(r["Parent Name"], r["Clean Name"]) for r in csv_rows(DOD_CSV) if r["Parent Name"]}
    control = count(graph, "MATCH (:Firm)-[o:OWNS {kind: 'control'}]->(:Firm) WHERE $s IN "
                           "o.sources RETURN count(DISTINCT [startNode(o), endNode(o)]) AS n",
                    s=DOD_SOURCE)
    self_parents = [w for w in dod.warnings if w.field == "Parent Name"]
    normalised = {(normalize(name_and_abbreviation(p)[0]), normalize(c)) for p, c in pairs}
    # verified count: 138 (parent, child) pairs once names are normalised ("..., Ltd." =
    # "... Ltd"), less Huawei (the curated data holds child and parent as one firm, reported)
    # and DJI (its parent written two ways, one of them an alias of the other)
    # (two or three more join where curated data holds both names as one firm)
    assert len(normalised) == 138 and 130 <= control <= 136
    assert len(self_parents) <= 5


def test_mieu(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, _, mieu = loaded
    rows = csv_rows(MIEU_CSV)
    assert len(rows) == 13 and not mieu.errors and not mieu.warnings
    assert count(graph, "MATCH (:Firm)-[r:LISTED_ON]->(:ControlList {id: $l}) "
                        "RETURN count(r) AS n", l=MIEU_LIST) == 13
    gru = graph.read("MATCH (f:Firm)-[r:LISTED_ON]->(:ControlList {id: $l}) WHERE "
                     "'GRU' IN f.aliases MATCH (f)-[:HEADQUARTERED_IN]->(c) RETURN c.id AS c, "
                     "toString(r.since) AS since, r.sources AS s", {"l": MIEU_LIST})
    assert gru[0]["c"] == "RUS" and gru[0]["since"] == "2021-03-16"
    assert any(s.startswith("src:web-") for s in gru[0]["s"])  # its Federal Register notice
    by_country = {r["c"]: r["n"] for r in graph.read(
        "MATCH (f:Firm)-[:LISTED_ON]->(:ControlList {id: $l}) MATCH (f)-[:HEADQUARTERED_IN]->"
        "(c) RETURN c.iso2 AS c, count(f) AS n", {"l": MIEU_LIST})}
    expected: dict[str, int] = {}
    for r in rows:
        expected[r["Country"]] = expected.get(r["Country"], 0) + 1
    assert by_country == expected


def test_bad_rows_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "sanctions.csv"
    path.write_text(
        "Name,Clean Name,Alias,Previous Name,Parent Name,Note,Start date,End date,Source Url\n"
        "Acme Corp (ACME)*,Acme Corp,\"ACME,Acme Tech\",,Big Parent Group (BPG),,2024-01-31,"
        "2025-01-07,\n"
        "Nobody,Nobody,,,,,31 Jan 2024,,\n", encoding="utf-8")
    items = read_dod_1260h(path)
    bad = [(r.origin.line if r.origin else None, r.field) for r in items
           if isinstance(r, Rejection)]
    assert (3, "Start date") in bad
    listed = [i for i in items if isinstance(i, RelRecord) and i.type == "LISTED_ON"]
    assert [(i.source, str(i.props["since"]), str(i.props["until"])) for i in listed] == [
        ("firm:acme-corp", "2024-01-31", "2025-01-07")]
    owns = [i for i in items if isinstance(i, RelRecord) and i.type == "OWNS"]
    assert [(o.source, o.target, o.props["kind"]) for o in owns] == [
        ("firm:big-parent-group", "firm:acme-corp", "control")]


def test_reload_changes_nothing(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, _, _ = loaded
    before = snapshot(graph)
    for path in (DOD_CSV, MIEU_CSV):
        again = ingest(graph, path)
        totals = again.totals()
        assert totals["nodes"]["created"] == 0 == totals["nodes"]["updated"]
        assert totals["relationships"]["created"] == 0 == totals["relationships"]["updated"]
    assert snapshot(graph) == before
