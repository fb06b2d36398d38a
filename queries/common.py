"""What every question shares: argument checks, the ``as_of`` day, node look-ups.

Every public question validates its arguments here before touching the graph, so a bad
id, date or hop bound is a ``BadArgument`` / ``NotFound`` with a hint — never a traceback
and never an empty answer that reads as "no risk".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import re
from typing import Any

from graph.db import Graph, cypher
from graph.errors import BadArgument, NotFound
from graph.schema import parse_date

#: Hop bounds accepted by every path question.
MIN_HOPS, MAX_HOPS = 1, 8

_LUCENE_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


def as_of_date(value: dt.date | str | None) -> dt.date:
    """The day a question looks at: a date, ``YYYY-MM-DD`` text, or ``None`` for today."""
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise BadArgument(f"malformed date {text!r} for as_of",
                          hint="expected a day as YYYY-MM-DD, e.g. 2025-01-15")
    try:
        return parse_date(text)
    except ValueError:
        raise BadArgument(f"malformed date {text!r} for as_of",
                          hint="expected a real calendar day as YYYY-MM-DD") from None


def check_hops(max_hops: int, name: str = "max_hops") -> int:
    if isinstance(max_hops, bool) or not isinstance(max_hops, int):
        raise BadArgument(f"{name} must be a whole number, got {max_hops!r}")
    if not MIN_HOPS <= max_hops <= MAX_HOPS:
        raise BadArgument(f"{name} out of range: {max_hops}",
                          hint=f"expected {MIN_HOPS}..{MAX_HOPS}")
    return max_hops


def narrow(text: str, n: int, default: int = MAX_HOPS) -> str:
    """The query text with its one quantifier ``){1,<default>}`` narrowed to ``){1,n}``.

    A Cypher quantifier cannot be a parameter, so the ``.cypher`` file carries the widest
    bound (runnable as is in the Browser) and the code narrows it to a checked integer."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= default:
        raise BadArgument(f"hop bound out of range: {n!r}", hint=f"expected 1..{default}")
    marker = f"){{1,{default}}}"
    if text.count(marker) != 1:  # pragma: no cover - guards the .cypher files
        raise RuntimeError(f"expected exactly one {marker} quantifier in the query")
    return text.replace(marker, f"){{1,{n}}}")


def check_threshold(threshold: float) -> float:
    if not 0 < threshold <= 100:
        raise BadArgument(f"threshold out of range: {threshold}",
                          hint="expected a percent share in (0, 100], e.g. 90")
    return float(threshold)


def suggestions(graph: Graph, text: str, limit: int = 5,
                labels: tuple[str, ...] | None = None) -> list[str]:
    """Ids of entities resembling ``text``: with ``labels``, ids of those labels first —
    the closest ids by spelling (``consortium:stargate-uea`` -> ``consortium:stargate-uae``),
    then names or aliases that match (full-text) — and other entities after them."""
    text = text.strip()
    close: list[str] = []
    if labels:
        with contextlib.suppress(Exception):  # a failed suggestion must not hide NotFound
            ids = [r["id"] for r in graph.read(cypher(__file__, "ids_of_labels"),
                                               {"labels": list(labels)})]
            close = difflib.get_close_matches(text, ids, n=limit, cutoff=0.6)
            lowered = {i.lower(): i for i in ids}
            if text.lower() in lowered:  # the same id in another case
                close.insert(0, lowered[text.lower()])
    words = re.sub(r"^[a-z]+:", "", text).replace("-", " ").replace("_", " ")
    words = _LUCENE_SPECIAL.sub(r"\\\1", words).strip()
    rows: list[dict[str, Any]] = []
    if words:
        terms = " ".join(f"{w}~" if len(w) > 3 else w for w in words.split())
        with contextlib.suppress(Exception):
            rows = graph.read(cypher(__file__, "suggest"), {"q": terms, "limit": limit * 4})
    wanted = set(labels or ())
    ranked = close + [r["id"] for r in rows if wanted & set(r["labels"])] \
        + [r["id"] for r in rows if not wanted & set(r["labels"])]
    return list(dict.fromkeys(ranked))[:limit]


def not_found(graph: Graph, node_id: str, what: str = "entity",
              labels: tuple[str, ...] | None = None) -> NotFound:
    hint = None
    sugg = suggestions(graph, node_id, labels=labels)
    if sugg:
        hint = "did you mean: " + ", ".join(sugg)
    else:
        hint = "ids look like firm:nvidia, chip:nvidia-h100-sxm, dc:..., model:..., or USA"
    return NotFound(f"unknown {what} {node_id!r}", hint=hint)


def check_id(node_id: object, what: str = "entity") -> str:
    """``node_id`` stripped; BadArgument when it is not a non-empty string."""
    if not isinstance(node_id, str) or not node_id.strip():
        raise BadArgument(f"an {what} id is required", hint="e.g. firm:nvidia")
    return node_id.strip()


def lookup(graph: Graph, node_id: str, labels: tuple[str, ...] | None = None,
           what: str = "entity") -> dict[str, Any]:
    """The node ``node_id`` as {id, name, labels}; NotFound (with suggestions) when absent,
    BadArgument when it exists with none of ``labels``."""
    rows = graph.read(cypher(__file__, "lookup"), {"id": check_id(node_id, what)})
    if not rows:
        raise not_found(graph, node_id, what, labels)
    row = rows[0]
    if labels and not set(row["labels"]) & set(labels):
        kinds = ", ".join(labels)
        raise BadArgument(f"{node_id!r} is a {primary_label(row['labels'])}, expected {kinds}",
                          hint=f"pass the id of a {kinds}")
    return row


def primary_label(labels: list[str]) -> str:
    """The domain label of a node (every node also carries ``Entity``)."""
    for label in labels:
        if label != "Entity":
            return label
    return "Entity"


def values_as_of(graph: Graph, ids: list[str], prop: str, as_of: dt.date) -> dict[str, Any]:
    """id -> the value of the dated property ``prop`` on ``as_of`` (``value_as_of.cypher``;
    a node without a history keeps its plain property)."""
    from graph.schema import SCHEMA

    if not any(p.dated for props in SCHEMA.node_properties.values()
               for name, p in props.items() if name == prop):
        raise BadArgument(f"{prop!r} is not a dated property",
                          hint="graph/schema.yaml marks values that change with dated: true")
    rows = graph.read(cypher(__file__, "value_as_of"),
                      {"ids": ids, "property": prop, "as_of": as_of})
    return {r["id"]: r["value"] for r in rows}
