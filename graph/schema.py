"""The domain model, read once from ``schema.yaml``, and everything derived from it.

Like followthemoney's schema files, the YAML declares each label and relationship type
once; this module turns it into a registry that the rest of the code consults:

* ``SCHEMA.label(name)`` / ``SCHEMA.rel_type(name)`` validate any label or type before it
  is placed in Cypher text (labels and types cannot be query parameters);
* ``SCHEMA.label_for_id(node_id)`` tells a node's label from its id prefix;
* ``SCHEMA.ddl()`` yields the constraints and indexes, applied by ``apply_schema``;
* ``Property.coerce`` converts and checks a raw value (used by ingest validation);
* ``RelType.graphql`` names the relationship's GraphQL fields on each end's labels, from
  which ``api/graphql/entities.py`` builds the entity and edge types; a label's ``style``
  gives the Neo4j Browser style (``api/browser_guide.py``).

Adding a property to a label is one line in the YAML: validation, the loader's Cypher,
the indexes (``index: true``) and the GraphQL type follow from it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from graph.errors import SchemaError

SCHEMA_FILE = Path(__file__).with_name("schema.yaml")

#: Every node also carries this label, with a unique ``id``: lookups by id alone use it.
ENTITY_LABEL = "Entity"
#: Name of the full-text index over ``name`` and ``aliases`` of every entity.
FULLTEXT_INDEX = "entity_names"

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_TYPES = {"string", "int", "float", "bool", "date", "list[string]", "any"}


def parse_date(value: Any, *, end: bool = False) -> dt.date:
    """Read a date given as a ``date``, ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``.

    A partial date stands for its whole period: the first day of it, or with ``end``
    the last day (so ``until: 2024`` means through 31 December 2024).
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_native"):  # neo4j.time.Date
        native = value.to_native()
        if isinstance(native, dt.date):
            return native
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text)
    if not m:
        raise ValueError(f"expected a date YYYY-MM-DD, YYYY-MM or YYYY, got {text!r}")
    year = int(m.group(1))
    if m.group(3):
        return dt.date(year, int(m.group(2)), int(m.group(3)))
    if m.group(2):
        month = int(m.group(2))
        if not end:
            return dt.date(year, month, 1)
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)
    return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)


@dataclass(frozen=True)
class Property:
    """One declared property: its type, whether it is required, allowed values, range."""

    name: str
    type: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    doc: str = ""
    #: a value that changes over time: records may give it as a dated history
    dated: bool = False
    #: an index on the property (labels only): ``SCHEMA.ddl``
    index: bool = False

    def coerce(self, value: Any) -> Any:
        """Return ``value`` converted to this property's type, or raise ``ValueError``
        with a sentence saying what was expected."""
        t = self.type
        if t == "string":
            if isinstance(value, (dict, list, bool)):
                raise ValueError(f"expected text, got {type(value).__name__}")
            out: Any = str(value)
            if self.enum and out not in self.enum:
                raise ValueError(f"expected one of {', '.join(self.enum)}, got {out!r}")
            return out
        if t == "list[string]":
            items = value if isinstance(value, list) else [value]
            out = []
            for item in items:
                if isinstance(item, (dict, list)) or item is None:
                    raise ValueError(f"expected a list of text, got an item {item!r}")
                s = str(item)
                if self.enum and s not in self.enum:
                    raise ValueError(f"expected items among {', '.join(self.enum)}, got {s!r}")
                out.append(s)
            return out
        if t == "bool":
            if isinstance(value, bool):
                return value
            if str(value).strip().lower() in {"true", "yes", "1"}:
                return True
            if str(value).strip().lower() in {"false", "no", "0"}:
                return False
            raise ValueError(f"expected true or false, got {value!r}")
        if t in {"int", "float"}:
            if isinstance(value, bool):
                raise ValueError(f"expected a number, got {value!r}")
            try:
                num: float = int(value) if t == "int" else float(value)
            except (TypeError, ValueError):
                raise ValueError(f"expected a{'n integer' if t == 'int' else ' number'}, "
                                 f"got {value!r}") from None
            if num != num:  # NaN
                raise ValueError("expected a number, got NaN")
            if self.min is not None and num < self.min:
                raise ValueError(f"expected a number >= {self.min}, got {num}")
            if self.max is not None and num > self.max:
                raise ValueError(f"expected a number <= {self.max}, got {num}")
            return num
        if t == "date":
            return parse_date(value, end=self.name == "until")
        if t == "any":  # a Value's value, already coerced by its owner's property
            if isinstance(value, dict) or value is None:
                raise ValueError(f"expected a plain value or a list, got {value!r}")
            return value
        raise SchemaError(f"unknown property type {t!r}")  # pragma: no cover


@dataclass(frozen=True)
class Style:
    """How the Neo4j Browser draws a label's nodes (or a type's relationships)."""

    color: str = "#A5ABB6"
    border: str = "#9AA1AC"
    text: str = "#FFFFFF"
    diameter: int = 50
    shaft_width: int = 1


