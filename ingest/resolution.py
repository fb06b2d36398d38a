"""One node per real-world entity: the seam every load's records pass through.

Each source names things its own way: Epoch's notable-models file calls OpenAI's model
"GPT-4" under ``model:epoch-gpt-4`` while the curated data has ``model:openai-gpt-4``;
ETO writes "TSMC" where the curated firm is "Taiwan Semiconductor Manufacturing Company"
with the alias TSMC. Before a load is validated, :func:`resolved` reads its records once,
matches the firms, models, chips and data centers among themselves and against the
database, and then rewrites every record it hands on:

- deterministic matching first: the same label and the same *name key* (case, accents,
  spaces, hyphens and punctuation ignored; for firms also legal suffixes such as Inc or
  N.V.), or a name equal to the alias of exactly one other entity (known identifiers: the
  same id is always the same entity);
- then the steward's judgements (``data/resolution/judgements.csv``, ingest/judgements.py):
  ``same`` joins a pair, ``different`` keeps it apart whatever the names say.

Two records of one file with different ids are never joined on their names alone: their
importer kept them apart on purpose (Epoch's 200 "Anonymized Chinese System" clusters).

A joined record is rewritten to the entity's id (the one already in the database, else the
first read: the curated data is read first): its name becomes an alias, its sources are
kept (the loader unites ``sources`` and ``aliases``), and of its other properties only those
the entity does not already have are added (the entity's own values are not overwritten
by a duplicate). Relationship endpoints are rewritten to the same ids, and a fact two
sources give about one pair keeps the first copy's values and both sources.

:func:`candidates` lists what matching was not sure of (names similar but not equal, a
name equal to several aliases, one name under two labels), ranked, for ``stackgraph
resolve``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from graph.db import Graph, cypher
from ingest.judgements import Judgements, load_judgements, pair
from ingest.pipeline import Item, Source
from ingest.records import NodeRecord, Rejection, RelRecord
from ingest.resolve import normalize

RESOLVED_LABELS = ("Firm", "Model", "Chip", "DataCenter")
#: properties a joined record always contributes (united by the loader)
UNION_KEYS = frozenset({"sources", "aliases", "same_as"})
#: candidates: least similarity of two name keys, largest block of names sharing a word
SIMILAR = 0.85
MAX_BLOCK = 60


def compact(text: str) -> str:
    """Case, accents, spaces, hyphens and punctuation removed: 'GPT-4 ' -> 'gpt4'."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"[^a-z0-9]+", "", text.replace("&", "and"))


def name_key(label: str, name: str) -> str:
    """The key two names of one label must share to be the same entity; firms also drop
    legal suffixes ('ASML Holding N.V.' -> 'asml')."""
    return compact(normalize(name)) if label == "Firm" else compact(name)


@dataclass
class Entity:
    """What matching knows of one id: from the database and/or the records of the load."""

    id: str
    label: str
    name: str
    aliases: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)
    in_db: bool = False
    order: int = -1  # position of its first record in the load (-1: database only)
    files: set[str] = field(default_factory=set)
    same_as: list[str] = field(default_factory=list)

    def rank(self) -> tuple[int, int, str]:
        """Which id a joined group keeps: the database's, else the first read."""
        return (0 if self.in_db else 1, self.order, self.id)


def _db_entities(graph: Graph | None) -> dict[str, Entity]:
    out: dict[str, Entity] = {}
    if graph is None:
        return out
    for row in graph.read(cypher(__file__, "resolve_entities")):
        out[row["id"]] = Entity(row["id"], row["label"], row["name"] or "",
                                [str(a) for a in row["aliases"] or []], set(row["keys"] or []),
                                list(row["sources"] or []), in_db=True,
                                same_as=list(row["same_as"] or []))
    return out


class _Groups:
    """Union-find over ids that never joins two groups holding a pair judged different."""

    def __init__(self, judgements: Judgements) -> None:
        self.parent: dict[str, str] = {}
        self.members: dict[str, list[str]] = {}
        self.judgements = judgements

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        self.members.setdefault(x, [x])
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if any(self.judgements.verdict(x, y) == "different"
               for x in self.members[ra] for y in self.members[rb]):
            return False
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        return True


