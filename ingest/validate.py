"""Validation of node and relationship records against the schema (graph/schema.yaml).

Validation runs in stages because a record can only be judged whole once the entire load
has been seen: a relationship may name a node defined in a later file, a node may cite a
Source defined elsewhere, and either may refer to what is already in the database.

1. ``observe_node`` / ``observe_rel`` (first pass over the input): the record's own shape —
   declared label or type, id pattern, required properties, property types, enums, ranges,
   dates, non-empty ``sources``. Ids the relationships and sources refer to are collected,
   and repeats of a node or relationship with other values are flagged.
2. ``lookup`` asks Neo4j, in one batched query per 10,000 ids, which of the referenced ids
   not defined in the load already exist and with which label.
3. ``final_node`` (second pass): a flagged repeat is compared value by value with the first
   copy (consistent copies merge; a conflicting one is rejected, naming both places);
   every source a node cites is defined.
4. ``final_rel`` (third pass): the same for repeats; every source is defined; both
   endpoints exist, were not rejected themselves, and have labels the type allows.

Each check returns the cleaned record (values coerced to the schema's types) or a
``Rejection`` with file, line, field and what was expected. Only ids, labels and small
digests are kept between passes (values only for flagged repeats), so memory stays
proportional to the number of ids, not to the size of the records.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from graph.db import Graph, cypher
from graph.schema import SCHEMA, Label, Property, Schema
from ingest.digests import MASK64, DigestTable, key64
from ingest.records import NodeRecord, Origin, Rejection, RelRecord

#: list properties that merge by union instead of conflicting
UNION_PROPS = frozenset({"sources", "aliases"})
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._:+-]*$")
LOOKUP_CHUNK = 10_000


def record_dict(rec: NodeRecord | RelRecord) -> dict[str, Any]:
    """The record as plain JSON-able data (for the rejects file)."""
    if isinstance(rec, NodeRecord):
        out: dict[str, Any] = {"label": rec.label, "id": rec.id}
    else:
        out = {"type": rec.type, "from": rec.source, "to": rec.target}
    for k, v in rec.props.items():
        out[k] = v.isoformat() if isinstance(v, dt.date) else v
    return out


def _reject(rec: NodeRecord | RelRecord, fld: str | None, message: str) -> Rejection:
    origin = rec.origin.at(fld) if rec.origin else None
    label = rec.label if isinstance(rec, NodeRecord) else rec.type
    return Rejection(origin, fld, message, record_dict(rec), label=label)


def _value_hash(value: Any) -> int:
    """A hash of a value that tells apart what its ``repr`` tells apart (1, 1.0, True
    and "1" differ), without building the text for the common types."""
    t = type(value)
    if t is str or t is int or t is bool or t is dt.date:
        return hash((t, value))
    if t is list:
        return hash((list, *map(_value_hash, value)))
    return hash(repr(value))  # floats too: a NaN equals no other NaN, its text does


def _fingerprint(props: dict[str, Any]) -> dict[str, int]:
    return {k: _value_hash(v) for k, v in props.items() if k not in UNION_PROPS}


def _digest(props: dict[str, Any]) -> int:
    """One unsigned 64-bit int per record, equal for copies with the same values (in the
    same order: a copy in another order is merely flagged, and then compared value by
    value)."""
    return MASK64 & hash(tuple([(k, v if type(v) is str else _value_hash(v))
                                for k, v in props.items() if k not in UNION_PROPS]))


def _conflict(old: dict[str, int], new: dict[str, int]) -> str | None:
    for k, h in new.items():
        if k in old and old[k] != h:
            return k
    return None


def coerce_props(props: dict[str, Any], declared: dict[str, Property], what: str,
                 fast: dict[str, Callable[[Any], Any]] | None = None,
                 required: list[str] | None = None,
                 ) -> tuple[dict[str, Any], tuple[str, str] | None]:
    """Coerce every value; returns (clean props, None) or (partial, (field, message)).
    ``fast``: a coercer per property (``fast_coercers``), else each ``Property.coerce``;
    ``required``: ``required_props(declared)``, when the caller keeps it."""
    clean: dict[str, Any] = {}
    for name, value in props.items():
        if value is None or value == "" or value == []:
            continue  # left empty: not reported, never guessed
        prop = declared.get(name)
        if prop is None:
            return clean, (name, f"unknown property {name!r} for {what}; expected one of: "
                                 f"{', '.join(sorted(declared))}")
        try:
            clean[name] = fast[name](value) if fast is not None else prop.coerce(value)
        except ValueError as exc:
            return clean, (name, str(exc))
    for name in required if required is not None else required_props(declared):
        if name not in clean:
            return clean, (name, f"missing required property {name!r} for {what}")
    return clean, None


def required_props(declared: dict[str, Property]) -> list[str]:
    """The required properties but id and name (checked on their own)."""
    return [n for n, p in declared.items() if p.required and n not in {"id", "name"}]


def fast_coercer(prop: Property) -> Callable[[Any], Any]:
    """``prop.coerce`` with a shortcut for a value already of the declared type (text,
    a list of text; within the enum when there is one): what ``coerce`` would return,
    without its checks. Anything else goes through ``coerce`` (and its messages)."""
    allowed = frozenset(prop.enum) if prop.enum else None
    coerce = prop.coerce
    if prop.type == "string":
        if allowed is not None:
            return lambda v: v if type(v) is str and v in allowed else coerce(v)
        return lambda v: v if type(v) is str else coerce(v)
    if prop.type == "list[string]":
        def text_list(v: Any) -> Any:
            if type(v) is list and all(type(x) is str for x in v) and (
                    allowed is None or allowed.issuperset(v)):
                return list(v)
            return coerce(v)
        return text_list
    return coerce


def fast_coercers(declared: dict[str, Property]) -> dict[str, Callable[[Any], Any]]:
    return {name: fast_coercer(prop) for name, prop in declared.items()}


@dataclass
class Validator:
    """Judges the records of one load; see the module docstring for the stages."""

    schema: Schema = SCHEMA
    #: id -> label of every node of the load that passed its own checks
    node_ids: dict[str, str] = field(default_factory=dict)
    #: id -> why, for nodes rejected (a relationship to them is rejected too)
    failed_nodes: dict[str, str] = field(default_factory=dict)
    #: id -> label of referenced ids found in the database
    db_labels: dict[str, str] = field(default_factory=dict)
    #: hash of the id -> digest of the node's values; relationship identity hash ->
    #: digest (16 bytes a slot: ingest/digests.py says why a hash of the id suffices)
    _node_fp: DigestTable = field(default_factory=DigestTable)
    _rel_fp: DigestTable = field(default_factory=DigestTable)
    #: repeated with different values: compared value by value in stages 3 and 4
    _node_flagged: set[str] = field(default_factory=set)
    _rel_flagged: set[int] = field(default_factory=set)
    _first: dict[Any, tuple[str, dict[str, int]]] = field(default_factory=dict)
    _final_ok: set[str] = field(default_factory=set)
    _final_failed: dict[str, str] = field(default_factory=dict)
    _prefix_labels: dict[str, str] = field(default_factory=dict)
    _id_labels: dict[str, str | None] = field(default_factory=dict)
    _merge_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _fast: dict[tuple[str, str], tuple[dict[str, Callable[[Any], Any]], list[str]]] = field(
        default_factory=dict)

    # -- stage 1: the record itself ---------------------------------------------------
    def shape(self, rec: NodeRecord | RelRecord) -> NodeRecord | RelRecord | Rejection:
        """``shape_node`` or ``shape_rel``, whichever the record is."""
        return self.shape_node(rec) if isinstance(rec, NodeRecord) else self.shape_rel(rec)

    def shape_node(self, rec: NodeRecord) -> NodeRecord | Rejection:
        """Check a node on its own; return it with coerced properties, or a rejection."""
        if rec.label not in self.schema.labels:
            return _reject(rec, "label", f"unknown label {rec.label!r}; expected one of: "
                                         f"{', '.join(sorted(self.schema.labels))}")
        label: Label = self.schema.labels[rec.label]
        if not isinstance(rec.id, str) or not rec.id:
            return _reject(rec, "id", "missing id")
        if not label.matches_id(rec.id) or (
                label.id_prefix and not _SLUG.match(rec.id[len(label.id_prefix):])):
            expected = (f"a lowercase slug starting with {label.id_prefix!r}" if label.id_prefix
                        else f"an id matching {label.id_pattern}")
            return _reject(rec, "id", f"bad id {rec.id!r} for {rec.label}: expected {expected}")
        props = dict(rec.props)
        props.pop("id", None)
        if rec.label == "Source" and not props.get("name") and props.get("title"):
            props["name"] = props["title"]
        declared = self.schema.node_properties[rec.label]
        clean, err = coerce_props(props, declared, f"label {rec.label}",
                                  *self._coercers("node", rec.label, declared))
        if err:
            return _reject(rec, err[0], err[1])
        if not clean.get("name"):
            return _reject(rec, "name", f"missing required property 'name' for {rec.label}")
        if rec.label == "Country" and clean.get("iso3") != rec.id:
            return _reject(rec, "iso3", f"iso3 {clean.get('iso3')!r} differs from the id "
                                        f"{rec.id!r}: expected the same ISO 3166-1 alpha-3 code")
        if label.provenance and not clean.get("sources"):
            return _reject(rec, "sources", "missing sources: every fact names at least one "
                                           "Source id (src:...)")
        return NodeRecord(rec.label, rec.id, clean, rec.origin)

    def shape_rel(self, rec: RelRecord) -> RelRecord | Rejection:
        """Check a relationship on its own; return it coerced, or a rejection."""
        if rec.type not in self.schema.rel_types:
            return _reject(rec, "type", f"unknown relationship type {rec.type!r}; expected "
                                        f"one of: {', '.join(sorted(self.schema.rel_types))}")
        rel = self.schema.rel_types[rec.type]
        for fld, end in (("from", rec.source), ("to", rec.target)):
            if not isinstance(end, str) or not end:
                return _reject(rec, fld, f"missing '{fld}': expected a node id")
        declared = self.schema.rel_properties[rec.type]
        clean, err = coerce_props(rec.props, declared, f"type {rec.type}",
                                  *self._coercers("rel", rec.type, declared))
        if err:
            return _reject(rec, err[0], err[1])
        if not clean.get("sources"):
            return _reject(rec, "sources", "missing sources: every fact names at least one "
                                           "Source id (src:...)")
        since, until = clean.get("since"), clean.get("until")
        if since and until and since > until:
            return _reject(rec, "until", f"until ({until}) is before since ({since})")
        for fld, end, allowed in (("from", rec.source, rel.sources),
                                  ("to", rec.target, rel.targets)):
            guess = self._guess_label(end)
            if guess is not None and guess not in allowed:
                return _reject(rec, fld, f"{end!r} is a {guess}; {rec.type} goes from "
                                         f"{'/'.join(rel.sources)} to {'/'.join(rel.targets)}")
        return RelRecord(rec.type, rec.source, rec.target, clean, rec.origin)

    def _rel_key(self, rec: RelRecord) -> int:
        """``hash(rec.key())``, the identity of a relationship, with the type's merge key
        remembered (``RelRecord.key`` looks it up in the schema each time)."""
        keys = self._merge_keys.get(rec.type)
        if keys is None:
            rel = self.schema.rel_types.get(rec.type)
            keys = self._merge_keys[rec.type] = tuple(rel.merge_key) if rel else ()
        props = rec.props
        return hash((rec.type, rec.source, rec.target, *[props.get(k) or "" for k in keys],
                     str(props.get("since"))))

    def _coercers(self, kind: str, name: str, declared: dict[str, Property],
                  ) -> tuple[dict[str, Callable[[Any], Any]], list[str]]:
        """A label's (type's) coercer per property and its required properties."""
        found = self._fast.get((kind, name))
        if found is None:
            found = self._fast[(kind, name)] = (fast_coercers(declared),
                                                required_props(declared))
        return found

    def _guess_label(self, node_id: str) -> str | None:
        """``schema.label_for_id``, remembered per id prefix ("firm:") and per id without
        one (countries): the schema's way tries every label in turn, a cost paid twice per
        relationship otherwise. Only a label's own ``id_prefix`` is remembered as a
        prefix, so an id pattern never gets a guess it would not give."""
        cut = node_id.find(":")
        if 0 <= cut < len(node_id) - 1:
            prefix = node_id[:cut + 1]
            guess = self._prefix_labels.get(prefix)
            if guess is None:
                guess = self.schema.label_for_id(node_id)
                if guess is not None and self.schema.labels[guess].id_prefix == prefix:
                    self._prefix_labels[prefix] = guess
            return guess
        whole = self._id_labels
        if node_id not in whole:
            if len(whole) >= 10_000:
                return self.schema.label_for_id(node_id)
            whole[node_id] = self.schema.label_for_id(node_id)
        return whole[node_id]

    def observe_node(self, rec: NodeRecord) -> NodeRecord | Rejection:
        """Stage 1 for a node: its shape; a repeated id with other values is flagged for
        the value-by-value comparison of stage 3 (only one int is kept per id here)."""
        out = self.shape_node(rec)
        if isinstance(out, Rejection):
            if rec.id not in self.node_ids and isinstance(rec.id, str):
                self.failed_nodes.setdefault(rec.id, f"{out.origin}: {out.message}")
            return out
        fp = _digest(out.props)
        if self._node_fp.setdefault(key64(out.id), fp) != fp:
            self._node_flagged.add(out.id)
        self.node_ids[out.id] = out.label
        self.failed_nodes.pop(out.id, None)
        return out

    def observe_rel(self, rec: RelRecord) -> RelRecord | Rejection:
        """Stage 1 for a relationship: its shape; repeats with other values are flagged."""
        out = self.shape_rel(rec)
        if isinstance(out, Rejection):
            return out
        key = self._rel_key(out)
        fp = _digest(out.props)
        if self._rel_fp.setdefault(key & MASK64, fp) != fp:
            self._rel_flagged.add(key)
        return out

    # -- what a one-pass judge (ingest.judge) asks between the stages -------------------
    def flagged_node(self, node_id: str) -> bool:
        """Was this node given again with other values (compared in stage 3)?"""
        return node_id in self._node_flagged

    def flagged_rel(self, rec: RelRecord) -> bool:
        """Was this relationship given again with other values (compared in stage 4)?"""
        return bool(self._rel_flagged) and self._rel_key(rec) in self._rel_flagged

    def any_flagged(self) -> bool:
        return bool(self._node_flagged or self._rel_flagged)

    def reference(self, rec: NodeRecord | RelRecord) -> None:
        """Make this shape-checked copy the reference its flagged repeats are compared
        with, unless one was taken before (the first copy in input order is)."""
        key: Any = (("node", rec.id) if isinstance(rec, NodeRecord)
                    else ("rel", self._rel_key(rec)))
        flagged = (rec.id in self._node_flagged if isinstance(rec, NodeRecord)
                   else key[1] in self._rel_flagged)
        if flagged and key not in self._first:
            self._first[key] = (str(rec.origin) if rec.origin else "<input>",
                                _fingerprint(rec.props))

    def accepted(self, node_id: str) -> bool:
        """Has a copy of this node passed every check (stage 3)?"""
        return node_id in self._final_ok

    @property
    def accepted_ids(self) -> set[str]:
        """The ids of the nodes a copy of which passed every check (a live view: read,
        never change it)."""
        return self._final_ok

    def label_of(self, node_id: str) -> str | None:
        """The label of a node defined by the load (and not rejected), else in Neo4j."""
        return self._label_of(node_id)

    # -- stage 2: what the database already holds ---------------------------------
    def lookup_ids(self, graph: Graph | None, ids: Iterable[str]) -> None:
        """Ask Neo4j which of ``ids`` exist, with which label (``db_labels``)."""
        missing = sorted(ids)
        if graph is None or not missing:
            return
        query = cypher(__file__, "lookup_ids")
        for start in range(0, len(missing), LOOKUP_CHUNK):
            rows = graph.read(query, {"ids": missing[start:start + LOOKUP_CHUNK]})
            for row in rows:
                if row["label"]:
                    self.db_labels[row["id"]] = row["label"]

    def _label_of(self, node_id: str) -> str | None:
        return self.node_ids.get(node_id) or self.db_labels.get(node_id)

    def _undefined_sources(self, sources: Iterable[str]) -> list[str]:
        return [s for s in sources if self._label_of(s) != "Source"]

    # -- stages 3 and 4: the whole load -------------------------------------------
    def _repeat(self, key: Any, rec: NodeRecord | RelRecord) -> tuple[str, str] | None:
        """For a flagged repeat: the first differing property and where it was first
        given; the first copy (in input order) is the reference."""
        fp = _fingerprint(rec.props)
        first = self._first.get(key)
        if first is None:
            self._first[key] = (str(rec.origin) if rec.origin else "<input>", fp)
            return None
        clash = _conflict(first[1], fp)
        if clash is None:
            first[1].update(fp)
            return None
        return clash, first[0]

    def final_node(self, rec: NodeRecord) -> Rejection | None:
        """A shape-checked node: consistent with its other copies? sources defined?"""
        if rec.id in self._node_flagged:
            clash = self._repeat(("node", rec.id), rec)
            if clash:
                fld, where = clash
                return _reject(rec, fld, f"node {rec.id!r} is defined again with a "
                                         f"different {fld!r} than at {where}")
        bad = self._undefined_sources(rec.props.get("sources") or ())
        if bad:
            rej = _reject(rec, "sources", f"source {bad[0]!r} is not defined: expected the id "
                                          "of a Source in this load or in the database")
            if rec.id not in self._final_ok:
                self._final_failed[rec.id] = f"{rej.origin}: {rej.message}"
            return rej
        self._final_ok.add(rec.id)
        self._final_failed.pop(rec.id, None)
        return None

    def close_nodes(self) -> None:
        """After the node pass: nodes that failed stage 3 no longer count as defined."""
        for node_id, why in self._final_failed.items():
            self.node_ids.pop(node_id, None)
            self.failed_nodes[node_id] = why
        self._final_failed = {}

    def final_rel(self, rec: RelRecord) -> Rejection | None:
        """A shape-checked relationship: consistent with its other copies, sources
        defined, endpoints exist with the right labels and were not rejected."""
        key = self._rel_key(rec) if self._rel_flagged else 0
        if self._rel_flagged and key in self._rel_flagged:
            clash = self._repeat(("rel", key), rec)
            if clash:
                fld, where = clash
                return _reject(rec, fld, f"relationship {rec.type} {rec.source} -> "
                                         f"{rec.target} is given again with a different "
                                         f"{fld!r} than at {where}")
        rel = self.schema.rel_types[rec.type]
        for fld, end, allowed in (("from", rec.source, rel.sources),
                                  ("to", rec.target, rel.targets)):
            label = self._label_of(end)
            if label is None:
                if end in self.failed_nodes:
                    return _reject(rec, fld, f"endpoint {end!r} was rejected "
                                             f"({self.failed_nodes[end]})")
                return _reject(rec, fld, f"unknown id {end!r}: expected a node defined in "
                                         "this load or already in the database")
            if label not in allowed:
                return _reject(rec, fld, f"{end!r} is a {label}; {rec.type} goes from "
                                         f"{'/'.join(rel.sources)} to {'/'.join(rel.targets)}")
        bad = self._undefined_sources(rec.props.get("sources") or ())
        if bad:
            return _reject(rec, "sources", f"source {bad[0]!r} is not defined: expected the id "
                                           "of a Source in this load or in the database")
        return None


def file_rejection(origin: Origin, message: str, fld: str | None = None,
                   severity: str = "error") -> Rejection:
    """A rejection of a whole file or row that never became a record."""
    return Rejection(origin, fld, message, None, label=None, severity=severity)
