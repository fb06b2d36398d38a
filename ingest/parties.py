"""Firms named by a dataset: resolved to the firms already known, or new Firm records.

Every dataset importer names organisations (owners, users, designers, listed parties).
``Parties`` looks each name up in a ``FirmIndex`` (curated firms and earlier loads: name,
alias, normalised forms) and otherwise makes one new Firm ``firm:<slug of the name>`` with
the aliases the dataset gives, indexed at once so the next spelling of the same name in the
dataset resolves to it. New firms are plain records (name, aliases, id, sources), so the
cross-source resolution of a later pass applies to them like to any other record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest.records import NodeRecord, Origin, Rejection
from ingest.resolve import FirmIndex, slugify


@dataclass
class Parties:
    firms: FirmIndex
    #: provenance of the Firm records this dataset creates
    sources: list[str]
    confidence: str = "medium"
    _new: dict[str, dict[str, Any]] = field(default_factory=dict)
    _origin: dict[str, Origin] = field(default_factory=dict)

    def resolve(self, name: str, origin: Origin, column: str, aliases: list[str] | None = None,
                extra: dict[str, Any] | None = None, label: str | None = None,
                distinct_from: str | None = None) -> str | Rejection:
        """The firm id ``name`` denotes (made when new), or a Rejection when it is
        ambiguous (several known firms answer to it).

        ``distinct_from``: a firm the dataset says is another entity (a listed subsidiary's
        parent). When ``name`` reaches it only through normalisation or an alias ("SMIC
        Holdings Limited" -> "SMIC"), the name is a firm of its own."""
        aliases = [a for a in (aliases or []) if a and a != name]
        firm = self.firms.resolve(name)
        if firm is None:
            for alias in aliases:  # "SMIC Beijing" may be known by its abbreviation only
                firm = self.firms.resolve(alias) if not self.firms.ambiguous(alias) else None
                if firm:
                    break
        forced = firm is not None and firm == distinct_from and firm not in self.firms.exact(
            name)
        if forced:
            firm = None
        if firm is None:
            clash = [] if forced else self.firms.ambiguous(name)
            if clash:
                return Rejection(origin, column, f"organization {name!r} matches several "
                                 f"firms ({', '.join(clash)}); expected one: add a judgement "
                                 "or an alias", {"name": name}, label=label)
            firm = f"firm:{slugify(name)}"
            if firm not in self.firms.ids or firm in self._new:
                self._new.setdefault(firm, {"name": name, "aliases": []})
                self._origin.setdefault(firm, origin)
        self.firms.add(firm, [self.firms_name(firm, self.firms.name_of(firm) or name), name,
                              *aliases])
        if firm in self._new:
            rec = self._new[firm]
            for a in aliases if name == rec["name"] else [name, *aliases]:
                if a != rec["name"] and a not in rec["aliases"]:
                    rec["aliases"].append(a)
            for k, v in (extra or {}).items():
                rec.setdefault(k, v)
        return firm

    def firms_name(self, firm: str, fallback: str) -> str:
        new = self._new.get(firm)
        return new["name"] if new else fallback

    def records(self) -> list[NodeRecord]:
        """The new Firm records, once every row has been read (aliases merged)."""
        return [NodeRecord("Firm", firm, {**rec, "sources": list(self.sources),
                                          "confidence": self.confidence}, self._origin[firm])
                for firm, rec in self._new.items()]