@dataclass
class Resolution:
    """The outcome of matching one load: which ids are rewritten to which."""

    #: id -> the id of the entity it is joined to (only ids that change)
    mapping: dict[str, str] = field(default_factory=dict)
    #: the id every member of a joined group becomes -> what is known of it
    entities: dict[str, Entity] = field(default_factory=dict)
    #: ids in a joined group (keepers included): their facts may meet copies
    joined: set[str] = field(default_factory=set)
    #: identity -> values of the facts the database holds about joined keepers
    stored_facts: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)

    def rewrite(self, items: Iterable[Item]) -> Iterator[Item]:
        """The records with joined ids rewritten (deterministic: the same input gives the
        same output on every pass of the load); as they are when nothing was joined."""
        if not self.mapping and not self.joined:
            return iter(items)
        return self._rewritten(items)

    def _rewritten(self, items: Iterable[Item]) -> Iterator[Item]:
        taken: dict[str, set[str]] = {}
        first_facts = dict(self.stored_facts)
        for item in items:
            if isinstance(item, NodeRecord):
                if isinstance(item.id, str) and item.id in self.mapping:
                    yield self._joined_node(item, taken)
                else:
                    yield item
            elif isinstance(item, RelRecord):
                yield self._rel(item, first_facts)
            else:
                yield item

    def _joined_node(self, rec: NodeRecord, taken: dict[str, set[str]]) -> NodeRecord:
        keeper = self.entities[self.mapping[rec.id]]
        have = taken.setdefault(keeper.id, set(keeper.keys))
        aliases = [str(a) for a in rec.props.get("aliases") or []]
        name = rec.props.get("name")
        if name and name != keeper.name and name not in aliases:
            aliases.insert(0, str(name))
        props = {k: v for k, v in rec.props.items()
                 if k not in UNION_KEYS and k != "name" and k not in have}
        have.update(props)
        props["name"] = keeper.name
        props["same_as"] = keeper.same_as
        props["sources"] = rec.props.get("sources")
        if aliases:
            props["aliases"] = aliases
        return NodeRecord(rec.label, keeper.id, props, rec.origin)

    def _rel(self, rec: RelRecord, first_facts: dict[tuple[Any, ...], dict[str, Any]],
             ) -> Item:
        src, dst = self.mapping.get(rec.source, rec.source), self.mapping.get(rec.target,
                                                                                rec.target)
        moved = (src, dst) != (rec.source, rec.target)
        if not moved:
            if {src, dst} & self.joined:  # the entity's own fact: its values stand
                first_facts[rec.key()] = {k: v for k, v in rec.props.items()
                                          if k != "sources"}
            return rec
        if src == dst:
            return Rejection(rec.origin, "from", f"{rec.type} {rec.source} -> {rec.target} "
                             f"joins an entity to itself once both are resolved to {src}: "
                             "not loaded", {"type": rec.type, "from": rec.source,
                                            "to": rec.target}, label=rec.type,
                             severity="warning")
        out = RelRecord(rec.type, src, dst, dict(rec.props), rec.origin)
        first = first_facts.setdefault(out.key(), {k: v for k, v in out.props.items()
                                                   if k != "sources"})
        out.props = {**first, "sources": rec.props.get("sources")}
        return out


def plan(source: Source, graph: Graph | None, judgements: Judgements | None = None,
         ) -> Resolution:
    """Match the entities of one load among themselves and against the database."""
    judgements = judgements if judgements is not None else load_judgements()
    entities = _db_entities(graph)
    for order, item in enumerate(source()):
        if not (isinstance(item, NodeRecord) and item.label in RESOLVED_LABELS
                and isinstance(item.id, str) and item.id):
            continue
        name = str(item.props.get("name") or "")
        aliases = [str(a) for a in item.props.get("aliases") or [] if a]
        e = entities.get(item.id)
        if e is None or e.label != item.label:
            e = entities[item.id] = Entity(item.id, item.label, name, order=order)
        elif e.order < 0:
            e.order = order
            e.name = name or e.name  # the load's name is what the node will hold
        e.aliases.extend(a for a in aliases if a not in e.aliases)
        e.keys.update(k for k, v in item.props.items() if v not in (None, "", []))
        e.sources.extend(s for s in item.props.get("sources") or [] if s not in e.sources)
        e.files.add(item.origin.file if item.origin else "")
    groups = _groups(entities, judgements)
    res = Resolution()
    by_root: dict[str, list[str]] = {}
    for node_id in entities:
        by_root.setdefault(groups.find(node_id), []).append(node_id)
    for members in by_root.values():
        if len(members) < 2:
            continue
        keeper = min((entities[m] for m in members), key=Entity.rank)
        res.entities[keeper.id] = keeper
        res.joined.update(members)
        keeper.same_as = sorted({*keeper.same_as, *(m for m in members if m != keeper.id)})
        for m in members:
            if m != keeper.id:
                res.mapping[m] = keeper.id
    stored = [k for k, e in res.entities.items() if e.in_db]
    if graph is not None and stored:
        for row in graph.read(cypher(__file__, "resolve_facts"), {"ids": stored}):
            props = {k: v.iso_format() if hasattr(v, "iso_format") else v
                     for k, v in row["props"].items() if k != "sources"}
            rec = RelRecord(row["type"], row["source"], row["target"], props)
            res.stored_facts[rec.key()] = props
    return res


def _same_origin(a: Entity, b: Entity) -> bool:
    """Were these two kept apart on purpose by the data they come from? Two records of
    one file with different ids were (Epoch's anonymised clusters share one name); so
    were a node only in the database and a record citing one of its sources (a row of
    the same dataset, e.g. a newer snapshot's). Two nodes only in the database are left
    as they are (``stackgraph resolve`` lists them)."""
    if a.files and b.files:
        return bool(a.files & b.files)
    if not a.files and not b.files:
        return True
    return bool(set(a.sources) & set(b.sources))


