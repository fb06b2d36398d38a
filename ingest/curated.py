"""Reader of the curated YAML format (data/README.md), with the line of every field.

The YAML is *composed* (not just loaded) so each record and each of its keys keeps the
line it was written on; a rejection can then say ``data/firms/x.yaml:42 field 'share'``.
A file that is not UTF-8 or not valid YAML becomes one rejection (with the line of the
error) and the other files still load. The file's structure (three lists: sources, nodes,
relationships) is checked with pydantic; each record's content is checked later against
the schema (ingest.validate).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ingest.countries import read_country_groups
from ingest.records import NodeRecord, Origin, Rejection, RelRecord
from ingest.validate import file_rejection
from ingest.yamldoc import YamlDoc, display_path, read_yaml

#: ``YamlDoc``, ``display_path`` and ``read_yaml`` live in ingest/yamldoc.py; kept here for
#: the importers that read them from this module
__all__ = ["SKIP_DIRS", "YAML_SUFFIXES", "CuratedFile", "Item", "YamlDoc", "display_path",
           "read_curated", "read_curated_file", "read_yaml", "yaml_files"]

Item = NodeRecord | RelRecord | Rejection

#: folders of data/ that are not curated graph data
SKIP_DIRS = frozenset({"scenarios"})
YAML_SUFFIXES = (".yaml", ".yml")


class CuratedFile(BaseModel):
    """The top level of a curated file: three lists of mappings, nothing else."""

    model_config = ConfigDict(extra="forbid")
    sources: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    relationships: list[dict[str, Any]] = []


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    """The YAML files of the given paths; directories recurse, skipping data/scenarios/."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                rel = f.relative_to(path).parts
                if f.is_file() and f.suffix in YAML_SUFFIXES and not SKIP_DIRS & set(rel[:-1]):
                    out.append(f)
        else:
            out.append(path)
    return out


def _fields(node: yaml.MappingNode) -> tuple[dict[str, int], str | None]:
    """Line of each key of a mapping; and the first key given twice, if any."""
    lines: dict[str, int] = {}
    dup = None
    for k, _ in node.value:
        key = str(k.value)
        if key in lines and dup is None:
            dup = key
        lines.setdefault(key, int(k.start_mark.line) + 1)
    return lines, dup


def _items(doc: YamlDoc, section: str) -> Iterator[tuple[dict[str, Any], Origin] | Rejection]:
    seq = doc.section(section)
    values = doc.data.get(section) or []
    if not isinstance(seq, yaml.SequenceNode):
        return
    for node, value in zip(seq.value, values, strict=False):
        line = int(node.start_mark.line) + 1
        if not isinstance(node, yaml.MappingNode) or not isinstance(value, dict):
            yield file_rejection(Origin(doc.file, line),
                                 f"an entry of '{section}' is not a mapping: expected "
                                 "`key: value` lines")
            continue
        lines, dup = _fields(node)
        origin = Origin(doc.file, line, lines)
        if dup:
            yield Rejection(origin.at(dup), dup, f"key {dup!r} is given twice in one record",
                            {str(k): str(v) for k, v in value.items()})
            continue
        yield dict(value), origin


def read_curated_file(path: Path) -> Iterator[Item]:
    """The records of one curated YAML file (or of the country-groups file)."""
    doc = read_yaml(path)
    if isinstance(doc, Rejection):
        yield doc
        return
    if doc.data is None:
        return
    if isinstance(doc.data, dict) and "groups" in doc.data:
        yield from read_country_groups(doc)
        return
    if not isinstance(doc.data, dict):
        yield file_rejection(Origin(doc.file, 1), "expected a mapping with sources, nodes "
                                                  "and relationships")
        return
    try:
        CuratedFile.model_validate(doc.data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = str(err["loc"][0]) if err["loc"] else None
        line = doc.key_line(key) if key else None
        msg = ("unknown section: expected only sources, nodes, relationships"
               if err["type"] == "extra_forbidden" else err["msg"])
        yield file_rejection(Origin(doc.file, line), f"{key}: {msg}", key)
        return
    for entry in _items(doc, "sources"):
        if isinstance(entry, Rejection):
            yield entry.__class__(**{**entry.__dict__, "label": "Source"})
            continue
        d, origin = entry
        d.pop("label", None)
        yield NodeRecord("Source", d.pop("id", None), d, origin)
    for entry in _items(doc, "nodes"):
        if isinstance(entry, Rejection):
            yield entry
            continue
        d, origin = entry
        label = _kind(d, origin, "label", "labels")
        if isinstance(label, Rejection):
            yield label
            continue
        yield NodeRecord(label, d.pop("id", None), d, origin)
    for entry in _items(doc, "relationships"):
        if isinstance(entry, Rejection):
            yield entry
            continue
        d, origin = entry
        rtype = _kind(d, origin, "type", "relationship types")
        if isinstance(rtype, Rejection):
            yield rtype
            continue
        src, dst = d.pop("from", None), d.pop("to", None)
        yield RelRecord(rtype, src, dst, d, origin)


def _kind(d: dict[str, Any], origin: Origin, key: str, what: str) -> str | Rejection:
    """Pop the record's ``label`` / ``type``: the name, or a rejection saying it is missing."""
    value = d.pop(key, None)
    if isinstance(value, str):
        return value
    return Rejection(origin.at(key), key, f"missing {key}: expected one of the {what} of "
                     "graph/schema.yaml", {str(k): str(v) for k, v in d.items()})


def read_curated(paths: Iterable[Path]) -> list[Item]:
    """Every record of the curated files under ``paths`` (held in memory: curated data is
    small, and the load reads it several times)."""
    items: list[Item] = []
    for f in yaml_files(paths):
        items.extend(read_curated_file(f))
    return items



def curated_sources(label: str, data_dir: Path | None = None) -> dict[str, set[str]]:
    """id -> sources of the curated data's ``label`` nodes (``data/`` of this checkout).

    A curated node may cite only a dataset (a firm ETO lists, sourced to ETO alone): it is
    still the product's, never the output of that dataset's importer (see
    ``ingest.resolve.own_output``)."""
    folder = data_dir or Path(__file__).resolve().parent.parent / "data"
    return {rec.id: set(rec.props.get("sources") or ()) for rec in read_curated([folder])
            if isinstance(rec, NodeRecord) and rec.label == label and isinstance(rec.id, str)}
