"""The warm-start cache: hits, misses when files change, corrupt files rebuilt, same graph as cold."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import graph
from graph import cache
from graph.model import CoverageGraph
from graph.stories import story_stats
from graph.synth import write_corpus


def _signature(g: CoverageGraph) -> tuple[Any, ...]:
    """Everything observable about a graph: nodes with attributes, edges with keys and attributes."""
    nodes = sorted((n, sorted(d.items(), key=lambda kv: kv[0])) for n, d in g.nx.nodes(data=True))
    edges = sorted((s, t, k, sorted(d.items(), key=lambda kv: kv[0])) for s, t, k, d in g.nx.edges(keys=True, data=True))
    return repr(nodes), repr(edges), g.nx.graph.get("name")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    write_corpus(out, 120, seed=3)
    return out / "records"


@pytest.fixture
def folder(corpus: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "records"
    shutil.copytree(corpus, copy)
    return copy


def test_warm_load_is_a_snapshot_hit_identical_to_a_cold_load(folder: Path, tmp_path: Path) -> None:
    where = tmp_path / "cache"
    cold, cold_report = graph.load(folder)
    first, first_report = graph.load(folder, cache=where)
    warm, warm_report = graph.load(folder, cache=where)
    assert first_report.cache.status == "cold" and first_report.cache.parsed == cold_report.files
    assert warm_report.cache.status == "snapshot" and warm_report.cache.parsed == 0
    assert _signature(warm) == _signature(cold) == _signature(first)
    # story ids, the derived indexes and the load report survive too
    assert sorted(n for n, k in warm.nx.nodes(data="kind") if k == "story")
    assert warm.articles_by_time() == cold.articles_by_time()
    assert warm_report.records == cold_report.records and warm_report.files == cold_report.files
    assert story_stats(warm) is not None and story_stats(warm).stories == story_stats(cold).stories


def test_a_changed_file_is_the_only_one_reparsed(folder: Path, tmp_path: Path) -> None:
    where = tmp_path / "cache"
    graph.load(folder, cache=where)
    victim = sorted(folder.rglob("*.txt"))[5]
    text = victim.read_text(encoding="utf-8")
    assert "\ntitle: " in text
    victim.write_text(text.replace("\ntitle: \"", "\ntitle: \"Changed ", 1), encoding="utf-8")
    g, report = graph.load(folder, cache=where)
    assert report.cache.status == "partial" and report.cache.parsed == 1
    assert _signature(g) == _signature(graph.load(folder)[0])
    assert any(d["title"].startswith("Changed ") for _, d in g.nx.nodes(data=True) if d["kind"] == "article")


def test_a_file_that_appears_or_disappears_is_seen(folder: Path, tmp_path: Path) -> None:
    where = tmp_path / "cache"
    before, _ = graph.load(folder, cache=where)
    files = sorted(folder.rglob("*.txt"))
    extra = folder / "zz-new.txt"
    shutil.copy(files[0], extra)
    g, report = graph.load(folder, cache=where)
    assert report.cache.status == "partial" and report.cache.parsed == 1
    assert report.files == len(files) + 1
    assert _signature(g) == _signature(graph.load(folder)[0])
    extra.unlink()
    files[1].unlink()
    g, report = graph.load(folder, cache=where)
    assert report.cache.status == "partial" and report.cache.parsed == 0 and report.files == len(files) - 1
    assert _signature(g) == _signature(graph.load(folder)[0])
    assert _signature(g) != _signature(before)


def test_a_broken_file_is_cached_as_an_error_and_reported_again(folder: Path, tmp_path: Path) -> None:
    where = tmp_path / "cache"
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    _, first = graph.load(folder, cache=where)
    _, warm = graph.load(folder, cache=where)
    assert warm.cache.status == "snapshot"
    assert [str(e) for e in warm.errors] == [str(e) for e in first.errors] and warm.rejected == 1


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty", "version"])
def test_a_damaged_cache_is_detected_and_rebuilt(folder: Path, tmp_path: Path, damage: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    where = tmp_path / "cache"
    cold, _ = graph.load(folder, cache=where)
    for name in (cache.GRAPH_FILE, cache.RECORDS_FILE, cache.MANIFEST_FILE):
        target = where / name
        data = target.read_bytes()
        if damage == "truncate":
            target.write_bytes(data[: len(data) // 2])
        elif damage == "flip":
            middle = len(data) // 2
            target.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
        elif damage == "garbage":
            target.write_bytes(b"\x80\x05not a cache at all")
        elif damage == "empty":
            target.write_bytes(b"")
    if damage == "version":
        real = cache.fingerprint()
        monkeypatch.setattr(cache, "fingerprint", lambda: {**real, "networkx": "0.0"})
    g, report = graph.load(folder, cache=where)
    assert report.cache.status == "cold" and report.cache.parsed == report.files
    assert len(report.cache.rejected_cache) == 3, report.cache.rejected_cache
    assert _signature(g) == _signature(cold)
    again, report = graph.load(folder, cache=where)  # the rebuilt cache is sound
    assert report.cache.status == "snapshot" and not report.cache.rejected_cache
    assert _signature(again) == _signature(cold)


def test_a_cache_of_another_folder_state_is_not_used(folder: Path, tmp_path: Path) -> None:
    """A snapshot is keyed by the files' contents: the same cache folder never serves another corpus."""
    where = tmp_path / "cache"
    graph.load(folder, cache=where)
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(sorted(folder.rglob("*.txt"))[0], other / "one.md")
    g, report = graph.load(other, cache=where)
    assert report.cache.status == "cold" and report.files == 1 and g.count("article") >= 1


