"""Pairwise precision/recall of same-story detection, on hand-made cases and the labelled set."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import graph
from graph.errors import NewsgraphError
from graph.evaluate import evaluate_labels, evaluate_truth, pair_metrics
from graph.model import IN_STORY, STORY, CoverageGraph, build_graph
from graph.records import Listing, Record

LABELED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "labeled"
T0 = datetime(2024, 3, 4, 9, tzinfo=timezone.utc)


def tiny(groups: list[list[str]]) -> CoverageGraph:
    """Articles a..h (one file each) with hand-made predicted stories ``groups``."""
    records = [
        Record(f"{name}.md", Listing((f"https://{name}.example/x",), (f"https://{name}.example/x",), name.upper(),
                                     None, T0 + timedelta(hours=i), None, None, None, f"{name}.example", None))
        for i, name in enumerate("abcdefgh")
    ]
    g = build_graph(records)
    for k, group in enumerate(groups):
        g.nx.add_node(f"story:{k}", kind=STORY, origin=f"article:https://{group[0]}.example/x", size=len(group))
        for name in group:
            g.nx.add_edge(f"article:https://{name}.example/x", f"story:{k}", key=IN_STORY, kind=IN_STORY)
    return g


def write_truth(path: Path, stories: dict[str, list[str]]) -> Path:
    payload = {"format": "newsgraph-synth-truth/1", "stories": {
        key: {"origin": f"https://{names[0]}.example/x", "articles": [f"https://{n}.example/x" for n in names]}
        for key, names in stories.items()}}
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def test_pair_metrics() -> None:
    assert pair_metrics(0, 0, 0) == (1.0, 1.0, 1.0)
    assert pair_metrics(3, 1, 1) == (0.75, 0.75, 0.75)
    assert pair_metrics(0, 2, 2) == (0.0, 0.0, 0.0)


def test_truth_counts_pairs_from_group_sizes(tmp_path: Path) -> None:
    # Truth: {a,b,c,d} and {e,f}; g, h alone. Predicted: {a,b,c}, {d,e,f}.
    truth = write_truth(tmp_path / "truth.json", {"s1": ["a", "b", "c", "d"], "s2": ["e", "f"], "s3": ["g"], "s4": ["h"]})
    result = evaluate_truth(tiny([["a", "b", "c"], ["d", "e", "f"]]), truth)
    # True pairs 6 + 1 = 7. Predicted pairs 3 + 3 = 6, of which true: ab ac bc ef = 4.
    assert (result.tp, result.fp, result.fn) == (4, 2, 3)
    assert result.precision == pytest.approx(4 / 6, abs=1e-4)
    assert result.recall == pytest.approx(4 / 7, abs=1e-4)
    assert result.f1 == pytest.approx(2 * (4 / 6) * (4 / 7) / (4 / 6 + 4 / 7), abs=1e-4)
    kinds = {row[0] for row in result.misclassified}
    assert kinds == {"false merge", "split"}
    assert result.origin_accuracy == 0.5  # a is an origin of its story; e is not (d is)


def test_truth_perfect_and_missing(tmp_path: Path) -> None:
    truth = write_truth(tmp_path / "truth.json", {"s1": ["a", "b"], "s2": ["c", "d", "e"], "s3": ["zz"]})
    result = evaluate_truth(tiny([["a", "b"], ["c", "d", "e"]]), truth)
    assert (result.precision, result.recall, result.f1) == (1.0, 1.0, 1.0)
    assert result.missing == 1 and result.misclassified == ()


def test_truth_file_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(NewsgraphError):
        evaluate_truth(tiny([]), tmp_path / "bad.json")
    with pytest.raises(NewsgraphError):
        evaluate_truth(tiny([]), tmp_path / "absent.json")


def test_labels_scoring(tmp_path: Path) -> None:
    g = tiny([["a", "b", "c"]])
    entry = {"primary": {"url": "https://a.example/x"}, "related": [
        {"url": "https://b.example/x", "label": "ECHO"},     # tp
        {"url": "https://c.example/x", "label": "TOPICAL"},  # fp
        {"url": "https://d.example/x", "label": "ECHO"},     # fn
        {"url": "https://e.example/x", "label": "TOPICAL"},  # tn
        {"url": "https://f.example/x", "label": "UNSURE"},   # not scored
        {"url": "https://nowhere.example/x", "label": "ECHO"},  # missing
    ]}
    repeat = {"primary": {"url": "https://b.example/x"}, "related": [{"url": "https://a.example/x", "label": "ECHO"}]}
    path = tmp_path / "labels.json"
    path.write_text(json.dumps([entry, repeat]), encoding="utf-8")
    result = evaluate_labels(g, path)
    assert (result.tp, result.fp, result.fn, result.tn, result.missing) == (1, 1, 1, 1, 1)
    assert (result.precision, result.recall) == (0.5, 0.5)
    assert sorted(row[0] for row in result.misclassified) == ["false echo", "missed echo"]
    assert all(len(row) == 4 for row in result.misclassified)


@pytest.mark.skipif(not (LABELED / "labels.json").exists(), reason="labelled corpus not available")
def test_labelled_set_meets_the_targets() -> None:
    g, report = graph.load(LABELED)
    assert report.rejected == 0
    result = evaluate_labels(g, LABELED / "labels.json")
    assert result.missing == 0
    assert result.tp + result.fp + result.fn + result.tn >= 150
    assert result.precision >= 0.90
    assert result.recall >= 0.85
