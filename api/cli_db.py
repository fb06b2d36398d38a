"""``stackgraph db start|stop|status|init``: the managed local Neo4j and the schema."""

from __future__ import annotations

import typer

from api.cli_output import console, friendly, print_json
from graph.db import apply_schema, open_graph
from graph.server import ManagedServer
from graph.settings import get_settings

app = typer.Typer(help="Run the managed local Neo4j and apply the schema.",
                  no_args_is_help=True)


def _server() -> ManagedServer:
    settings = get_settings()
    if not settings.managed:
        console.print(f"NEO4J_URI is set ({settings.neo4j_uri}): stackgraph uses that server "
                      "and manages no local one.")
        raise typer.Exit(0)
    return ManagedServer(settings)


def init_schema() -> list[str]:
    with open_graph() as graph:
        return apply_schema(graph)


@app.command()
@friendly
def start(init: bool = typer.Option(True, help="apply constraints and indexes once up"),
          as_json: bool = typer.Option(False, "--json", help="print the status as JSON")) -> None:
    """Start the local Neo4j (fetching its jars through Maven on first use) and wait
    until Bolt answers."""
    server = _server()
    if not as_json and server.pid() is None:
        console.print("starting Neo4j (first start fetches the jars through Maven: "
                      "about a minute) ...")
    started, status = server.start(quiet=as_json)
    created = init_schema() if init else []
    if as_json:
        print_json({**status.as_dict(), "started": started, "schema_created": created,
                    "password_file": str(server.password_file)})
        return
    if not started:
        console.print(f"Neo4j is already running (pid {status.pid}).")
    else:
        console.print(f"Neo4j {status.version} is up (pid {status.pid}).")
    console.print(f"  Bolt:     {status.bolt}")
    console.print(f"  Browser:  {status.http}/browser/   (user neo4j, password in "
                  f"{server.password_file})")
    if created:
        console.print(f"  schema:   created {len(created)} constraints and indexes")


@app.command()
@friendly
def stop() -> None:
    """Stop the local Neo4j started by `db start` (data is kept)."""
    server = _server()
    if server.stop():
        console.print("Neo4j stopped.")
    else:
        console.print("Neo4j was not running.")


@app.command()
@friendly
def status(as_json: bool = typer.Option(False, "--json", help="print as JSON")) -> None:
    """Tell whether the local Neo4j runs, its version, ports and data size."""
    server = _server()
    st = server.status()
    if as_json:
        print_json(st.as_dict())
        return
    state = f"running (pid {st.pid})" if st.running else "stopped"
    console.print(f"Neo4j {st.version or '(not installed)'}: {state}")
    console.print(f"  Bolt:    {st.bolt}\n  Browser: {st.http}/browser/")
    console.print(f"  data:    {st.data_bytes / 1e6:.1f} MB in {server.data_dir}")
    if not st.running:
        raise typer.Exit(3)


@app.command()
@friendly
def init() -> None:
    """Apply the schema's constraints and indexes (idempotent)."""
    created = init_schema()
    if created:
        console.print(f"created: {', '.join(created)}")
    else:
        console.print("schema up to date: every constraint and index exists.")