def _groups(entities: dict[str, Entity], judgements: Judgements) -> _Groups:
    groups = _Groups(judgements)
    for e in entities.values():  # joined by an earlier load: known identifiers
        for joined_id in e.same_as:
            if joined_id in entities and entities[joined_id].label == e.label:
                groups.union(e.id, joined_id)
    for a, b in sorted(judgements.same):
        if a in entities and b in entities and entities[a].label == entities[b].label:
            groups.union(a, b)
    names: dict[tuple[str, str], list[Entity]] = {}
    aliases: dict[tuple[str, str], list[Entity]] = {}
    for e in sorted(entities.values(), key=Entity.rank):
        if e.name:
            names.setdefault((e.label, name_key(e.label, e.name)), []).append(e)
        for a in e.aliases:
            aliases.setdefault((e.label, name_key(e.label, a)), []).append(e)
    for same in names.values():
        for i, e in enumerate(same):
            for other in same[:i]:
                if not _same_origin(e, other) and groups.union(other.id, e.id):
                    break
    for key, same in names.items():
        if len(same) > 1 or not key[1]:
            continue  # a name shared by several entities decides (or was kept apart)
        e = same[0]
        hits = {groups.find(o.id) for o in aliases.get(key, []) if not _same_origin(e, o)}
        hits.discard(groups.find(e.id))
        if len(hits) == 1:
            groups.union(e.id, hits.pop())
    return groups


@dataclass
class Candidate:
    """A pair matching was not sure of."""

    score: float
    left: str
    right: str
    left_name: str
    right_name: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"score": round(self.score, 3), "left": self.left, "right": self.right,
                "left_name": self.left_name, "right_name": self.right_name,
                "reason": self.reason}


def candidates(graph: Graph | None, judgements: Judgements | None = None,
               entities: dict[str, Entity] | None = None) -> list[Candidate]:
    """The pairs of the database's firms, models, chips and data centers that matching
    left apart but that may be one entity, best first; judged pairs are left out.

    Pairs of entities that share a source and the same name are not listed: one dataset
    gave them different ids on purpose (its anonymised rows)."""
    judgements = judgements if judgements is not None else load_judgements()
    ents = list((entities if entities is not None else _db_entities(graph)).values())
    found: dict[tuple[str, str], Candidate] = {}

    def add(a: Entity, b: Entity, score: float, reason: str) -> None:
        if a.id == b.id or judgements.judged(a.id, b.id):
            return
        p = pair(a.id, b.id)
        if p not in found or found[p].score < score:
            x, y = (a, b) if p[0] == a.id else (b, a)
            found[p] = Candidate(score, x.id, y.id, x.name, y.name, reason)

    names: dict[str, list[Entity]] = {}
    alias_keys: dict[tuple[str, str], list[tuple[Entity, str]]] = {}
    blocks: dict[tuple[str, str], list[Entity]] = {}
    for e in ents:
        if not e.name:
            continue
        names.setdefault(compact(e.name), []).append(e)
        for a in e.aliases:
            alias_keys.setdefault((e.label, name_key(e.label, a)), []).append((e, a))
        for word in set(normalize(e.name).split()):
            if len(word) >= 3:
                blocks.setdefault((e.label, word), []).append(e)
    for same in names.values():
        for i, e in enumerate(same):
            for o in same[:i]:
                if e.label != o.label:
                    add(e, o, 0.9, f"same name, labels {o.label} and {e.label}")
                elif not set(e.sources) & set(o.sources):
                    add(e, o, 1.0, "same name, kept apart")
    for e in ents:
        for o, _alias in alias_keys.get((e.label, name_key(e.label, e.name)), []):
            add(e, o, 0.95, f"name {e.name!r} is an alias of {o.id}")
    for block in blocks.values():
        if len(block) > MAX_BLOCK:
            continue
        for i, e in enumerate(block):
            ke = name_key(e.label, e.name)
            for o in block[:i]:
                ko = name_key(o.label, o.name)
                if ke == ko or pair(e.id, o.id) in found:
                    continue
                ratio = difflib.SequenceMatcher(None, ke, ko).ratio()
                if ratio >= SIMILAR:
                    add(e, o, ratio, "similar names")
    return sorted(found.values(), key=lambda c: (-c.score, c.left, c.right))


def resolved(source: Source, graph: Graph | None, judgements: Judgements | None = None,
             final: Source | None = None) -> Source:
    """``source`` with its entities matched and its ids rewritten (see the module
    docstring), then ``final`` (records whose ids are final, as an APOC export's: not
    matched, only their relationships' ends rewritten to the ids ``source``'s entities
    were joined to). The matching runs once, at the first read, before the load writes
    anything; every later read reuses its id map."""
    state: dict[str, Resolution] = {}

    def read() -> Iterator[Item]:
        if "plan" not in state:
            state["plan"] = plan(source, graph, judgements)
        items = source() if final is None else chain(source(), final())
        return state["plan"].rewrite(items)
    return read
