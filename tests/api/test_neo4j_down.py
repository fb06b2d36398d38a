"""A Neo4j that goes down: the API answers 503 with code NEO4J_UNAVAILABLE, and answers
again by itself once Neo4j is back (the real test server is stopped and started)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.db import Graph
from graph.server import ManagedServer
from tests.api.conftest import api_settings
from tests.conftest import test_settings

pytestmark = pytest.mark.neo4j

QUERY = {"query": "{ firms { totalCount } }"}


def test_api_survives_neo4j_restart(small: Graph) -> None:
    server = ManagedServer(test_settings())
    assert server.status().running, "this test stops and starts the managed test server"
    with TestClient(create_app(api_settings())) as c:  # the app's own driver
        assert c.post("/graphql", json=QUERY).json()["data"]["firms"]["totalCount"] == 7
        server.stop()
        try:
            res = c.post("/graphql", json=QUERY)
            assert res.status_code == 503
            assert res.json()["errors"][0]["extensions"]["code"] == "NEO4J_UNAVAILABLE"
            res = c.get("/exposure/consortia.json")
            assert res.status_code == 503
            assert res.json()["error"]["code"] == "NEO4J_UNAVAILABLE"
            ready = c.get("/readyz")
            assert ready.status_code == 503 and ready.json()["code"] == "NEO4J_UNAVAILABLE"
            assert c.get("/healthz").status_code == 200
        finally:
            server.start(quiet=True)
        res = c.post("/graphql", json=QUERY)
        assert res.status_code == 200
        assert res.json()["data"]["firms"]["totalCount"] == 7
        assert c.get("/readyz").status_code == 200
