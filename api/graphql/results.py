"""GraphQL output types of the questions, derived from their pydantic models.

``queries/models.py`` declares each answer once; this module mirrors every model as a
Strawberry type so the API can never drift from what the Python functions return:

* a field's description is the pydantic one, or an entry of ``FIELD_DOCS``;
* ``dict[str, X]`` (counts by country, layers ...) becomes a list of ``{key, value}``
  entries, since GraphQL has no maps; ``dict[str, Any]`` becomes the ``JSON`` scalar;
* ``EntityRef`` gains an ``entity`` field that resolves the full node (batched), so a
  path can be followed into the entity types.

``to_graphql(model_instance)`` converts an answer into the mirrored objects.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from functools import cache
from typing import Any, Union, get_args, get_origin

import strawberry
from pydantic import BaseModel
from strawberry.scalars import JSON

from api.graphql.context import Info
from api.graphql.entities import Entity, entity_from_row

#: Descriptions for model fields that have none in queries/models.py.
FIELD_DOCS: dict[str, str] = {
    "id": "Stable id of the node.",
    "name": "Display name.",
    "label": "Domain label.",
    "title": "Title of the publication.",
    "from_name": "Name of the node the hop leaves.",
    "to_name": "Name of the node the hop reaches.",
    "hops": "The relationships of the path, in walking order, each with its sources.",
    "length": "Number of hops.",
    "origin": "The item the question starts from.",
    "scenario": "Id of the policy scenario applied.",
    "scenario_name": "Name of the policy scenario applied.",
    "as_of": "Day the answer looks at: only facts valid on that day count.",
    "max_hops": "Longest path followed.",
    "max_depth": "Deepest ownership chain followed.",
    "item": "The item.",
    "score": "Product of the hop factors, in (0, 1].",
    "path": "The path it rests on.",
    "country": "Country (ISO3).",
    "items": "The items found.",
    "truncated": "True when a budget or limit cut the answer short.",
    "low": "Lower bound.",
    "high": "Upper bound.",
    "owner": "The owner.",
    "owners": "The owners.",
    "paths": "The paths the answer rests on.",
    "target": "The target.",
    "stake": "The stake.",
    "foreign": "True when the country is not the target's headquarters country.",
    "firm": "The firm.",
    "firms": "The firms.",
    "kinds": "Kinds of the firm.",
    "aggregate": "Aggregated by country.",
    "threshold": "Top country share (percent) from which an input is a chokepoint.",
    "node": "The node.",
    "value": "The measure.",
    "removed": "What the what-if removes.",
    "input": "The input.",
    "inputs": "The inputs.",
    "share": "Share.",
    "kind": "Kind.",
    "member": "The member.",
    "members": "The members with country, tier, role and stake.",
    "tier": "Tier of the member's country under the scenario.",
    "role": "Role in the consortium.",
    "lists": "Control lists it is on.",
    "countries": "Countries (ISO3).",
    "chips": "Chips.",
    "consortia": "One entry per consortium.",
    "members_by_country": "Number of members per country (ISO3).",
    "members_by_tier": "Number of members per scenario tier.",
    "listed_members": "Members on control lists.",
    "layers": "What the consortium includes, per layer of the stack.",
    "layer_countries": "Countries of origin per layer.",
    "chokepoints": "Chokepoint inputs.",
    "top_paths": "Best-ranked diversion paths from its data centers.",
    "source": "Where the paths start.",
    "mode": "'shortest' or 'all'.",
    "types": "Relationship types followed (null: all).",
    "key": "Key.",
    "by_country": "Aggregated by country.",
    "by_firm": "Aggregated by firm.",
    "foreign_share": "Share held from countries other than the firm's headquarters country.",
    "provider_count": "Number of providers.",
    "providers": "The providers with their shares.",
    "sources": "The publications backing the fact.",
    "targets_cut_off": "Targets that lose all supply.",
    "top_share": "Largest known share (percent).",
    "what_if": "Effect of removing the given countries or firms; null when none removed.",
}

#: GraphQL names for models whose own name would mislead in the schema.
TYPE_NAMES: dict[str, str] = {"WhatIfInput": "WhatIfInputLoss", "Path": "GraphPath",
                              "Member": "ConsortiumMember"}

_TYPES: dict[type[BaseModel], type[Any]] = {}
_ENTRIES: dict[str, type[Any]] = {}


def mirrored_models() -> dict[str, type[BaseModel]]:
    """The pydantic model of each mirrored GraphQL type, by GraphQL type name."""
    out = {}
    for model, cls in _TYPES.items():
        definition = getattr(cls, "__strawberry_definition__", None)
        if definition is not None:
            out[definition.name] = model
    return out


def entry_type_names() -> set[str]:
    """The GraphQL names of the ``{key, value}`` entry types of maps."""
    return {cls.__strawberry_definition__.name for cls in _ENTRIES.values()}


def _name(model: type[BaseModel]) -> str:
    return TYPE_NAMES.get(model.__name__, model.__name__)


def _entry_type(value_t: Any, value_name: str) -> type[Any]:
    name = f"{value_name}Entry"
    if name not in _ENTRIES:
        cls = types.new_class(name)
        cls.__annotations__ = {"key": str, "value": value_t}
        setattr(cls, "key", strawberry.field(  # noqa: B010 - a class built at run time
            description="Key (a country code, a tier, a layer ...)."))
        setattr(cls, "value", strawberry.field(  # noqa: B010
            description="Value for that key."))
        _ENTRIES[name] = strawberry.type(cls, description=f"One entry of a map to "
                                                           f"{value_name}.")
    return _ENTRIES[name]


def _is_optional(t: Any) -> tuple[bool, Any]:
    if get_origin(t) in (Union, types.UnionType):
        args = [a for a in get_args(t) if a is not type(None)]
        if len(args) == 1 and len(get_args(t)) == 2:
            return True, args[0]
    return False, t


def _gql(t: Any) -> Any:
    """The Strawberry annotation for a pydantic annotation."""
    optional, inner = _is_optional(t)
    if optional:
        return _gql(inner) | None
    origin = get_origin(t)
    if origin is list:
        (item,) = get_args(t)
        return list[_gql(item)]  # type: ignore[misc]
    if origin is dict:
        key_t, value_t = get_args(t)
        if value_t is Any:
            return JSON
        v = _gql(value_t)
        vname = _label(value_t)
        return list[_entry_type(v, vname)]  # type: ignore[misc]
    if t is Any:
        return JSON
    if isinstance(t, type) and issubclass(t, BaseModel):
        return mirror(t)
    if t in (str, int, float, bool, dt.date):
        return t
    raise TypeError(f"no GraphQL mapping for {t!r}")


def _label(t: Any) -> str:
    origin = get_origin(t)
    if origin is list:
        return "ListOf" + _label(get_args(t)[0])
    if isinstance(t, type) and issubclass(t, BaseModel):
        return _name(t)
    return {str: "String", int: "Int", float: "Float", bool: "Boolean"}.get(t, "Value")


async def _resolve_entity(root: Any, info: Info) -> Entity | None:
    row = await info.context.loaders.nodes.load(root.id)
    return None if row is None else entity_from_row(row)


def mirror(model: type[BaseModel]) -> type[Any]:
    """The Strawberry type mirroring ``model`` (built once)."""
    if model in _TYPES:
        return _TYPES[model]
    hints = _hints(model)
    cls = types.new_class(_name(model))
    annotations: dict[str, Any] = {}
    _TYPES[model] = cls  # placeholder for recursive references
    for fname, finfo in model.model_fields.items():
        annotations[fname] = _gql(hints[fname])
        desc = finfo.description or FIELD_DOCS.get(fname)
        if not desc:
            raise TypeError(f"{model.__name__}.{fname} has no description: add one to "
                            "FIELD_DOCS")
        setattr(cls, fname, strawberry.field(description=desc))
    cls.__annotations__ = annotations
    if model.__name__ == "EntityRef":
        cls.entity = strawberry.field(  # type: ignore[attr-defined]
            resolver=_resolve_entity,
            description="The full node, to follow its relationships.")
    doc = (model.__doc__ or "").strip() or f"Answer part {model.__name__}."
    _TYPES[model] = strawberry.type(cls, description=" ".join(doc.split()))
    return _TYPES[model]


def to_graphql(value: Any) -> Any:
    """Convert a pydantic answer (recursively) into the mirrored Strawberry objects."""
    if isinstance(value, BaseModel):
        cls, fields = converter(type(value))
        kwargs = {}
        for fname, how in fields:
            v = getattr(value, fname)
            if how == PLAIN or v is None:
                kwargs[fname] = v
            elif how == NESTED:
                kwargs[fname] = to_graphql(v)
            elif how == JSON_VALUE:
                kwargs[fname] = jsonable(v)
            else:
                kwargs[fname] = [how(key=k, value=to_graphql(x)) for k, x in v.items()]
        return cls(**kwargs)
    if isinstance(value, list):
        return [to_graphql(v) for v in value]
    return value


#: How ``to_graphql`` converts a field (``converter``): as is, recursively, as JSON; any
#: other value is a map's entry type.
PLAIN, NESTED, JSON_VALUE = "plain", "nested", "json"


@cache
def converter(model: type[BaseModel]) -> tuple[type[Any], list[tuple[str, Any]]]:
    """The mirrored class of ``model`` and, per field, how to convert it: as is (scalars
    and lists of them: most of an answer), recursively, as JSON, or as map entries.
    Worked out once per model; answers have thousands of fields."""
    fields: list[tuple[str, Any]] = []
    for fname in model.model_fields:
        is_dict, entry = _dict_entry(model, fname)
        if is_dict:
            fields.append((fname, JSON_VALUE if entry is None else entry))
        elif _holds_model(_hints(model)[fname]):
            fields.append((fname, NESTED))
        else:
            fields.append((fname, PLAIN))
    return mirror(model), fields


def _holds_model(t: Any) -> bool:
    """True when the annotation has a pydantic model anywhere inside."""
    if t is Any or (isinstance(t, type) and issubclass(t, BaseModel)):
        return True
    return any(_holds_model(a) for a in get_args(t))


@cache
def _hints(model: type[BaseModel]) -> dict[str, Any]:
    """Resolved annotations of a model (``get_type_hints`` is slow: once per model)."""
    return typing.get_type_hints(model)


@cache
def _dict_entry(model: type[BaseModel], fname: str) -> tuple[bool, type[Any] | None]:
    """(is a dict field, its entry type or None for ``dict[str, Any]``)."""
    _, inner = _is_optional(_hints(model)[fname])
    if get_origin(inner) is not dict:
        return False, None
    _, value_t = get_args(inner)
    if value_t is Any:
        return True, None
    return True, _entry_type(_gql(value_t), _label(value_t))


def jsonable(value: Any) -> Any:
    """A ``JSON`` field's value made JSON-able (dates as ISO text)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value

