"""GraphQL types for every label of graph/schema.yaml, relationships as fields.

Each entity type is built from an ``EntityRow`` (id, label, properties); each
relationship field awaits the request's DataLoader for its (type, direction), so a
list of 100 firms asking for ``headquarters`` costs one Cypher query, not 100.
Relationships that carry their own facts (a stake's share, a membership's role) are
edge types with the far node as a field; every edge exposes its provenance
(``sources``, ``confidence``, ``since``, ``until``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import fields as dc_fields
from functools import cache
from typing import Any, TypeVar

import strawberry
from strawberry.scalars import JSON

from api.graphql.context import Info
from api.graphql.fast_complete import FAST_RESOLVERS
from graph.schema import SCHEMA
from graph.values import plain
from queries.entities import EntityRow, Neighbour

E = TypeVar("E")


def _doc(label: str) -> str:
    return SCHEMA.labels[label].doc


def _pdoc(label: str, prop: str) -> str:
    p = SCHEMA.node_properties[label].get(prop)
    return (p.doc if p and p.doc else prop.replace("_", " ")) + (
        f" (one of: {', '.join(p.enum)})" if p and p.enum else "")


def _rdoc(rel: str) -> str:
    return SCHEMA.rel_types[rel].doc


async def _neighbours(info: Info, rel: str, direction: str, node_id: str) -> list[Neighbour]:
    primed = info.context.loaders.primed.get((rel, direction), {}).get(node_id)
    if primed is not None:
        return primed
    return await info.context.loaders.rel(rel, direction).load(node_id)


async def _sources(info: Info, ids: list[str] | None) -> list[Source]:
    if not ids:
        return []
    rows = await info.context.loaders.nodes.load_many(list(ids))
    return [Source.from_row(r) for r in rows if r is not None]


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _date(value: Any) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def _list(value: Any) -> list[str] | None:
    if value is None:
        return None
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


# -- the entity interface --------------------------------------------------------------

@strawberry.interface(description="Any node of the graph: every entity has an id and a "
                                  "name; curated ones carry their sources.")
class Entity:
    id: strawberry.ID = strawberry.field(description="Stable id, e.g. firm:nvidia, "
                                                     "chip:nvidia-h100-sxm, USA.")
    name: str = strawberry.field(description="Display name.")
    aliases: list[str] = strawberry.field(description="Other names it is known by.")
    row: strawberry.Private[EntityRow]

    @strawberry.field(description="Node label (Firm, Chip, Model, DataCenter, Consortium, "
                                  "Country, Input, ControlList, Source).")
    def label(self) -> str:
        return self.row.label

    @strawberry.field(description="How sure the curators are of this entity: high, medium "
                                  "or low (absent on entities from bulk datasets).")
    def confidence(self) -> str | None:
        value = self.row.props.get("confidence")
        return None if value is None else str(value)

    @strawberry.field(description="The publications backing this entity.")
    async def sources(self, info: Info) -> list[Source]:
        return await _sources(info, self.row.props.get("sources"))

    @classmethod
    def from_row(cls: type[E], row: EntityRow) -> E:
        """Fill the type's plain fields from the row's properties, converted to the
        declared GraphQL type."""
        props = row.props
        values: dict[str, Any] = {"row": row, "id": row.id,
                                  "name": str(props.get("name") or row.id),
                                  "aliases": _list(props.get("aliases")) or []}
        for name, convert in _converters(cls):  # type: ignore[arg-type]
            values[name] = convert(props.get(name))
        return cls(**values)


#: Per type, the properties copied from the row and the converter of each.
_CONVERT: dict[str, dict[str, Callable[[Any], Any]]] = {}


@cache
def _converters(cls: type[Any]) -> list[tuple[str, Callable[[Any], Any]]]:
    """The (field, converter) pairs ``from_row`` fills, once per type."""
    conv = _CONVERT.get(cls.__name__, {})
    return [(f.name, conv[f.name]) for f in dc_fields(cls) if f.name in conv]


def _props(type_name: str, **conv: Callable[[Any], Any]) -> None:
    _CONVERT[type_name] = conv


def entity_from_row(row: EntityRow) -> Entity:
    """The GraphQL object of a row, by its label."""
    cls = ENTITY_TYPES.get(row.label)
    if cls is None:
        raise ValueError(f"no GraphQL type for label {row.label!r}")
    obj: Entity = cls.from_row(row)
    return obj


# -- edges ---------------------------------------------------------------------------

@strawberry.interface(description="A relationship that carries its own facts, with its "
                                  "provenance.")
class Fact:
    rel: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="How sure the source is: high, medium or low.")
    def confidence(self) -> str | None:
        value = self.rel.get("confidence")
        return None if value is None else str(value)

    @strawberry.field(description="First day the fact held (open-ended when absent).")
    def since(self) -> dt.date | None:
        return _date(self.rel.get("since"))

    @strawberry.field(description="Last day the fact held (open-ended when absent).")
    def until(self) -> dt.date | None:
        return _date(self.rel.get("until"))

    @strawberry.field(description="Free-text remark of the data steward.")
    def note(self) -> str | None:
        value = self.rel.get("note")
        return None if value is None else str(value)

    @strawberry.field(description="The publications backing this fact.")
    async def sources(self, info: Info) -> list[Source]:
        return await _sources(info, self.rel.get("sources"))


def _ends(parent: EntityRow, nb: Neighbour, direction: str) -> tuple[EntityRow, EntityRow]:
    return (parent, nb.node) if direction == "out" else (nb.node, parent)


@strawberry.type(description=_rdoc("OWNS"))
class Stake(Fact):
    start: strawberry.Private[EntityRow]
    end: strawberry.Private[EntityRow]

    @strawberry.field(description="Share of equity 0..1; null when not reported.")
    def share(self) -> float | None:
        return _num(self.rel.get("share"))

    @strawberry.field(description="equity, voting or control.")
    def kind(self) -> str | None:
        return self.rel.get("kind")

    @strawberry.field(description="The owner: a Firm or a Country.")
    def owner(self) -> Entity:
        return entity_from_row(self.start)

    @strawberry.field(description="The firm owned.")
    def firm(self) -> Firm:
        return Firm.from_row(self.end)


@strawberry.type(description=_rdoc("MEMBER_OF"))
class Membership(Fact):
    start: strawberry.Private[EntityRow]
    end: strawberry.Private[EntityRow]

    @strawberry.field(description="Role in the consortium.")
    def role(self) -> str | None:
        return self.rel.get("role")

    @strawberry.field(description="Equity stake 0..1 in the consortium, where reported.")
    def stake(self) -> float | None:
        return _num(self.rel.get("stake"))

    @strawberry.field(description="The member: a Firm or a Country.")
    def member(self) -> Entity:
        return entity_from_row(self.start)

    @strawberry.field(description="The consortium.")
    def consortium(self) -> Consortium:
        return Consortium.from_row(self.end)


@strawberry.type(description=_rdoc("SHIPS_TO"))
class Shipment(Fact):
    start: strawberry.Private[EntityRow]
    end: strawberry.Private[EntityRow]

    @strawberry.field(description="Id of the chip shipped (empty when the report names "
                                  "none).")
    def item(self) -> str | None:
        return self.rel.get("item") or None

    @strawberry.field(description="Units shipped, where reported.")
    def quantity(self) -> float | None:
        return _num(self.rel.get("quantity"))

    @strawberry.field(description="When, as reported (free text).")
    def period(self) -> str | None:
        return self.rel.get("period")

    @strawberry.field(description="direct, distributor, transshipment or smuggling.")
    def channel(self) -> str | None:
        return self.rel.get("channel")

    @strawberry.field(description="The firm shipping.")
    def shipper(self) -> Firm:
        return Firm.from_row(self.start)

    @strawberry.field(description="The recipient: a Firm or a DataCenter.")
    def recipient(self) -> Entity:
        return entity_from_row(self.end)


@strawberry.type(description=_rdoc("SERVES"))
class Service(Fact):
    start: strawberry.Private[EntityRow]
    end: strawberry.Private[EntityRow]

    @strawberry.field(description="What is offered (cloud compute, model API ...).")
    def what(self) -> str | None:
        return self.rel.get("what") or None

    @strawberry.field(description="The provider.")
    def provider(self) -> Firm:
        return Firm.from_row(self.start)

    @strawberry.field(description="The customer: a Firm or a Country's market.")
    def customer(self) -> Entity:
        return entity_from_row(self.end)


@strawberry.type(description=_rdoc("SUPPLIES"))
class Supply(Fact):
    start: strawberry.Private[EntityRow]
    end: strawberry.Private[EntityRow]

    @strawberry.field(description="Percent of the world market 0..100, where known.")
    def share(self) -> float | None:
        return _num(self.rel.get("share"))

    @strawberry.field(description="Year the share refers to.")
    def year(self) -> int | None:
        return _int(self.rel.get("year"))

    @strawberry.field(description="The provider: a Firm or a Country.")
    def supplier(self) -> Entity:
        return entity_from_row(self.start)

    @strawberry.field(description="The input supplied.")
    def input(self) -> Input:
        return Input.from_row(self.end)


@strawberry.type(description=_rdoc("INCLUDES"))
class Inclusion(Fact):
    start: strawberry.Private[EntityRow]
    end: strawberry.Private[EntityRow]

    @strawberry.field(description="Layer of the stack: model, chip, cloud, datacenter or "
                                  "governance.")
    def layer(self) -> str | None:
        return self.rel.get("layer")

    @strawberry.field(description="The consortium.")
    def consortium(self) -> Consortium:
        return Consortium.from_row(self.start)

    @strawberry.field(description="What is included: a Model, Chip, DataCenter or Firm.")
    def item(self) -> Entity:
        return entity_from_row(self.end)


@strawberry.type(description=_rdoc("LISTED_ON"))
class Listing(Fact):
    start: strawberry.Private[EntityRow]
    end: strawberry.Private[EntityRow]

    @strawberry.field(description="Reason given for the listing.")
    def reason(self) -> str | None:
        return self.rel.get("reason")

    @strawberry.field(description="The firm listed.")
    def firm(self) -> Firm:
        return Firm.from_row(self.start)

    @strawberry.field(description="The control list.")
    def list(self) -> ControlList:
        return ControlList.from_row(self.end)


@strawberry.type(description=_rdoc("HOSTS"))
class Hosting(Fact):
    start: strawberry.Private[EntityRow]
    end: strawberry.Private[EntityRow]

    @strawberry.field(description="Number of chips installed, where reported.")
    def quantity(self) -> float | None:
        return _num(self.rel.get("quantity"))

    @strawberry.field(description="The data center.")
    def data_center(self) -> DataCenter:
        return DataCenter.from_row(self.start)

    @strawberry.field(description="The chip.")
    def chip(self) -> Chip:
        return Chip.from_row(self.end)


@strawberry.type(description=_rdoc("TRAINED_ON"))
class Training(Fact):
    start: strawberry.Private[EntityRow]
    end: strawberry.Private[EntityRow]

    @strawberry.field(description="Number of chips used, where reported.")
    def quantity(self) -> float | None:
        return _num(self.rel.get("quantity"))

    @strawberry.field(description="The model trained.")
    def model(self) -> Model:
        return Model.from_row(self.start)

    @strawberry.field(description="Where or on what: a DataCenter or a Chip.")
    def hardware(self) -> Entity:
        return entity_from_row(self.end)


EdgeT = TypeVar("EdgeT", bound=Fact)


def _cached(info: Info, rel: str, direction: str, node_id: str) -> list[Neighbour] | None:
    """The neighbours if the request already holds them (primed by a page query or loaded
    by an earlier batch): then the field resolves without a trip through the event loop."""
    loaders = info.context.loaders
    primed = loaders.primed.get((rel, direction))
    if primed is not None:
        hit = primed.get(node_id)
        if hit is not None:
            return hit
    fut = loaders.rel(rel, direction).cache_map.get(node_id)
    if fut is not None and fut.done() and not fut.cancelled() and fut.exception() is None:
        value: list[Neighbour] = fut.result()
        return value
    return None


def _edges_of(parent: EntityRow, nbs: list[Neighbour], direction: str,
              cls: type[EdgeT]) -> list[EdgeT]:
    out = []
    for nb in nbs:
        start, end = _ends(parent, nb, direction)
        out.append(cls(rel=nb.rel, start=start, end=end))  # type: ignore[call-arg]
    return out


def _edges(info: Info, parent: EntityRow, rel: str, direction: str, cls: type[EdgeT]) -> Any:
    """Edges of a relationship field: a list when cached, else an awaitable (graphql-core
    awaits what a resolver returns when it is awaitable)."""
    hit = _cached(info, rel, direction, parent.id)
    if hit is not None:
        return _edges_of(parent, hit, direction, cls)

    async def later() -> list[EdgeT]:
        return _edges_of(parent, await _neighbours(info, rel, direction, parent.id),
                         direction, cls)

    return later()


def _nodes(info: Info, parent: EntityRow, rel: str, direction: str, cls: type[E]) -> Any:
    """Far nodes of a relationship field (list when cached, else an awaitable)."""
    hit = _cached(info, rel, direction, parent.id)
    if hit is not None:
        return [cls.from_row(nb.node) for nb in hit]  # type: ignore[attr-defined]

    async def later() -> list[E]:
        return [cls.from_row(nb.node)  # type: ignore[attr-defined]
                for nb in await _neighbours(info, rel, direction, parent.id)]

    return later()


def _one(info: Info, parent: EntityRow, rel: str, direction: str, cls: type[E]) -> Any:
    """The first far node, or None (for single-valued fields such as headquarters)."""
    hit = _cached(info, rel, direction, parent.id)
    if hit is not None:
        return cls.from_row(hit[0].node) if hit else None  # type: ignore[attr-defined]

    async def later() -> E | None:
        found = await _neighbours(info, rel, direction, parent.id)
        return cls.from_row(found[0].node) if found else None  # type: ignore[attr-defined]

    return later()


# -- the entity types ----------------------------------------------------------------

@strawberry.type(description=_doc("Country"))
class Country(Entity):
    iso2: str | None = strawberry.field(description="ISO 3166-1 alpha-2 code.")
    iso3: str | None = strawberry.field(description="ISO 3166-1 alpha-3 code.")
    bis_country_groups: list[str] | None = strawberry.field(
        description=_pdoc("Country", "bis_country_groups"))
    bis_as_of: dt.date | None = strawberry.field(description=_pdoc("Country", "bis_as_of"))
    region: str | None = strawberry.field(description="World region.")

    @strawberry.field(description="Firms headquartered here.")
    def firms(self, info: Info) -> list[Firm]:
        return _nodes(info, self.row, "HEADQUARTERED_IN", "in", Firm)

    @strawberry.field(description="Data centers located here.")
    def data_centers(self, info: Info) -> list[DataCenter]:
        return _nodes(info, self.row, "LOCATED_IN", "in", DataCenter)

    @strawberry.field(description="Stakes the state holds in firms.")
    def holdings(self, info: Info) -> list[Stake]:
        return _edges(info, self.row, "OWNS", "out", Stake)

    @strawberry.field(description="Consortia the country is a member of.")
    def memberships(self, info: Info) -> list[Membership]:
        return _edges(info, self.row, "MEMBER_OF", "out", Membership)

    @strawberry.field(description="Remote access (cloud, model APIs) offered to this "
                                  "country's market.")
    def served_by(self, info: Info) -> list[Service]:
        return _edges(info, self.row, "SERVES", "in", Service)

    @strawberry.field(description="Supply-chain inputs the country provides (ETO data).")
    def supplies(self, info: Info) -> list[Supply]:
        return _edges(info, self.row, "SUPPLIES", "out", Supply)


@strawberry.type(description=_doc("Firm"))
class Firm(Entity):
    kind: list[str] | None = strawberry.field(description=_pdoc("Firm", "kind"))
    website: str | None = strawberry.field(description="Web site.")
    founded: int | None = strawberry.field(description="Year founded.")
    description: str | None = strawberry.field(description="What the firm does.")

    @strawberry.field(description=_rdoc("HEADQUARTERED_IN"))
    def headquarters(self, info: Info) -> Country | None:
        return _one(info, self.row, "HEADQUARTERED_IN", "out", Country)

    @strawberry.field(description="Who owns this firm, with shares.")
    def owners(self, info: Info) -> list[Stake]:
        return _edges(info, self.row, "OWNS", "in", Stake)

    @strawberry.field(description="Stakes this firm holds in other firms.")
    def holdings(self, info: Info) -> list[Stake]:
        return _edges(info, self.row, "OWNS", "out", Stake)

    @strawberry.field(description="Chips the firm designs.")
    def designs(self, info: Info) -> list[Chip]:
        return _nodes(info, self.row, "DESIGNS", "out", Chip)

    @strawberry.field(description="Chips the firm fabricates (foundry).")
    def fabricates(self, info: Info) -> list[Chip]:
        return _nodes(info, self.row, "FABRICATES", "out", Chip)

    @strawberry.field(description="Chips the firm packages.")
    def packages(self, info: Info) -> list[Chip]:
        return _nodes(info, self.row, "PACKAGES", "out", Chip)

    @strawberry.field(description="Models the firm develops.")
    def develops(self, info: Info) -> list[Model]:
        return _nodes(info, self.row, "DEVELOPS", "out", Model)

    @strawberry.field(description="Data centers the firm operates.")
    def operates(self, info: Info) -> list[DataCenter]:
        return _nodes(info, self.row, "OPERATES", "out", DataCenter)

    @strawberry.field(description="Shipments of chips the firm sends.")
    def ships_to(self, info: Info) -> list[Shipment]:
        return _edges(info, self.row, "SHIPS_TO", "out", Shipment)

    @strawberry.field(description="Shipments of chips the firm receives.")
    def shipments_received(self, info: Info) -> list[Shipment]:
        return _edges(info, self.row, "SHIPS_TO", "in", Shipment)

    @strawberry.field(description="Remote access (cloud, model APIs) the firm offers.")
    def serves(self, info: Info) -> list[Service]:
        return _edges(info, self.row, "SERVES", "out", Service)

    @strawberry.field(description="Remote access the firm receives from providers.")
    def served_by(self, info: Info) -> list[Service]:
        return _edges(info, self.row, "SERVES", "in", Service)

    @strawberry.field(description="Supply-chain inputs the firm provides, with shares.")
    def supplies(self, info: Info) -> list[Supply]:
        return _edges(info, self.row, "SUPPLIES", "out", Supply)

    @strawberry.field(description="Consortia the firm is a member of.")
    def memberships(self, info: Info) -> list[Membership]:
        return _edges(info, self.row, "MEMBER_OF", "out", Membership)

    @strawberry.field(description="Control lists the firm is on.")
    def listings(self, info: Info) -> list[Listing]:
        return _edges(info, self.row, "LISTED_ON", "out", Listing)

    @strawberry.field(description="Consortia or export packages that include the firm.")
    def included_in(self, info: Info) -> list[Inclusion]:
        return _edges(info, self.row, "INCLUDES", "in", Inclusion)


@strawberry.type(description=_doc("Chip"))
class Chip(Entity):
    kind: str | None = strawberry.field(description=_pdoc("Chip", "kind"))
    process_node_nm: float | None = strawberry.field(description="Process node in nm.")
    tpp: float | None = strawberry.field(description=_pdoc("Chip", "tpp"))
    performance_density: float | None = strawberry.field(
        description="TPP per mm2 of die (ECCN 3A090 metric).")
    eccn: str | None = strawberry.field(description="Export control classification number.")
    release_year: int | None = strawberry.field(description="Year of release.")
    hbm: str | None = strawberry.field(description=_pdoc("Chip", "hbm"))
    description: str | None = strawberry.field(description="What the chip is.")

    @strawberry.field(description="Firms that design the chip.")
    def designers(self, info: Info) -> list[Firm]:
        return _nodes(info, self.row, "DESIGNS", "in", Firm)

    @strawberry.field(description="Foundries that fabricate the chip.")
    def fabricators(self, info: Info) -> list[Firm]:
        return _nodes(info, self.row, "FABRICATES", "in", Firm)

    @strawberry.field(description="Firms that package the chip.")
    def packagers(self, info: Info) -> list[Firm]:
        return _nodes(info, self.row, "PACKAGES", "in", Firm)

    @strawberry.field(description="Supply-chain inputs the chip depends on.")
    def requires(self, info: Info) -> list[Input]:
        return _nodes(info, self.row, "REQUIRES", "out", Input)

    @strawberry.field(description="Data centers where the chip is installed.")
    def hosted_in(self, info: Info) -> list[Hosting]:
        return _edges(info, self.row, "HOSTS", "in", Hosting)

    @strawberry.field(description="Models trained on the chip.")
    def trained_models(self, info: Info) -> list[Training]:
        return _edges(info, self.row, "TRAINED_ON", "in", Training)

    @strawberry.field(description="Consortia or export packages that include the chip.")
    def included_in(self, info: Info) -> list[Inclusion]:
        return _edges(info, self.row, "INCLUDES", "in", Inclusion)


@strawberry.type(description=_doc("Model"))
class Model(Entity):
    release_date: dt.date | None = strawberry.field(description="Day of release.")
    open_weights: bool | None = strawberry.field(description="Whether weights are public.")
    parameters: float | None = strawberry.field(description="Number of parameters.")
    training_compute_flop: float | None = strawberry.field(
        description="Training compute in FLOP.")
    domain: str | None = strawberry.field(description="Domain (language, vision ...).")
    accessibility: str | None = strawberry.field(description="How the model is offered.")
    description: str | None = strawberry.field(description="What the model is.")

    @strawberry.field(description="Firms that develop the model.")
    def developers(self, info: Info) -> list[Firm]:
        return _nodes(info, self.row, "DEVELOPS", "in", Firm)

    @strawberry.field(description="Hardware or sites the model was trained on.")
    def trained_on(self, info: Info) -> list[Training]:
        return _edges(info, self.row, "TRAINED_ON", "out", Training)

    @strawberry.field(description="Consortia or export packages that include the model.")
    def included_in(self, info: Info) -> list[Inclusion]:
        return _edges(info, self.row, "INCLUDES", "in", Inclusion)


@strawberry.type(description=_doc("DataCenter"))
class DataCenter(Entity):
    status: str | None = strawberry.field(description=_pdoc("DataCenter", "status"))
    power_mw: float | None = strawberry.field(description="Power capacity in MW.")
    h100_equivalents: float | None = strawberry.field(
        description="Compute in H100 equivalents.")
    city: str | None = strawberry.field(description="City.")
    description: str | None = strawberry.field(description="What the site is.")

    @strawberry.field(description=_rdoc("LOCATED_IN"))
    def location(self, info: Info) -> Country | None:
        return _one(info, self.row, "LOCATED_IN", "out", Country)

    @strawberry.field(description="Firms that operate the data center.")
    def operators(self, info: Info) -> list[Firm]:
        return _nodes(info, self.row, "OPERATES", "in", Firm)

    @strawberry.field(description="Chips installed, with quantities.")
    def hosts(self, info: Info) -> list[Hosting]:
        return _edges(info, self.row, "HOSTS", "out", Hosting)

    @strawberry.field(description="Shipments of chips delivered to the site.")
    def shipments_received(self, info: Info) -> list[Shipment]:
        return _edges(info, self.row, "SHIPS_TO", "in", Shipment)

    @strawberry.field(description="Models trained here.")
    def trained_models(self, info: Info) -> list[Training]:
        return _edges(info, self.row, "TRAINED_ON", "in", Training)

    @strawberry.field(description="Consortia or export packages that include the site.")
    def included_in(self, info: Info) -> list[Inclusion]:
        return _edges(info, self.row, "INCLUDES", "in", Inclusion)


@strawberry.type(description=_doc("Consortium"))
class Consortium(Entity):
    kind: str | None = strawberry.field(description=_pdoc("Consortium", "kind"))
    announced: dt.date | None = strawberry.field(description="Day announced.")
    description: str | None = strawberry.field(description="What the consortium is.")

    @strawberry.field(description="Members (firms and countries) with role and stake.")
    def members(self, info: Info) -> list[Membership]:
        return _edges(info, self.row, "MEMBER_OF", "in", Membership)

    @strawberry.field(description="What it includes, by layer of the stack.")
    def includes(self, info: Info) -> list[Inclusion]:
        return _edges(info, self.row, "INCLUDES", "out", Inclusion)


@strawberry.type(description=_doc("Input"))
class Input(Entity):
    type: str | None = strawberry.field(description="Kind of input (tool, material ...).")
    stage: str | None = strawberry.field(description="Supply-chain stage.")
    description: str | None = strawberry.field(description="What the input is.")
    market_size: str | None = strawberry.field(description="Market size, as reported.")
    year: int | None = strawberry.field(description="Year the figures refer to.")

    @strawberry.field(description="Providers with their world-market shares.")
    def suppliers(self, info: Info) -> list[Supply]:
        return _edges(info, self.row, "SUPPLIES", "in", Supply)

    @strawberry.field(description="Inputs this one is used to make.")
    def goes_into(self, info: Info) -> list[Input]:
        return _nodes(info, self.row, "GOES_INTO", "out", Input)

    @strawberry.field(description="Inputs used to make this one.")
    def made_from(self, info: Info) -> list[Input]:
        return _nodes(info, self.row, "GOES_INTO", "in", Input)

    @strawberry.field(description="Broader inputs this one is a kind of.")
    def type_of(self, info: Info) -> list[Input]:
        return _nodes(info, self.row, "TYPE_OF", "out", Input)

    @strawberry.field(description="Narrower kinds of this input.")
    def subtypes(self, info: Info) -> list[Input]:
        return _nodes(info, self.row, "TYPE_OF", "in", Input)

    @strawberry.field(description="Chips that depend on this input.")
    def required_by(self, info: Info) -> list[Chip]:
        return _nodes(info, self.row, "REQUIRES", "in", Chip)


@strawberry.type(description=_doc("ControlList"))
class ControlList(Entity):
    authority: str | None = strawberry.field(description="Government authority.")
    description: str | None = strawberry.field(description="What the list is.")

    @strawberry.field(description="Firms on the list, with reasons and dates.")
    def listed(self, info: Info) -> list[Listing]:
        return _edges(info, self.row, "LISTED_ON", "in", Listing)


@strawberry.type(description=_doc("Source"))
class Source(Entity):
    title: str | None = strawberry.field(description="Title of the publication.")
    publisher: str | None = strawberry.field(description="Publisher.")
    url: str | None = strawberry.field(description="Where to read it.")
    published: dt.date | None = strawberry.field(description="Day published.")
    license: str | None = strawberry.field(description="License of the data.")


@strawberry.type(description=_doc("Value"))
class Value(Entity):
    property: str | None = strawberry.field(description="The dated property it is a value of.")
    value: JSON | None = strawberry.field(description="The value, of that property's type.")
    since: dt.date | None = strawberry.field(description="First day it held.")
    until: dt.date | None = strawberry.field(description="Last day it held.")


def _s(v: Any) -> str | None:
    return None if v is None else str(v)


_props("Country", iso2=_s, iso3=_s, bis_country_groups=_list, bis_as_of=_date, region=_s)
_props("Firm", kind=_list, website=_s, founded=_int, description=_s)
_props("Chip", kind=_s, process_node_nm=_num, tpp=_num, performance_density=_num, eccn=_s,
       release_year=_int, hbm=_s, description=_s)
_props("Model", release_date=_date, open_weights=lambda v: None if v is None else bool(v),
       parameters=_num, training_compute_flop=_num, domain=_s, accessibility=_s,
       description=_s)
_props("DataCenter", status=_s, power_mw=_num, h100_equivalents=_num, city=_s, description=_s)
_props("Consortium", kind=_s, announced=_date, description=_s)
_props("Input", type=_s, stage=_s, description=_s, market_size=_s, year=_int)
_props("ControlList", authority=_s, description=_s)
_props("Value", property=_s, value=plain, since=_date, until=_date)
_props("Source", title=_s, publisher=_s, url=_s, published=_date, license=_s)

#: GraphQL type of each label.
ENTITY_TYPES: dict[str, type[Any]] = {
    "Country": Country, "Firm": Firm, "Chip": Chip, "Model": Model,
    "DataCenter": DataCenter, "Consortium": Consortium, "Input": Input,
    "ControlList": ControlList, "Source": Source, "Value": Value,
}

assert set(ENTITY_TYPES) == set(SCHEMA.labels), "every label needs a GraphQL type"

#: Types to register with the schema (interfaces' implementations are not reachable
#: from fields alone).
ALL_TYPES: list[type[Any]] = [*ENTITY_TYPES.values(), Stake, Membership, Shipment, Service,
                              Supply, Inclusion, Listing, Hosting, Training]


def _relationship_fields() -> dict[tuple[str, str], tuple[str, str]]:
    """(type, GraphQL field) -> (relationship type, direction), read from this module's
    resolvers, so a page query can fetch the relationships its selection asks for in the
    same round trip (``schema._page``) without a second table to keep in step."""
    import inspect
    import re

    from strawberry.utils.str_converters import to_camel_case

    pattern = re.compile(r"def (\w+)\(self, info: Info\)[^:]*:\n\s+return "
                         r"_(?:nodes|edges|one)\(info, self\.row, \"(\w+)\", \"(in|out)\"")
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for name, cls in ENTITY_TYPES.items():
        for m in pattern.finditer(inspect.getsource(cls)):
            out[(name, to_camel_case(m.group(1)))] = (m.group(2), m.group(3))
    return out


RELATIONSHIP_FIELDS = _relationship_fields()
FAST_RESOLVERS.update(RELATIONSHIP_FIELDS)
