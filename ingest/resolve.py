"""Entity resolution of organisation names to Firm ids.

A dataset names firms its own way ("TSMC", "Tokyo Electron", "ASML Holding N.V."); a
curated firm carries a name and aliases. Names are compared after normalisation (case,
accents, punctuation, and legal suffixes such as Inc, Ltd, Corp, N.V. removed), so every
curated firm that a dataset also names resolves to the same node.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from graph.db import Graph, cypher
from ingest.records import NodeRecord

LEGAL_SUFFIXES = frozenset({
    "inc", "incorporated", "ltd", "limited", "corp", "corporation", "co", "company", "llc",
    "plc", "ag", "sa", "nv", "bv", "gmbh", "kk", "se", "spa", "holdings", "holding", "group",
    "the",
})


def normalize(name: str) -> str:
    """Comparable form of an organisation name: 'Tokyo Electron Ltd.' -> 'tokyo electron'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    while len(words) > 1 and words[0] == "the":
        words.pop(0)
    return " ".join(words)


def slugify(text: str) -> str:
    """A lowercase id slug: 'Tokyo Electron' -> 'tokyo-electron'."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace("+", " plus ")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug or "unnamed"


class FirmIndex:
    """Normalised name or alias -> Firm id, from the database and the records of a load."""

    def __init__(self) -> None:
        self._by_name: dict[str, set[str]] = {}
        self.ids: set[str] = set()

    def add(self, firm_id: str, names: Iterable[str | None]) -> None:
        self.ids.add(firm_id)
        for n in names:
            if n:
                self._by_name.setdefault(normalize(str(n)), set()).add(firm_id)

    def add_records(self, records: Iterable[object]) -> FirmIndex:
        """Index the Firm records of a load (e.g. the curated files read in the same run)."""
        for rec in records:
            if isinstance(rec, NodeRecord) and rec.label == "Firm" and isinstance(rec.id, str):
                self.add(rec.id, [rec.props.get("name"), *(rec.props.get("aliases") or [])])
        return self

    def add_graph(self, graph: Graph | None, own_source: str | None = None) -> FirmIndex:
        """Index every Firm already in the database (one query).

        Firms backed by ``own_source`` alone were created by an earlier run of the same
        importer: they are left out, so a re-run emits the same records as the first run
        (and the same summary) instead of resolving to its own output.
        """
        if graph is not None:
            for row in graph.read(cypher(__file__, "firm_names")):
                if own_source and (row["sources"] or []) == [own_source]:
                    continue
                self.add(row["id"], [row["name"], *(row["aliases"] or [])])
        return self

    def resolve(self, name: str) -> str | None:
        """The one firm this name or alias denotes; None when none or several do."""
        hits = self._by_name.get(normalize(name), set())
        return next(iter(hits)) if len(hits) == 1 else None

    def ambiguous(self, name: str) -> list[str]:
        hits = self._by_name.get(normalize(name), set())
        return sorted(hits) if len(hits) > 1 else []
