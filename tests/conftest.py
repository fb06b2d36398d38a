"""Shared fixtures: a real Neo4j for the test session, started and stopped by the
project's own code (``graph.server.ManagedServer``).

The test server is separate from the user's (``.stackgraph/test`` with its own ports, by
default Bolt 17687 and HTTP 17474) because tests wipe the database. Set
``STACKGRAPH_TEST_NEO4J_URI`` (+ ``_USER``, ``_PASSWORD``) to test against an external
server instead: its database is wiped too. A test that needs Neo4j and cannot reach it
fails; it never skips.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import NotificationClassification

from graph.db import Graph, Target, apply_schema, open_graph
from graph.server import ManagedServer
from graph.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("STACKGRAPH_SHARED", ROOT.parent / "shared"))
ETO_DIR = SHARED / "data" / "eto-semiconductor-supply-chain"
EPOCH_CSV = SHARED / "data" / "epoch-notable-ai-models" / "notable_ai_models_before_2023.csv"


def test_settings(**overrides: object) -> Settings:
    """Settings of the test server (env STACKGRAPH_TEST_HOME / _BOLT_PORT / _HTTP_PORT)."""
    env = os.environ
    values: dict[str, object] = {
        "STACKGRAPH_HOME": Path(env.get("STACKGRAPH_TEST_HOME", ROOT / ".stackgraph" / "test")),
        "STACKGRAPH_BOLT_PORT": int(env.get("STACKGRAPH_TEST_BOLT_PORT", "17687")),
        "STACKGRAPH_HTTP_PORT": int(env.get("STACKGRAPH_TEST_HTTP_PORT", "17474")),
        "STACKGRAPH_HEAP": env.get("STACKGRAPH_TEST_HEAP", "1g"),
        "STACKGRAPH_PAGECACHE": env.get("STACKGRAPH_TEST_PAGECACHE", "512m"),
        "NEO4J_URI": None,
        # the driver's notifications on: a deprecated construct fails the test (below)
        "STACKGRAPH_NOTIFICATIONS": "WARNING",
    }
    values.update({k: v for k, v in overrides.items()})
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


class NotificationLog(logging.Handler):
    """Collects the server's notifications the driver logs (``neo4j.notifications``, on
    in the tests' settings), from any thread: all of them in ``seen`` (recent ones),
    deprecations in ``found``."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.found: list[str] = []
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        printer = record.args[0] if isinstance(record.args, tuple) and record.args else None
        notification = getattr(printer, "notification", None)
        self.seen = [*self.seen[-99:], str(printer)]
        if notification is not None and \
                notification.classification == NotificationClassification.DEPRECATION:
            self.found.append(str(printer))


NOTICES = DEPRECATIONS = NotificationLog()
_notifications = logging.getLogger("neo4j.notifications")
_notifications.setLevel(logging.WARNING)
_notifications.addHandler(NOTICES)
_notifications.propagate = False  # other notifications (unknown labels in tiny graphs): quiet


def point_cli_at(target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the CLI's own connection (its settings from the environment) at the test
    server, managed or external, for the rest of the test."""
    from graph.settings import get_settings

    s = test_settings()
    if target.managed:
        monkeypatch.setenv("STACKGRAPH_HOME", str(s.home))
        monkeypatch.setenv("STACKGRAPH_BOLT_PORT", str(s.bolt_port))
        monkeypatch.setenv("STACKGRAPH_HTTP_PORT", str(s.http_port))
        monkeypatch.delenv("NEO4J_URI", raising=False)
    else:
        monkeypatch.setenv("NEO4J_URI", target.uri)
        monkeypatch.setenv("NEO4J_USER", target.user)
        monkeypatch.setenv("NEO4J_PASSWORD", target.password)
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def no_deprecated_cypher() -> Iterator[None]:
    """Any test fails when Neo4j reported a deprecated construct in a query it ran."""
    DEPRECATIONS.found.clear()
    # the CLI's query commands quiet the logger in-process (api/cli_query.py): on again,
    # or every test after the first CLI test would miss its notifications
    _notifications.setLevel(logging.WARNING)
    yield
    assert not DEPRECATIONS.found, f"Neo4j deprecation notifications: {DEPRECATIONS.found}"


@pytest.fixture(scope="session")
def neo4j_target() -> Iterator[Target]:
    """Where the test Neo4j answers; starts the managed test server when needed."""
    uri = os.environ.get("STACKGRAPH_TEST_NEO4J_URI")
    if uri:
        yield Target(uri, os.environ.get("STACKGRAPH_TEST_NEO4J_USER", "neo4j"),
                     os.environ.get("STACKGRAPH_TEST_NEO4J_PASSWORD", ""),
                     os.environ.get("STACKGRAPH_TEST_NEO4J_DATABASE", "neo4j"), managed=False)
        return
    server = ManagedServer(test_settings())
    started, _ = server.start(quiet=True)
    try:
        yield Target(server.bolt_uri, "neo4j", server.password(), "neo4j", managed=True)
    finally:
        if started and os.environ.get("STACKGRAPH_TEST_KEEP_SERVER") != "1":
            server.stop()


@pytest.fixture(scope="session")
def session_graph(neo4j_target: Target) -> Iterator[Graph]:
    graph = open_graph(test_settings(), target=neo4j_target)
    apply_schema(graph)
    try:
        yield graph
    finally:
        graph.close()


def wipe(graph: Graph) -> None:
    """Delete every node (test graphs are small: one transaction does)."""
    graph.write("MATCH (n) DETACH DELETE n")


@pytest.fixture()
def graph(session_graph: Graph) -> Iterator[Graph]:
    """An empty database with the schema applied."""
    wipe(session_graph)
    yield session_graph
