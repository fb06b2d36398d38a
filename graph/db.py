"""The Neo4j connection: one driver per process, reads as READ transactions, timeouts.

``connect()`` resolves where to go (``NEO4J_URI`` or the managed server), opens the
official driver and checks it answers, turning the driver's exceptions into the domain
errors of ``graph.errors`` with a hint. ``Graph`` wraps the driver with the two calls the
rest of the code needs: ``read`` (routed as READ, so a cluster may serve it from a
secondary) and ``write``; both take the query text and parameters separately — values are
never formatted into Cypher.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from neo4j import (
    READ_ACCESS,
    Driver,
    GraphDatabase,
    ManagedTransaction,
    Query,
    unit_of_work,
)
from neo4j.exceptions import (
    AuthError,
    ClientError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph.errors import Neo4jAuthError, Neo4jUnavailable, QueryTimeout, StackgraphError
from graph.schema import SCHEMA, Schema
from graph.settings import Settings, get_settings

T = TypeVar("T")


@dataclass(frozen=True)
class Target:
    """Where to connect, and whether it is the managed local server."""

    uri: str
    user: str
    password: str
    database: str
    managed: bool

    def describe(self) -> str:
        return f"{self.uri} (database {self.database!r}, user {self.user!r})"


def resolve_target(settings: Settings | None = None) -> Target:
    settings = settings or get_settings()
    if settings.neo4j_uri:
        if settings.neo4j_password is None:
            raise Neo4jAuthError(f"NEO4J_URI is set ({settings.neo4j_uri}) but NEO4J_PASSWORD "
                                 "is not", hint="set NEO4J_PASSWORD in the environment or .env")
        return Target(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password,
                      settings.neo4j_database, managed=False)
    from graph.server import ManagedServer

    server = ManagedServer(settings)
    if not server.password_file.exists():
        raise Neo4jUnavailable("the local Neo4j has not been set up yet",
                               hint="run `stackgraph db start` (or `make run`), or set NEO4J_URI")
    return Target(server.bolt_uri, "neo4j", server.password(), settings.neo4j_database,
                  managed=True)


def translate(exc: Exception, target: Target | None = None) -> StackgraphError:
    """Map a driver exception to a domain error with a hint."""
    where = target.describe() if target else "Neo4j"
    if isinstance(exc, AuthError):
        return Neo4jAuthError(f"Neo4j refused the credentials for {where}",
                              hint="check NEO4J_USER / NEO4J_PASSWORD (or the managed "
                                   "server's .stackgraph/password)")
    if isinstance(exc, (ServiceUnavailable, SessionExpired, OSError)) or (
            isinstance(exc, DriverError) and not isinstance(exc, Neo4jError)):
        hint = ("start it with `stackgraph db start`" if target and target.managed
                else "check NEO4J_URI and that the server is up and reachable")
        return Neo4jUnavailable(f"cannot reach Neo4j at {where}: {exc}", hint=hint)
    if isinstance(exc, (ClientError, TransientError)) and exc.code and (
            "TransactionTimedOut" in exc.code or "TransactionTimedOutClientConfiguration"
            in exc.code):
        return QueryTimeout("the query ran past its time limit",
                            hint="narrow it (fewer hops, a smaller page) or raise "
                                 "STACKGRAPH_QUERY_TIMEOUT")
    return StackgraphError(f"Neo4j error: {exc}")


@cache
def load_cypher(path: Path) -> str:
    """The text of a ``.cypher`` file (cached). Queries live in files so the Neo4j Browser
    guide can show exactly what the API runs."""
    return path.read_text(encoding="utf-8")


def cypher(module_file: str, name: str) -> str:
    """Load ``<name>.cypher`` from the folder of ``module_file`` (pass ``__file__``)."""
    return load_cypher(Path(module_file).with_name(f"{name}.cypher"))


class Kept:
    """The last ``keep`` values computed from a graph, by key (e.g. day and graph version),
    each computed once: one lock, so questions arriving together wait for the first one's
    value instead of computing it again. Lives in ``Graph.derived``."""

    def __init__(self, keep: int = 4) -> None:
        self.keep = keep
        self._kept: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                kept: T = self._kept[key]
                return kept
            value = compute()
            self._kept[key] = value
            while len(self._kept) > self.keep:
                self._kept.popitem(last=False)
            return value


class Graph:
    """A driver, the database to use, a default timeout, and the schema registry."""

    def __init__(self, driver: Driver, database: str = "neo4j", timeout: float = 30.0,
                 target: Target | None = None, schema: Schema = SCHEMA) -> None:
        self.driver = driver
        self.database = database
        self.timeout = timeout
        self.target = target
        self.schema = schema
        #: what questions derive from the graph and keep between calls, by graph version
        #: (the chokepoint summaries of queries/summaries.py, the dashboard's consortium
        #: rows of api/dashboard.py): owned with the connection,
        #: so the API's lifespan owns it and a new Graph starts empty
        self.derived: dict[str, Kept] = {}

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _timeout(self, timeout: float | None) -> float | None:
        t = self.timeout if timeout is None else timeout
        return t if t and t > 0 else None

    def _work(self, text: str, params: Mapping[str, Any] | None, timeout: float | None,
              ) -> Callable[[ManagedTransaction], list[dict[str, Any]]]:
        @unit_of_work(timeout=self._timeout(timeout))
        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return [r.data() for r in tx.run(text, dict(params or {}))]

        return work

    def read(self, text: str, params: Mapping[str, Any] | None = None,
             timeout: float | None = None, *, plain: bool = False) -> list[dict[str, Any]]:
        """Run a read query as one auto-commit transaction in a READ session; rows as dicts.

        Auto-commit, not a transaction function: one query needs no BEGIN and COMMIT, and
        their round trips were most of a fast question's time (BENCHMARKS.md, "API under
        load": the reads questions are made of). The driver does not retry auto-commit
        queries: a read is retried once here when the connection was lost (a restarted
        server, a connection past its lifetime), which is safe for a read.

        ``plain=True``: the query returns no nodes, relationships or paths (only values,
        lists and maps), so the rows skip ``Record.data()``, the driver's recursive walk
        that turns graph objects into dicts: on a page of 100 entities with nested lists
        that walk costs as much as the query (bench/results/api.md)."""
        query = Query(text, timeout=self._timeout(timeout))
        args = dict(params or {})
        for attempt in (1, 2):
            try:
                with self.driver.session(database=self.database,
                                         default_access_mode=READ_ACCESS) as session:
                    result = session.run(query, args)
                    rows = ([dict(r) for r in result] if plain
                            else [r.data() for r in result])
                    result.consume()  # the server's notifications are logged here
                    return rows
            except (ServiceUnavailable, SessionExpired) as exc:
                if attempt == 2:
                    raise translate(exc, self.target) from exc
            except (Neo4jError, DriverError, OSError) as exc:
                raise translate(exc, self.target) from exc
        raise AssertionError("unreachable")

    def write(self, text: str, params: Mapping[str, Any] | None = None,
              timeout: float | None = None) -> list[dict[str, Any]]:
        """Run a write query in one WRITE transaction (rolled back on error)."""
        return self.execute_write(self._work(text, params, timeout))

    def _transaction(self, write: bool, work: Callable[[ManagedTransaction], T]) -> T:
        try:
            with self.driver.session(database=self.database) as session:
                return (session.execute_write if write else session.execute_read)(work)
        except StackgraphError:
            raise
        except (Neo4jError, DriverError, OSError) as exc:
            raise translate(exc, self.target) from exc

    def execute_read(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Run a transaction function as READ (a cluster may route it to a secondary)."""
        return self._transaction(False, work)

    def execute_write(self, work: Callable[[ManagedTransaction], T]) -> T:
        """Run a transaction function as WRITE: committed whole or rolled back."""
        return self._transaction(True, work)

    def ping(self) -> None:
        """Raise a domain error unless the server answers a trivial query."""
        try:
            self.driver.verify_connectivity()
            self.driver.execute_query("RETURN 1", database_=self.database)
        except (Neo4jError, DriverError, OSError) as exc:
            raise translate(exc, self.target) from exc


