"""Which reader reads a path, and one source for a whole ``stackgraph ingest`` run.

Formats: ``curated`` (YAML files or folders of them), ``eto`` (a folder with
providers.csv), ``epoch`` (a CSV with an "Organization" column), the public datasets of
docs/datasets.md (``epoch-hardware``, ``epoch-clusters``, ``dod-1260h``, ``bis-mieu``: CSVs
told apart by their header; ``epoch-datacenters``, ``epoch-chip-counts``: folders),
``apoc-json`` (JSON lines). Detected from the path when not
given. Curated inputs are read first, so the dataset importers of the same run resolve
organisations and chips to the curated ones; chips before the clusters that host them.
"""

from __future__ import annotations

from pathlib import Path

from graph.db import Graph
from graph.errors import BadArgument
from ingest import (
    epoch,
    epoch_chip_counts,
    epoch_clusters,
    epoch_datacenters,
    epoch_hardware,
    eto,
    us_lists,
)
from ingest.apoc import ApocReader, is_apoc_file
from ingest.chipnames import ChipIndex
from ingest.curated import YAML_SUFFIXES, read_curated
from ingest.pipeline import Item, Source, chain_sources, list_source
from ingest.resolution import resolved
from ingest.resolve import FirmIndex

FORMATS = ("curated", "eto", "epoch", "epoch-hardware", "epoch-clusters",
           "epoch-datacenters", "epoch-chip-counts", "dod-1260h", "bis-mieu", "apoc-json")
#: dataset formats read from a folder -> (how the folder is recognised, own Source id)
DIR_FORMATS = {
    "epoch-datacenters": (epoch_datacenters.is_datacenters_dir, epoch_datacenters.SOURCE_ID),
    "epoch-chip-counts": (epoch_chip_counts.is_chip_counts_dir, epoch_chip_counts.SOURCE_ID),
}
#: single-CSV dataset formats -> (how its header is recognised, the importer's own Source id)
CSV_FORMATS = {
    "epoch-hardware": (epoch_hardware.is_hardware_csv, epoch_hardware.SOURCE_ID),
    "epoch-clusters": (epoch_clusters.is_clusters_csv, epoch_clusters.SOURCE_ID),
    "dod-1260h": (us_lists.is_dod_csv, us_lists.DOD_SOURCE),
    "bis-mieu": (us_lists.is_mieu_csv, us_lists.MIEU_SOURCE),
}
ORDER = {f: i for i, f in enumerate(FORMATS)}


def detect_format(path: Path) -> str:
    """The format of ``path``, or BadArgument saying what was expected."""
    if not path.exists():
        raise BadArgument(f"{path}: no such file or directory")
    if path.is_dir():
        if eto.is_eto_dir(path):
            return "eto"
        for fmt, (test, _) in DIR_FORMATS.items():
            if test(path):
                return fmt
        if any(p.suffix in YAML_SUFFIXES for p in path.rglob("*")):
            return "curated"
        raise BadArgument(f"{path}: cannot tell the format of this folder",
                          hint="expected YAML files (curated), ETO's providers.csv, Epoch "
                               "AI's data_centers.csv or chip counts (see docs/datasets.md); "
                               "or pass --format")
    if path.suffix in YAML_SUFFIXES:
        return "curated"
    if epoch.is_epoch_csv(path):
        return "epoch"
    if path.name == epoch_datacenters.CAMPUSES:
        return "epoch-datacenters"
    for fmt, (test, _) in CSV_FORMATS.items():
        if test(path):
            return fmt
    if is_apoc_file(path):
        return "apoc-json"
    raise BadArgument(f"{path}: cannot tell the format of this file",
                      hint="expected .yaml (curated), a CSV of a known dataset (epoch, "
                           f"{', '.join(CSV_FORMATS)}: see docs/datasets.md), .jsonl "
                           "(apoc-json), or a folder; or pass --format")


