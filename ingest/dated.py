"""Histories of values that change over time, turned into records (DESIGN.md section 4).

A reader gives a dated property (``dated: true`` in graph/schema.yaml) either a plain value
or a history: a list of entries ``{value, since, until, sources, confidence, note}``. This
transform of the record stream, applied to every load, keeps the owning node with its plain
property set to the entry in force on ``today`` (absent when none is), and adds one
``Value`` node per entry and a ``HAS_VALUE`` relationship to it. An entry without sources or
confidence takes the node's. A malformed entry rejects the node, with the file, the line of
the property and what was expected.

Every reader gets this for free, and the order of the records stays deterministic (the
pipeline remembers rejected records by position).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from graph.dated import value_as_of
from graph.schema import SCHEMA, Property, parse_date
from ingest.records import NodeRecord, Rejection, RelRecord

Item = NodeRecord | RelRecord | Rejection
ENTRY_KEYS = frozenset({"value", "since", "until", "sources", "confidence", "note"})


def is_history(raw: Any) -> bool:
    """A dated property's raw value is a history when it is a non-empty list of mappings."""
    return isinstance(raw, list) and bool(raw) and all(isinstance(e, dict) for e in raw)


def value_id(node_id: str, prop: str, since: dt.date | None) -> str:
    """The stable id of one entry: the owner, the property and the first day."""
    start = since.isoformat() if since else "start"
    return f"value:{node_id.lower()}:{prop.replace('_', '-')}:{start}"


def expand_dated(source: Callable[[], Iterable[Item]], *,
                 today: dt.date | None = None) -> Callable[[], Iterator[Item]]:
    """``source`` with every history expanded (see the module docstring)."""
    day = today or dt.date.today()

    dated = {label: frozenset(k for k, p in props.items() if p.dated)
             for label, props in SCHEMA.node_properties.items()}
    no_dates: frozenset[str] = frozenset()

    def read() -> Iterator[Item]:
        for item in source():
            if isinstance(item, NodeRecord) and not dated.get(item.label, no_dates).isdisjoint(
                    item.props):
                yield from expand_node(item, day)
            else:
                yield item
    return read


def expand_node(rec: NodeRecord, day: dt.date) -> Iterator[Item]:
    """The node (its histories replaced by the value of ``day``), then its entries."""
    props = SCHEMA.node_properties.get(rec.label, {})
    histories = {k: v for k, v in rec.props.items()
                 if k in props and props[k].dated and is_history(v)}
    if not histories:
        yield rec
        return
    entries: list[tuple[str, dict[str, Any]]] = []
    for name, raw in histories.items():
        for i, entry in enumerate(raw):
            checked = _entry(props[name], entry, rec)
            if isinstance(checked, str):
                where = rec.origin.at(name) if rec.origin else None
                yield Rejection(where, name, f"history entry {i + 1}: {checked}",
                                {"id": str(rec.id)}, label=rec.label)
                return
            entries.append((name, checked))
    node_props = dict(rec.props)
    for name in histories:
        current = value_as_of([e for n, e in entries if n == name], day)
        if current is None:
            node_props.pop(name)
        else:
            node_props[name] = current
    yield NodeRecord(rec.label, rec.id, node_props, rec.origin)
    seen: set[str] = set()
    for name, e in entries:
        vid = value_id(rec.id, name, e.get("since"))
        if vid in seen:
            where = rec.origin.at(name) if rec.origin else None
            yield Rejection(where, name, f"two entries of {name!r} start on the same day "
                            f"({e.get('since') or 'open start'}): expected one per day",
                            {"id": str(rec.id)}, label="Value")
            continue
        seen.add(vid)
        value_props = {"name": f"{rec.id} {name}"
                               f" since {e['since'].isoformat() if e.get('since') else 'start'}",
                       "property": name, **e}
        yield NodeRecord("Value", vid, value_props, rec.origin)
        yield RelRecord("HAS_VALUE", rec.id, vid,
                        {"sources": e["sources"], "confidence": e["confidence"]}, rec.origin)


def _entry(prop: Property, entry: dict[str, Any], owner: NodeRecord) -> dict[str, Any] | str:
    """One entry checked and coerced, or a sentence saying what was expected."""
    unknown = sorted(set(map(str, entry)) - ENTRY_KEYS)
    if unknown:
        return f"unknown key {unknown[0]!r}: expected {', '.join(sorted(ENTRY_KEYS))}"
    if "value" not in entry or entry["value"] is None:
        return "missing value"
    out: dict[str, Any] = {}
    try:
        out["value"] = prop.coerce(entry["value"])
    except ValueError as exc:
        return f"value: {exc}"
    for key in ("since", "until"):
        if entry.get(key) is not None:
            try:
                out[key] = parse_date(entry[key], end=key == "until")
            except ValueError:
                return f"{key}: expected a date YYYY-MM-DD, YYYY-MM or YYYY, got {entry[key]!r}"
    if "since" in out and "until" in out and out["until"] < out["since"]:
        return f"until {out['until']} is before since {out['since']}"
    sources = entry.get("sources", owner.props.get("sources"))
    if isinstance(sources, str):
        sources = [sources]
    if not sources:
        return "missing sources: the entry or its node names at least one Source id"
    out["sources"] = [str(s) for s in sources]
    confidence = entry.get("confidence", owner.props.get("confidence"))
    if not confidence:
        return "missing confidence: the entry or its node says high, medium or low"
    out["confidence"] = confidence
    if entry.get("note"):
        out["note"] = str(entry["note"])
    return out