@dataclass(frozen=True)
class Label:
    name: str
    doc: str
    properties: dict[str, Property]
    id_prefix: str | None = None
    id_pattern: str | None = None
    provenance: bool = True
    style: Style = Style()

    def matches_id(self, node_id: str) -> bool:
        if self.id_prefix:
            return node_id.startswith(self.id_prefix) and len(node_id) > len(self.id_prefix)
        return bool(self.id_pattern and re.fullmatch(self.id_pattern, node_id))


@dataclass(frozen=True)
class RelField:
    """A GraphQL field of a relationship on the labels at one end: ``direction`` "out"
    on the ``from`` labels, "in" on the ``to`` labels; ``kind`` "nodes" (the far nodes),
    "one" (the first far node or null) or "edges" (the edge type)."""

    name: str
    rel_type: str
    direction: str
    kind: str
    doc: str


@dataclass(frozen=True)
class EdgeType:
    """The GraphQL type of a relationship carrying its own facts: its name, and the
    fields naming its start and its end (with their descriptions)."""

    name: str
    start: tuple[str, str]
    end: tuple[str, str]


@dataclass(frozen=True)
class RelType:
    name: str
    doc: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    properties: dict[str, Property]
    merge_key: tuple[str, ...] = ()
    fields: tuple[RelField, ...] = ()
    edge: EdgeType | None = None
    style: Style = Style()


@dataclass(frozen=True, eq=False)
class Schema:
    """The registry of labels and relationship types (hashed by identity: caches of
    derived text key on it)."""

    labels: dict[str, Label]
    rel_types: dict[str, RelType]
    provenance: dict[str, Property] = field(default_factory=dict)

    # -- registry -------------------------------------------------------------------
    def label(self, name: str) -> str:
        """Return ``name`` if it is a declared label, else raise SchemaError."""
        if name not in self.labels:
            raise SchemaError(f"unknown label {name!r}",
                              hint=f"expected one of: {', '.join(sorted(self.labels))}")
        return name

    def rel_type(self, name: str) -> str:
        """Return ``name`` if it is a declared relationship type, else raise SchemaError."""
        if name not in self.rel_types:
            raise SchemaError(f"unknown relationship type {name!r}",
                              hint=f"expected one of: {', '.join(sorted(self.rel_types))}")
        return name

    def rel_types_pattern(self, names: Iterable[str]) -> str:
        """A ``A|B|C`` relationship-type alternation, every name checked first."""
        checked = [self.rel_type(n) for n in names]
        if not checked:
            raise SchemaError("no relationship type given")
        return "|".join(checked)

    def label_for_id(self, node_id: str) -> str | None:
        """The label a node id names by its prefix (or pattern, for countries)."""
        for label in self.labels.values():
            if label.matches_id(node_id):
                return label.name
        return None

    @cached_property
    def node_properties(self) -> dict[str, dict[str, Property]]:
        """Every property a node of each label may carry, provenance included."""
        common = {
            "id": Property("id", "string", required=True),
            "name": Property("name", "string", required=True),
            "aliases": Property("aliases", "list[string]"),
            # ids of other sources' records resolved into this node (ingest/resolution.py)
            "same_as": Property("same_as", "list[string]"),
        }
        out = {}
        for label in self.labels.values():
            props = dict(common)
            if label.provenance:
                props.update({k: v for k, v in self.provenance.items()
                              if k not in {"since", "until"}})
                props["sources"] = Property("sources", "list[string]")
                props["confidence"] = Property("confidence", "string",
                                               enum=("high", "medium", "low"))
            props.update(label.properties)
            out[label.name] = props
        return out

    @cached_property
    def graphql_fields(self) -> dict[str, list[RelField]]:
        """Per label, the GraphQL relationship fields its type carries, in the order of
        the YAML (relationships, then out before in)."""
        out: dict[str, list[RelField]] = {name: [] for name in self.labels}
        for rel in self.rel_types.values():
            for f in rel.fields:
                for label in (rel.sources if f.direction == "out" else rel.targets):
                    out[label].append(f)
        return out

    @cached_property
    def rel_properties(self) -> dict[str, dict[str, Property]]:
        out = {}
        for rel in self.rel_types.values():
            props = dict(self.provenance)
            props.update(rel.properties)
            out[rel.name] = props
        return out

    # -- DDL --------------------------------------------------------------------------
    def ddl(self) -> Iterator[tuple[str, str]]:
        """(name, statement) for every constraint and index, all ``IF NOT EXISTS``.

        Labels and names come from this validated schema only: DDL takes no parameters.
        """
        yield ("entity_id_unique",
               f"CREATE CONSTRAINT entity_id_unique IF NOT EXISTS "
               f"FOR (n:{ENTITY_LABEL}) REQUIRE n.id IS UNIQUE")
        for name in sorted(self.labels):
            snake = _snake(name)
            yield (f"{snake}_id_unique",
                   f"CREATE CONSTRAINT {snake}_id_unique IF NOT EXISTS "
                   f"FOR (n:{name}) REQUIRE n.id IS UNIQUE")
            yield (f"{snake}_name",
                   f"CREATE INDEX {snake}_name IF NOT EXISTS FOR (n:{name}) ON (n.name)")
        for label in self.labels.values():
            for prop in label.properties.values():
                if prop.index:
                    snake = _snake(label.name)
                    yield (f"{snake}_{prop.name}",
                           f"CREATE INDEX {snake}_{prop.name} IF NOT EXISTS "
                           f"FOR (n:{label.name}) ON (n.{prop.name})")
        yield (FULLTEXT_INDEX,
               f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS "
               f"FOR (n:{ENTITY_LABEL}) ON EACH [n.name, n.aliases]")

    def index_names(self) -> list[str]:
        return [name for name, _ in self.ddl()]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _props(raw: dict[str, Any] | None, where: str) -> dict[str, Property]:
    out: dict[str, Property] = {}
    for pname, spec in (raw or {}).items():
        if not _IDENT.match(pname):
            raise SchemaError(f"{where}: bad property name {pname!r}")
        ptype = spec.get("type", "string")
        if ptype not in _TYPES:
            raise SchemaError(f"{where}.{pname}: unknown type {ptype!r}")
        enum = spec.get("enum")
        out[pname] = Property(
            name=pname, type=ptype, required=bool(spec.get("required", False)),
            enum=tuple(enum) if enum else None, min=spec.get("min"), max=spec.get("max"),
            doc=spec.get("doc", ""), dated=bool(spec.get("dated", False)),
            index=bool(spec.get("index", False)),
        )
    return out


