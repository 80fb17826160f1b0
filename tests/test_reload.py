"""Live reload: changed folders swap in atomically; broken ones keep the old graph."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import graph
from api.app import GraphHolder
from api.reload import Reloader, folder_signature

SEED = next((Path(__file__).parents[1] / "seeds").iterdir())


def _other(text: str) -> str:
    return text.replace("insidebitcoins.com/news/how-china", "insidebitcoins.com/news/another-china")


def _setup(tmp_path: Path) -> tuple[GraphHolder, Reloader]:
    shutil.copy(SEED, tmp_path / "a.txt")
    g, report = graph.load(tmp_path)
    holder = GraphHolder(g)
    return holder, Reloader(tmp_path, holder, report, interval=0.05)


def test_reload_swaps_in_new_records(tmp_path: Path) -> None:
    holder, reloader = _setup(tmp_path)
    (tmp_path / "b.txt").write_text(_other(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    assert reloader.reload() is True
    assert holder.current.count("article") == 10
    assert holder.generation == 1 and reloader.status.accepted == 1


def test_a_newly_broken_file_keeps_the_previous_graph(tmp_path: Path) -> None:
    holder, reloader = _setup(tmp_path)
    before = holder.current
    (tmp_path / "b.txt").write_text(_other(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    (tmp_path / "half.md").write_text("---\ntitle: half writ", encoding="utf-8")
    assert reloader.reload() is False
    assert holder.current is before
    assert reloader.status.last_ok is False
    assert "half.md" in reloader.status.last_errors[0]
    (tmp_path / "half.md").unlink()
    assert reloader.reload() is True
    assert holder.current.count("article") == 10


def test_watcher_thread_notices_changes(tmp_path: Path) -> None:
    holder, reloader = _setup(tmp_path)
    reloader.start()
    try:
        (tmp_path / "b.txt").write_text(_other(SEED.read_text(encoding="utf-8")), encoding="utf-8")
        deadline = time.monotonic() + 20
        while holder.generation == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        reloader.stop()
    assert holder.generation >= 1
    assert holder.current.count("article") == 10


def test_signature_tracks_additions_and_rewrites(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / "a.txt")
    first = folder_signature(tmp_path)
    (tmp_path / "a.txt").write_text(SEED.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    second = folder_signature(tmp_path)
    assert first != second
    (tmp_path / "notes.json").write_text("{}", encoding="utf-8")  # not a record file
    assert folder_signature(tmp_path) == second
