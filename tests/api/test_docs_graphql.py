"""The GraphQL examples of docs/graphql.md (also GraphiQL's tabs) show real answers: each
``graphql`` block runs against the API on the bundled data, and the ``json`` block after
it must be that answer with every list cut to its first item (``"... n more"``).
``make readme`` (STACKGRAPH_UPDATE_README=1) rewrites the answers when they change on
purpose."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ROOT

pytestmark = pytest.mark.neo4j

DOC = ROOT / "docs" / "graphql.md"
PAIR = re.compile(r"^```graphql\n(.*?)^```\n\n```json\n(.*?)^```\n", re.S | re.M)


def cut(value: Any) -> Any:
    """Lists cut to their first item and a "... n more" marker, recursively."""
    if isinstance(value, dict):
        return {k: cut(v) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(v, dict) and set(v) <= {"id", "title", "url"}
                         and "id" in v for v in value):
            # a fact's sources come in no fixed order: show the first by id
            value = sorted(value, key=lambda v: str(v["id"]))
        if len(value) <= 1:
            return [cut(v) for v in value]
        return [cut(value[0]), f"... {len(value) - 1} more"]
    return value


def _stable(answer: Any) -> Any:
    """The answer without full-text relevance scores: Lucene's score moves with the index's
    segments (deleted documents count until a merge), not with the data."""
    for hit in (answer.get("data") or {}).get("search") or []:
        if isinstance(hit, dict):
            hit.pop("score", None)
    return answer


def test_every_documented_query_shows_its_real_answer(bundled_client: TestClient) -> None:
    text = DOC.read_text(encoding="utf-8")
    pairs = list(PAIR.finditer(text))
    assert len(pairs) >= 6
    new = text
    for m in reversed(pairs):
        res = bundled_client.post("/graphql", json={"query": m.group(1)})
        answer = res.json()
        assert res.status_code == 200 and "errors" not in answer, answer
        shown = cut(answer)
        if os.environ.get("STACKGRAPH_UPDATE_README") == "1":
            body = json.dumps(shown, indent=2, ensure_ascii=False) + "\n"
            new = new[:m.start(2)] + body + new[m.end(2):]
            continue
        assert _stable(json.loads(m.group(2))) == _stable(shown), (
            f"docs/graphql.md is stale for:\n{m.group(1)}\nthe real answer (cut) is:\n"
            + json.dumps(shown, indent=2, ensure_ascii=False))
    if new != text:
        DOC.write_text(new, encoding="utf-8")
