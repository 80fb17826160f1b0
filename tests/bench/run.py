"""newsgraph's benchmark suite: one table of figures and ratios, side by side in one run.

Run from the project root (``make bench`` does)::

    .venv/bin/python tests/bench/run.py            # 1,000 / 20,000 / 100,000 records
    .venv/bin/python tests/bench/run.py --quick    # 1,000 / 5,000 records, fewer runs

Synthetic corpora (:func:`graph.synth.write_corpus`, seed 0) are generated once into
``.bench-cache/`` (git-ignored) and reused. Every measurement runs in a fresh child
process (``--child NAME``) so imports, caches and peak memory are honest; each figure is
the median of several runs with the min and max beside it. Benchmarks:

* ingest: parse-only throughput (read + front matter + ``yaml.load`` with PyYAML's C
  loader) vs ``graph.load(stories=False, workers=1)`` (ratio A), and 2 workers vs 1;
* warm start: ``graph.load`` cold (no cache) vs through the warm-start cache, unchanged folder;
* memory: peak RSS of a process that loads the largest corpus (stories included) per article node,
  and a profile on the middle corpus: RSS after each load step and what the graph's objects weigh;
* serving: a real uvicorn server per app (newsgraph, and a bare starlette + graphql-core
  endpoint over the same CoverageGraph with parsed documents cached), ``wrk`` with 8
  connections on loopback (an async httpx client in its own process if wrk is missing);
* scaling: per-article queries (echoes, origin, neighbourhood) and filtered
  ``articles`` pages at the smallest vs the largest corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
CACHE = ROOT / ".bench-cache"
PY = sys.executable

ECHO_QUERY = (
    "query Echo($url: String!) { article(url: $url) { echoes { edges { lagHours node { provider { domain } } } } } }"
)
LIST_QUERY = "{ articles(first: 100) { edges { node { id title url provider { domain } } } } }"


# ------------------------------------------------------------------ helpers


def corpus(records: int) -> Path:
    """The records folder of the cached synthetic corpus of ``records`` records (generated once)."""
    out = CACHE / f"corpus-{records}"
    if not (out / "truth.json").exists():
        from graph.synth import write_corpus

        if out.exists():
            shutil.rmtree(out)
        print(f"generating {records:,} records into {out} ...", file=sys.stderr, flush=True)
        write_corpus(out, records, seed=0)
    return out / "records"


def child(name: str, *args: str, timeout: float = 900) -> dict[str, Any]:
    """Run ``--child name args`` in a fresh interpreter; its last stdout line is JSON."""
    done = subprocess.run([PY, __file__, "--child", name, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"child {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Row:
    def __init__(self, name: str, values: list[float], unit: str, target: str = "", met: bool | None = None,
                 note: str = "") -> None:
        self.name, self.values, self.unit, self.target, self.met, self.note = name, values, unit, target, met, note

    @property
    def median(self) -> float:
        return float(statistics.median(self.values))


def fmt(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def table(rows: list[Row]) -> str:
    head = ("benchmark", "median", "min", "max", "unit", "n", "target", "met")
    lines = [head]
    for r in rows:
        met = "" if r.met is None else ("yes" if r.met else "NO")
        lines.append((r.name, fmt(r.median), fmt(min(r.values)), fmt(max(r.values)), r.unit, str(len(r.values)),
                      r.target, met))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = []
    for i, line in enumerate(lines):
        out.append("  ".join(c.ljust(widths[j]) if j in (0, 4, 6) else c.rjust(widths[j]) for j, c in enumerate(line)))
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------ children


def child_parse_only(folder: str) -> dict[str, Any]:
    import yaml

    from graph.ingest import record_items, split_front_matter

    items = record_items(Path(folder))
    started = time.perf_counter()
    for file, display in items:
        text = Path(file).read_bytes().decode("utf-8")
        try:
            yaml.load(split_front_matter(text, display), Loader=yaml.CSafeLoader)
        except Exception:  # noqa: BLE001 - a broken file costs its parse all the same
            pass
    seconds = time.perf_counter() - started
    return {"files": len(items), "seconds": seconds}


def child_ingest(folder: str, workers: str) -> dict[str, Any]:
    import graph

    started = time.perf_counter()
    g, report = graph.load(folder, workers=int(workers), stories=False)
    seconds = time.perf_counter() - started
    return {"files": report.files, "seconds": seconds, "articles": g.count("article")}


def child_load(folder: str, cache_dir: str) -> dict[str, Any]:
    """graph.load with stories; ``cache_dir`` '-' means no cache. Reports time, peak RSS, node count."""
    import gc

    import graph

    started = time.perf_counter()
    g, report = graph.load(folder, cache=False if cache_dir == "-" else cache_dir)
    seconds = time.perf_counter() - started
    gc.collect()
    with open("/proc/self/statm") as handle:
        rss_now = int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return {
        "seconds": seconds, "peak_rss_mib": peak_rss_mib(), "rss_after_mib": rss_now,
        "articles": g.count("article"), "nodes": g.nx.number_of_nodes(), "edges": g.nx.number_of_edges(),
        "cache": report.cache.status if report.cache is not None else "off",
    }


def _rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _deep_bytes(roots: list[Any], seen: set[int]) -> int:
    """sys.getsizeof over everything reachable from ``roots`` through containers and slots,
    each object once (``seen`` is shared, so parts measured earlier are not counted again)."""
    total = 0
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif hasattr(obj, "__slots__"):
            stack.extend(getattr(obj, name) for name in obj.__slots__ if hasattr(obj, name))
        elif hasattr(obj, "__dict__") and not isinstance(obj, type):
            stack.append(obj.__dict__)
    return total


def child_memory_profile(folder: str) -> dict[str, Any]:
    """Where a cold load's memory goes: RSS after each step of graph.load (sampled every
    20 ms during story detection, by step) and what the loaded graph's objects weigh."""
    import threading

    import graph
    from graph import ingest, model, stories
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: F401 - part of the import baseline

    out: dict[str, Any] = {"imports": _rss_mib()}
    records, _ = ingest.read_records(Path(folder))
    out["parsed"] = _rss_mib()
    with ingest.paused_gc():
        g = model.build_graph(records)
    out["built"] = _rss_mib()
    del records
    samples: list[tuple[float, float]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append((time.perf_counter(), _rss_mib()))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    started = time.perf_counter()
    sampler.start()
    found = stories.detect_stories(g)
    done.set()
    sampler.join()
    steps, end = {}, started
    for step, seconds in found.timings.items():
        during = [rss for when, rss in samples if end <= when < end + seconds]
        steps[step] = max(during) if during else 0.0
        end += seconds
    out["detection"] = steps
    graph.release_memory()
    out["after"] = _rss_mib()
    out["peak"] = peak_rss_mib()
    out["articles"] = g.count("article")
    nx_graph, seen = g.nx, set()
    articles = [data for data in nx_graph._node.values() if data["kind"] == "article"]
    parts = {  # measured in this order; each object counted once, in the first part reaching it
        "attribute values (text, URLs, dates, images)": [v for data in articles for v in data.values()],
        "node ids": list(nx_graph._node),
        "node data dicts": list(nx_graph._node.values()),
        "adjacency (per-node dicts, edge key and data dicts)": [nx_graph._succ, nx_graph._pred, nx_graph._node],
        "indexes and story index": [v for k, v in vars(g).items() if k != "nx"],
    }
    out["objects"] = {name: _deep_bytes(roots, seen) for name, roots in parts.items()}
    return out


def child_baseline_rss() -> dict[str, Any]:
    """Peak RSS of an interpreter that imported what a load imports, before loading anything."""
    import graph  # noqa: F401
    import graph.stories  # noqa: F401
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: F401

    return {"peak_rss_mib": peak_rss_mib()}


def _sample_articles(g: Any, count: int) -> list[str]:
    from graph import stories

    chosen = []
    for node in g.articles_by_time()[:: max(1, g.count("article") // (count * 4))]:
        if stories.story_of(g, node) is not None:
            chosen.append(node)
        if len(chosen) == count:
            break
    return chosen


def child_scaling(folder: str, cache_dir: str) -> dict[str, Any]:
    """Microseconds per per-article query and per filtered list page, on one corpus."""
    import graph
    from graph import queries, stories, traversals

    g, _ = graph.load(folder, cache=cache_dir)
    sample = _sample_articles(g, 200)
    stories.echoes_of(g, sample[0])  # unpack the story index once (lazy after a warm start)
    out: dict[str, Any] = {"articles": g.count("article")}

    def per_call(fn: Any, args: list[Any], repeat: int = 3) -> float:
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            for a in args:
                fn(a)
            best = min(best, (time.perf_counter() - started) / len(args))
        return best * 1e6

    queries_of = {"echoes": lambda a: stories.echoes_of(g, a), "origin": lambda a: stories.origin_of(g, a),
                  "neighbourhood": lambda a: traversals.neighbourhood(g, a, depth=1, limit=100)}
    for name, query in queries_of.items():
        out[f"{name}_us"] = per_call(query, sample)
        if name != "echoes":  # (an article's echoes vary with its story's size: 20 articles are too few)
            # Diagnostic: the first 20 of the same articles, 20 times over, so their objects stay in
            # the CPU caches. Equal to the 1k figure means the query does the same work; what the
            # 200-article figure adds at 100k is memory latency over a larger heap, not a scan.
            out[f"{name}_hot_us"] = per_call(query, sample[:20], repeat=20)
    providers = g.ranked("provider")[:20]
    topics = g.ranked("topic")[:5]
    flt = [queries.ArticleFilter(provider=p) for p in providers]
    flt += [queries.ArticleFilter(topic=t, min_quality=50) for t in topics]
    out["filtered_page_us"] = per_call(lambda f: queries.paginate(queries.find_articles(g, f), 100), flt)
    return out


def child_serve(kind: str, folder: str, cache_dir: str, port: str) -> None:
    import uvicorn

    import graph

    g, _ = graph.load(folder, cache=cache_dir)
    from graph import stories

    if kind == "newsgraph":
        from api.app import create_app
        from api.settings import Settings

        app = create_app(g, Settings())
    else:
        app = bare_app(g)
    # the first non-origin echo query unpacks the story index: do it before serving
    for node in g.articles_by_time()[:200]:
        stories.echoes_of(g, node)
    # What a server does once its data is loaded: collect, then move the startup heap out
    # of the collector's sight. Otherwise the first full collection (~0.2 s over the
    # graph's objects at 5k records) lands in the middle of the measurement, in either
    # server, and makes its p99. Both servers get the same treatment.
    import gc

    gc.collect()
    gc.freeze()
    uvicorn.run(app, host="127.0.0.1", port=int(port), log_level="warning", access_log=False)


def bare_app(g: Any) -> Any:
    """Starlette + graphql-core with parsed and validated documents cached: the stack's limit."""
    from graphql import build_schema, execute, parse, validate
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from graph import stories

    schema = build_schema("""
        type Provider { domain: String! }
        type EchoEdge { lagHours: Float! node: Article! }
        type EchoConnection { totalCount: Int! edges: [EchoEdge!]! }
        type ArticleEdge { cursor: String! node: Article! }
        type ArticleConnection { totalCount: Int! edges: [ArticleEdge!]! }
        type Article { id: ID! title: String! url: String provider: Provider!
                       echoes(first: Int = 20): EchoConnection! }
        type Query { article(url: String!): Article articles(first: Int = 20): ArticleConnection! }
    """)
    nodes = g.nx.nodes

    def article(_: Any, info: Any, url: str) -> Any:
        return g.article_id_for(url)

    def articles(_: Any, info: Any, first: int = 20) -> Any:
        # The newest ``first`` straight from the time index (no copy of the whole list),
        # as newsgraph's unfiltered page does.
        items = g.articles_by_time()
        page = items[: -first - 1 : -1] if first > 0 else []
        return {"totalCount": len(items), "edges": [{"cursor": str(i), "node": n} for i, n in enumerate(page)]}

    succ = g.nx._succ

    def provider_of(node: str) -> str:  # the published_by edge, read as newsgraph reads it (api.types.provider_of)
        for target, keys in succ[node].items():
            if "published_by" in keys:
                return str(target)
        return ""

    fields = schema.type_map["Article"].fields  # type: ignore[union-attr]
    fields["id"].resolve = lambda node, info: node
    fields["title"].resolve = lambda node, info: nodes[node]["title"]
    fields["url"].resolve = lambda node, info: nodes[node].get("url")
    fields["provider"].resolve = lambda node, info: {"domain": nodes[provider_of(node)]["domain"]}

    def echoes(node: str, info: Any, first: int = 20) -> Any:
        found = stories.echoes_of(g, node)
        return {"totalCount": len(found), "edges": [{"lagHours": e.lag_hours, "node": e.article} for e in found[:first]]}

    fields["echoes"].resolve = echoes
    query_fields = schema.query_type.fields  # type: ignore[union-attr]
    query_fields["article"].resolve = article
    query_fields["articles"].resolve = articles
    documents: dict[str, Any] = {}

    async def endpoint(request: Request) -> Response:
        body = await request.json()
        text = body["query"]
        document = documents.get(text)
        if document is None:
            document = parse(text)
            errors = validate(schema, document)
            if errors:
                return JSONResponse({"errors": [e.formatted for e in errors]}, status_code=400)
            documents[text] = document
        result = execute(schema, document, variable_values=body.get("variables"))
        payload: dict[str, Any] = {"data": result.data}  # type: ignore[union-attr]
        if result.errors:  # type: ignore[union-attr]
            payload["errors"] = [e.formatted for e in result.errors]  # type: ignore[union-attr]
        return JSONResponse(payload)

    return Starlette(routes=[Route("/graphql", endpoint, methods=["POST"])])


# ------------------------------------------------------------------ load generation


WRK_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open(os.getenv("BENCH_BODY"), "r"):read("*a")
done = function(summary, latency, requests)
  io.write(string.format("JSON {\\"requests\\": %d, \\"seconds\\": %f, \\"p50_ms\\": %f, \\"p99_ms\\": %f, \\"errors\\": %d, \\"non2xx\\": %d}\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
"""


def wait_up(port: int, proc: subprocess.Popen[bytes], seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not come up")


def load_test(port: int, body: dict[str, Any], duration: float, connections: int = 8) -> dict[str, Any]:
    """Requests/s and latency percentiles for one POST body, from another process."""
    with tempfile.TemporaryDirectory() as scratch:
        body_file = Path(scratch) / "body.json"
        body_file.write_text(json.dumps(body))
        if shutil.which("wrk"):
            script = Path(scratch) / "post.lua"
            script.write_text(WRK_LUA)
            done = subprocess.run(
                ["wrk", "-t", "1", "-c", str(connections), "-d", f"{max(1, round(duration))}s", "--timeout", "5s", "-s", str(script),
                 f"http://127.0.0.1:{port}/graphql"],
                capture_output=True, text=True, env={**os.environ, "BENCH_BODY": str(body_file)}, timeout=duration + 60,
            )
            line = next(x for x in done.stdout.splitlines() if x.startswith("JSON "))
            stats = json.loads(line[5:])
            stats["rps"] = stats["requests"] / stats["seconds"]
            stats["tool"] = "wrk"
            return stats
        return child("httpx-load", str(port), str(body_file), str(duration), str(connections))


def child_httpx_load(port: str, body_file: str, duration: str, connections: str) -> dict[str, Any]:
    import asyncio

    import httpx

    body = Path(body_file).read_bytes()
    latencies: list[float] = []
    errors = 0

    async def worker(client: httpx.AsyncClient, stop: float) -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            started = time.perf_counter()
            response = await client.post(f"http://127.0.0.1:{port}/graphql", content=body,
                                         headers={"content-type": "application/json"})
            latencies.append(time.perf_counter() - started)
            errors += response.status_code != 200

    async def main() -> float:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=int(connections))) as client:
            started = time.perf_counter()
            stop = started + float(duration)
            await asyncio.gather(*(worker(client, stop) for _ in range(int(connections))))
            return time.perf_counter() - started

    seconds = asyncio.run(main())
    latencies.sort()
    return {"requests": len(latencies), "seconds": seconds, "rps": len(latencies) / seconds,
            "p50_ms": latencies[len(latencies) // 2] * 1000, "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
            "non2xx": errors, "errors": 0, "tool": "httpx"}


# ------------------------------------------------------------------ suites


def bench_ingest(rows: list[Row], folder: Path, runs: int, label: str) -> None:
    parse = [child("parse-only", str(folder)) for _ in range(runs)]
    one = [child("ingest", str(folder), "1") for _ in range(runs)]
    two = [child("ingest", str(folder), "2") for _ in range(runs)]
    files = parse[0]["files"]
    parse_rate = [files / r["seconds"] for r in parse]
    one_rate = [files / r["seconds"] for r in one]
    two_rate = [files / r["seconds"] for r in two]
    rows.append(Row(f"ingest {label}: parse-only (C loader), 1 core", parse_rate, "files/s"))
    rows.append(Row(f"ingest {label}: graph.load, 1 worker", one_rate, "files/s"))
    rows.append(Row(f"ingest {label}: graph.load, 2 workers", two_rate, "files/s"))
    ratio_a = [o / p for o, p in zip(one_rate, parse_rate)]
    rows.append(Row(f"ingest {label}: ratio A = 1 worker / parse-only", ratio_a, "x", ">= 0.8",
                    statistics.median(ratio_a) >= 0.8))
    speedup = [t / o for t, o in zip(two_rate, one_rate)]
    rows.append(Row(f"ingest {label}: speed-up 2 workers / 1", speedup, "x", ">= 1.6", statistics.median(speedup) >= 1.6))


def bench_warm(rows: list[Row], folder: Path, runs: int, label: str) -> None:
    cache_dir = CACHE / f"warm-{folder.parent.name}"
    shutil.rmtree(cache_dir, ignore_errors=True)
    cold = [child("load", str(folder), "-") for _ in range(runs)]
    child("load", str(folder), str(cache_dir))  # fills the cache
    warm = [child("load", str(folder), str(cache_dir)) for _ in range(runs)]
    assert all(w["cache"] == "snapshot" for w in warm), warm
    assert all(w["nodes"] == cold[0]["nodes"] and w["edges"] == cold[0]["edges"] for w in warm)
    rows.append(Row(f"warm start {label}: cold graph.load (stories)", [c["seconds"] for c in cold], "s"))
    rows.append(Row(f"warm start {label}: warm graph.load (cache hit)", [w["seconds"] for w in warm], "s"))
    ratios = [c["seconds"] / w["seconds"] for c, w in zip(cold, warm)]
    rows.append(Row(f"warm start {label}: cold / warm", ratios, "x", ">= 20", statistics.median(ratios) >= 20))


def bench_memory(rows: list[Row], folder: Path, runs: int, label: str) -> dict[str, Any]:
    base = child("baseline-rss")["peak_rss_mib"]
    loads = [child("load", str(folder), "-") for _ in range(runs)]
    articles = loads[0]["articles"]
    per_node = [r["peak_rss_mib"] * 2**20 / articles / 1024 for r in loads]
    rows.append(Row(f"memory {label}: peak RSS, cold load with stories", [r["peak_rss_mib"] for r in loads], "MiB",
                    note=f"{articles} articles, {loads[0]['nodes']} nodes, {loads[0]['edges']} edges"))
    rows.append(Row(f"memory {label}: RSS after load (gc'd)", [r["rss_after_mib"] for r in loads], "MiB"))
    rows.append(Row(f"memory {label}: peak RSS per article node", per_node, "KiB", "<= 3", statistics.median(per_node) <= 3))
    above = [(r["peak_rss_mib"] - base) * 2**20 / articles / 1024 for r in loads]
    rows.append(Row(f"memory {label}: (peak - imports {base:.0f} MiB) per node", above, "KiB"))
    steady = [r["rss_after_mib"] * 2**20 / articles / 1024 for r in loads]
    rows.append(Row(f"memory {label}: RSS after load per article node", steady, "KiB"))
    steady_above = [(r["rss_after_mib"] - base) * 2**20 / articles / 1024 for r in loads]
    rows.append(Row(f"memory {label}: (RSS after load - imports) per node", steady_above, "KiB"))
    return loads[0]


def bench_memory_profile(rows: list[Row], folder: Path, label: str) -> None:
    """Where the memory goes, per article node: RSS after each load step, detection's steps, objects."""
    p = child("memory-profile", str(folder))
    n = p["articles"]

    def per(mib: float) -> float:
        return mib * 2**20 / n / 1024

    name = f"memory profile {label}"
    rows.append(Row(f"{name}: imports (NetworkX, PyYAML, scikit-learn)", [per(p["imports"])], "KiB",
                    note=f"{p['imports']:.0f} MiB RSS, {n} articles"))
    rows.append(Row(f"{name}: + parsed records held", [per(p["parsed"] - p["imports"])], "KiB"))
    rows.append(Row(f"{name}: + graph built (records still held)", [per(p["built"] - p["parsed"])], "KiB"))
    for step, rss in p["detection"].items():
        rows.append(Row(f"{name}: RSS during story detection, {step}", [per(rss)], "KiB"))
    rows.append(Row(f"{name}: peak RSS (ru_maxrss)", [per(p["peak"])], "KiB", "<= 3", per(p["peak"]) <= 3))
    rows.append(Row(f"{name}: RSS after load (trimmed)", [per(p["after"])], "KiB"))
    for part, size in p["objects"].items():
        rows.append(Row(f"{name}: objects: {part}", [size / n / 1024], "KiB"))


def bench_serving(rows: list[Row], folder: Path, duration: float, runs: int, label: str) -> None:
    import graph

    cache_dir = CACHE / f"warm-{folder.parent.name}"
    g, _ = graph.load(folder, cache=cache_dir)  # fills the cache the servers start from
    from graph import stories

    origins = sorted((n for n, k in g.nx.nodes(data="kind") if k == "story"), key=lambda s: (-g.nx.nodes[s]["size"], s))
    url = g.nx.nodes[g.nx.nodes[origins[0]]["origin"]]["url"]
    echoes = len(stories.echoes_of(g, g.article_id_for(url)))
    del g
    bodies = {"echo": {"query": ECHO_QUERY, "variables": {"url": url}}, "list100": {"query": LIST_QUERY}}
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    # Both servers up at once and measured in turns (bare, newsgraph, bare, ...): on a
    # shared machine, background load then weighs on both sides of each ratio alike.
    servers: dict[str, tuple[int, subprocess.Popen[bytes]]] = {}
    try:
        for kind in ("bare", "newsgraph"):
            port = free_port()
            servers[kind] = (port, subprocess.Popen(
                [PY, __file__, "--child", "serve", kind, str(folder), str(cache_dir), str(port)],
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        for port, proc in servers.values():
            wait_up(port, proc)
            for body in bodies.values():
                load_test(port, body, 1.0)  # warm-up
        for _ in range(runs):
            for name, body in bodies.items():
                for kind, (port, _proc) in servers.items():
                    results.setdefault((kind, name), []).append(load_test(port, body, duration))
    finally:
        for _port, proc in servers.values():
            proc.terminate()
            proc.wait(timeout=30)
    for name in bodies:
        bare, ours = results[("bare", name)], results[("newsgraph", name)]
        for res in bare + ours:
            if res["non2xx"] or res["errors"]:
                print(f"warning: {name}: {res}", file=sys.stderr)
        what = f"echo query ({echoes} echoes)" if name == "echo" else "100-article list page"
        rows.append(Row(f"serve {label}: bare graphql-core, {what}", [r["rps"] for r in bare], "req/s"))
        rows.append(Row(f"serve {label}: newsgraph, {what}", [r["rps"] for r in ours], "req/s"))
        ratio = [o["rps"] / b["rps"] for o, b in zip(ours, bare)]
        rows.append(Row(f"serve {label}: newsgraph / bare, {name}", ratio, "x", ">= 0.8", statistics.median(ratio) >= 0.8))
        rows.append(Row(f"serve {label}: newsgraph p99, {name}", [r["p99_ms"] for r in ours], "ms",
                        "<= 25" if name == "echo" else "", statistics.median([r["p99_ms"] for r in ours]) <= 25
                        if name == "echo" else None))
        rows.append(Row(f"serve {label}: bare p99, {name}", [r["p99_ms"] for r in bare], "ms"))


def bench_scaling(rows: list[Row], small: Path, large: Path, runs: int, labels: tuple[str, str]) -> None:
    results = {}
    for folder in (small, large):
        cache_dir = CACHE / f"warm-{folder.parent.name}"
        results[folder] = [child("scaling", str(folder), str(cache_dir)) for _ in range(runs)]
    for key, what, target in (("echoes_us", "echoes_of", True), ("origin_us", "origin_of", True),
                              ("neighbourhood_us", "neighbourhood depth 1", True),
                              ("filtered_page_us", "articles(filter) page of 100", False)):
        a = [r[key] for r in results[small]]
        b = [r[key] for r in results[large]]
        rows.append(Row(f"scaling: {what} at {labels[0]}", a, "us"))
        rows.append(Row(f"scaling: {what} at {labels[1]}", b, "us"))
        ratio = [y / x for x, y in zip(a, b)]
        rows.append(Row(f"scaling: {what} {labels[1]} / {labels[0]}", ratio, "x", "<= 1.5" if target else "report",
                        statistics.median(ratio) <= 1.5 if target else None))
        hot = key.replace("_us", "_hot_us")
        if hot in results[small][0]:
            ratio = [r[hot] / q[hot] for q, r in zip(results[small], results[large])]
            rows.append(Row(f"scaling: {what} {labels[1]} / {labels[0]}, cache-warm (20 articles x 20)", ratio, "x",
                            "report"))


def machine() -> str:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller corpora, fewer and shorter runs")
    parser.add_argument("--only", default="ingest,warm,memory,serve,scaling", help="comma-separated benchmarks")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (default 3, quick 2)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        name, rest = args.child[0], args.child[1:]
        if name == "serve":
            child_serve(*rest)
            return 0
        func = {"parse-only": child_parse_only, "ingest": child_ingest, "load": child_load,
                "baseline-rss": child_baseline_rss, "scaling": child_scaling, "memory-profile": child_memory_profile,
                "httpx-load": child_httpx_load}[name]
        print(json.dumps(func(*rest)))
        return 0

    only = set(args.only.split(","))
    runs = args.runs or (2 if args.quick else 3)
    sizes = (1_000, 5_000) if args.quick else (1_000, 20_000, 100_000)
    small, mid, large = corpus(sizes[0]), corpus(sizes[1]), corpus(sizes[-1])
    label = {s: f"{s // 1000}k" for s in sizes}
    rows: list[Row] = []
    started = time.perf_counter()
    if "ingest" in only:
        bench_ingest(rows, mid, runs, label[sizes[1]])
    if "warm" in only:
        bench_warm(rows, mid, runs, label[sizes[1]])
    if "memory" in only:
        bench_memory(rows, large, 1 if not args.quick else runs, label[sizes[-1]])
        bench_memory_profile(rows, mid, label[sizes[1]])
    if "serve" in only:
        bench_serving(rows, mid, 3.0 if args.quick else 10.0, runs, label[sizes[1]])
    if "scaling" in only:
        bench_scaling(rows, small, large, runs, (label[sizes[0]], label[sizes[-1]]))
    print()
    print(f"newsgraph benchmarks ({'quick' if args.quick else 'full'}), {machine()}")
    print(f"corpora: {', '.join(f'{s:,}' for s in sizes)} synthetic records (seed 0); "
          f"median of {runs} runs; {time.perf_counter() - started:.0f} s in all")
    print(table(rows))
    notes = [r for r in rows if r.note]
    for r in notes:
        print(f"  {r.name}: {r.note}")
    missed = [r.name for r in rows if r.met is False]
    print(f"\ntargets: {sum(r.met is True for r in rows)} met, {len(missed)} not met" + (": " + "; ".join(missed) if missed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
