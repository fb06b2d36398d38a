"""``python -m bench``: the benchmarks, and the synthetic graph generator.

Subcommands:

* ``all`` (the default, what ``make bench`` runs): the server and ingest benchmarks at
  modest sizes (10^4 and 10^5 nodes, a batch-size sweep at 10^5), then the queries and API
  benchmarks when ``bench/queries.py`` / ``bench/api.py`` exist; ``--large`` adds 10^6.
* ``server``: cold ``db start`` to Bolt-ready, idle resident memory.
* ``ingest``: relationships per second batched and one row per transaction, loader memory.
* ``queries`` / ``api`` / ``load``: forwarded to ``bench.<name>.cli(argv)``.
* ``generate``: a synthetic graph as APOC JSON lines.

Figures go to ``bench/results/<name>-<time>.json`` (and ``<name>-latest.json``); a
summary is printed at the end.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.ingest import DEFAULT_REPEAT, DEFAULT_WARMUP, DEFAULT_WARMUP_ROUNDS, REPEAT_MAX_NODES
from ingest.loader import DEFAULT_BATCH

SMALL, MEDIUM, LARGE = 10_000, 100_000, 1_000_000
#: subcommands whose arguments all go to ``bench.<name>.cli(argv)``
DELEGATED = {"queries": "the analytic questions", "api": "the GraphQL API",
             "load": "the API under 1-64 concurrent clients",
             "policy": "the license question and the scenario comparison (bundled data)"}


def _generate(args: argparse.Namespace) -> int:
    from bench.generate import synthetic_graph
    from bench.jsonl import write_file

    t0 = time.perf_counter()
    nodes, rels = synthetic_graph(args.nodes, args.seed)
    n, r = write_file(Path(args.out), nodes, rels)
    print(f"wrote {n:,} nodes and {r:,} relationships to {args.out} "
          f"in {time.perf_counter() - t0:.1f} s")
    return 0


def _server(args: argparse.Namespace) -> int:
    from bench import server

    server.main(args.rounds, args.idle, args.heap, args.pagecache)
    return 0


def _ingest_sizes(args: argparse.Namespace) -> list[int]:
    sizes = list(args.nodes or [SMALL, MEDIUM])
    if args.large and LARGE not in sizes:
        sizes.append(LARGE)
    return sizes


def _ingest(args: argparse.Namespace) -> int:
    from bench import ingest

    sizes = _ingest_sizes(args)
    ingest.main(sizes, args.batch, args.sweep or None, args.sweep_nodes or max(
        (n for n in sizes if n <= MEDIUM), default=sizes[0]), args.baseline, args.heap,
        args.pagecache, args.loader_nodes or None, args.warmup, args.warmup_rounds,
        args.repeat)
    return 0


def _report(args: argparse.Namespace) -> int:
    from bench import report

    return report.main()


def _delegate(module: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        cli = _find_cli(module)
        if cli is None:
            print(f"bench.{module} is not there yet (it provides cli(argv))", file=sys.stderr)
            return 2
        return int(cli(list(args.rest)) or 0)
    return run


def _find_cli(module: str) -> Callable[[list[str]], Any] | None:
    try:
        mod = importlib.import_module(f"bench.{module}")
    except ModuleNotFoundError as exc:
        if exc.name == f"bench.{module}":
            return None
        raise
    return getattr(mod, "cli", None)


def _all(args: argparse.Namespace) -> int:
    """Everything at modest sizes; one failing benchmark does not stop the others."""
    from bench import ingest, server

    started = time.perf_counter()
    summaries: list[str] = []
    failures: list[str] = []

    def step(name: str, fn: Callable[[], Any]) -> None:
        print(f"\n=== {name} ===", flush=True)
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - report and go on with the others
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
            print(f"{name} FAILED: {exc}", file=sys.stderr)

    skip = set(args.skip or [])
    if "server" not in skip:
        step("server", lambda: summaries.append(server.report(
            server.main(args.rounds, args.idle, args.heap, args.pagecache))))
    if "ingest" not in skip:
        sizes = _ingest_sizes(args)
        step("ingest", lambda: summaries.append(ingest.report(ingest.main(
            sizes, args.batch, args.sweep, MEDIUM if MEDIUM in sizes else sizes[0],
            args.baseline, args.heap, args.pagecache, args.loader_nodes or None,
            args.warmup, args.warmup_rounds, args.repeat))))
    for module in ("queries", "api"):
        if module in skip:
            continue
        cli = _find_cli(module)
        if cli is not None:
            argv = ["--large"] if args.large else []
            step(module, lambda cli=cli, argv=argv: cli(argv))  # type: ignore[misc]
    print("\n=== summary ===")
    for line in summaries:
        print(line)
    for line in failures:
        print("FAILED " + line)
    print(f"(all benchmarks took {(time.perf_counter() - started) / 60:.1f} min; "
          "JSON in bench/results/)")
    return 1 if failures else 0


def _add_server_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rounds", type=int, default=3, help="cold starts to time (default 3)")
    p.add_argument("--idle", type=float, default=10.0,
                   help="seconds idle before reading the server's RSS (default 10)")


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--heap", help="Neo4j heap of the bench servers (default: STACKGRAPH_HEAP "
                                  "or the project default)")
    p.add_argument("--pagecache", help="Neo4j page cache of the bench servers")


def _add_ingest_opts(p: argparse.ArgumentParser, sweep_default: list[int] | None,
                     loader_default: int) -> None:
    p.add_argument("--nodes", type=int, nargs="+",
                   help=f"graph sizes to load (default {SMALL} {MEDIUM})")
    p.add_argument("--large", action="store_true", help=f"also load {LARGE:,} nodes")
    p.add_argument("--batch", type=int, default=DEFAULT_BATCH,
                   help=f"batch size (default: the loader's, {DEFAULT_BATCH})")
    p.add_argument("--sweep", type=int, nargs="*", default=sweep_default,
                   help="batch sizes to compare at the sweep size "
                        f"(default {sweep_default or 'none'})")
    p.add_argument("--baseline", type=int, default=5000,
                   help="relationships written one per transaction (default 5000)")
    p.add_argument("--warmup", type=int, default=DEFAULT_WARMUP,
                   help="before each measured load, load (then delete) this many nodes "
                        "into the same server so the load runs on a warm JVM; its figure "
                        f"is reported as the cold-server one; 0: measure cold (default "
                        f"{DEFAULT_WARMUP:,})")
    p.add_argument("--warmup-rounds", type=int, default=DEFAULT_WARMUP_ROUNDS,
                   help="how many warm-up loads before each measured load: the server's "
                        "JIT is still compiling in its second load (default "
                        f"{DEFAULT_WARMUP_ROUNDS})")
    p.add_argument("--repeat", type=int, default=DEFAULT_REPEAT,
                   help=f"measured loads of each size up to {REPEAT_MAX_NODES:,} nodes, "
                        "each into an emptied database; the median one is reported, with "
                        f"every load's rate (default {DEFAULT_REPEAT}; bigger sizes: one)")
    p.add_argument("--loader-nodes", type=int, default=loader_default,
                   help="also run the loader alone (Neo4j replaced by a no-op) at this many "
                        f"nodes for its peak memory; 0: skip (default {loader_default})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="stackgraph benchmarks; figures go to bench/results/ and are quoted in "
                    "BENCHMARKS.md. Without a subcommand, runs `all`.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p_all = sub.add_parser("all", help="every benchmark at modest sizes (make bench)")
    _add_server_opts(p_all)
    _add_ingest_opts(p_all, [1000, 5000, 10000, 20000], LARGE)
    _add_common(p_all)
    p_all.add_argument("--skip", nargs="+", choices=["server", "ingest", "queries", "api"],
                       help="benchmarks to leave out")
    p_all.set_defaults(func=_all)

    p_srv = sub.add_parser("server", help="cold start to Bolt-ready, idle memory")
    _add_server_opts(p_srv)
    _add_common(p_srv)
    p_srv.set_defaults(func=_server)

    p_ing = sub.add_parser("ingest", help="relationships/s batched vs one row per tx")
    _add_ingest_opts(p_ing, None, 0)
    p_ing.add_argument("--sweep-nodes", type=int,
                       help="graph size of the batch-size sweep (default: the largest "
                            f"size <= {MEDIUM:,})")
    _add_common(p_ing)
    p_ing.set_defaults(func=_ingest)

    for name, what in DELEGATED.items():
        p = sub.add_parser(name, help=f"benchmark {what} (bench/{name}.py; options: "
                                      f"python -m bench {name} --help)", add_help=False)
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(func=_delegate(name))

    rep = sub.add_parser("report", help="print the latest results as Markdown tables")
    rep.set_defaults(func=_report)

    gen = sub.add_parser("generate", help="write a synthetic graph as APOC JSON lines")
    gen.add_argument("--nodes", type=int, default=SMALL, help="number of nodes (>= 500)")
    gen.add_argument("--seed", type=int, default=0, help="random seed (same seed, same graph)")
    gen.add_argument("--out", required=True, help="the .jsonl file to write")
    gen.set_defaults(func=_generate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in {"-h", "--help"}:
        argv = ["all", *argv]
    if argv[0] in DELEGATED:
        # everything after the subcommand belongs to bench.<name>.cli (its own --help);
        # argparse's REMAINDER would refuse a first argument that looks like an option
        args = argparse.Namespace(command=argv[0], rest=argv[1:],
                                  func=_delegate(argv[0]))
    else:
        args = parser.parse_args(argv)
    from graph.errors import StackgraphError

    try:
        return int(args.func(args))
    except StackgraphError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
