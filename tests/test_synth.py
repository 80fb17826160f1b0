"""Synthetic corpora: deterministic, loadable without rejections, truth consistent with the graph."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import graph
from graph.synth import TRUTH_FORMAT, write_corpus
from graph.urls import canonical_url


def digest(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    write_corpus(out, 300, seed=5)
    return out


def test_same_seed_gives_byte_identical_output(corpus: Path, tmp_path: Path) -> None:
    write_corpus(tmp_path, 300, seed=5)
    assert digest(tmp_path) == digest(corpus)


def test_another_seed_gives_another_corpus(corpus: Path, tmp_path: Path) -> None:
    write_corpus(tmp_path, 300, seed=6)
    assert digest(tmp_path) != digest(corpus)


def test_counts_and_summary(tmp_path: Path) -> None:
    summary = write_corpus(tmp_path, 250, seed=1)
    files = list((tmp_path / "records").rglob("*.txt"))
    assert summary.records == len(files) == 250
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert truth["format"] == TRUTH_FORMAT and truth["records"] == 250 and truth["seed"] == 1
    sizes = [len(story["articles"]) for story in truth["stories"].values()]
    assert summary.events == len(sizes)
    assert summary.articles == truth["articles"] == sum(sizes)
    assert summary.stories == sum(1 for n in sizes if n >= 2)
    assert summary.story_pairs == sum(n * (n - 1) // 2 for n in sizes)
    with pytest.raises(ValueError):
        write_corpus(tmp_path / "none", 0)


def test_loads_with_zero_rejections_and_matches_truth(corpus: Path) -> None:
    g, report = graph.load(corpus, stories=False)
    assert report.files == report.records == 300
    assert report.rejected == 0 and report.warnings == []
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    seen: set[str] = set()
    articles = {n for n, k in g.nx.nodes(data="kind") if k == "article"}
    for key, story in truth["stories"].items():
        urls = story["articles"]
        assert story["origin"] == urls[0]
        for url in urls:
            assert url == canonical_url(url)  # truth keys are canonical URLs
            node = g.article_id_for(url)
            assert node is not None, (key, url)
            assert node not in seen  # each article is in one story only
            seen.add(node)
    # Every article written is in the truth file (URL aliases collapse to one node).
    assert seen == articles


def test_records_look_like_the_seed(corpus: Path) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted((corpus / "records").rglob("*.txt"))[:50]]
    assert all(t.startswith("---\n") and t.rstrip().endswith("---") for t in texts)
    joined = "\n".join(texts)
    for field in ("publishedDateTime:", "webUrl:", "provider:", "related:", "images:", "topics:", "quality:"):
        assert field in joined
    g, _ = graph.load(corpus, stories=False)
    raw = {u for n, d in g.nx.nodes(data=True) if d["kind"] == "article" for u in d["urls"]}
    assert any("utm_" in u for u in raw) and any("://www." in u for u in raw)
    assert any(u.endswith("/amp") for u in raw) and any(".cdn.ampproject.org" in u for u in raw)
    # Articles repeated across files: in many related lists, or primary of two files.
    assert max(len(d["sources"]) for _, d in g.nx.nodes(data=True) if d["kind"] == "article") >= 3
