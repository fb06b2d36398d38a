"""The countries of the graph with their US EAR country groups, read once per graph version.

Every license, diversion and exposure answer needs the groups of some countries (a party's
destination, its owners' headquarters) and the scenario tier of every country (tiers are
defined by groups). Both used to be a read per answer (about 4 ms each on the bundled
data: BENCHMARKS.md, "API under load"); the table changes only when the graph does, so
the Graph keeps it by graph version (``graph.db.Kept`` in ``Graph.derived``, as the
chokepoint summaries are) and an answer reads only the version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from graph.dated import value_as_of
from graph.db import Graph, Kept, cypher
from queries.summaries import graph_version

#: country tables a Graph keeps (by graph version)
KEEP = 4


def groups_as_of(plain: list[str], entries: list[dict[str, Any]], day: dt.date) -> list[str]:
    """A country's EAR groups on ``day`` (dated-values contract, graph/dated.py): with a
    history, the entry in force that day (none: no groups); without, the plain property."""
    if entries:
        return list(value_as_of(entries, day) or [])
    return list(plain or [])


@dataclass(frozen=True)
class CountryTable:
    """Per country (ISO3): its groups today (the plain property) and their dated entries."""

    plain: dict[str, list[str]]
    entries: dict[str, list[dict[str, Any]]]

    def groups(self, ids: list[str], day: dt.date) -> dict[str, list[str]]:
        """The groups of the countries ``ids`` on ``day``; ids that are no Country of the
        graph are left out."""
        return {c: groups_as_of(self.plain[c], self.entries[c], day)
                for c in ids if c in self.plain}


def country_table(graph: Graph) -> CountryTable:
    """The table of ``graph`` at its current version (read when the version is new)."""
    kept = graph.derived.setdefault("countries", Kept(KEEP))
    return kept.get(graph_version(graph), lambda: _read(graph))


def _read(graph: Graph) -> CountryTable:
    rows = graph.read(cypher(__file__, "countries"), plain=True)[0]["countries"]
    return CountryTable(plain={r["iso3"]: list(r["groups"]) for r in rows},
                        entries={r["iso3"]: list(r["entries"]) for r in rows})


def country_groups(graph: Graph, ids: list[str], day: dt.date) -> dict[str, list[str]]:
    """The EAR groups of the countries ``ids`` on ``day`` (ids without a Country: absent)."""
    return country_table(graph).groups(ids, day)