def test_settings_and_stories_flag_are_part_of_the_key(folder: Path, tmp_path: Path) -> None:
    where = tmp_path / "cache"
    with_stories, _ = graph.load(folder, cache=where)
    without, report = graph.load(folder, cache=where, stories=False)
    assert report.cache.status == "partial" and report.cache.parsed == 0
    assert not any(k == "story" for _, k in without.nx.nodes(data="kind"))
    assert any(k == "story" for _, k in with_stories.nx.nodes(data="kind"))


def test_default_cache_dir_is_outside_the_folder(folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    where = cache.default_cache_dir(folder)
    assert where.is_relative_to(tmp_path / "xdg") and not where.is_relative_to(folder)
    _, report = graph.load(folder, cache=True)
    assert Path(report.cache.directory) == where and (where / cache.GRAPH_FILE).is_file()
    assert not any(p.name.endswith(".cache") for p in folder.rglob("*"))


def test_an_unwritable_cache_only_costs_speed(folder: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    g, report = graph.load(folder, cache=blocker / "cache")
    assert report.cache.status == "cold" and report.cache.rejected_cache
    assert _signature(g) == _signature(graph.load(folder)[0])


def test_echoes_after_a_warm_start_match_a_cold_load(folder: Path, tmp_path: Path) -> None:
    """Echoes of a later article need the story index, packed in the snapshot and unpacked on demand."""
    from graph import stories

    where = tmp_path / "cache"
    cold, _ = graph.load(folder)
    graph.load(folder, cache=where)
    warm, report = graph.load(folder, cache=where)
    assert report.cache.status == "snapshot"
    members = [n for n, k in cold.nx.nodes(data="kind") if k == "article" and stories.story_of(cold, n)]
    later = [n for n in members if stories.origin_of(cold, n) != n]
    assert later, "the corpus should have stories with echoes"
    for node in members[:20] + later[:20]:
        assert stories.echoes_of(warm, node) == stories.echoes_of(cold, node)
        assert stories.story_of(warm, node) == stories.story_of(cold, node)


def test_shared_edge_data_stays_shared_through_the_snapshot(folder: Path, tmp_path: Path) -> None:
    """The memory savings survive a warm start: pickle keeps one dict per member-edge kind."""
    where = tmp_path / "cache"
    cold, _ = graph.load(folder, cache=where)
    warm, report = graph.load(folder, cache=where)
    assert report.cache is not None and report.cache.status == "snapshot"
    assert _signature(warm) == _signature(cold) == _signature(graph.load(folder)[0])
    for kind in ("published_by", "tagged", "in_story"):
        datas = [d for _, _, k, d in warm.nx.edges(keys=True, data=True) if k == kind]
        assert len(datas) > 1 and all(d == {"kind": kind} for d in datas)
        assert len({id(d) for d in datas}) == 1, kind


def test_a_same_size_edit_is_seen(folder: Path, tmp_path: Path) -> None:
    """The manifest skips hashing unchanged files; an edit that keeps the size still counts."""
    where = tmp_path / "cache"
    graph.load(folder, cache=where)
    assert graph.load(folder, cache=where)[1].cache.status == "snapshot"
    target = sorted(folder.rglob("*.txt"))[0]
    text = target.read_text(encoding="utf-8")
    edited = text.replace("title: ", "title: X", 1).replace("excerpt: ", "excerpt:", 1)
    assert len(edited.encode()) == len(text.encode()) and edited != text
    target.write_text(edited, encoding="utf-8")
    g, report = graph.load(folder, cache=where)
    assert report.cache.status == "partial" and report.cache.parsed == 1
