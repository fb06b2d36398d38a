"""Chip names -> Chip ids: the matcher the dataset importers share.

Datasets write one accelerator many ways ("NVIDIA H100 SXM5 80GB", "H100 SXM5",
"NVIDIA H100 SXM"). A chip is found by its normalised name (case, spaces and punctuation
ignored, "80 GB" = "80GB") in three tiers, the first tier with any hit deciding: the name of
a known chip, one of its aliases, then the name without its first word (the vendor, as
Epoch AI writes it: "NVIDIA HGX H20" -> "HGX H20") against names and aliases. Anything
else is not guessed: the importer gives the chip its own id from the name
(``chip:<slug>``), so two importers naming the same chip the same way meet on one node,
and the data steward adds an alias to ``data/chips/chips.yaml`` when a name should resolve
to a curated chip.

The index also remembers the values the known chips already hold, so an importer fills in
what a chip lacks without overwriting another source's value (a differing value is
reported instead).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from graph.db import Graph, cypher
from ingest.records import NodeRecord
from ingest.resolve import own_output, slugify


def chip_key(name: str) -> str:
    """Comparable form of a chip name: 'NVIDIA H100 SXM5 80 GB' -> 'nvidia h100 sxm5 80gb'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"(\d)\s+(gb|tb|mb|w)\b", r"\1\2", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _vendorless(key: str) -> str | None:
    words = key.split()
    return " ".join(words[1:]) if len(words) > 1 else None


def chip_id(name: str) -> str:
    """The id a chip named only by a dataset gets: ``chip:<slug of its name>``."""
    return f"chip:{slugify(name)}"


class ChipIndex:
    """Names and aliases -> Chip ids, from the database and the records of a load."""

    def __init__(self) -> None:
        self._tiers: tuple[dict[str, set[str]], ...] = ({}, {}, {})
        self.names: dict[str, str] = {}
        self.aliases: dict[str, list[str]] = {}
        #: chip id -> property -> value held by another source (for fill-in, not overwrite)
        self.values: dict[str, dict[str, Any]] = {}

    def add(self, chip: str, names: Iterable[str | None],
            values: dict[str, Any] | None = None) -> None:
        """Index a chip: the first name is its name, the others its aliases."""
        clean = [str(n) for n in names if n]
        if not clean:
            return
        self.names.setdefault(chip, clean[0])
        self.aliases.setdefault(chip, []).extend(a for a in clean[1:]
                                                 if a not in self.aliases[chip])
        if values:
            self.values.setdefault(chip, {}).update(values)
        for i, n in enumerate(clean):
            key = chip_key(n)
            self._tiers[int(i > 0)].setdefault(key, set()).add(chip)
            loose = _vendorless(key)
            for k in (key, loose):
                if k:
                    self._tiers[2].setdefault(k, set()).add(chip)

    def add_records(self, records: Iterable[object]) -> ChipIndex:
        """Index the Chip records of a load (e.g. curated chips read in the same run)."""
        for rec in records:
            if isinstance(rec, NodeRecord) and rec.label == "Chip" and isinstance(rec.id, str):
                props = {k: v for k, v in rec.props.items()
                         if k not in {"name", "aliases", "sources", "confidence"}}
                self.add(rec.id, [rec.props.get("name"), *(rec.props.get("aliases") or [])],
                         props)
        return self

    def add_graph(self, graph: Graph | None, own_source: str | None = None) -> ChipIndex:
        """Index every Chip already in the database (one query). Chips backed by
        ``own_source`` alone came from an earlier run of the same importer and are left
        out, so a re-run emits what the first run did (the curated data's chips are kept,
        see ``own_output``)."""
        if graph is not None:
            rows = graph.read(cypher(__file__, "chip_names"))
            own = own_output(rows, own_source, "Chip") if own_source else set()
            for row in rows:
                if row["id"] in own:
                    continue
                values = {k: v for k, v in (row["props"] or {}).items()
                          if k not in {"id", "name", "aliases", "sources", "confidence"}}
                self.add(row["id"], [row["name"], *(row["aliases"] or [])], values)
        return self

    def _hits(self, name: str) -> set[str]:
        key = chip_key(name)
        loose = _vendorless(key)
        for tier, k in ((0, key), (1, key), (2, key), (2, loose)):
            hits = self._tiers[tier].get(k) if k else None
            if hits:
                return hits
        return set()

    def resolve(self, name: str) -> str | None:
        """The one known chip this name denotes; None when none or several do."""
        hits = self._hits(name)
        return next(iter(hits)) if len(hits) == 1 else None

    def ambiguous(self, name: str) -> list[str]:
        hits = self._hits(name)
        return sorted(hits) if len(hits) > 1 else []
