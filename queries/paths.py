"""Paths between two entities: the analyst's general tool.

Shortest paths (``ALL SHORTEST``) or, with ``all_paths``, every simple path up to
``max_hops``; relationships are walked in either direction (each hop says which) and may
be restricted to some types, checked against the schema registry.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from graph.db import Graph, cypher
from graph.errors import BadArgument, SchemaError
from queries.common import as_of_date, check_hops, check_id, lookup, narrow, primary_label
from queries.hops import entity, hops, source_titles
from queries.models import Path, PathsResult

DEFAULT_LIMIT = 50
#: simple paths enumerated at most before sorting (``--all``)
BUDGET = 20_000


def check_types(graph: Graph, types: Sequence[str] | None) -> list[str] | None:
    if not types:
        return None
    out = []
    for t in types:
        for name in (x.strip() for x in t.split(",")):
            if not name:
                continue
            try:
                out.append(graph.schema.rel_type(name.upper()))
            except SchemaError as exc:
                raise BadArgument(exc.message, hint=exc.hint) from None
    return sorted(set(out)) or None


def end_ref(n: dict[str, Any]) -> dict[str, Any]:
    """A looked-up end ({id, name, labels}) as the paths' nodes name theirs."""
    return {"id": n["id"], "name": n["name"], "label": primary_label(n["labels"])}


def paths(graph: Graph, source: str, target: str, types: Sequence[str] | None = None,
          max_hops: int = 4, all_paths: bool = False, as_of: dt.date | str | None = None,
          limit: int = DEFAULT_LIMIT) -> PathsResult:
    check_hops(max_hops)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10_000:
        raise BadArgument(f"limit out of range: {limit!r}", hint="expected 1..10000")
    day = as_of_date(as_of)
    checked = check_types(graph, types)
    src, dst = check_id(source), check_id(target)
    if src == dst:
        lookup(graph, src, what="entity")  # an unknown id says so first
        raise BadArgument("--from and --to are the same entity",
                          hint="a path needs two different ends")
    name = "paths_all" if all_paths else "paths"
    rows = graph.read(narrow(cypher(__file__, name), max_hops),
                      {"from": src, "to": dst, "types": checked, "as_of": day,
                       "limit": limit, "budget": BUDGET})
    if rows:  # the paths name their ends ({id, name, label}): no look-up read
        a, b = rows[0]["nodes"][0], rows[0]["nodes"][-1]
    else:  # no path, or an unknown end: the look-ups say which
        a, b = (end_ref(lookup(graph, x, what="entity")) for x in (src, dst))
    titles = source_titles(graph, (r["rels"] for r in rows))
    found = []
    for r in rows:
        hs = hops(r["nodes"], r["rels"], titles)
        found.append(Path(hops=hs, length=len(hs)))
    # parallel relationships (FABRICATES and PACKAGES between the same two nodes) tie on
    # the nodes alone: type, direction and properties break the tie, so the order is fixed
    found.sort(key=lambda p: (p.length, [(h.to_id, h.type, h.direction,
                                          json.dumps(h.properties, sort_keys=True, default=str))
                                         for h in p.hops]))

    return PathsResult(source=entity(a), target=entity(b),
                       mode="all" if all_paths else "shortest", types=checked,
                       max_hops=max_hops, as_of=day, paths=found)
