"""The GraphQL API benchmark (``python -m bench api``), in one run against one Neo4j with
the bundled data:

(a) each question through ``/graphql`` (HTTP, a separate uvicorn process) against the same
    question called in Python: GraphQL overhead at p50 (goal: <= 20 %); beside them, in
    the same rounds, the least server (``bench/least_server.py``: uvicorn, the question
    in a worker thread, its answer as JSON, nothing else) with and without its worker
    thread, the least overhead any server of this design pays;
(b) an entity query (a page of 100 firms with headquarters and the chips they design)
    through stackgraph against the same query through the Neo4j GraphQL Library
    (``@neo4j/graphql``, bench/neo4j_graphql/server.js): p50 latency and throughput
    (goal: ratio >= 1.0, stackgraph at least on par).

Every query is measured twice: with literal arguments, and as clients such as GraphiQL
and Apollo send it, its arguments as ``variables`` (``with_variables``).

Figures go to bench/results/api-*.json and the BENCHMARKS.md section to
bench/results/api.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench import least_server
from bench.common import RESULTS, ROOT, bench_settings, machine, save
from graph.db import Graph, apply_schema, open_graph
from graph.server import ManagedServer

SLOT = 5
NODE_DIR = Path(__file__).resolve().parent / "neo4j_graphql"
DAY = "2025-06-01"

#: (name, Python call, GraphQL query selecting the whole answer)
QUESTIONS: list[tuple[str, Callable[[Graph], Any], str]] = []


def question_queries() -> list[tuple[str, Callable[[Graph], Any], str]]:
    from queries.chokepoints import chokepoints, what_if
    from queries.common import as_of_date
    from queries.diversion import diversion
    from queries.exposure import exposure
    from queries.paths import paths
    from queries.stakes import stakes

    hop = ("type fromId fromName toId toName direction properties confidence factor "
           "sources { id title }")
    ref = "id name label"
    bounds = "low high exact"
    return [
        ("diversionRisk",
         lambda g: diversion(g, "chip:nvidia-h100-sxm", max_hops=4, as_of=DAY),
         f'{{ diversionRisk(item: "chip:nvidia-h100-sxm", maxHops: 4, asOf: "{DAY}") '
         f"{{ origin {{ {ref} }} scenario scenarioName asOf maxHops concernCountries "
         f"originReasons totalPaths truncated paths {{ score length reasons "
         f"destination {{ {ref} }} hops {{ {hop} }} }} }} }}"),
        ("foreignStakes",
         lambda g: stakes(g, "firm:openai", as_of=DAY),
         f'{{ foreignStakes(firm: "firm:openai", asOf: "{DAY}") {{ target {{ {ref} }} '
         f"country asOf maxDepth foreignShare {{ {bounds} }} owners {{ owner {{ {ref} }} "
         f"country effective {{ {bounds} }} residual {{ {bounds} }} paths {{ "
         f"product {{ {bounds} }} hops {{ {hop} }} }} }} byCountry {{ country "
         f"stake {{ {bounds} }} foreign owners }} }} }}"),
        ("chokepoints",
         lambda g: chokepoints(g, "chip:nvidia-h100-sxm", as_of=DAY),
         f'{{ chokepoints(target: "chip:nvidia-h100-sxm", asOf: "{DAY}") {{ asOf threshold '
         f"target {{ {ref} }} chokepoints inputs {{ input {{ {ref} }} countryBasis "
         f"chokepoint byFirm {{ topShare hhi providerCount top {{ id name share }} "
         f"providers {{ id name share }} }} byCountry {{ topShare hhi providerCount "
         f"providers {{ id name share }} }} }} dominators {{ node {{ {ref} }} dominates }} "
         f"betweenness {{ node {{ {ref} }} value }} }} }}"),
        ("whatIf",
         lambda g: what_if(g, ["TWN"], as_of_date(DAY)),
         f'{{ whatIf(remove: ["TWN"], asOf: "{DAY}") {{ removed {{ {ref} }} inputs {{ '
         f"input {{ {ref} }} shareLost firmShareLost remainingShare allSupplyLost }} "
         f"targetsCutOff {{ target {{ {ref} }} inputsLost }} }} }}"),
        ("consortiumExposure",
         lambda g: exposure(g, "consortium:stargate-uae", as_of=DAY),
         f'{{ consortiumExposure(consortium: "consortium:stargate-uae", asOf: "{DAY}") '
         f"{{ scenario asOf consortia {{ id name kind members {{ member {{ {ref} }} country "
         f"tier role stake }} membersByCountry {{ key value }} membersByTier {{ key value }} "
         f"stakesByCountry {{ key value }} listedMembers {{ member {{ {ref} }} "
         f"lists {{ {ref} }} }} layers {{ key value {{ item {{ {ref} }} countries }} }} "
         f"layerCountries {{ key value }} americanShare chokepoints {{ input {{ {ref} }} "
         f"country share chips }} diversionPaths topPaths {{ score length "
         f"hops {{ {hop} }} }} }} }} }}"),
        ("paths",
         lambda g: paths(g, "firm:tsmc", "firm:openai", max_hops=4, as_of=DAY),
         f'{{ paths(source: "firm:tsmc", target: "firm:openai", maxHops: 4, asOf: "{DAY}") '
         f"{{ source {{ {ref} }} target {{ {ref} }} mode types maxHops asOf "
         f"paths {{ length hops {{ {hop} }} }} }} }}"),
    ]


STACKGRAPH_PAGE = ("{ firms(first: 100) { nodes { id name headquarters { id name } "
                   "designs { id name } } } }")
NEO4J_GRAPHQL_PAGE = ("{ firms(limit: 100, sort: [{id: ASC}]) { id name "
                      "headquarters { id name } designs { id name } } }")
#: the same pages with the page size as a variable
STACKGRAPH_PAGE_VARS = ("query Page($n: Int!) { firms(first: $n) { nodes { id name "
                        "headquarters { id name } designs { id name } } } }", {"n": 100})
NEO4J_GRAPHQL_PAGE_VARS = ("query Page($n: Int) { firms(limit: $n, sort: [{id: ASC}]) "
                           "{ id name headquarters { id name } designs { id name } } }",
                           {"n": 100})


def with_variables(query: str) -> tuple[str, dict[str, Any]]:
    """``query`` with the literal arguments of its root field turned into variables of the
    argument's declared type, and the values: the request a client building queries
    from variables sends."""
    from graphql import (
        FieldNode,
        NameNode,
        OperationDefinitionNode,
        VariableDefinitionNode,
        VariableNode,
        parse,
        print_ast,
        value_from_ast_untyped,
    )
    from graphql.language import parse_type

    from api.graphql.schema import build_schema

    schema = build_schema().graphql_schema
    doc = parse(query)
    op = doc.definitions[0]
    assert isinstance(op, OperationDefinitionNode) and len(op.selection_set.selections) == 1
    root = op.selection_set.selections[0]
    assert isinstance(root, FieldNode) and schema.query_type is not None
    field = schema.query_type.fields[root.name.value]
    definitions, values, args = [], {}, []
    for arg in root.arguments or ():
        name = arg.name.value
        values[name] = value_from_ast_untyped(arg.value)
        definitions.append(VariableDefinitionNode(
            variable=VariableNode(name=NameNode(value=name)),
            type=parse_type(str(field.args[name].type)), directives=()))
        args.append(replace(arg, value=VariableNode(name=NameNode(value=name))))
    root = replace(root, arguments=tuple(args))
    op = replace(op, name=NameNode(value="Q"), variable_definitions=tuple(definitions),
                 selection_set=replace(op.selection_set, selections=(root,)))
    return print_ast(replace(doc, definitions=(op,))), values


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 60.0, proc: subprocess.Popen[bytes] | None = None
              ) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {proc.returncode}")
        try:
            httpx.post(url, json={"query": "{ __typename }"}, timeout=2.0)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


@contextmanager
def process(cmd: list[str], env: dict[str, str], cwd: Path, log: Path
            ) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def timed(fn: Callable[[], Any], n: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def rotated(*fns: Callable[[], Any], n: int, warmup: int = 3) -> list[list[float]]:
    """Time ``fns`` in turn, ``n`` rounds, each round starting one further along (a, b, c;
    b, c, a; ...), so a load that drifts during the run (a shared machine) and the cost
    of coming first after a pause weigh on each alike. Milliseconds per call, per fn."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    order = list(range(len(fns)))
    for i in range(n):
        k = i % len(fns)
        for j in order[k:] + order[:k]:
            t0 = time.perf_counter()
            fns[j]()
            times[j].append((time.perf_counter() - t0) * 1000)
    return times


