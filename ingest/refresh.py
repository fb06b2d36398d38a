"""Refresh: what a newer snapshot of a dataset no longer contains is closed, not deleted.

After a dataset is loaded, every open relationship citing the dataset's Source that the
load did not contain is a fact the publisher dropped: it gets ``until`` = the snapshot's
day, so "as of" questions before that day still see it and questions after do not. A fact
also backed by another source (one cited by facts of the curated data or of another
dataset) stays open: that source still vouches for it; it is counted as ``still_backed``.
The curated data's own facts that cite a dataset (a chip REQUIRES an ETO input, citing
ETO) are the product's, not the dataset's: its refresh never closes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.db import Graph, cypher
from graph.schema import SCHEMA
from ingest.pipeline import Source
from ingest.records import NodeRecord, RelRecord
from ingest.validate import Validator


@dataclass
class Refresh:
    closed: int = 0
    still_backed: int = 0
    closed_examples: list[str] = field(default_factory=list)


def _key(rel_type: str, source: str, target: str, since: Any, props: dict[str, Any],
         ) -> tuple[Any, ...]:
    rel = SCHEMA.rel_types.get(rel_type)
    extra = tuple(str(props.get(k) or "") for k in (rel.merge_key if rel else ()))
    day = since.iso_format() if hasattr(since, "iso_format") else since
    return (rel_type, source, target, str(day) if day is not None else "", extra)


def curated_facts(source_id: str, data_dir: Path | None = None) -> set[tuple[Any, ...]]:
    """The facts of the curated data (``data/``) that cite ``source_id``: the product's own
    facts quoting a dataset (a chip's REQUIRES citing ETO), never closed by its refresh."""
    from ingest.curated import read_curated
    from ingest.judgements import ROOT

    return _keys(lambda: read_curated([data_dir or ROOT / "data"]), source_id)[0]


def _keys(source: Source, source_id: str) -> tuple[set[tuple[Any, ...]], set[str]]:
    """The identities of the facts of ``source`` citing ``source_id``, and the Source ids
    it defines."""
    v = Validator()
    loaded: set[tuple[Any, ...]] = set()
    own_sources = {source_id}
    for item in source():
        if isinstance(item, NodeRecord) and item.label == "Source":
            own_sources.add(item.id)
        if not isinstance(item, RelRecord):
            continue
        rec = v.shape_rel(item)
        if isinstance(rec, RelRecord) and source_id in (rec.props.get("sources") or ()):
            loaded.add(_key(rec.type, rec.source, rec.target, rec.props.get("since"),
                            rec.props))
    return loaded, own_sources


def close_missing(graph: Graph, source: Source, source_id: str, day: dt.date,
                  examples: int = 5, keep: set[tuple[Any, ...]] | None = None) -> Refresh:
    """Close the open facts citing ``source_id`` that ``source`` (the load just made,
    read again) does not contain; ``keep``: identities never closed (the curated data's
    own facts citing the dataset, see ``curated_facts``)."""
    loaded, own_sources = _keys(source, source_id)
    loaded |= keep or set()
    out = Refresh()
    to_close: list[str] = []
    dropped = [row for row in graph.read(cypher(__file__, "facts_of_source"),
                                         {"source": source_id})
               if _key(row["type"], row["source"], row["target"], row["since"],
                       row["props"]) not in loaded]
    others = sorted({s for row in dropped for s in row["props"].get("sources") or ()
                     if s not in own_sources})
    backing = {r["id"] for r in graph.read(cypher(__file__, "sources_backing"),
                                           {"ids": others, "source": source_id})
               if r["other"]} if others else set()
    for row in dropped:
        if set(row["props"].get("sources") or ()) & backing:
            out.still_backed += 1
            continue
        to_close.append(row["rid"])
        if len(out.closed_examples) < examples:
            out.closed_examples.append(f"{row['type']} {row['source']} -> {row['target']}")
    if to_close:
        res = graph.write(cypher(__file__, "close_facts"), {"rids": to_close, "day": day})
        out.closed = int(res[0]["closed"]) if res else 0
    return out
