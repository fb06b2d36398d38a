"""The ``epoch-chip-counts`` importer on Epoch AI's real chip counts folder, beside the
bundled data: quarterly and cumulative units with their percentiles as dated values on
the curated chips, US dates, counts derived independently from the CSVs, re-load."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.db import Graph
from ingest.epoch_chip_counts import QUARTERLY, SOURCE_ID, read_epoch_chip_counts
from ingest.formats import detect_format
from ingest.loader import LoadSummary
from ingest.records import NodeRecord, Rejection
from tests.ingest.datasets import DATA, csv_rows, fresh_with_bundled, ingest
from tests.ingest.helpers import count, snapshot

FOLDER = DATA / "epoch-ai-chip-counts"


def us_day(text: str) -> dt.date:
    month, day, year = (int(x) for x in text.split("/"))
    return dt.date(year, month, day)


@pytest.fixture(scope="module")
def loaded(session_graph: Graph) -> Iterator[tuple[Graph, LoadSummary]]:
    fresh_with_bundled(session_graph)
    yield session_graph, ingest(session_graph, FOLDER)


def test_detected_from_its_files() -> None:
    assert detect_format(FOLDER) == "epoch-chip-counts"


def test_quarterly_units_on_the_h100(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, summary = loaded
    assert not summary.errors, [str(e) for e in summary.errors[:3]]
    rows = [r for r in csv_rows(FOLDER / "nvidia_calendar_quarter_chip_timelines.csv")
            if r["Chip type"] == "H100"]
    stored = {(r["since"], r["until"]): r["value"] for r in graph.read(
        "MATCH (:Chip {id: 'chip:nvidia-h100-sxm'})-[:HAS_VALUE]->(v:Value {property: "
        "'units_shipped'}) RETURN toString(v.since) AS since, toString(v.until) AS until, "
        "v.value AS value")}
    assert stored == {(us_day(r["Start date"]).isoformat(), us_day(r["End date"]).isoformat()):
                      float(r["Number of Units"]) for r in rows}
    p95 = graph.read("MATCH (:Chip {id: 'chip:nvidia-h100-sxm'})-[:HAS_VALUE]->(v:Value "
                     "{property: 'units_shipped_p95'}) RETURN count(v) AS n, "
                     "sum(v.value) AS s")[0]
    assert p95["n"] == len(rows)
    assert p95["s"] == pytest.approx(sum(float(r["Number of Units (95th percentile)"])
                                         for r in rows))


def test_every_estimate_is_a_value(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, _ = loaded
    quarterly = sum(len(csv_rows(FOLDER / f)) for f in QUARTERLY)
    cumulative = sum(len(csv_rows(f)) for f in FOLDER.glob("*_cumulative_by_chip.csv"))
    totals = sum(len(csv_rows(f)) for f in FOLDER.glob("*_cumulative_totals.csv"))
    for prop, n in (("units_shipped", quarterly), ("units_cumulative", cumulative),
                    ("ai_chips_cumulative", totals)):
        for suffix in ("", "_p5", "_p95"):
            assert count(graph, "MATCH (v:Value {property: $p}) WHERE $s IN v.sources "
                                "RETURN count(v) AS n", p=prop + suffix, s=SOURCE_ID) == n, prop
    # vendors' totals are on the curated firms
    assert count(graph, "MATCH (f:Firm)-[:HAS_VALUE]->(v:Value {property: "
                        "'ai_chips_cumulative'}) WHERE f.id IN ['firm:nvidia', 'firm:amd', "
                        "'firm:google', 'firm:amazon'] RETURN count(DISTINCT f) AS n") == 4


def test_cumulative_entries_follow_each_other(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, _ = loaded
    a100 = sorted((r for r in csv_rows(FOLDER / "nvidia_cumulative_by_chip.csv")
                   if r["Chip type"] == "A100"), key=lambda r: us_day(r["End date"]))
    stored = graph.read("MATCH (:Chip {id: 'chip:nvidia-a100'})-[:HAS_VALUE]->(v:Value "
                        "{property: 'units_cumulative'}) RETURN v.since AS since, "
                        "v.until AS until, v.value AS value ORDER BY since")
    assert [(s["since"].to_native(), s["value"]) for s in stored] == [
        (us_day(r["End date"]), float(r["Number of units (median)"])) for r in a100]
    for before, after in zip(stored, stored[1:], strict=False):
        assert before["until"].to_native() == after["since"].to_native() - dt.timedelta(days=1)
    assert stored[-1]["until"] is None


def test_bad_rows_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "x_cumulative_by_chip.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Name", "Chip manufacturer", "Start date", "End date", "Chip type",
                    "Number of units (5th percentile)", "Number of units (median)",
                    "Number of units (95th percentile)"])
        w.writerow(["a", "Acme", "1/1/2024", "3/31/2024", "X1", "1", "2", "3"])
        w.writerow(["b", "Acme", "13/1/2024", "3/31/2024", "X1", "1", "2", "3"])
        w.writerow(["c", "Acme", "1/1/2024", "6/30/2024", "X1", "1", "", "3"])
    items = read_epoch_chip_counts(tmp_path)
    bad = {(r.origin.line if r.origin else None, r.field) for r in items
           if isinstance(r, Rejection) and r.severity == "error"}
    assert bad == {(3, "Start date"), (4, "Number of units (median)")}
    chip = next(i for i in items if isinstance(i, NodeRecord) and i.label == "Chip")
    assert chip.id == "chip:acme-x1"
    assert [e["value"] for e in chip.props["units_cumulative"]] == [2.0]


def test_reload_changes_nothing(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, _ = loaded
    before = snapshot(graph)
    again = ingest(graph, FOLDER, "epoch-chip-counts")
    assert snapshot(graph) == before
    totals = again.totals()
    assert totals["nodes"]["created"] == 0 == totals["nodes"]["updated"]
    assert totals["relationships"]["created"] == 0 == totals["relationships"]["updated"]
