"""The data steward's judgements on entity pairs: ``data/resolution/judgements.csv``.

Matching on names settles most duplicates; what it cannot settle a person decides once and
writes down, and every later load honours it (in the spirit of OpenSanctions'
nomenklatura, whose resolver keeps such "same" / "different" edges with who and when).
One row per pair of node ids::

    left,right,judgement,who,why,date
    model:openai-gpt-4,model:epoch-gpt-4,same,J. Steward,"one model",2026-12-04
    firm:sk-group,firm:sk-hynix,different,J. Steward,"group vs its chip maker",2026-12-04

``same`` joins the two ids into one node (the one already in the database, else the first
read); ``different`` keeps them apart even when their names normalise alike. ``stackgraph
resolve`` lists the pairs a load was not sure of, ready to be copied here.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from graph.errors import BadArgument

ROOT = Path(__file__).resolve().parent.parent
JUDGEMENTS_FILE = ROOT / "data" / "resolution" / "judgements.csv"
COLUMNS = ("left", "right", "judgement", "who", "why", "date")
VERDICTS = ("same", "different")


def pair(a: str, b: str) -> tuple[str, str]:
    """A pair of ids in a fixed order (a judgement has no direction)."""
    return (a, b) if a <= b else (b, a)


@dataclass
class Judgements:
    """The steward's verdicts, by unordered pair of ids."""

    same: set[tuple[str, str]] = field(default_factory=set)
    different: set[tuple[str, str]] = field(default_factory=set)

    def verdict(self, a: str, b: str) -> str | None:
        p = pair(a, b)
        return "same" if p in self.same else "different" if p in self.different else None

    def judged(self, a: str, b: str) -> bool:
        return self.verdict(a, b) is not None


def load_judgements(path: Path | None = None) -> Judgements:
    """Read the judgements file (absent: no judgements). A bad row is an error naming the
    file, line and field, never skipped: a wrong verdict would merge or split entities."""
    path = path or JUDGEMENTS_FILE
    out = Judgements()
    if not path.exists():
        return out
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise BadArgument(f"{path}:1: missing column(s) {', '.join(missing)}",
                              hint=f"expected the header {','.join(COLUMNS)}")
        for row in reader:
            line = reader.line_num
            left, right = (row["left"] or "").strip(), (row["right"] or "").strip()
            verdict = (row["judgement"] or "").strip().lower()
            for name, value in (("left", left), ("right", right)):
                if not value or ":" not in value and not value.isupper():
                    raise BadArgument(f"{path}:{line}: field {name!r}: {value!r} is not a "
                                      "node id", hint="expected an id such as firm:nvidia")
            if left == right:
                raise BadArgument(f"{path}:{line}: left and right are the same id {left!r}")
            if verdict not in VERDICTS:
                raise BadArgument(f"{path}:{line}: field 'judgement': {verdict!r}",
                                  hint="expected same or different")
            for name in ("who", "why"):
                if not (row[name] or "").strip():
                    raise BadArgument(f"{path}:{line}: field {name!r} is empty",
                                      hint="a judgement says who made it and why")
            try:
                dt.date.fromisoformat((row["date"] or "").strip())
            except ValueError:
                raise BadArgument(f"{path}:{line}: field 'date': {row['date']!r}",
                                  hint="expected YYYY-MM-DD") from None
            p = pair(left, right)
            other = out.different if verdict == "same" else out.same
            if p in other:
                raise BadArgument(f"{path}:{line}: {left} and {right} are judged both same "
                                  "and different", hint="keep one row per pair")
            (out.same if verdict == "same" else out.different).add(p)
    return out
