"""Measure same-story detection: precision, recall and F1 over article pairs.

Two sources of answers:

- a ``labels.json`` of human judgments (``../shared/corpora/labeled/labels.json``): one
  entry per record with its ``primary`` and every ``related`` item labelled ``ECHO``
  (same story), ``TOPICAL`` (not the same story) or ``UNSURE`` (not scored). A pair is
  *predicted* same-story when both articles are in the same story of the graph;
- a synthetic ``truth.json`` (:mod:`graph.synth`): every pair of articles inside one
  true story is a positive, every other pair a negative. Counts come from the sizes of
  the intersections of true and predicted groups (``n * (n - 1) / 2`` each), so no
  pair is ever enumerated.

>>> import json, tempfile, pathlib, graph
>>> g, _ = graph.load("seeds")
>>> labels = [{"primary": {"url": "https://insidebitcoins.com/news/how-china-is-developing-ai-without-us-chips"},
...            "related": [{"url": "https://www.fudzilla.com/news/ai/56847-chinese-think-they-can-do-ai-with-weaker-chips", "label": "ECHO"},
...                        {"url": "https://www.digitimes.com/news/a20230505PD200/ai-chips-aigc-alibaba-baidu-meituan-tencent.html", "label": "TOPICAL"},
...                        {"url": "https://www.wsj.com/x", "label": "UNSURE"}]}]
>>> path = pathlib.Path(tempfile.mkdtemp()) / "labels.json"
>>> _ = path.write_text(json.dumps(labels))
>>> result = evaluate_labels(g, path)
>>> result.tp, result.fp, result.fn, result.tn, result.precision
(1, 0, 0, 1, 1.0)
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import NewsgraphError
from .model import CoverageGraph
from .stories import origin_of, story_of

__all__ = ["EvalResult", "evaluate_labels", "evaluate_truth", "pair_metrics"]


@dataclass(frozen=True, slots=True)
class EvalResult:
    """Pairwise scores of same-story detection."""

    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    tn: int = 0
    """True negatives (labels only; for truth files every other pair is one, not counted)."""
    misclassified: tuple[tuple[str, ...], ...] = ()
    """Readable rows: (error, primary/left, related/right, detail)."""
    missing: int = 0
    """Labelled or true articles that are not in the graph (not scored)."""
    origin_accuracy: float | None = None
    """Truth files: share of true stories (2+ articles) whose origin was found as origin."""

    def summary(self) -> str:
        """One line with the figures.

        >>> EvalResult(0.9, 0.8, 0.847, 9, 1, 2).summary()
        'precision 0.900  recall 0.800  F1 0.847  (tp 9, fp 1, fn 2, tn 0)'
        """
        return (
            f"precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}  "
            f"(tp {self.tp}, fp {self.fp}, fn {self.fn}, tn {self.tn})"
        )


def pair_metrics(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from pair counts (1.0 where nothing was to be found).

    >>> pair_metrics(8, 2, 0)
    (0.8, 1.0, 0.8889)
    """
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return round(precision, 4), round(recall, 4), round(f1, 4)


def _read_json(path: str | os.PathLike[str]) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise NewsgraphError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise NewsgraphError(f"{path}: not valid JSON: {exc}") from None


def _describe(g: CoverageGraph, node: str) -> str:
    data = g.nx.nodes[node]
    published = data.get("published")
    when = published.strftime("%Y-%m-%d %H:%M") if published else "?"
    domain = node.split("/")[2] if node.count("/") >= 2 else node
    return f"{domain} {when} {data['title'][:70]!r}"


def evaluate_labels(g: CoverageGraph, labels_path: str | os.PathLike[str]) -> EvalResult:
    """Score the graph's stories against a ``labels.json`` of ECHO/TOPICAL pairs.

    ``UNSURE`` pairs and pairs whose articles are not in the graph are not scored
    (the latter are counted in ``missing``). A pair listed twice is scored once.
    """
    entries = _read_json(labels_path)
    if not isinstance(entries, list):
        raise NewsgraphError(f"{labels_path}: expected a list of labelled records")
    tp = fp = fn = tn = missing = 0
    wrong: list[tuple[str, ...]] = []
    seen: set[tuple[str, str]] = set()
    for entry in entries:
        primary_url = (entry.get("primary") or {}).get("url")
        primary = g.article_id_for(primary_url) if isinstance(primary_url, str) else None
        for item in entry.get("related") or []:
            label = item.get("label")
            if label not in ("ECHO", "TOPICAL"):
                continue
            url = item.get("url")
            other = g.article_id_for(url) if isinstance(url, str) else None
            if primary is None or other is None:
                missing += 1
                continue
            key = (min(primary, other), max(primary, other))
            if key in seen or primary == other:
                continue
            seen.add(key)
            story = story_of(g, primary)
            same = story is not None and story == story_of(g, other)
            if label == "ECHO" and same:
                tp += 1
            elif label == "ECHO":
                fn += 1
                wrong.append(("missed echo", _describe(g, primary), _describe(g, other), story_detail(g, primary, other)))
            elif same:
                fp += 1
                wrong.append(("false echo", _describe(g, primary), _describe(g, other), story_detail(g, primary, other)))
            else:
                tn += 1
    precision, recall, f1 = pair_metrics(tp, fp, fn)
    return EvalResult(precision, recall, f1, tp, fp, fn, tn, tuple(wrong), missing)


