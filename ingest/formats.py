"""Which reader reads a path, and one source for a whole ``stackgraph ingest`` run.

Formats: ``curated`` (YAML files or folders of them), ``eto`` (a folder with
providers.csv), ``epoch`` (a CSV with an "Organization" column), ``apoc-json`` (JSON
lines). Detected from the path when not given. Curated inputs are read first, so the
dataset importers of the same run resolve organisations to the curated firms.
"""

from __future__ import annotations

from pathlib import Path

from graph.db import Graph
from graph.errors import BadArgument
from ingest import epoch, eto
from ingest.apoc import ApocReader, is_apoc_file
from ingest.curated import YAML_SUFFIXES, read_curated
from ingest.pipeline import Item, Source, chain_sources, list_source
from ingest.resolution import resolved
from ingest.resolve import FirmIndex

FORMATS = ("curated", "eto", "epoch", "apoc-json")
ORDER = {f: i for i, f in enumerate(FORMATS)}


def detect_format(path: Path) -> str:
    """The format of ``path``, or BadArgument saying what was expected."""
    if not path.exists():
        raise BadArgument(f"{path}: no such file or directory")
    if path.is_dir():
        if eto.is_eto_dir(path):
            return "eto"
        if any(p.suffix in YAML_SUFFIXES for p in path.rglob("*")):
            return "curated"
        raise BadArgument(f"{path}: cannot tell the format of this folder",
                          hint="expected YAML files (curated) or ETO's providers.csv; "
                               "or pass --format")
    if path.suffix in YAML_SUFFIXES:
        return "curated"
    if epoch.is_epoch_csv(path):
        return "epoch"
    if is_apoc_file(path):
        return "apoc-json"
    raise BadArgument(f"{path}: cannot tell the format of this file",
                      hint="expected .yaml (curated), a CSV with an Organization column "
                           "(epoch), .jsonl (apoc-json), or a folder; or pass --format")


def build_source(paths: list[Path], fmt: str | None, graph: Graph | None) -> Source:
    """One re-readable source over every path, its entities resolved across the paths
    and the database: the one seam every reader's records pass through
    (ingest/resolution.py)."""
    return resolved(read_source(paths, fmt, graph), graph)


def read_source(paths: list[Path], fmt: str | None, graph: Graph | None) -> Source:
    """The records of every path as their readers give them, in the order curated, eto,
    epoch, apoc (not yet resolved: see ``build_source``)."""
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
        else:
            if not p.is_file():
                raise BadArgument(f"{p}: expected a JSON-lines file")
            apoc.append(ApocReader(p))
    return chain_sources(list_source(items), *apoc)
