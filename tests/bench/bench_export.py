"""Peak memory of a streamed export next to the graph's own size (not run by ``make test``).

Generates N seed-format records in a temporary folder (default 20,000; each with 0-4
related listings, a share of them listing the same articles again), loads them, then
measures with :mod:`tracemalloc`:

* the graph's own size: Python memory held after ``graph.load`` minus before;
* for each format, the peak of Python memory *above* that level while the export is
  written to a sink that only counts bytes;
* optionally (``--naive``) the same for ``nx.write_graphml`` of a converted copy, the
  approach the streamed writer avoids (a second graph plus an ElementTree of the file).

Run::

    .venv/bin/python tests/bench/bench_export.py                  # 20,000 records
    .venv/bin/python tests/bench/bench_export.py --records 2000 --naive --stories
    .venv/bin/python tests/bench/bench_export.py --synth --stories    # graph.synth's corpus

tracemalloc slows allocation down, so the timings printed are only indicative.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import networkx as nx  # noqa: E402

import graph  # noqa: E402
from graph.export import FORMATS, _cell, _column_type, _flag, write  # noqa: E402

WORDS = (
    "chip export rule startup funding robotaxi model lawsuit court deal merger regulator china nvidia "
    "openai google microsoft apple amazon meta tesla waymo cruise baidu alibaba tencent sanctions "
    "supply chain datacenter gpu inference training agent copilot search cloud caf\u00e9 \u201cscoop\u201d"
).split()
TOPICS = [f"Topic {i}" for i in range(60)] + ["AI", "Chips", "Self-driving cars", "\u534a\u5bfc\u4f53"]


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _listing(rng: random.Random, serial: int, when: datetime, domains: list[str]) -> list[str]:
    domain = rng.choice(domains)
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 12))).capitalize()
    url = f"https://www.{domain}/news/{when:%Y/%m/%d}/{serial}-{'-'.join(title.split()[:4]).lower()}"
    lines = [
        f"title: {_q(title)}",
        f"excerpt: {_q(' '.join(rng.choice(WORDS) for _ in range(rng.randint(15, 40))))}",
        f"publishedDateTime: {when:%Y-%m-%dT%H:%M:%SZ}",
        f"webUrl: {_q(url)}",
        f"originalUrl: {_q(url + '?utm_source=feed')}",
        "type: article",
        f"quality: {rng.randint(0, 100)}",
        f"provider: {{name: {_q(domain.split('.')[0].title())}, domain: {_q(domain)}}}",
        "images:",
        f"  - url: {_q(f'https://img.{domain}/{serial}.jpg')}",
        f"    width: {rng.randint(200, 2000)}",
        f"    height: {rng.randint(200, 2000)}",
    ]
    if rng.random() < 0.5:
        lines.append(f"heat: {rng.randint(-1, 900)}")
    return lines


def write_corpus(folder: Path, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    domains = [f"outlet{i}.example.com" for i in range(400)]
    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    pool: list[list[str]] = []
    serial = 0
    for index in range(count):
        when = start + timedelta(minutes=rng.randrange(60 * 24 * 365))
        serial += 1
        lines = ["---", *_listing(rng, serial, when, domains), "topics:"]
        lines.extend(f"  - {_q(t)}" for t in rng.sample(TOPICS, rng.randint(1, 3)))
        related = []
        for _ in range(rng.randint(0, 4)):
            if pool and rng.random() < 0.3:
                related.append(rng.choice(pool))
            else:
                serial += 1
                item = _listing(rng, serial, when + timedelta(hours=rng.randint(-24, 24)), domains)
                related.append(item)
                if len(pool) < 5000:
                    pool.append(item)
        if related:
            lines.append("related:")
            for item in related:
                lines.append(f"  - {item[0]}")
                lines.extend(f"    {line}" for line in item[1:])
        lines.append("---")
        (folder / f"{index:06d}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


class CountingSink:
    """A binary stream that keeps nothing: the bytes are only counted."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, data: bytes) -> int:
        self.bytes += len(data)
        return len(data)

    def flush(self) -> None:
        pass


def naive_copy(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """What a non-streamed exporter does: a converted second graph for nx.write_graphml."""
    types: dict[tuple[str, str], int] = {}
    for _, data in g.nodes(data=True):
        for k, v in data.items():
            if v is not None:
                types[("n", k)] = types.get(("n", k), 0) | _flag(v)
    for *_, data in g.edges(keys=True, data=True):
        for k, v in data.items():
            if v is not None:
                types[("e", k)] = types.get(("e", k), 0) | _flag(v)
    copy = nx.MultiDiGraph()
    for node, data in g.nodes(data=True):
        copy.add_node(node, **{k: _cell(v, _column_type(types[("n", k)])) for k, v in data.items() if v is not None})
    for u, v, key, data in g.edges(keys=True, data=True):
        copy.add_edge(u, v, key=key, **{k: _cell(x, _column_type(types[("e", k)])) for k, x in data.items() if x is not None})
    return copy


def mib(n: float) -> str:
    return f"{n / 2**20:8.1f} MiB"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--stories", action="store_true", help="run story detection (adds story nodes and echoes)")
    parser.add_argument("--naive", action="store_true", help="also measure nx.write_graphml of a converted copy")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--synth", action="store_true", help="records from graph.synth instead of this script's")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        if args.synth:
            from graph.synth import write_corpus as synth_corpus

            synth_corpus(folder, args.records)
        else:
            write_corpus(folder, args.records)
        source = "graph.synth" if args.synth else "this script"
        print(f"generated {args.records:,} records ({source}) in {time.perf_counter() - started:.1f} s")

        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        started = time.perf_counter()
        g, report = graph.load(folder, stories=args.stories)
        load_seconds = time.perf_counter() - started
    gc.collect()
    graph_bytes = tracemalloc.get_traced_memory()[0] - base
    kinds: dict[str, int] = {}
    for _, kind in g.nx.nodes(data="kind"):
        kinds[kind] = kinds.get(kind, 0) + 1
    print(
        f"loaded {report.records:,} records ({report.rejected} rejected) in {load_seconds:.1f} s (traced): "
        f"{g.nx.number_of_nodes():,} nodes {kinds}, {g.nx.number_of_edges():,} edges"
    )
    print(f"graph's own size (tracemalloc, CoverageGraph + indexes): {mib(graph_bytes)}")
    print()
    print(f"{'export':<28}{'output':>14}{'peak above graph':>20}{'share of graph':>16}{'seconds':>10}")
    rows: list[tuple[str, int, int, float]] = []
    for fmt in args.formats.split(","):
        gc.collect()
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        sink = CountingSink()
        started = time.perf_counter()
        write(g, fmt, sink)  # type: ignore[arg-type]
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] - before
        rows.append((f"streamed {fmt}", sink.bytes, peak, seconds))
    if args.naive:
        gc.collect()
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        sink = CountingSink()
        started = time.perf_counter()
        nx.write_graphml(naive_copy(g.nx), sink)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] - before
        rows.append(("naive copy + nx.write_graphml", sink.bytes, peak, seconds))
    for name, size, peak, seconds in rows:
        print(f"{name:<28}{mib(size):>14}{mib(peak):>20}{peak / graph_bytes:>15.1%}{seconds:>10.1f}")
    tracemalloc.stop()


if __name__ == "__main__":
    main()
