"""Every example in README.md runs, and shows what it shows: so none goes stale.

- Each ``console`` block holds ``$ stackgraph ...`` commands, each followed by its output
  on the bundled data at 80 columns; the test runs the command (the real CLI against the
  test Neo4j) and compares the output line by line.
- The ``make run`` banner block is what ``stackgraph up`` prints with the default settings.
- Every ``stackgraph`` command written in an ``sh`` block parses (``--help`` of the
  command exists and the options are known).

``make readme`` (STACKGRAPH_UPDATE_README=1) rewrites the outputs in README.md from the
real answers, when the data or a table changed on purpose.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.db import Graph, Target
from graph.settings import get_settings
from tests.api.conftest import bundled  # noqa: F401 - the fixture
from tests.conftest import ROOT, point_cli_at

README = ROOT / "README.md"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)
UPDATE = os.environ.get("STACKGRAPH_UPDATE_README") == "1"
runner = CliRunner()


def blocks(text: str) -> list[tuple[str, str, int, int]]:
    """(language, body, start, end) of every fenced block."""
    return [(m.group(1), m.group(2), m.start(2), m.end(2)) for m in BLOCK.finditer(text)]


def console_examples(body: str) -> list[tuple[str, str]]:
    """(command, expected output) pairs of a console block."""
    out: list[tuple[str, str]] = []
    for chunk in re.split(r"^(?=\$ )", body, flags=re.M):
        if not chunk.startswith("$ "):
            continue
        command, _, expected = chunk.partition("\n")
        out.append((command[2:].strip(), expected))
    return out


@pytest.fixture()
def cli_on_bundled(bundled: Graph, neo4j_target: Target,  # noqa: F811
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[Graph]:
    """The CLI's own connection pointed at the test server holding the bundled data."""
    point_cli_at(neo4j_target, monkeypatch)
    yield bundled
    get_settings.cache_clear()


def run_cli(command: str) -> str:
    args = shlex.split(command)
    assert args[0] == "stackgraph", command
    res = runner.invoke(app, args[1:], env={"COLUMNS": "80", "TERM": "dumb"})
    assert res.exit_code == 0, (command, res.output)
    return "\n".join(line.rstrip() for line in res.output.splitlines()) + "\n"


@pytest.mark.neo4j
def test_readme_console_examples_show_their_real_output(cli_on_bundled: Graph) -> None:
    text = README.read_text(encoding="utf-8")
    examples = [(start, end, console_examples(body))
                for lang, body, start, end in blocks(text) if lang == "console"]
    assert sum(len(e) for _, _, e in examples) >= 3, "the README shows three questions"
    new = text
    for start, end, pairs in reversed(examples):
        body = "".join(f"$ {cmd}\n{run_cli(cmd)}" for cmd, _ in pairs)
        if UPDATE:
            new = new[:start] + body + new[end:]
            continue
        for cmd, expected in pairs:
            got = run_cli(cmd)
            assert got == expected, (
                f"README.md's output of `{cmd}` is stale; the real one is:\n{got}\n"
                "(`make readme` rewrites it)")
    if UPDATE and new != text:
        README.write_text(new, encoding="utf-8")


def test_readme_banner_is_what_make_run_prints() -> None:
    from api.cli_up import ready_lines

    text = README.read_text(encoding="utf-8")
    banner = next(body for lang, body, _, _ in blocks(text)
                  if lang == "" and "stackgraph is ready" in body)
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        lines = ready_lines("http://127.0.0.1:8000", 8000, "http://127.0.0.1:7474/browser/",
                            ROOT / ".stackgraph" / "password")
    finally:
        os.chdir(cwd)
    printed = re.sub(r"\[/?(bold)?\]", "", "\n".join(lines)).strip("\n") + "\n"
    # the venv's activate script, as the README's reader has it
    printed = re.sub(r"source \S*bin/activate", "source .venv/bin/activate", printed)
    assert banner == printed


def test_every_readme_command_parses() -> None:
    """Each `stackgraph ...` line of the README and docs pages names a real command with
    known options (run with --help appended: parsing only, no database)."""
    pages = [README, *sorted((ROOT / "docs").glob("*.md"))]
    seen = 0
    for page in pages:
        for lang, body, _, _ in blocks(page.read_text(encoding="utf-8")):
            if lang not in ("sh", "console", ""):
                continue
            for line in body.splitlines():
                line = line.removeprefix("$ ").split("  #")[0].strip()
                if (not line.startswith("stackgraph ") or "..." in line or "|" in line
                        or line == "stackgraph is ready"):
                    continue
                args = shlex.split(line)[1:]
                res = runner.invoke(app, [*args, "--help"])
                assert res.exit_code == 0, (page.name, line, res.output)
                seen += 1
    assert seen >= 10
