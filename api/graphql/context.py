"""The per-request GraphQL context: the graph, the settings, who is asking, and the
DataLoaders.

DataLoaders live here and are created per request (never shared between requests), so
their caches hold one request's view only. Every batch is one Cypher query; ``calls``
counts them so a test can prove a nested query makes a fixed number of round trips
whatever the number of parents (no N+1).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext
from strawberry.types import Info as _Info

from api.graphql.limits import Pricing
from api.settings import ApiSettings
from graph.db import Graph
from queries import entities
from queries.entities import EntityRow, Neighbour

T = TypeVar("T")


#: Threads for the driver's blocking work: as many as anyio's default thread limit, which
#: bounded this work before. The app's lifespan makes a pool of them the event loop's
#: default executor and shuts it down (``api/app.py``); outside the app (tests, scripts)
#: the loop's own default executor serves.
READER_THREADS = 40


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking driver work off the event loop (the driver is synchronous), with the
    caller's context variables, as ``anyio.to_thread.run_sync`` did.

    The event loop's ``run_in_executor`` on its default executor instead of anyio's
    ``to_thread``: anyio passes two checkpoints (event-loop turns) and its capacity
    limiter on the way in, ~45 us more per hop measured in the API server (0.12 ms
    against 0.07 ms from the call to the work starting), a third of a ``foreignStakes``
    question's budget left for the API (bench/api.py). One difference: a cancelled
    caller stops waiting at once while the work finishes in its thread (anyio waited
    for it); the work is a read bounded by the query timeout, or a write that commits
    or rolls back whole either way."""
    call = partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(None, call)


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


class Context(BaseContext):
    """What every resolver sees as ``info.context``."""

    def __init__(self, graph: Graph, settings: ApiSettings, principal: str,
                 pricing: Pricing | None = None) -> None:
        super().__init__()
        self.graph = graph
        self.settings = settings
        self.principal = principal  # "read", "admin" or "local" (open loopback access)
        #: the app's traversal pricing (``create_app``); a new one outside an app
        self.pricing = pricing if pricing is not None else Pricing()
        self.loaders = Loaders(graph)


Info = _Info[Context, None]