def open_graph(settings: Settings | None = None, target: Target | None = None,
               check: bool = True, **driver_options: Any) -> Graph:
    """Open a driver to the configured Neo4j and check it answers (unless ``check`` is off).

    The routing scheme (``neo4j://``) is used where the URI allows, so a cluster or Aura
    routes reads to secondaries. ``driver_options`` override the driver's configuration
    (the API lowers ``max_transaction_retry_time`` so a down Neo4j fails fast).
    """
    settings = settings or get_settings()
    target = target or resolve_target(settings)
    try:
        driver = GraphDatabase.driver(target.uri, auth=(target.user, target.password),
                                      **{"connection_timeout": 5.0,
                                         "max_connection_lifetime": 3600,
                                         "connection_acquisition_timeout": 10.0,
                                         # off for users: queries name properties a
                                         # fresh database lacks yet (Settings); the
                                         # tests turn them on
                                         "notifications_min_severity":
                                             settings.notifications.upper(),
                                         **driver_options})
    except (ValueError, DriverError) as exc:
        raise Neo4jUnavailable(f"bad Neo4j URI {target.uri!r}: {exc}",
                               hint="expected neo4j://host:7687, bolt://..., or neo4j+s://... "
                                    "for Aura") from exc
    graph = Graph(driver, target.database, settings.query_timeout, target)
    if check:
        try:
            graph.ping()
        except StackgraphError:
            driver.close()
            raise
    return graph


@contextmanager
def session_graph(settings: Settings | None = None) -> Iterator[Graph]:
    graph = open_graph(settings)
    try:
        yield graph
    finally:
        graph.close()


def apply_schema(graph: Graph) -> list[str]:
    """Create every constraint and index of the schema (idempotent). Returns the names
    that were missing before."""
    existing = {r["name"] for r in graph.read("SHOW CONSTRAINTS YIELD name RETURN name")}
    existing |= {r["name"] for r in graph.read("SHOW INDEXES YIELD name RETURN name")}
    created = []
    for name, statement in graph.schema.ddl():
        if name in existing:
            continue
        graph.write(statement)
        created.append(name)
    graph.write("CALL db.awaitIndexes(300)")
    return created


def schema_present(graph: Graph) -> list[str]:
    """Names of the schema's constraints and indexes that are missing (empty: all there)."""
    existing = {r["name"] for r in graph.read("SHOW CONSTRAINTS YIELD name RETURN name")}
    existing |= {r["name"] for r in graph.read("SHOW INDEXES YIELD name RETURN name")}
    return [n for n in graph.schema.index_names() if n not in existing]