class LeanClient:
    """A minimal keep-alive HTTP client (the standard library's ``http.client``) for the
    (a) overhead: httpx spends ~0.4-0.5 ms of its own per request (request building,
    header models, hooks), which is the client's cost, not the API's. Same request
    (POST of ``{"query": ...}`` as JSON), same decoding of the JSON answer."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.path = parts.path or "/"
        self.conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port,
                                               timeout=120)

    def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps({"query": query} if variables is None
                          else {"query": query, "variables": variables}).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        try:
            self.conn.request("POST", self.path, body, headers)
            res = self.conn.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # the server closed the idle keep-alive connection (uvicorn: after 5 s, e.g.
            # while the httpx rounds ran): reconnect once; the warm-up calls absorb it
            self.conn.close()
            self.conn.request("POST", self.path, body, headers)
            res = self.conn.getresponse()
        data = res.read()
        if res.status != 200:
            raise RuntimeError(f"{self.path}: HTTP {res.status}")
        out: dict[str, Any] = json.loads(data)
        if out.get("errors"):
            raise RuntimeError(f"{self.path}: {out['errors'][0].get('message')}")
        return out

    def close(self) -> None:
        self.conn.close()


def post(client: httpx.Client, url: str, query: str,
         variables: dict[str, Any] | None = None) -> dict[str, Any]:
    res = client.post(url, json={"query": query} if variables is None
                      else {"query": query, "variables": variables})
    res.raise_for_status()
    body = res.json()
    if body.get("errors"):
        raise RuntimeError(f"{url}: {body['errors'][0].get('message')}")
    return body


def throughput(url: str, query: str, seconds: float, workers: int,
               variables: dict[str, Any] | None = None) -> float:
    """Requests per second with ``workers`` concurrent clients for ``seconds``."""
    stop = time.monotonic() + seconds
    counts = [0] * workers

    def work(i: int) -> None:
        with httpx.Client(timeout=60) as c:
            while time.monotonic() < stop:
                post(c, url, query, variables)
                counts[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - t0)


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of a process so far (Linux /proc), 0 when unknown."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def throughput_cpu(url: str, query: str, seconds: float, workers: int,
                   pids: dict[str, int | None], variables: dict[str, Any] | None = None
                   ) -> tuple[float, dict[str, float]]:
    """``throughput`` and the CPU milliseconds per request each process of ``pids``
    spent meanwhile (where the time goes: the database, the API server, the client)."""
    before = {k: cpu_seconds(p) for k, p in pids.items()}
    client0 = time.process_time()
    t0 = time.monotonic()
    rps = throughput(url, query, seconds, workers, variables)
    n = max(rps * (time.monotonic() - t0), 1.0)
    per = {k: round((cpu_seconds(p) - before[k]) / n * 1000, 2) for k, p in pids.items()}
    per["client"] = round((time.process_time() - client0) / n * 1000, 2)
    return rps, per


def ensure_bundled(graph: Graph) -> dict[str, int]:
    from ingest.bundled import load_bundled

    apply_schema(graph)
    row = graph.read("MATCH (f:Firm) RETURN count(f) AS firms")[0]
    if row["firms"] == 0:
        load_bundled(graph)
    counts = graph.read("MATCH (n) WITH count(n) AS nodes MATCH ()-[r]->() "
                        "RETURN nodes, count(r) AS rels")[0]
    return {"nodes": counts["nodes"], "relationships": counts["rels"]}


def p50(values: list[float]) -> float:
    return float(statistics.median(values))


def run(rounds: int = 60, entity_rounds: int = 200, seconds: float = 10.0,
        workers: int = 4) -> dict[str, Any]:
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    settings = bench_settings("api", SLOT)
    server = ManagedServer(settings)
    server.start(quiet=True)
    graph = open_graph(settings)
    data = ensure_bundled(graph)
    env = dict(os.environ, STACKGRAPH_HOME=str(settings.home),
               STACKGRAPH_BOLT_PORT=str(settings.bolt_port),
               STACKGRAPH_HTTP_PORT=str(settings.http_port), STACKGRAPH_API_KEYS="")
    env.pop("NEO4J_URI", None)
    sg_port, node_port = free_port(), free_port()
    sg_url = f"http://127.0.0.1:{sg_port}/graphql"
    node_url = f"http://127.0.0.1:{node_port}/"
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    serve_cmd = [sys.executable, "-c", "from api.cli_serve import serve; "
                 f"serve('127.0.0.1', {sg_port}, log_level='warning')"]
    result: dict[str, Any] = {"machine": machine(), "data": data, "rounds": rounds,
                              "as_of": DAY}
    least_port = free_port()
    least_url = f"http://127.0.0.1:{least_port}"
    with process(serve_cmd, env, ROOT, logs / "api-stackgraph.log") as sg, \
            process(least_server.command(sys.executable, least_port), env, ROOT,
                    logs / "api-least-server.log") as least:
        wait_http(sg_url, proc=sg)
        wait_http(least_url + "/ready", proc=least)
        questions = []
        lean = LeanClient(sg_url)
        with httpx.Client(timeout=120) as client:
            # the fixed cost of a request: HTTP both ways and an empty GraphQL operation,
            # with httpx and with the lean client
            floor = timed(lambda: post(client, sg_url, "{ __typename }"), rounds, warmup=5)
            result["floor_p50_ms"] = round(p50(floor), 2)
            floor_lean = timed(lambda: lean.post("{ __typename }"), rounds, warmup=5)
            result["floor_lean_p50_ms"] = round(p50(floor_lean), 2)
            print(f"  {{ __typename }} over HTTP: httpx {result['floor_p50_ms']} ms, "
                  f"lean client {result['floor_lean_p50_ms']} ms", flush=True)
            for name, call, query in question_queries():
                # Python, /graphql through the lean client (the API's overhead), and the
                # least server (bench/least_server.py) with and without its worker thread
                hop, inline = LeanClient(f"{least_url}/{name}"), LeanClient(
                    f"{least_url}/{least_server.INLINE}{name}")
                py, gq, py_least, py_inline = rotated(
                    partial(call, graph), partial(lean.post, query),
                    partial(hop.post, ""), partial(inline.post, ""), n=rounds)
                hop.close()
                inline.close()
                # then against /graphql through httpx (the figure of earlier runs)
                py_h, gq_h = rotated(partial(call, graph),
                                     partial(post, client, sg_url, query), n=rounds)
                # the same question with its arguments as variables (lean client)
                vquery, values = with_variables(query)
                py_v, gq_v = rotated(partial(call, graph),
                                     partial(lean.post, vquery, values), n=rounds)
                questions.append({
                    "python_p50_ms_variables_run": round(p50(py_v), 2),
                    "graphql_variables_p50_ms": round(p50(gq_v), 2),
                    "overhead_variables_pct": round((p50(gq_v) / p50(py_v) - 1) * 100, 1),
                    "question": name, "python_p50_ms": round(p50(py), 2),
                    "graphql_p50_ms": round(p50(gq), 2),
                    "overhead_pct": round((p50(gq) / p50(py) - 1) * 100, 1),
                    "least_server_p50_ms": round(p50(py_least), 2),
                    "least_server_overhead_pct": round((p50(py_least) / p50(py) - 1) * 100, 1),
                    "least_server_inline_p50_ms": round(p50(py_inline), 2),
                    "least_server_inline_overhead_pct": round(
                        (p50(py_inline) / p50(py) - 1) * 100, 1),
                    "python_p50_ms_httpx_run": round(p50(py_h), 2),
                    "graphql_httpx_p50_ms": round(p50(gq_h), 2),
                    "overhead_httpx_pct": round((p50(gq_h) / p50(py_h) - 1) * 100, 1),
                })
                q = questions[-1]
                print(f"  {name:20s} python {p50(py):8.2f} ms  graphql {p50(gq):8.2f} ms  "
                      f"overhead {q['overhead_pct']:+.1f} % (lean client); least server "
                      f"{p50(py_least):.2f} ms {q['least_server_overhead_pct']:+.1f} %, "
                      f"without its worker thread {p50(py_inline):.2f} ms "
                      f"{q['least_server_inline_overhead_pct']:+.1f} %; httpx: python "
                      f"{p50(py_h):.2f} ms graphql {p50(gq_h):.2f} ms "
                      f"{q['overhead_httpx_pct']:+.1f} %; variables: graphql "
                      f"{p50(gq_v):.2f} ms {q['overhead_variables_pct']:+.1f} %", flush=True)
        lean.close()
        result["questions"] = questions
        result["entity_query"] = entity_comparison(settings, env, sg_url, node_url,
                                                   node_port, logs, entity_rounds, seconds,
                                                   workers, sg.pid)
    # the same entity query against `stackgraph serve --workers 2` (one per core)
    sg2_port = free_port()
    sg2_url = f"http://127.0.0.1:{sg2_port}/graphql"
    serve2 = [sys.executable, "-c", "from api.cli_serve import serve; "
              f"serve('127.0.0.1', {sg2_port}, log_level='warning', workers=2)"]
    with process(serve2, env, ROOT, logs / "api-stackgraph-2.log") as sg2:
        wait_http(sg2_url, proc=sg2)
        with httpx.Client(timeout=60) as c:
            lat = timed(lambda: post(c, sg2_url, STACKGRAPH_PAGE), entity_rounds, warmup=20)
        e = result["entity_query"]
        e["stackgraph_2_workers_p50_ms"] = round(p50(lat), 2)
        e["stackgraph_2_workers_rps"] = round(throughput(sg2_url, STACKGRAPH_PAGE, seconds,
                                                         workers), 1)
        print(f"  page of 100 firms, 2 workers: {e['stackgraph_2_workers_p50_ms']} ms, "
              f"{e['stackgraph_2_workers_rps']} req/s", flush=True)
    graph.close()
    server.stop()
    return result


def entity_comparison(settings: Any, env: dict[str, str], sg_url: str, node_url: str,
                      node_port: int, logs: Path, rounds: int, seconds: float,
                      workers: int, sg_pid: int | None = None) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not (NODE_DIR / "node_modules" / "@neo4j" / "graphql").is_dir():
        raise RuntimeError("the Neo4j GraphQL Library is not installed: run "
                           "`npm ci` (or `npm install`) in bench/neo4j_graphql")
    server = ManagedServer(settings)
    node_env = dict(env, NEO4J_URI=server.bolt_uri, NEO4J_USER="neo4j",
                    NEO4J_PASSWORD=server.password(), PORT=str(node_port))
    with process([node, "server.js"], node_env, NODE_DIR, logs / "api-neo4j-graphql.log"
                 ) as proc:
        wait_http(node_url, proc=proc)
        with httpx.Client(timeout=60) as c:
            ours = post(c, sg_url, STACKGRAPH_PAGE)["data"]["firms"]["nodes"]
            theirs = post(c, node_url, NEO4J_GRAPHQL_PAGE)["data"]["firms"]
            same = ([(f["id"], sorted(x["id"] for x in f["designs"]),
                      f["headquarters"]["id"] if f["headquarters"] else None) for f in ours]
                    == [(f["id"], sorted(x["id"] for x in f["designs"]),
                         f["headquarters"][0]["id"] if f["headquarters"] else None)
                        for f in theirs])
            if not same:
                raise RuntimeError("the two servers answer the page differently")
            lat_sg, lat_nd = rotated(lambda: post(c, sg_url, STACKGRAPH_PAGE),
                                     lambda: post(c, node_url, NEO4J_GRAPHQL_PAGE),
                                     n=rounds, warmup=20)
            ours_v = post(c, sg_url, *STACKGRAPH_PAGE_VARS)["data"]["firms"]["nodes"]
            if ours_v != ours:
                raise RuntimeError("the page with variables answers differently")
            lat_sg_v, lat_nd_v = rotated(
                lambda: post(c, sg_url, *STACKGRAPH_PAGE_VARS),
                lambda: post(c, node_url, *NEO4J_GRAPHQL_PAGE_VARS), n=rounds, warmup=20)
        neo4j_pid = server.pid()
        tp_sg, cpu_sg = throughput_cpu(sg_url, STACKGRAPH_PAGE, seconds, workers,
                                       {"neo4j": neo4j_pid, "server": sg_pid})
        tp_nd, cpu_nd = throughput_cpu(node_url, NEO4J_GRAPHQL_PAGE, seconds, workers,
                                       {"neo4j": neo4j_pid, "server": proc.pid})
        tp_sg_v, _ = throughput_cpu(sg_url, STACKGRAPH_PAGE_VARS[0], seconds, workers,
                                    {"server": sg_pid}, STACKGRAPH_PAGE_VARS[1])
        tp_nd_v, _ = throughput_cpu(node_url, NEO4J_GRAPHQL_PAGE_VARS[0], seconds, workers,
                                    {"server": proc.pid}, NEO4J_GRAPHQL_PAGE_VARS[1])
    out: dict[str, Any] = {
        "query_stackgraph": STACKGRAPH_PAGE, "query_neo4j_graphql": NEO4J_GRAPHQL_PAGE,
        "firms_returned": len(ours), "same_answer": same,
        "stackgraph_p50_ms": round(p50(lat_sg), 2),
        "neo4j_graphql_p50_ms": round(p50(lat_nd), 2),
        "latency_ratio": round(p50(lat_nd) / p50(lat_sg), 2),
        "stackgraph_rps": round(tp_sg, 1), "neo4j_graphql_rps": round(tp_nd, 1),
        "throughput_ratio": round(tp_sg / tp_nd, 2), "workers": workers,
        "seconds": seconds, "rounds": rounds,
        "cpu_ms_per_request_stackgraph": cpu_sg, "cpu_ms_per_request_neo4j_graphql": cpu_nd,
        "variables": {
            "query_stackgraph": STACKGRAPH_PAGE_VARS[0],
            "query_neo4j_graphql": NEO4J_GRAPHQL_PAGE_VARS[0],
            "stackgraph_p50_ms": round(p50(lat_sg_v), 2),
            "neo4j_graphql_p50_ms": round(p50(lat_nd_v), 2),
            "latency_ratio": round(p50(lat_nd_v) / p50(lat_sg_v), 2),
            "stackgraph_rps": round(tp_sg_v, 1), "neo4j_graphql_rps": round(tp_nd_v, 1),
            "throughput_ratio": round(tp_sg_v / tp_nd_v, 2),
        },
    }
    print(f"  page of 100 firms: stackgraph {out['stackgraph_p50_ms']} ms, "
          f"{out['stackgraph_rps']} req/s; @neo4j/graphql {out['neo4j_graphql_p50_ms']} ms, "
          f"{out['neo4j_graphql_rps']} req/s; CPU ms/request {cpu_sg} vs {cpu_nd}", flush=True)
    v = out["variables"]
    print(f"  with variables: stackgraph {v['stackgraph_p50_ms']} ms, {v['stackgraph_rps']} "
          f"req/s; @neo4j/graphql {v['neo4j_graphql_p50_ms']} ms, {v['neo4j_graphql_rps']} "
          "req/s", flush=True)
    return out



def report(result: dict[str, Any], command: str) -> str:
    m = result["machine"]
    lines = [
        "## GraphQL API",
        "",
        f"Command: `{command}` — one run, one Neo4j {m.get('neo4j', '')} (bench server), "
        f"the bundled data ({result['data']['nodes']:,} nodes, "
        f"{result['data']['relationships']:,} relationships), {m['nproc']} cores, "
        f"Python {m['python']}; questions asked as of {result['as_of']}.",
        "",
        "### (a) GraphQL overhead per question (p50 of "
        f"{result['rounds']} calls; goal <= 20 %)",
        "",
        "| question | Python p50 (ms) | /graphql p50, lean client (ms) | overhead | "
        "Python p50 (ms) | /graphql p50, variables (ms) | overhead | "
        "Python p50 (ms) | /graphql p50, httpx (ms) | overhead |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for q in result["questions"]:
        lines.append(f"| `{q['question']}` | {q['python_p50_ms']:.2f} | "
                     f"{q['graphql_p50_ms']:.2f} | {q['overhead_pct']:+.1f} % | "
                     f"{q.get('python_p50_ms_variables_run', 0):.2f} | "
                     f"{q.get('graphql_variables_p50_ms', 0):.2f} | "
                     f"{q.get('overhead_variables_pct', 0):+.1f} % | "
                     f"{q.get('python_p50_ms_httpx_run', 0):.2f} | "
                     f"{q.get('graphql_httpx_p50_ms', 0):.2f} | "
                     f"{q.get('overhead_httpx_pct', 0):+.1f} % |")
    lines += ["", f"`{{ __typename }}` over HTTP: {result.get('floor_lean_p50_ms', 0)} ms "
              f"(lean client), {result.get('floor_p50_ms', 0)} ms (httpx).", "",
              "The least server (bench/least_server.py: uvicorn, the Python call in a worker "
              "thread, the pydantic answer as JSON; nothing else), timed in the same rounds "
              "as the first two columns above, and without its worker thread:", "",
              "| question | Python p50 (ms) | /graphql p50 (ms) | least server p50 (ms) | "
              "overhead | without the worker thread (ms) | overhead | /graphql - least "
              "server (ms) |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for q in result["questions"]:
        if "least_server_p50_ms" not in q:
            continue
        lines.append(f"| `{q['question']}` | {q['python_p50_ms']:.2f} | "
                     f"{q['graphql_p50_ms']:.2f} | {q['least_server_p50_ms']:.2f} | "
                     f"{q['least_server_overhead_pct']:+.1f} % | "
                     f"{q['least_server_inline_p50_ms']:.2f} | "
                     f"{q['least_server_inline_overhead_pct']:+.1f} % | "
                     f"{q['graphql_p50_ms'] - q['least_server_p50_ms']:+.2f} |")
    e = result["entity_query"]
    lines += [
        "",
        "Python: the function of `queries/` called in-process; /graphql: an HTTP request to "
        "`stackgraph serve` (uvicorn, one process) selecting the whole answer, JSON "
        "included, sent and decoded by a lean keep-alive client (`http.client`: the "
        "overhead is the API's, not the client library's) and, in the last columns, by "
        "httpx. The calls compared are timed in rotation, so load on the machine weighs "
        "on each alike.",
        "",
        "### (b) Entity query: stackgraph vs the Neo4j GraphQL Library",
        "",
        "A page of 100 firms with their headquarters and the chips they design, same Neo4j, "
        "same data, answers checked equal. `@neo4j/graphql` 7 on Apollo Server "
        "(bench/neo4j_graphql/server.js).",
        "",
        "| server | p50 latency (ms) | throughput (req/s, "
        f"{e['workers']} clients, {e['seconds']:.0f} s) |",
        "| --- | ---: | ---: |",
        f"| stackgraph | {e['stackgraph_p50_ms']:.2f} | {e['stackgraph_rps']:.1f} |",
        f"| @neo4j/graphql | {e['neo4j_graphql_p50_ms']:.2f} | {e['neo4j_graphql_rps']:.1f} |",
        f"| stackgraph, `serve --workers 2` | {e.get('stackgraph_2_workers_p50_ms', 0):.2f} | "
        f"{e.get('stackgraph_2_workers_rps', 0):.1f} |",
        f"| stackgraph, variables | {e.get('variables', {}).get('stackgraph_p50_ms', 0):.2f} | "
        f"{e.get('variables', {}).get('stackgraph_rps', 0):.1f} |",
        f"| @neo4j/graphql, variables | "
        f"{e.get('variables', {}).get('neo4j_graphql_p50_ms', 0):.2f} | "
        f"{e.get('variables', {}).get('neo4j_graphql_rps', 0):.1f} |",
        "",
        f"With variables: ratios latency {e.get('variables', {}).get('latency_ratio', 0):.2f}, "
        f"throughput {e.get('variables', {}).get('throughput_ratio', 0):.2f}.",
        "",
        f"Ratios (goal >= 1.0): latency {e['latency_ratio']:.2f} (theirs / ours), "
        f"throughput {e['throughput_ratio']:.2f} (ours / theirs), both single-process. "
        "The `--workers 2` row uses both cores (Node serves on one).",
        "",
    ]
    return "\n".join(lines)


def cli(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench api", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=60, help="calls per question (default 60)")
    p.add_argument("--entity-rounds", type=int, default=200,
                   help="sequential requests per server for the entity query (default 200)")
    p.add_argument("--seconds", type=float, default=10.0,
                   help="seconds of the throughput run per server (default 10)")
    p.add_argument("--workers", type=int, default=4, help="concurrent clients (default 4)")
    p.add_argument("--large", action="store_true", help="accepted for `bench all`; unused")
    args = p.parse_args(argv)
    command = "python -m bench.api" + "".join(
        f" {a}" for a in argv if a != "--large")
    try:
        result = run(args.rounds, args.entity_rounds, args.seconds, args.workers)
    finally:
        ManagedServer(bench_settings("api", SLOT)).stop()
    path = save("api", result)
    (RESULTS / "api.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    text = report(result, command)
    (RESULTS / "api.md").write_text(text)
    print(text)
    print(f"figures: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli(sys.argv[1:]))
