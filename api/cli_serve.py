"""``stackgraph serve`` (the API with uvicorn) and ``stackgraph browser`` (how to load the
Neo4j Browser guide and style).

``serve(host, port)`` is a plain function so ``stackgraph up`` can call it after starting
Neo4j and loading the data.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    import uvicorn

    from api.settings import ApiSettings


def check_api_port(host: str, port: int, from_settings: bool = True) -> None:
    """Refuse, with the setting to change, a port another program already listens on
    (uvicorn would only log "address already in use" and exit)."""
    from graph.errors import ConfigError
    from graph.server import port_free

    bind = "0.0.0.0" if host in {"0.0.0.0", "::", ""} else host
    try:
        free = port_free(port, bind)
    except OSError:  # a host name that does not resolve: uvicorn reports it
        return
    if not free:
        how = ("STACKGRAPH_API_PORT (environment or .env)" if from_settings
               else "the --port option")
        raise ConfigError(f"port {port} on {host} is already in use by another program "
                          "(a stackgraph API already running?)",
                          hint=f"stop that program, or serve on another port: set {how}, "
                               f"e.g. STACKGRAPH_API_PORT={port + 1} or --port {port + 1}")


def serve(host: str | None = None, port: int | None = None, reload: bool = False,
          log_level: str = "info", workers: int = 1, announce: bool = True,
          on_ready: Callable[[], None] | None = None) -> None:
    """Serve the API until interrupted. Keys are required off loopback (checked before
    binding, so a misconfigured public server never starts open)."""
    import uvicorn

    from api.cli_output import console
    from api.http_protocol import http_protocol
    from api.settings import make_settings
    from graph.settings import get_settings

    gs = get_settings().model_copy()
    if host is not None:
        gs.api_host = host
    if port is not None:
        gs.api_port = port
    settings = make_settings(gs)
    settings.check()
    check_api_port(gs.api_host, gs.api_port, from_settings=port is None)
    if announce:
            console.print(f"stackgraph API on http://{gs.api_host}:{gs.api_port}/  "
                      f"(GraphiQL /graphql, dashboard /, guide /browser/guide.html)"
                      + ("  [API keys required]" if settings.keys_required else ""),
                      highlight=False)
    if reload or workers > 1:
        import os

        # the reloader and the workers import the app by name in child processes: pass
        # the settings on through the environment
        os.environ["STACKGRAPH_API_HOST"] = gs.api_host
        os.environ["STACKGRAPH_API_PORT"] = str(gs.api_port)
        uvicorn.run("api.app:create_app", factory=True, host=gs.api_host, port=gs.api_port,
                    http=http_protocol(settings.limits.request_timeout), reload=reload,
                    workers=None if reload else workers, log_level=log_level,
                    reload_dirs=[str(Path(__file__).resolve().parent.parent)] if reload
                    else None)
        return
    from api.app import create_app

    class Server(uvicorn.Server):
        """uvicorn's server, telling ``on_ready`` once it listens (so a banner that says
        "ready" is true when printed)."""

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started and on_ready is not None:
                on_ready()

    server = Server(server_config(create_app(settings), settings, gs.api_host, gs.api_port,
                                  log_level))
    server.run()
    if not server.started:  # uvicorn logged why (as uvicorn.run would, exit non-zero)
        raise SystemExit(3)


def server_config(app: Any, settings: ApiSettings, host: str, port: int,
                  log_level: str = "info") -> uvicorn.Config:
    """uvicorn's configuration of ``stackgraph serve`` for ``app``: its HTTP protocol
    bounds the time a request's head may take (``api/http_protocol.py``)."""
    import uvicorn

    from api.http_protocol import http_protocol

    return uvicorn.Config(app, host=host, port=port, log_level=log_level,
                          http=http_protocol(settings.limits.request_timeout))


def browser_instructions(api_url: str, browser_url: str) -> str:
    return f"""Neo4j Browser: {browser_url}  (user neo4j; the managed server's password is in
  .stackgraph/password)

1. Style (colours and captions per label), either:
     :style {api_url}/browser/style.grass
   or drag and drop docs/browser/stackgraph.grass onto the Browser window.

2. Guide (the questions as clickable Cypher; needs `stackgraph serve` running):
     :play {api_url}/browser/guide.html
   The Browser plays remote guides only from allowed hosts (by default guides.neo4j.com
   and localhost). For another host, allow it first in the Browser:
     :config remoteContentHostnameAllowlist: "localhost, <api-host>"
   Without the API: `stackgraph browser --write docs/browser` writes guide.html and
   stackgraph.grass; serve that folder (python -m http.server) and :play from localhost.
"""


def register(app: typer.Typer) -> None:
    """Add the serve and browser commands to the main app."""
    from api.cli_output import console, friendly

    @app.command("serve")
    @friendly
    def serve_cmd(
        host: Annotated[str | None, typer.Option(help="address to bind (default "
                                                      "STACKGRAPH_API_HOST, 127.0.0.1); "
                                                      "off loopback, API keys are required")
                        ] = None,
        port: Annotated[int | None, typer.Option(help="port (default STACKGRAPH_API_PORT, "
                                                      "8000)")] = None,
        reload: Annotated[bool, typer.Option(help="restart on code changes "
                                                  "(development)")] = False,
        workers: Annotated[int, typer.Option(help="worker processes (one per core "
                                                  "serves more requests at once)")] = 1,
    ) -> None:
        """Serve GraphQL (/graphql), the dashboard (/) and the Browser guide."""
        serve(host, port, reload, workers=workers)

    @app.command("browser")
    @friendly
    def browser_cmd(
        write: Annotated[Path | None, typer.Option(help="also write guide.html and "
                                                        "stackgraph.grass into this folder")
                         ] = None,
    ) -> None:
        """Print how to load the Neo4j Browser guide and style sheet."""
        from api.settings import make_settings

        settings = make_settings()
        # "localhost" is on the Browser's default allowlist for remote guides
        host = "localhost" if settings.host in {"127.0.0.1", "0.0.0.0", "::", "::1"} \
            else settings.host
        api_url = f"http://{host}:{settings.graph.api_port}"
        if write is not None:
            from api.browser_guide import write_docs

            graph = None
            try:
                from graph.db import open_graph

                graph = open_graph(settings.graph)
            except Exception:  # noqa: BLE001 - tiers then come from the scenario file only
                graph = None
            try:
                for p in write_docs(write, graph, api_url):
                    console.print(f"wrote {p}", highlight=False)
            finally:
                if graph is not None:
                    graph.close()
        typer.echo(browser_instructions(api_url, settings.browser_url))
