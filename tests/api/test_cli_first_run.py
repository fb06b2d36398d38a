"""The first commands a newcomer runs say the right thing: `serve` on a port in use names
the setting to change; `db start` on a running server says so without "starting"; `export
-` into a pipe closed early ends quietly; `make run`'s banner tells how to reach the CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.db import Graph, Target
from tests.conftest import ROOT, test_settings
from tests.queries.test_cli import cli_env  # noqa: F401 - the fixture

runner = CliRunner()


def test_serve_on_a_port_in_use_names_the_setting() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        res = runner.invoke(app, ["serve", "--port", str(port)])
        out = res.output + (res.stderr if res.stderr_bytes is not None else "")
        assert res.exit_code != 0
        assert f"port {port}" in out and "already in use" in out
        assert "STACKGRAPH_API_PORT" in out and "--port" in out
        assert "Traceback" not in out


@pytest.mark.neo4j
def test_db_start_on_a_running_server_says_running(cli_env: Graph,  # noqa: F811
                                                   neo4j_target: Target) -> None:
    if not neo4j_target.managed:
        pytest.skip("the test server is an external one: `db start` manages none")
    res = runner.invoke(app, ["db", "start", "--no-init"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("Neo4j is already running"), res.output
    assert "starting" not in res.output


def _cli_env(neo4j_target: Target) -> dict[str, str]:
    s = test_settings()
    env = dict(os.environ)
    if neo4j_target.managed:
        env.update(STACKGRAPH_HOME=str(s.home), STACKGRAPH_BOLT_PORT=str(s.bolt_port),
                   STACKGRAPH_HTTP_PORT=str(s.http_port))
        env.pop("NEO4J_URI", None)
    else:
        env.update(NEO4J_URI=neo4j_target.uri, NEO4J_USER=neo4j_target.user,
                   NEO4J_PASSWORD=neo4j_target.password)
    return env


@pytest.mark.neo4j
def test_export_into_a_closed_pipe_ends_quietly(graph: Graph, neo4j_target: Target) -> None:
    # far more than a pipe's buffer, so the writer meets the closed pipe mid-export
    graph.write("UNWIND range(1, 3000) AS i CREATE (:Firm:Entity {id: 'firm:f' + i, "
                "name: 'Firm number ' + i})")
    stackgraph = str(Path(sys.executable).with_name("stackgraph"))
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", f"'{stackgraph}' export - | head -n 2"],
                          cwd=ROOT, env=_cli_env(neo4j_target), capture_output=True, text=True,
                          timeout=300)
    assert len(proc.stdout.splitlines()) == 2 and '"type":"node"' in proc.stdout
    assert proc.stderr == "", proc.stderr
    assert proc.returncode == 0


def test_the_ready_banner_tells_how_to_reach_the_cli() -> None:
    from api.cli_up import cli_hint

    hint = cli_hint()
    assert "source " in hint and "bin/activate" in hint
    assert "stackgraph --help" in hint
