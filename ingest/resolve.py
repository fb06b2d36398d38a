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
from typing import Any

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
    text = text.replace("&", " and ").replace(".", "")  # "N.V." -> "nv", "X.AI" -> "xai"
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


def own_output(rows: Iterable[dict[str, Any]], own_source: str, label: str) -> set[str]:
    """The ids among ``rows`` (id, sources) that an importer citing ``own_source`` made on
    an earlier run: backed by that source alone, and not a node of the curated data that
    cites only that source (a node the importer made under a curated id, in a graph without
    the curated data, still has other sources than the curated record)."""
    from ingest.curated import curated_sources

    alone = {r["id"] for r in rows if (r["sources"] or []) == [own_source]}
    if not alone:
        return alone
    curated = curated_sources(label)
    return {i for i in alone if curated.get(i) != {own_source}}


class FirmIndex:
    """Names and aliases -> Firm ids, from the database and the records of a load.

    A name is looked up in four tiers, the first tier with any hit deciding: exact name
    (ignoring case), exact alias, normalised name, normalised alias. So "OpenAI" resolves
    to the firm *named* OpenAI even when another firm has the alias "OpenAI Inc.". Several
    hits in the deciding tier are ambiguous: not resolved, and reported by the importer.
    """

    def __init__(self) -> None:
        self._tiers: tuple[dict[str, set[str]], ...] = ({}, {}, {}, {})
        self.ids: set[str] = set()
        self._names: dict[str, str] = {}

    def add(self, firm_id: str, names: Iterable[str | None]) -> None:
        """Index a firm: the first name is its name, the others its aliases."""
        self.ids.add(firm_id)
        for i, n in enumerate(names):
            if not n:
                continue
            if i == 0:
                self._names.setdefault(firm_id, str(n))
            alias = int(i > 0)
            self._tiers[alias].setdefault(str(n).casefold().strip(), set()).add(firm_id)
            self._tiers[2 + alias].setdefault(normalize(str(n)), set()).add(firm_id)

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
        (and the same summary) instead of resolving to its own output. The curated data's
        firms are kept even when they cite only that dataset (ETO is the one source of
        many a Japanese supplier): dropping them would give their names to new firms.
        """
        if graph is not None:
            rows = graph.read(cypher(__file__, "firm_names"))
            own = own_output(rows, own_source, "Firm") if own_source else set()
            for row in rows:
                if row["id"] in own:
                    continue
                self.add(row["id"], [row["name"], *(row["aliases"] or [])])
        return self

    def _hits(self, name: str) -> set[str]:
        keys = (name.casefold().strip(),) * 2 + (normalize(name),) * 2
        for tier, key in zip(self._tiers, keys, strict=True):
            hits = tier.get(key)
            if hits:
                return hits
        return set()

    def resolve(self, name: str) -> str | None:
        """The one firm this name or alias denotes; None when none or several do."""
        hits = self._hits(name)
        return next(iter(hits)) if len(hits) == 1 else None

    def name_of(self, firm_id: str) -> str | None:
        """The name a firm was indexed under (its stored name), if indexed."""
        return self._names.get(firm_id)

    def exact(self, name: str) -> set[str]:
        """The firms whose name or an alias is ``name`` itself (ignoring case only): a
        caller can tell an exact hit from one that normalisation made (which conflates,
        e.g., "X Group Co., Ltd." with "X Co., Ltd.")."""
        key = name.casefold().strip()
        return set(self._tiers[0].get(key, set()) | self._tiers[1].get(key, set()))

    def ambiguous(self, name: str) -> list[str]:
        hits = self._hits(name)
        return sorted(hits) if len(hits) > 1 else []
