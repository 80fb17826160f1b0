"""Load while the data reloads: 8 clients against a real uvicorn server (loopback) while the
folder moves between known generations and ``api.reload.Reloader`` swaps each one in.

Every answer must equal exactly one generation's expected answer (computed in-process from
that generation's folder): a mix of two graphs matches none. Zero 5xx, zero wrong answers,
and memory growth under :data:`MEMORY_BOUND_MB`.

``NEWSGRAPH_LOAD_SECONDS`` sets the duration (10 s by default in ``make test``; the issue's
run is ``NEWSGRAPH_LOAD_SECONDS=60 pytest -s tests/test_load.py``, which prints the figures).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from servers import live_server

import graph
from api.app import GraphHolder, create_app
from api.reload import Reloader
from api.schema import build_schema
from api.settings import Settings
from api.types import Context

SECONDS = float(os.environ.get("NEWSGRAPH_LOAD_SECONDS", "10"))
CLIENTS = 8
#: Most the process's resident memory may grow over the run (after a warm-up).
MEMORY_BOUND_MB = 64.0
#: Files in generation k (the folder holds the first SIZES[k] synthetic records).
SIZES = (20, 35, 50, 65)
QUERY = """{ stats { articles providers stories }
  stories(first: 100, orderBy: LARGEST) { totalCount nodes { id size origin { id } } }
  providers(first: 5) { nodes { domain articleCount } } }"""


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover - not Linux


def _canonical(data: object) -> str:
    return json.dumps(data, sort_keys=True)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc for memory figures")
def test_answers_stay_exact_under_load_while_reloading(tmp_path: Path) -> None:
    from graph.synth import write_corpus

    source = tmp_path / "source"
    write_corpus(source, max(SIZES), seed=11)
    files = sorted(p for p in (source / "records").rglob("*") if p.is_file())
    assert len(files) >= max(SIZES)

    # What each generation must answer, from its own folder, in-process.
    schema = build_schema()
    expected: dict[str, int] = {}
    for k, size in enumerate(SIZES):
        folder = tmp_path / f"gen{k}"
        folder.mkdir()
        for f in files[:size]:
            shutil.copy(f, folder / f.name)
        g, report = graph.load(folder)
        assert report.rejected == 0
        result = schema.execute_sync(QUERY, context_value=Context(g, Settings()))
        assert result.errors is None, result.errors
        assert result.data["stories"]["totalCount"] <= 100  # type: ignore[index]
        expected[_canonical(result.data)] = k
    assert len(expected) == len(SIZES), "generations must be told apart by their answers"

    live = tmp_path / "live"
    live.mkdir()
    for f in files[:SIZES[0]]:
        shutil.copy(f, live / f.name)
    g, report = graph.load(live)
    holder = GraphHolder(g)
    reloader = Reloader(live, holder, report, interval=0.05)

    def set_generation(k: int) -> None:
        wanted = {f.name for f in files[:SIZES[k]]}
        present = {p.name for p in live.iterdir()}
        for f in files:
            if f.name in wanted and f.name not in present:
                hidden = live / f".{f.name}.part"  # hidden while written, then renamed in
                shutil.copy(f, hidden)
                hidden.rename(live / f.name)
        for name in present - wanted:
            (live / name).unlink()

    statuses: Counter[int] = Counter()
    generations: Counter[int] = Counter()
    wrong: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    with live_server(create_app(holder, Settings())) as url:
        def client() -> None:
            # TCP_NODELAY, or Nagle + delayed ACKs cap each client at ~25 POSTs a second
            nodelay = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
            with httpx.Client(base_url=url, timeout=30, transport=nodelay) as c:
                while not stop.is_set():
                    try:
                        response = c.post("/graphql", json={"query": QUERY})
                    except httpx.HTTPError as exc:
                        with lock:
                            errors.append(repr(exc))
                        continue
                    body = response.json() if response.status_code < 500 else {}
                    generation = expected.get(_canonical(body.get("data")))
                    with lock:
                        statuses[response.status_code] += 1
                        if generation is None or body.get("errors"):
                            wrong.append(response.text[:300])
                        else:
                            generations[generation] += 1

        # warm up, then measure memory from here
        for _ in range(50):
            httpx.post(f"{url}/graphql", json={"query": QUERY})
        before = rss_mb()
        reloader.start()
        threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        started = time.monotonic()
        cycle = [1, 2, 3, 2, 1, 0]
        step = 0
        try:
            while time.monotonic() - started < SECONDS:
                time.sleep(min(1.0, max(SECONDS / 10, 0.3)))
                set_generation(cycle[step % len(cycle)])
                step += 1
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
            reloader.stop()
        elapsed = time.monotonic() - started
        after = rss_mb()

    requests = sum(statuses.values())
    print(f"\nload: {CLIENTS} clients, {elapsed:.1f} s, {requests} requests ({requests / elapsed:.0f}/s), "
          f"statuses {dict(statuses)}, folder changes {step}, reload attempts {reloader.status.attempts}, "
          f"reloads accepted {reloader.status.accepted}, answers per generation {dict(sorted(generations.items()))}, "
          f"wrong answers {len(wrong)}, client errors {len(errors)}, "
          f"RSS before {before:.1f} MB after {after:.1f} MB (growth {after - before:+.1f} MB)")
    assert not errors, errors[:3]
    assert not wrong, wrong[:3]
    assert all(status == 200 for status in statuses), statuses
    assert requests > 0
    assert reloader.status.accepted >= 3, reloader.status.as_dict()
    assert len(generations) >= 2, generations  # answers really came from several graphs
    assert after - before < MEMORY_BOUND_MB
