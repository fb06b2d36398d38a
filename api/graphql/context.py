"""The per-request GraphQL context: the graph, the settings, who is asking, and the
DataLoaders.

DataLoaders live here and are created per request (never shared between requests), so
their caches hold one request's view only. Every batch is one Cypher query; ``calls``
counts them so a test can prove a nested query makes a fixed number of round trips
whatever the number of parents (no N+1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from anyio import to_thread
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext
from strawberry.types import Info as _Info

from api.settings import ApiSettings
from graph.db import Graph
from graph.errors import StackgraphError
from queries import entities
from queries.entities import EntityRow, Neighbour

T = TypeVar("T")


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking driver work off the event loop."""
    return await to_thread.run_sync(lambda: fn(*args, **kwargs))


@dataclass
class Loaders:
    """One DataLoader for entities by id, one per (relationship type, direction)."""

    graph: Graph
    calls: list[str] = field(default_factory=list)
    _rels: dict[tuple[str, str], DataLoader[str, list[Neighbour]]] = field(default_factory=dict)
    _nodes: DataLoader[str, EntityRow | None] | None = None
    #: neighbours fetched ahead (by a page query), per (type, direction), per node id
    primed: dict[tuple[str, str], dict[str, list[Neighbour]]] = field(default_factory=dict)

    @property
    def nodes(self) -> DataLoader[str, EntityRow | None]:
        if self._nodes is None:
            async def load(ids: list[str]) -> Sequence[EntityRow | None]:
                self.calls.append("nodes")
                found = await in_thread(entities.by_ids, self.graph, ids)
                return [found.get(i) for i in ids]

            self._nodes = DataLoader(load_fn=load)
        return self._nodes

    def rel(self, rel_type: str, direction: str) -> DataLoader[str, list[Neighbour]]:
        key = (rel_type, direction)
        loader = self._rels.get(key)
        if loader is None:
            async def load(ids: list[str]) -> Sequence[list[Neighbour]]:
                self.calls.append(f"{rel_type}:{direction}")
                found = await in_thread(entities.neighbours, self.graph, ids, rel_type,
                                        direction)
                return [found.get(i, []) for i in ids]

            loader = DataLoader(load_fn=load)
            self._rels[key] = loader
        return loader

    def prime(self, rel_type: str, direction: str, node_id: str,
              value: list[Neighbour]) -> None:
        """Fill a relationship loader ahead of time (a page query that fetched the
        neighbours in the same round trip)."""
        self.primed.setdefault((rel_type, direction), {})[node_id] = value

    def prime_many(self, rel_type: str, direction: str,
                   values: dict[str, list[Neighbour]]) -> None:
        """``prime`` for a whole page: a plain dict the fields read first (cheaper than a
        DataLoader's futures, 100s of them per page)."""
        self.primed.setdefault((rel_type, direction), {}).update(values)


#: ``scope["state"]`` key of a question's domain error on the compiled lane, for the
#: normal path to report (see ``Context.replay``)
REPLAY = "stackgraph_replay"


class Context(BaseContext):
    """What every resolver sees as ``info.context``."""

    def __init__(self, graph: Graph, settings: ApiSettings, principal: str) -> None:
        super().__init__()
        self.graph = graph
        self.settings = settings
        self.principal = principal  # "read", "admin" or "local" (open loopback access)
        self.loaders = Loaders(graph)
        #: the domain error the request's question already raised on a compiled path
        #: (api/graphql/lane.py, router.py): the normal path, answering in its place,
        #: raises it again instead of running the question a second time (a timed-out
        #: question would otherwise cost twice, or three times, the timeout)
        self.replay: StackgraphError | None = None
        #: set by ``questions.run`` when the question itself raised a domain error
        self.question_error: StackgraphError | None = None


Info = _Info[Context, None]
