"""Access: open on loopback, keys required elsewhere, read vs admin keys, keys never
logged; health and readiness."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Limits, make_settings, parse_keys
from graph.db import Graph
from graph.errors import ConfigError
from tests.api.conftest import gql
from tests.conftest import test_settings

pytestmark = pytest.mark.neo4j

READ_KEY = "read-key-4f1c9a7e2b"
ADMIN_KEY = "admin-key-9d3e7b21c0"


def keyed(host: str = "0.0.0.0", keys: str = f"read:{READ_KEY},admin:{ADMIN_KEY}"):  # noqa: ANN201
    gs = test_settings(STACKGRAPH_API_HOST=host, STACKGRAPH_API_KEYS=keys)
    return make_settings(gs, Limits(_env_file=None))  # type: ignore[call-arg]


def test_public_bind_without_keys_refuses_to_start() -> None:
    with pytest.raises(ConfigError) as err:
        create_app(keyed(keys=""))
    assert "STACKGRAPH_API_KEYS" in (err.value.hint or "")


def test_bad_key_entry_never_echoes_the_key() -> None:
    with pytest.raises(ConfigError) as err:
        parse_keys("read:ok1,superuser:SECRETVALUE")
    assert "SECRETVALUE" not in str(err.value) and "entry 2" in str(err.value)


def test_loopback_is_open(small: Graph) -> None:
    with TestClient(create_app(keyed(host="127.0.0.1", keys=""), graph=small)) as c:
        assert "errors" not in gql(c, "{ firms { totalCount } }")


def test_keys_required_off_loopback(small: Graph, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(keyed(), graph=small)) as c:
        res = c.post("/graphql", json={"query": "{ firms { totalCount } }"})
        assert res.status_code == 401 and res.json()["error"]["code"] == "UNAUTHENTICATED"
        res = c.post("/graphql", json={"query": "{ firms { totalCount } }"},
                     headers={"X-API-Key": "wrong-key-77"})
        assert res.status_code == 401
        out = gql(c, "{ firms { totalCount } }", headers={"X-API-Key": READ_KEY})
        assert out["data"]["firms"]["totalCount"] == 7
        res = c.get("/exposure/consortia.json")
        assert res.status_code == 401
        # health checks stay open for orchestrators
        assert c.get("/healthz").status_code == 200
        # read keys cannot ingest
        out = gql(c, "mutation { ingest { nodesWritten } }", headers={"X-API-Key": READ_KEY})
        assert out["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "rejected a request with an unknown API key" in caplog.text
    for secret in (READ_KEY, ADMIN_KEY, "wrong-key-77"):
        assert secret not in logged


def test_health_and_readiness(small: Graph) -> None:
    with TestClient(create_app(keyed(host="127.0.0.1", keys=""), graph=small)) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        res = c.get("/readyz")
        assert res.status_code == 200 and res.json()["status"] == "ready"
        # drop one index: not ready, with the name of what is missing
        small.write("DROP INDEX firm_name")
        try:
            res = c.get("/readyz")
            assert res.status_code == 503
            assert res.json()["code"] == "SCHEMA_MISSING" and "firm_name" in res.json()["message"]
        finally:
            from graph.db import apply_schema

            apply_schema(small)
        assert c.get("/readyz").status_code == 200
