"""Everything known about one entity: the audit record of a model, a chip, a firm or a data
center (``stackgraph show <id>`` and the dashboard's ``/entity/{id}`` page).

One answer, read in three look-ups (``show.cypher``, ``show_ownership.cypher``,
``show_sources.cypher``): the entity's properties, with the dated history of those that
change over time (the ``:Value`` nodes of DESIGN section 4); its relationships grouped
by type with the entity at the other end; the control lists it is on; ownership chains
up (its owners) and down (what it owns); and every source any of these facts cites.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from graph.db import Graph, cypher
from graph.values import plain
from queries.common import lookup, primary_label
from queries.hops import entity
from queries.models import EntityRef

#: ownership chains returned at most per direction
OWNERSHIP_LIMIT = 50
#: what a node's own properties hold that the page shows elsewhere (or not at all)
_NOT_SHOWN = {"id", "name", "sources", "confidence"}


class DatedValue(BaseModel):
    """One entry of a dated property's history."""

    property: str
    value: Any = None
    since: str | None = None
    until: str | None = None
    sources: list[str] = Field(default_factory=list)
    confidence: str | None = None
    note: str | None = None


class Relationship(BaseModel):
    """A relationship of the entity, seen from it."""

    type: str
    direction: str = Field(description="'out' (entity -[type]-> other) or 'in'")
    other: EntityRef
    properties: dict[str, Any] = Field(description="the relationship's properties, "
                                                   "sources and confidence excluded")
    since: str | None = None
    until: str | None = None
    sources: list[str] = Field(default_factory=list)
    confidence: str | None = None


class RelationshipGroup(BaseModel):
    type: str
    direction: str
    count: int
    relationships: list[Relationship]


class OwnershipHop(BaseModel):
    owner: EntityRef
    owned: EntityRef
    share: float | None = Field(default=None, description="0..1; null when not reported")
    kind: str | None = None
    sources: list[str] = Field(default_factory=list)


class OwnershipChain(BaseModel):
    hops: list[OwnershipHop]
    share: float | None = Field(default=None, description="product of the hops' shares; "
                                                          "null when one is not reported")


class Listing(BaseModel):
    control_list: EntityRef
    properties: dict[str, Any]
    sources: list[str] = Field(default_factory=list)


class Source(BaseModel):
    id: str
    title: str | None = None
    publisher: str | None = None
    published: str | None = None
    url: str | None = None
    license: str | None = None


class EntityReport(BaseModel):
    """The whole record of one entity."""

    entity: EntityRef
    labels: list[str]
    properties: dict[str, Any] = Field(description="the node's own properties (id, name, "
                                                   "sources and confidence apart)")
    confidence: str | None = None
    sources: list[str] = Field(default_factory=list, description="the node's own sources")
    dated: list[DatedValue] = Field(description="history of the properties that change "
                                                "over time, by property then date")
    relationships: list[RelationshipGroup] = Field(description="grouped by type and "
                                                               "direction, largest first")
    listings: list[Listing] = Field(description="control lists the entity is on")
    owners: list[OwnershipChain] = Field(description="ownership up: chains of OWNS ending "
                                                     "at the entity")
    holdings: list[OwnershipChain] = Field(description="ownership down: chains of OWNS "
                                                       "starting at the entity")
    cited: list[Source] = Field(description="every source cited by any fact above")


def _ref(node: dict[str, Any]) -> EntityRef:
    return entity({"id": node["id"], "name": node.get("name"),
                   "label": primary_label(node.get("labels") or [])})


def _text(value: Any) -> str | None:
    return None if value is None else str(plain(value))


def _chain(path: dict[str, Any]) -> OwnershipChain:
    nodes, rels = path["nodes"], path["rels"]
    hops = [OwnershipHop(owner=_ref(nodes[i]), owned=_ref(nodes[i + 1]),
                         share=rel.get("share"), kind=rel.get("kind"),
                         sources=list(rel.get("sources") or []))
            for i, rel in enumerate(rels)]
    share: float | None = 1.0
    for h in hops:
        share = None if share is None or h.share is None else share * h.share
    return OwnershipChain(hops=hops, share=None if share is None else round(share, 9))


def show(graph: Graph, node_id: str) -> EntityReport:
    """The record of ``node_id``; NotFound (with suggestions) when there is none."""
    node = lookup(graph, node_id)
    row = graph.read(cypher(__file__, "show"), {"id": node["id"]})[0]
    props = plain(row["props"])
    cited: set[str] = set(props.get("sources") or [])
    dated = sorted((DatedValue(property=v.get("property", "?"), value=plain(v.get("value")),
                               since=_text(v.get("since")), until=_text(v.get("until")),
                               sources=list(v.get("sources") or []),
                               confidence=v.get("confidence"), note=v.get("note"))
                    for v in row["values"]),
                   key=lambda d: (d.property, d.since or ""))
    for d in dated:
        cited.update(d.sources)
    groups: dict[tuple[str, str], list[Relationship]] = {}
    listings: list[Listing] = []
    for r in row["rels"]:
        rp = plain(r["props"])
        rel = Relationship(type=r["type"], direction="out" if r["outgoing"] else "in",
                           other=_ref(r["other"]),
                           properties={k: v for k, v in sorted(rp.items())
                                       if k not in {"sources", "confidence", "since",
                                                    "until"}},
                           since=_text(rp.get("since")), until=_text(rp.get("until")),
                           sources=list(rp.get("sources") or []),
                           confidence=rp.get("confidence"))
        cited.update(rel.sources)
        groups.setdefault((rel.type, rel.direction), []).append(rel)
        if rel.type == "LISTED_ON" and rel.direction == "out":
            listings.append(Listing(control_list=rel.other, properties=rel.properties,
                                    sources=rel.sources))
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    relationships = [RelationshipGroup(type=t, direction=d, count=len(rels),
                                       relationships=sorted(rels, key=lambda x: x.other.id))
                     for (t, d), rels in ordered]
    own = graph.read(cypher(__file__, "show_ownership"),
                     {"id": node["id"], "limit": OWNERSHIP_LIMIT})[0]
    owners = [_chain(p) for p in own["up"]]
    holdings = [_chain(p) for p in own["down"]]
    for chain in owners + holdings:
        for h in chain.hops:
            cited.update(h.sources)
    sources = [Source(id=s["id"], title=s["title"], publisher=s["publisher"],
                      published=_text(s["published"]), url=s["url"], license=s["license"])
               for s in graph.read(cypher(__file__, "show_sources"), {"ids": sorted(cited)})]
    found = {s.id for s in sources}
    sources += [Source(id=s) for s in sorted(cited - found)]  # cited but not in the graph
    return EntityReport(
        entity=_ref({"id": row["id"], "name": props.get("name"), "labels": row["labels"]}),
        labels=[lb for lb in row["labels"] if lb != "Entity"],
        properties={k: v for k, v in sorted(props.items()) if k not in _NOT_SHOWN},
        confidence=props.get("confidence"), sources=list(props.get("sources") or []),
        dated=dated, relationships=relationships, listings=listings,
        owners=sorted(owners, key=lambda c: len(c.hops)),
        holdings=sorted(holdings, key=lambda c: len(c.hops)), cited=sources)
