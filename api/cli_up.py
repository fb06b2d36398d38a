"""``stackgraph up``: what ``make run`` does — start Neo4j, load the bundled data once,
serve the API, and print where everything is."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import typer

from api.cli_output import console, friendly
from api.cli_serve import check_api_port
from graph.db import Graph, apply_schema, open_graph
from graph.settings import get_settings


def _bundled_loaded(graph: Graph) -> bool:
    rows = graph.read("MATCH (s:Source {id: $id}) RETURN count(s) AS n",
                      {"id": "src:eto-chip-explorer"})
    firms = graph.read("MATCH (f:Firm) RETURN count(f) > 0 AS any")
    return bool(firms and firms[0]["any"]) and bool(rows and rows[0]["n"])


def cli_hint() -> str:
    """How to reach the `stackgraph` command from another terminal: it lives in the venv."""
    activate = Path(sys.prefix) / "bin" / "activate"
    with contextlib.suppress(ValueError):
        activate = activate.relative_to(Path.cwd().resolve())
    return ("\nThe command line, in another terminal (here):\n"
            f"  source {activate}\n"
            "  stackgraph query diversion --from chip:nvidia-h100-sxm\n"
            "  stackgraph show firm:g42\n"
            "  stackgraph --help")


def ready_lines(base: str, api_port: int, browser: str | None,
                password_file: Path | None) -> list[str]:
    """The banner `make run` ends with (README.md shows it; tests/test_readme.py checks)."""
    lines = ["", "[bold]stackgraph is ready[/]",
             f"  dashboard:     {base}/",
             f"  GraphiQL:      {base}/graphql"]
    if browser and password_file is not None:
        with contextlib.suppress(ValueError):
            password_file = password_file.resolve().relative_to(Path.cwd().resolve())
        lines.append(f"  Neo4j Browser: {browser}  (user neo4j, password in {password_file})")
        # Neo4j Browser plays remote guides from localhost without extra configuration
        lines.append(f"  Browser guide: :play http://localhost:{api_port}/browser/guide.html")
    lines.append(cli_hint())
    return lines


def _load_everything(graph: Graph, home: Path) -> None:
    """The curated data (with ETO's supply chain when present: the curated chips need its
    inputs), then every other catalogued dataset present; one line each, then the graph's
    own node and relationship counts."""
    from ingest.bundled import eto_dir, load_bundled
    from ingest.dataset_load import load_datasets, write_rejects
    from ingest.eto import is_eto_dir

    rejects_dir = home / "rejects"
    eto = eto_dir()
    console.print("loading the curated data and every catalogued dataset present ...")
    summary = load_bundled(graph, progress=True)
    what = "curated data" + (" + eto-semiconductor-supply-chain" if is_eto_dir(eto) else "")
    line = (f"{what}: loaded {summary.nodes_written} nodes, {summary.rels_written} facts")
    rejects = rejects_dir / "curated.jsonl"
    if summary.rejections:
        write_rejects(rejects, summary.rejections)
    if summary.errors:
        line += f"; {len(summary.errors)} rejected -> {rejects}"
    if summary.warnings:
        line += f"; {len(summary.warnings)} warning(s) in {rejects}"
    console.print(line, highlight=False, soft_wrap=True)
    load_datasets(graph, rejects_dir=rejects_dir, progress=True,
                  skip=frozenset({"eto-semiconductor-supply-chain"}) if is_eto_dir(eto)
                  else frozenset(),
                  on_result=lambda r: console.print(r.line(), highlight=False,
                                                    soft_wrap=True))
    n = graph.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    r = graph.read("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    console.print(f"graph: {n} nodes, {r} relationships")


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
        api_host = host or settings.api_host
        api_port = port or settings.api_port
        if serve:  # before minutes of start and load, not after
            check_api_port(api_host, api_port, from_settings=port is None)
        browser = None
        if settings.managed:
            server = ManagedServer(settings)
            if server.pid() is None:
                console.print("starting Neo4j (the first start fetches its jars through "
                              "Maven) ...")
            started, status = server.start()
            console.print(f"Neo4j {status.version} {'started' if started else 'already running'}"
                          f" (pid {status.pid})")
            browser = f"{status.http}/browser/"
        with open_graph() as graph:
            apply_schema(graph)
            if reload_data or not _bundled_loaded(graph):
                _load_everything(graph, settings.home)
            else:
                console.print("bundled data already loaded (use --reload-data to load again)")
        lines = ready_lines(f"http://{api_host}:{api_port}", api_port, browser,
                            ManagedServer(settings).password_file if browser else None)

        def ready() -> None:
            for line in lines:
                console.print(line, highlight=False, soft_wrap=True)
            if serve:
                console.print("Ctrl-C stops the API; Neo4j keeps running until "
                              "`stackgraph db stop`.", highlight=False)

        if not serve:
            ready()
            return
        # the banner once the API listens; uvicorn itself says only warnings and errors
        serve_api(api_host, api_port, log_level="warning", announce=False, on_ready=ready)
