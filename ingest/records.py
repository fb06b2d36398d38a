"""The records every reader produces and the loader writes.

A reader (curated YAML, ETO CSV, Epoch CSV, APOC JSON lines, the synthetic generator)
yields ``NodeRecord`` and ``RelRecord`` values with their origin (file and line), so any
rejection can say exactly where the bad input was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Origin:
    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


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
        """Identity of the relationship: type, ends and the type's merge-key values."""
        from graph.schema import SCHEMA

        rel = SCHEMA.rel_types.get(self.type)
        extra = tuple(self.props.get(k) or "" for k in (rel.merge_key if rel else ()))
        return (self.type, self.source, self.target, *extra)


@dataclass
class Rejection:
    """A record that failed validation: where, which field, what was expected."""

    origin: Origin | None
    field: str | None
    message: str
    record: dict[str, Any] | None = None

    def __str__(self) -> str:
        where = str(self.origin) if self.origin else "<input>"
        fld = f" field {self.field!r}:" if self.field else ""
        return f"{where}:{fld} {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.origin.file if self.origin else None,
                "line": self.origin.line if self.origin else None,
                "field": self.field, "message": self.message, "record": self.record}
