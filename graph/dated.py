"""Values that change over time (DESIGN.md section 4): which entry of a history held on a
given day.

A dated property (``dated: true`` in graph/schema.yaml) may be recorded as a history of
entries, each with the days it held (``since`` / ``until``, either end open). The loader
keeps every entry as a ``Value`` node and the node's plain property as the entry in force
on the day of the load; a question asked ``as_of`` a day reads the entry in force that
day. This module is the rule in Python; ``queries/value_as_of.cypher`` is the same rule
in Cypher, and the tests hold the two to the same answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from graph.schema import parse_date


def _day(value: Any, *, end: bool = False) -> dt.date | None:
    return None if value is None else parse_date(value, end=end)


def in_force(entry: Mapping[str, Any], day: dt.date) -> bool:
    """Whether ``entry`` held on ``day``: since <= day <= until, an absent end open."""
    since, until = _day(entry.get("since")), _day(entry.get("until"), end=True)
    return (since is None or since <= day) and (until is None or day <= until)


def entry_as_of(entries: Iterable[Mapping[str, Any]], day: dt.date) -> Mapping[str, Any] | None:
    """The entry in force on ``day`` (the latest ``since`` wins when two overlap; an open
    start counts as the earliest), or None when no entry held that day."""
    held = [e for e in entries if in_force(e, day)]
    if not held:
        return None
    return max(held, key=lambda e: _day(e.get("since")) or dt.date.min)


def value_as_of(entries: Iterable[Mapping[str, Any]], day: dt.date) -> Any:
    """The value in force on ``day``, or None when no entry held that day."""
    entry = entry_as_of(entries, day)
    return None if entry is None else entry.get("value")
