"""The records every reader produces and the loader writes.

A reader (curated YAML, ETO CSV, Epoch CSV, APOC JSON lines, the synthetic generator)
yields ``NodeRecord`` and ``RelRecord`` values with their origin (file and line), so any
rejection can say exactly where the bad input was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Origin:
    """Where a record came from: the file, the line it starts on, and (for formats that
    know them) the line of each of its fields, so a rejection can point at the field."""

    file: str
    line: int | None = None
    fields: Mapping[str, int] | None = field(default=None, compare=False, hash=False,
                                             repr=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def at(self, name: str | None) -> Origin:
        """The origin of one field (its own line when known, else the record's)."""
        if name and self.fields and name in self.fields:
            return Origin(self.file, self.fields[name])
        return Origin(self.file, self.line)


@dataclass
class NodeRecord:
    label: str
    id: str
    props: dict[str, Any] = field(default_factory=dict)
    origin: Origin | None = None


@dataclass
class RelRecord:
    type: str
    source: str  # id of the start node
    target: str  # id of the end node
    props: dict[str, Any] = field(default_factory=dict)
    origin: Origin | None = None

    def key(self) -> tuple[Any, ...]:
        """Identity of the relationship: type, ends, the type's merge-key values and
        ``since`` (one pair may hold successive versions of a fact)."""
        from graph.schema import SCHEMA

        rel = SCHEMA.rel_types.get(self.type)
        extra = tuple(self.props.get(k) or "" for k in (rel.merge_key if rel else ()))
        return (self.type, self.source, self.target, *extra, str(self.props.get("since")))


@dataclass
class Rejection:
    """A record that failed validation: where, which field, what was expected."""

    origin: Origin | None
    field: str | None
    message: str
    record: dict[str, Any] | None = None
    #: label or relationship type of the rejected record (None: a whole file or row)
    label: str | None = None
    #: "error" (the record is not loaded) or "warning" (reported; what could load did)
    severity: str = "error"

    def __str__(self) -> str:
        where = str(self.origin) if self.origin else "<input>"
        fld = f" field {self.field!r}:" if self.field else ""
        return f"{where}:{fld} {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.origin.file if self.origin else None,
                "line": self.origin.line if self.origin else None,
                "field": self.field, "message": self.message, "record": self.record,
                "label": self.label, "severity": self.severity}