def build_source(paths: list[Path], fmt: str | None, graph: Graph | None) -> Source:
    """One re-readable source over every path, its entities resolved across the paths
    and the database: the one seam every reader's records pass through
    (ingest/resolution.py). APOC exports carry final ids (a graph's own export): they are
    not matched, only their relationships' ends follow what the other paths' records were
    joined to; an APOC-only load skips matching altogether (no read of its own)."""
    items, final = _read_parts(paths, fmt, graph)
    if not items:
        return chain_sources(*final)
    return resolved(list_source(items), graph, final=chain_sources(*final) if final else None)


def read_source(paths: list[Path], fmt: str | None, graph: Graph | None) -> Source:
    """The records of every path as their readers give them, in the order curated, eto,
    epoch, apoc (not yet resolved: see ``build_source``)."""
    items, final = _read_parts(paths, fmt, graph)
    return chain_sources(list_source(items), *final)


def _read_parts(paths: list[Path], fmt: str | None, graph: Graph | None,
                ) -> tuple[list[Item], list[Source]]:
    """The records of the paths read into memory (every format but APOC, in the order
    curated, eto, epoch, datasets) and the APOC files' sources (streamed, ids final)."""
    if fmt is not None and fmt not in FORMATS:
        raise BadArgument(f"unknown format {fmt!r}", hint=f"expected one of {', '.join(FORMATS)}")
    tagged = []
    for p in paths:
        if not p.exists():
            raise BadArgument(f"{p}: no such file or directory")
        tagged.append((fmt or detect_format(p), p))
    tagged.sort(key=lambda t: ORDER[t[0]])
    items: list[Item] = []
    firms: FirmIndex | None = None
    apoc: list[Source] = []
    for f, p in tagged:
        if f == "curated":
            items.extend(read_curated([p]))
        elif f == "eto":
            if not eto.is_eto_dir(p):
                raise BadArgument(f"{p}: not an ETO folder", hint="expected a folder with "
                                  "stages.csv, inputs.csv, providers.csv, provision.csv, "
                                  "sequence.csv")
            firms = firms or FirmIndex().add_graph(graph, eto.SOURCE_ID).add_records(items)
            items.extend(eto.read_eto(p, firms))
        elif f == "epoch":
            firms = firms or FirmIndex().add_graph(graph, epoch.SOURCE_ID).add_records(items)
            items.extend(epoch.read_epoch(p, firms))
        elif f in CSV_FORMATS or f in DIR_FORMATS:
            items.extend(_read_dataset(f, p, graph, items))
        else:
            if not p.is_file():
                raise BadArgument(f"{p}: expected a JSON-lines file")
            apoc.append(ApocReader(p))
    return items, apoc


def _read_dataset(fmt: str, path: Path, graph: Graph | None, items: list[Item]) -> list[Item]:
    """The records of one dataset CSV; names resolve to what the database and the records
    read before it in this run hold (leaving out what only this importer itself made)."""
    if fmt in DIR_FORMATS:
        test, own = DIR_FORMATS[fmt]
        folder = path.parent if path.is_file() else path
        if not test(folder):
            raise BadArgument(f"{path}: not an {fmt} folder", hint="see docs/datasets.md for "
                              "the files each format expects")
    else:
        test, own = CSV_FORMATS[fmt]
        if not path.is_file() or not test(path):
            raise BadArgument(f"{path}: not a {fmt} CSV", hint="see docs/datasets.md for the "
                              "columns each format expects")
    firms = FirmIndex().add_graph(graph, own).add_records(items)
    if fmt == "epoch-datacenters":
        return epoch_datacenters.read_epoch_datacenters(path, firms)
    if fmt == "dod-1260h":
        return us_lists.read_dod_1260h(path, firms)
    if fmt == "bis-mieu":
        return us_lists.read_bis_mieu(path, firms)
    chips = ChipIndex().add_graph(graph, own).add_records(items)
    if fmt == "epoch-hardware":
        return epoch_hardware.read_epoch_hardware(path, firms, chips)
    if fmt == "epoch-chip-counts":
        return epoch_chip_counts.read_epoch_chip_counts(path, firms, chips)
    return epoch_clusters.read_epoch_clusters(path, firms, chips)
