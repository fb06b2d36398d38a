"""What a load did: created / updated / unchanged / rejected per label and per
relationship type, and the rejections themselves (with file and line)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graph.schema import SCHEMA
from ingest.records import Rejection


@dataclass
class Counts:
    """What a load did to one label or relationship type."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    #: records that passed validation (counted by dry runs, which write nothing)
    valid: int = 0

    def add(self, other: Counts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        self.valid += other.valid

    @property
    def written(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict[str, int]:
        out = {"created": self.created, "updated": self.updated,
               "unchanged": self.unchanged, "rejected": self.rejected}
        if self.valid:
            out["valid"] = self.valid
        return out


@dataclass
class LoadSummary:
    """Created / updated / unchanged / rejected per label and per relationship type, and
    the rejections themselves.

    Unpacks like the ``(nodes written, relationships written)`` tuple that
    ``load_records`` used to return.
    """

    nodes: dict[str, Counts] = field(default_factory=dict)
    rels: dict[str, Counts] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    dry_run: bool = False
    #: True when the run stopped before writing (``--strict`` with rejections)
    aborted: bool = False

    def node(self, label: str) -> Counts:
        return self.nodes.setdefault(label, Counts())

    def rel(self, rel_type: str) -> Counts:
        return self.rels.setdefault(rel_type, Counts())

    @property
    def nodes_written(self) -> int:
        return sum(c.written for c in self.nodes.values())

    @property
    def rels_written(self) -> int:
        return sum(c.written for c in self.rels.values())

    @property
    def errors(self) -> list[Rejection]:
        return [r for r in self.rejections if r.severity == "error"]

    @property
    def warnings(self) -> list[Rejection]:
        return [r for r in self.rejections if r.severity != "error"]

    def __iter__(self) -> Iterator[int]:
        yield self.nodes_written
        yield self.rels_written

    def __getitem__(self, i: int) -> int:
        return (self.nodes_written, self.rels_written)[i]

    def count_rejection(self, rej: Rejection) -> None:
        """Record a rejection and count it under its label or type."""
        self.rejections.append(rej)
        if rej.severity != "error":
            return
        key = rej.label or "(unparsed)"
        if key in SCHEMA.rel_types:
            self.rel(key).rejected += 1
        else:
            self.node(key).rejected += 1

    def merge(self, other: LoadSummary) -> LoadSummary:
        for k, c in other.nodes.items():
            self.node(k).add(c)
        for k, c in other.rels.items():
            self.rel(k).add(c)
        self.rejections.extend(other.rejections)
        self.aborted = self.aborted or other.aborted
        return self

    def totals(self) -> dict[str, dict[str, int]]:
        out = {}
        for name, table in (("nodes", self.nodes), ("relationships", self.rels)):
            total = Counts()
            for c in table.values():
                total.add(c)
            out[name] = total.as_dict()
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "aborted": self.aborted,
            "nodes": {k: c.as_dict() for k, c in sorted(self.nodes.items())},
            "relationships": {k: c.as_dict() for k, c in sorted(self.rels.items())},
            "totals": self.totals(),
            "rejected": len(self.errors),
            "warnings": len(self.warnings),
        }
