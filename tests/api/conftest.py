"""API test fixtures: a small sourced graph loaded with the real loader, and the app
served against the real test Neo4j (TestClient, lifespan included)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings, Limits, make_settings
from graph.db import Graph
from tests.conftest import test_settings
from tests.queries.builder import Builder

FIRMS = ["firm:alpha", "firm:beta", "firm:gamma", "firm:delta", "firm:epsilon",
         "firm:zeta", "firm:eta"]


def small_graph() -> Builder:
    """Seven firms in three countries, chips with designers, an ownership chain, a
    consortium, a control list, sources."""
    b = Builder()
    b.node("src:test", "Test source", title="Test source", publisher="Tests")
    b.node("src:other", "Other source", title="Other source", publisher="Tests")
    for iso, name, groups in (("USA", "United States", ["A:5"]), ("CHN", "China", ["D:5"]),
                              ("ARE", "United Arab Emirates", ["D:4"])):
        b.node(iso, name, bis_country_groups=groups)
    kinds = ["chip_designer", "cloud", "ai_lab", "foundry", "investor", "chip_designer",
             "datacenter_operator"]
    hq = ["USA", "USA", "USA", "CHN", "ARE", "CHN", "ARE"]
    for i, fid in enumerate(FIRMS):
        b.node(fid, fid.split(":")[1].title() + " Corp", kind=[kinds[i]],
               sources=["src:test"], confidence="high", aliases=[f"AKA{i}"])
        b.rel("HEADQUARTERED_IN", fid, hq[i])
    for j in range(4):
        b.node(f"chip:c{j}", f"Chip {j}", kind="gpu", tpp=1000.0 * (j + 1))
        b.rel("DESIGNS", FIRMS[j % 2 * 5], f"chip:c{j}")  # alpha or zeta
        b.rel("FABRICATES", "firm:delta", f"chip:c{j}", sources=["src:other"])
    b.rel("OWNS", "firm:epsilon", "firm:gamma", share=0.2, kind="equity")
    b.rel("OWNS", "CHN", "firm:epsilon", share=0.25, kind="equity")
    b.node("dc:one", "DC One", status="operational", power_mw=100.0)
    b.rel("LOCATED_IN", "dc:one", "ARE")
    b.rel("OPERATES", "firm:eta", "dc:one")
    b.rel("HOSTS", "dc:one", "chip:c0", quantity=5000.0)
    b.node("consortium:stargate", "Stargate Test", kind="joint_venture")
    b.rel("MEMBER_OF", "firm:beta", "consortium:stargate", role="operator", stake=0.4)
    b.rel("MEMBER_OF", "firm:epsilon", "consortium:stargate", role="investor", stake=0.4)
    b.rel("INCLUDES", "consortium:stargate", "chip:c0", layer="chip")
    b.node("list:entity-list", "Entity List", authority="BIS")
    b.rel("LISTED_ON", "firm:zeta", "list:entity-list", reason="military end use")
    return b


@pytest.fixture()
def small(graph: Graph) -> Graph:
    small_graph().load(graph)
    return graph


def api_settings(**limits: object) -> ApiSettings:
    return make_settings(test_settings(), Limits(_env_file=None, **limits))  # type: ignore[call-arg]


@pytest.fixture()
def client(small: Graph) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(), graph=small)) as c:
        yield c


def gql(client: TestClient, query: str, variables: dict | None = None,
        headers: dict | None = None) -> dict:
    res = client.post("/graphql", json={"query": query, "variables": variables or {}},
                      headers=headers or {})
    return res.json()


_BUNDLED_FINGERPRINT: dict[str, object] = {}


def _fingerprint(graph: Graph) -> tuple[int, int]:
    row = graph.read("MATCH (n) WITH count(n) AS n MATCH ()-[r]->() RETURN n, count(r) AS r")
    return (row[0]["n"], row[0]["r"]) if row else (0, 0)


@pytest.fixture()
def bundled(session_graph: Graph) -> Graph:
    """The bundled dataset (data/ and ETO), loaded with ``ingest.bundled.load_bundled``.

    Loading takes ~20 s, so it is reused while the database still holds exactly what the
    last load left (another test's ``graph`` fixture wipes it, and then it is reloaded)."""
    from ingest.bundled import load_bundled

    if _BUNDLED_FINGERPRINT.get("fp") != _fingerprint(session_graph):
        session_graph.write("MATCH (n) DETACH DELETE n")
        summary = load_bundled(session_graph)
        assert summary.nodes_written > 100
        _BUNDLED_FINGERPRINT["fp"] = _fingerprint(session_graph)
    return session_graph


@pytest.fixture()
def bundled_client(bundled: Graph) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(), graph=bundled)) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def served(bundled: Graph) -> Iterator[str]:
    """The app on a free port, uvicorn in a thread (the same app `stackgraph serve` runs),
    for the tests that need a real socket (the browser tests)."""
    port = free_port()
    config = uvicorn.Config(create_app(api_settings(), graph=bundled), host="127.0.0.1",
                            port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20  # bounds a hang only: start-up is awaited as an event
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
