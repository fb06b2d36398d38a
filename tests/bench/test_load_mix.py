"""The load benchmark's request mix (bench/load.py) is made of requests the API accepts:
every GraphQL query of the mix validates against the served schema, and names are unique
(a renamed field or question would otherwise surface only when `python -m bench load` runs)."""

from __future__ import annotations

from graphql import parse, validate

from api.graphql.schema import build_schema
from bench.load import mix


def test_every_graphql_request_of_the_mix_validates() -> None:
    schema = build_schema().graphql_schema
    requests = mix()
    names = [name for name, _target, _query in requests]
    assert len(names) == len(set(names))
    graphql = [(name, query) for name, target, query in requests if query is not None]
    assert len(graphql) >= 6  # the questions of bench/api.py and the entity pages
    for name, query in graphql:
        assert validate(schema, parse(query)) == [], name
