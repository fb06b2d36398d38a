"""The ``epoch-hardware`` importer on Epoch AI's real ML hardware file, beside the bundled
data: chips resolved to the curated ones, TPP in the export rules' units, designers and
foundries, counts derived independently from the CSV, re-load."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.db import Graph
from ingest.chipnames import ChipIndex, chip_key
from ingest.curated import read_curated
from ingest.epoch_hardware import SOURCE_ID, read_epoch_hardware, tpp
from ingest.formats import detect_format
from ingest.loader import LoadSummary
from ingest.records import NodeRecord, Rejection
from tests.conftest import ROOT
from tests.ingest.datasets import HARDWARE_CSV, csv_rows, fresh_with_bundled, ingest
from tests.ingest.helpers import count, snapshot

TPP_COL = "Total processing performance (bit-OP/s)"


@pytest.fixture(scope="module")
def loaded(session_graph: Graph) -> Iterator[tuple[Graph, LoadSummary]]:
    fresh_with_bundled(session_graph)
    yield session_graph, ingest(session_graph, HARDWARE_CSV)


def test_detected_from_its_header() -> None:
    assert detect_format(HARDWARE_CSV) == "epoch-hardware"


def test_tpp_in_the_export_rules_units() -> None:
    rows = {r["Hardware name"]: r for r in csv_rows(HARDWARE_CSV)}
    # the values the export rules' TPP gives these chips (BIS, 2023 advanced computing rule)
    for name, expected in (("NVIDIA A100", 4992), ("NVIDIA H100 SXM5 80GB", 15832),
                           ("NVIDIA HGX H20", 2368)):
        assert tpp(float(rows[name][TPP_COL])) == pytest.approx(expected)


def test_one_chip_per_row_resolved_to_curated_chips(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, summary = loaded
    rows = csv_rows(HARDWARE_CSV)
    assert len(rows) == 170
    assert not summary.errors, [str(e) for e in summary.errors[:5]]
    cited = count(graph, "MATCH (c:Chip) WHERE $s IN c.sources RETURN count(c) AS n",
                  s=SOURCE_ID)
    assert cited == len(rows)
    curated = [n for n in read_curated([ROOT / "data" / "chips"])
               if isinstance(n, NodeRecord) and n.label == "Chip"]
    names = {chip_key(n.props["name"]): n.id for n in curated}
    for n in curated:
        for a in n.props.get("aliases") or []:
            names.setdefault(chip_key(a), n.id)
    # every row whose name (or vendor-less name) is a curated name or alias lands on it
    for r in rows:
        key = chip_key(r["Hardware name"])
        want = names.get(key) or names.get(" ".join(key.split()[1:]))
        if want:
            assert count(graph, "MATCH (c:Chip {id: $id}) WHERE $n IN c.aliases OR c.name = $n"
                                " RETURN count(c) AS n", id=want, n=r["Hardware name"]) == 1
    # resolved chips keep their curated name; no second H100 was made
    h100 = graph.read("MATCH (c:Chip {id: 'chip:nvidia-h100-sxm'}) RETURN c.name AS n, "
                      "c.tpp AS tpp, c.sources AS s")
    assert h100[0]["n"] == "NVIDIA H100 SXM" and h100[0]["tpp"] == 15832.0
    assert SOURCE_ID in h100[0]["s"] and "src:nvidia-h100-datasheet" in h100[0]["s"]
    assert count(graph, "MATCH (c:Chip) WHERE c.name CONTAINS 'H100 SXM5' "
                        "RETURN count(c) AS n") == 0
    with_tpp = sum(bool(r[TPP_COL]) for r in rows)
    # every row with a TPP gives its chip one (a curated chip may hold one Epoch lacks)
    assert with_tpp <= count(graph, "MATCH (c:Chip) WHERE $s IN c.sources AND c.tpp IS NOT "
                                    "NULL RETURN count(c) AS n", s=SOURCE_ID) <= len(rows)


def test_values_of_a_new_and_a_curated_chip(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, _ = loaded
    h20 = graph.read("MATCH (c:Chip {id: 'chip:nvidia-h20'}) RETURN c.tpp AS tpp, "
                     "c.aliases AS aliases, c.memory_bandwidth AS bw")[0]
    assert h20["tpp"] == 2368.0 and "NVIDIA HGX H20" in h20["aliases"]
    assert h20["bw"] == 4e12
    l4 = graph.read("MATCH (c:Chip {id: 'chip:nvidia-l4'}) RETURN c.tpp AS tpp, "
                    "c.die_size_mm2 AS die, c.performance_density AS pd, c.kind AS kind, "
                    "toString(c.release_date) AS released, c.process_node_nm AS nm")[0]
    assert l4 == {"tpp": 1936.0, "die": 294.0, "pd": round(1936.0 / 294.0, 3), "kind": "gpu",
                  "released": "2023-03-21", "nm": 5.0}
    # designer and foundry
    assert graph.read("MATCH (d:Firm)-[:DESIGNS]->(:Chip {id: 'chip:nvidia-l4'})<-"
                      "[:FABRICATES]-(f:Firm) RETURN d.id AS d, f.id AS f") == [
        {"d": "firm:nvidia", "f": "firm:tsmc"}]
    ascend = {r["f"] for r in graph.read(
        "MATCH (f:Firm)-[:FABRICATES]->(:Chip {id: 'chip:huawei-ascend-910c'}) "
        "RETURN f.id AS f")}
    assert {"firm:smic", "firm:tsmc"} <= ascend  # "SMIC,TSMC": two foundries in one cell
    # "Moore Threads (Tencent)" is the curated Moore Threads; "MTT S4000" its curated chip
    assert graph.read("MATCH (f:Firm)-[:DESIGNS]->(:Chip {id: 'chip:moore-threads-mtt-s4000'}) "
                      "WHERE $s IN f.sources OR f.id = 'firm:moore-threads' RETURN f.id AS f",
                      {"s": SOURCE_ID}) == [{"f": "firm:moore-threads"}]


def test_designs_and_fabricates_counts(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, summary = loaded
    rows = csv_rows(HARDWARE_CSV)
    designs = sum(bool(r["Manufacturer"]) for r in rows)
    assert count(graph, "MATCH (:Firm)-[r:DESIGNS]->(:Chip) WHERE $s IN r.sources "
                        "RETURN count(r) AS n", s=SOURCE_ID) == designs
    fabs = sum(len({f.strip() for f in r["Foundry"].split(",") if f.strip()}) for r in rows)
    assert count(graph, "MATCH (:Firm)-[r:FABRICATES]->(:Chip) WHERE $s IN r.sources "
                        "RETURN count(r) AS n", s=SOURCE_ID) == fabs
    assert [w.field for w in summary.warnings if w.label == "DESIGNS"] == ["Manufacturer"]


def test_curated_values_are_not_overwritten(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, summary = loaded
    # the curated H100 says 4 nm (TSMC 4N); Epoch says 5: reported, the curated value kept
    assert graph.read("MATCH (c:Chip {id: 'chip:nvidia-h100-sxm'}) "
                      "RETURN c.process_node_nm AS nm") == [{"nm": 4.0}]
    assert any(w.field == "Process size (nm)" and "chip:nvidia-h100-sxm" in w.message
               for w in summary.warnings)


def test_bad_cells_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "ml_hardware.csv"
    path.write_text(
        "Hardware name,Manufacturer,Type,Release date,Process size (nm),Die Size (mm^2),"
        f"Foundry,Memory bandwidth (byte/s),{TPP_COL}\n"
        "Widget 1,Acme,GPU,2024-13-01,five,100,,,1e15\n", encoding="utf-8")
    items = read_epoch_hardware(path, chips=ChipIndex())
    bad = {(r.origin.line if r.origin else None, r.field) for r in items
           if isinstance(r, Rejection)}
    assert bad == {(2, "Release date"), (2, "Process size (nm)")}
    chip = next(i for i in items if isinstance(i, NodeRecord) and i.label == "Chip")
    assert chip.props["tpp"] == 1000.0 and chip.props["performance_density"] == 10.0


def test_reload_changes_nothing(loaded) -> None:  # type: ignore[no-untyped-def]
    graph, _ = loaded
    before = snapshot(graph)
    again = ingest(graph, HARDWARE_CSV, "epoch-hardware")
    assert snapshot(graph) == before
    totals = again.totals()
    assert totals["nodes"]["created"] == 0 == totals["nodes"]["updated"]
    assert totals["relationships"]["created"] == 0 == totals["relationships"]["updated"]