_STYLE_KEYS = {"color", "border", "text", "diameter", "shaft_width"}


def _style(raw: dict[str, Any] | None, where: str) -> Style:
    if not raw:
        return Style()
    unknown = set(raw) - _STYLE_KEYS
    if unknown:
        raise SchemaError(f"{where}.style: unknown keys {sorted(unknown)}",
                          hint=f"expected some of: {', '.join(sorted(_STYLE_KEYS))}")
    return Style(**raw)


_FIELD = re.compile(r"^[a-z][A-Za-z0-9]*$")


def _graphql(name: str, raw: dict[str, Any] | None
             ) -> tuple[tuple[RelField, ...], EdgeType | None]:
    """The GraphQL fields and edge type a relationship declares (``graphql:``)."""
    if not raw:
        return (), None
    edge = None
    if "edge" in raw:
        spec = raw["edge"]
        ends = []
        for side in ("from", "to"):
            (field_name, doc), = spec[side].items()
            if not _FIELD.match(field_name):
                raise SchemaError(f"{name}.graphql.edge: bad field name {field_name!r}")
            ends.append((field_name, doc))
        if not _IDENT.match(spec["type"]):
            raise SchemaError(f"{name}.graphql.edge: bad type name {spec['type']!r}")
        edge = EdgeType(spec["type"], ends[0], ends[1])
    one, nodes = set(raw.get("one", ())), set(raw.get("nodes", ()))
    fields = []
    for direction in ("out", "in"):
        for field_name, doc in (raw.get(direction) or {}).items():
            if not _FIELD.match(field_name):
                raise SchemaError(f"{name}.graphql.{direction}: bad field name "
                                  f"{field_name!r}", hint="a GraphQL name in camelCase")
            kind = ("one" if field_name in one else "edges" if edge and field_name not in nodes
                    else "nodes")
            fields.append(RelField(field_name, name, direction, kind, doc))
    return tuple(fields), edge


def load_schema(path: Path = SCHEMA_FILE) -> Schema:
    """Parse and check the schema file; every name must be a plain identifier."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    labels: dict[str, Label] = {}
    for name, spec in raw["labels"].items():
        if not _IDENT.match(name):
            raise SchemaError(f"bad label name {name!r}")
        labels[name] = Label(
            name=name, doc=spec.get("doc", ""), properties=_props(spec.get("properties"), name),
            id_prefix=spec.get("id_prefix"), id_pattern=spec.get("id_pattern"),
            provenance=spec.get("provenance", True), style=_style(spec.get("style"), name),
        )
    rels: dict[str, RelType] = {}
    for name, spec in raw["relationships"].items():
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
            raise SchemaError(f"bad relationship type {name!r}")
        for end in spec["from"] + spec["to"]:
            if end not in labels:
                raise SchemaError(f"{name}: unknown endpoint label {end!r}")
        fields, edge = _graphql(name, spec.get("graphql"))
        rels[name] = RelType(
            name=name, doc=spec.get("doc", ""), sources=tuple(spec["from"]),
            targets=tuple(spec["to"]), properties=_props(spec.get("properties"), name),
            merge_key=tuple(spec.get("merge_key", ())), fields=fields, edge=edge,
            style=_style(spec.get("style"), name),
        )
    schema = Schema(labels=labels, rel_types=rels,
                    provenance=_props(raw.get("provenance"), "provenance"))
    for label, rel_fields in schema.graphql_fields.items():
        taken = set(schema.node_properties[label]) | {"label"}
        for f in rel_fields:
            if f.name in taken or _snake_field(f.name) in taken:
                raise SchemaError(f"{label}: GraphQL field {f.name!r} of {f.rel_type} is "
                                  "already taken", hint="give the relationship field another "
                                                        "name under graphql:")
            taken.add(f.name)
    return schema


def _snake_field(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


SCHEMA = load_schema()
