"""``stackgraph up``: what ``make run`` does — start Neo4j, load the bundled data once,
serve the API, and print where everything is."""

from __future__ import annotations

import typer

from api.cli import console, friendly
from graph.db import Graph, apply_schema, open_graph
from graph.settings import get_settings


def _bundled_loaded(graph: Graph) -> bool:
    rows = graph.read("MATCH (s:Source {id: $id}) RETURN count(s) AS n",
                      {"id": "src:eto-chip-explorer"})
    firms = graph.read("MATCH (f:Firm) RETURN count(f) > 0 AS any")
    return bool(firms and firms[0]["any"]) and bool(rows and rows[0]["n"])


def register(app: typer.Typer) -> None:
    @app.command()
    @friendly
    def up(host: str = typer.Option(None, help="API bind address (default 127.0.0.1)"),
           port: int = typer.Option(None, help="API port (default 8000)"),
           reload_data: bool = typer.Option(False, "--reload-data",
                                            help="load the bundled data even if present"),
           serve: bool = typer.Option(True, help="serve the API after set-up")) -> None:
        """Start the local Neo4j (unless NEO4J_URI is set), load the bundled data on first use, and serve the API and dashboard."""  # noqa: E501
        from api.cli_serve import serve as serve_api
        from graph.server import ManagedServer

        settings = get_settings()
        browser = None
        if settings.managed:
            server = ManagedServer(settings)
            console.print("starting Neo4j (the first start fetches its jars through Maven) ...")
            started, status = server.start()
            console.print(f"Neo4j {status.version} {'started' if started else 'already running'}"
                          f" (pid {status.pid})")
            browser = f"{status.http}/browser/"
        with open_graph() as graph:
            apply_schema(graph)
            if reload_data or not _bundled_loaded(graph):
                from ingest.bundled import load_bundled
                from ingest.loader import load_runtime

                console.print("loading the bundled data (curated YAML + ETO supply chain) ...")
                with load_runtime():  # tuned for the load, given back before serving
                    summary = load_bundled(graph, progress=True)
                console.print(f"loaded {summary.nodes_written} nodes and "
                              f"{summary.rels_written} relationships; "
                              f"{len(summary.rejections)} records rejected")
                for rej in summary.rejections[:10]:
                    console.print(f"  rejected: {rej}", highlight=False)
            else:
                console.print("bundled data already loaded (use --reload-data to load again)")
        api_host = host or settings.api_host
        api_port = port or settings.api_port
        base = f"http://{api_host}:{api_port}"
        console.print("\n[bold]stackgraph is ready[/]")
        console.print(f"  dashboard:     {base}/")
        console.print(f"  GraphiQL:      {base}/graphql")
        if browser:
            console.print(f"  Neo4j Browser: {browser}  (user neo4j, password in "
                          f"{ManagedServer(settings).password_file})")
            # Neo4j Browser plays remote guides from localhost without extra configuration
            console.print(f"  Browser guide: :play http://localhost:{api_port}/browser/guide.html")
        if serve:
            serve_api(api_host, api_port)
