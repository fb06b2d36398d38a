"""Shared by the tests of the public-dataset importers: where the shared files are, the
bundled data (curated + ETO) they load beside, and a load through ``stackgraph ingest``'s
own path (``build_source``), so format detection and name resolution are the real ones."""

from __future__ import annotations

import csv
from pathlib import Path

from graph.db import Graph
from ingest.bundled import load_bundled
from ingest.formats import build_source
from ingest.loader import LoadSummary
from ingest.pipeline import run_load
from tests.conftest import SHARED, wipe

DATA = SHARED / "data"
CLUSTERS_CSV = DATA / "epoch-gpu-clusters" / "gpu_clusters.csv"
HARDWARE_CSV = DATA / "epoch-ml-hardware" / "ml_hardware.csv"
DOD_CSV = DATA / "us-dod-1260h" / "sanctions.csv"
MIEU_CSV = DATA / "us-bis-mieu" / "mieu.csv"


def csv_rows(path: Path) -> list[dict[str, str]]:
    """The file's rows as the csv module reads them (the independent side of a check)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in r.items()} for r in csv.DictReader(fh)]


def fresh_with_bundled(graph: Graph) -> LoadSummary:
    """An empty database holding the bundled data (curated firms and chips, countries)."""
    wipe(graph)
    summary = load_bundled(graph)
    assert summary.nodes_written > 1000
    return summary


def ingest(graph: Graph, path: Path, fmt: str | None = None) -> LoadSummary:
    """``stackgraph ingest PATH [--format FMT]`` without the command line."""
    return run_load(graph, build_source([path], fmt, graph), progress=False)


def ingest_all(graph: Graph, paths: list[Path]) -> LoadSummary:
    """``stackgraph ingest PATH...``: several datasets in one run, formats detected."""
    return run_load(graph, build_source(paths, None, graph), progress=False)
