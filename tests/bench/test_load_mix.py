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


def test_the_report_shows_each_kind_of_request_per_level() -> None:
    from bench.load import report

    def level(clients: int, p50: float) -> dict[str, object]:
        return {"clients": clients, "requests": 2, "throughput_rps": 1.0, "p50_ms": p50,
                "p99_ms": p50, "max_ms": p50, "errors": 0, "errors_by_code": {},
                "machine_before": {"loadavg": [0.5]},
                "by_request": {"node": {"requests": 1, "p50_ms": p50, "p99_ms": p50 * 2},
                               "paths": {"requests": 1, "p50_ms": 3.0, "p99_ms": 4.0}}}

    result = {"machine": {"nproc": 2}, "workers": 2, "seconds": 1.0, "mix": ["node", "paths"],
              "data": {"nodes": 1, "relationships": 0}, "levels": [level(1, 5.0),
                                                                    level(64, 7.5)]}
    text = report(result, "python -m bench load")
    assert "| request | 1 clients | 64 clients |" in text
    assert "| node | 5.0 / 10.0 | 7.5 / 15.0 |" in text
    assert "| paths | 3.0 / 4.0 | 3.0 / 4.0 |" in text