def story_detail(g: CoverageGraph, a: str, b: str) -> str:
    """Where two articles ended up: their stories' sizes, or 'no story'."""
    parts = []
    for node in (a, b):
        story = story_of(g, node)
        parts.append("no story" if story is None else f"{story} ({g.nx.nodes[story]['size']})")
    return " / ".join(parts)


def evaluate_truth(g: CoverageGraph, truth_path: str | os.PathLike[str]) -> EvalResult:
    """Score the graph's stories against a synthetic ``truth.json`` (see :mod:`graph.synth`).

    Positives are the pairs inside each true story; predicted positives are the pairs
    of true articles inside one detected story. ``misclassified`` lists up to 20 of the
    largest false merges and splits.
    """
    truth = _read_json(truth_path)
    if not isinstance(truth, dict) or not isinstance(truth.get("stories"), dict):
        raise NewsgraphError(f"{truth_path}: expected a truth file with a 'stories' mapping")
    missing = 0
    true_of: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    origins: dict[str, str | None] = {}
    for key, story in sorted(truth["stories"].items()):
        nodes = []
        for url in story.get("articles", []):
            node = g.article_id_for(url)
            if node is None:
                missing += 1
            elif node not in true_of:
                true_of[node] = key
                nodes.append(node)
        members[key] = nodes
        origin = story.get("origin")
        origins[key] = g.article_id_for(origin) if isinstance(origin, str) else None
    cells: Counter[tuple[str, str]] = Counter()
    predicted_sizes: Counter[str] = Counter()
    for node, key in true_of.items():
        story = story_of(g, node)
        if story is not None:
            cells[(key, story)] += 1
            predicted_sizes[story] += 1
    tp = sum(n * (n - 1) // 2 for n in cells.values())
    predicted = sum(n * (n - 1) // 2 for n in predicted_sizes.values())
    actual = sum(len(v) * (len(v) - 1) // 2 for v in members.values())
    precision, recall, f1 = pair_metrics(tp, predicted - tp, actual - tp)

    wrong: list[tuple[int, tuple[str, ...]]] = []
    parts_of_story: dict[str, list[tuple[str, int]]] = {}
    for (key, story), n in cells.items():
        parts_of_story.setdefault(story, []).append((key, n))
    for story, parts in parts_of_story.items():
        if len(parts) > 1:
            parts.sort(key=lambda p: (-p[1], p[0]))
            cost = predicted_sizes[story] ** 2 - sum(n * n for _, n in parts)
            wrong.append((cost, ("false merge", story, ", ".join(f"{k}x{n}" for k, n in parts[:6]), "")))
    story_parts: dict[str, list[tuple[str, int]]] = {}
    for (key, story), n in cells.items():
        story_parts.setdefault(key, []).append((story, n))
    for key, nodes in members.items():
        grouped = sum(n for _, n in story_parts.get(key, []))
        pieces = len(story_parts.get(key, [])) + (len(nodes) - grouped)
        if len(nodes) >= 2 and pieces > 1:
            cost = len(nodes) ** 2 - sum(n * n for _, n in story_parts.get(key, []))
            wrong.append((cost, ("split", key, f"{len(nodes)} articles in {pieces} pieces",
                                 _describe(g, nodes[0]))))
    wrong.sort(key=lambda item: (-item[0], item[1]))

    found = total = 0
    for key, origin in origins.items():
        if origin is None or len(members[key]) < 2:
            continue
        total += 1
        if origin_of(g, origin) == origin:
            found += 1
    return EvalResult(
        precision, recall, f1, tp, predicted - tp, actual - tp, 0,
        tuple(row for _, row in wrong[:20]), missing, round(found / total, 4) if total else None,
    )
