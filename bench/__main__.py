"""``python -m bench``: the benchmarks, and the synthetic graph generator.

Subcommands: ``generate`` (APOC JSON lines of a synthetic graph), ``ingest`` (relationships
per second, batched against one row per transaction, peak loader memory), ``server`` (cold
start to Bolt-ready, idle RSS), ``all`` (the default: everything at modest sizes). Figures
go to ``bench/results/*.json`` and a summary is printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _generate(args: argparse.Namespace) -> int:
    from bench.generate import synthetic_graph
    from bench.jsonl import write_file

    nodes, rels = synthetic_graph(args.nodes, args.seed)
    n, r = write_file(Path(args.out), nodes, rels)
    print(f"wrote {n} nodes and {r} relationships to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="stackgraph benchmarks. Without a subcommand, runs `all`.")
    sub = parser.add_subparsers(dest="command")

    gen = sub.add_parser("generate", help="write a synthetic graph as APOC JSON lines")
    gen.add_argument("--nodes", type=int, default=10_000, help="number of nodes (>= 200)")
    gen.add_argument("--seed", type=int, default=0, help="random seed (same seed, same graph)")
    gen.add_argument("--out", required=True, help="the .jsonl file to write")
    gen.set_defaults(func=_generate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        args = parser.parse_args(["all", *(argv or sys.argv[1:])])
    from graph.errors import StackgraphError

    try:
        return int(args.func(args))
    except StackgraphError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
