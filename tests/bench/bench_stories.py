"""Accuracy and cost of story detection (a benchmark: not collected by ``make test``).

Writes a synthetic corpus (``graph.synth``), loads it with and without story detection
and reports ingest time, detection time and pairwise precision/recall/F1 against its
``truth.json``; then, when ``../shared/corpora/labeled`` exists, the same figures over
the human labels. Run from the project root:

    .venv/bin/python tests/bench/bench_stories.py --records 20000 --seed 0
    .venv/bin/python tests/bench/bench_stories.py --records 20000 --workers 2 --out /tmp/synth20k

``--out`` keeps (and reuses) the corpus; without it a temporary folder is used.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import graph  # noqa: E402
from graph.evaluate import evaluate_labels, evaluate_truth  # noqa: E402
from graph.stories import detect_stories  # noqa: E402
from graph.synth import write_corpus  # noqa: E402

LABELS = ROOT.parent / "shared" / "corpora" / "labeled"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None, help="corpus folder to write or reuse")
    parser.add_argument("--show", type=int, default=5, help="misclassified rows to print")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        out = args.out or Path(scratch) / "synth"
        if not (out / "truth.json").exists():
            summary = write_corpus(out, args.records, seed=args.seed)
            print(f"synth: {summary.records} records, {summary.articles} articles, {summary.stories} stories, "
                  f"{summary.story_pairs} same-story pairs, written in {summary.seconds:.1f}s")
        started = time.perf_counter()
        g, report = graph.load(out, workers=args.workers, stories=False)
        ingest = time.perf_counter() - started
        stats = detect_stories(g)
        result = evaluate_truth(g, out / "truth.json")
        print(f"ingest {ingest:.2f}s ({report.records} records, {report.rejected} rejected)  "
              f"story detection {stats.seconds:.2f}s  ratio {stats.seconds / ingest:.2f}")
        print("  detection steps: " + ", ".join(f"{k} {v:.2f}s" for k, v in stats.timings.items()))
        print(f"  {stats.articles} articles, {stats.candidate_pairs} candidate pairs "
              f"({stats.candidate_pairs / max(1, stats.articles):.1f} per article), {stats.stories} stories, "
              f"largest {stats.largest}")
        print(f"synthetic truth: {result.summary()}  origin accuracy {result.origin_accuracy}")
        for row in result.misclassified[: args.show]:
            print("   ", " | ".join(row))

    if (LABELS / "labels.json").exists():
        g, _ = graph.load(LABELS)
        labels = evaluate_labels(g, LABELS / "labels.json")
        print(f"labels.json: {labels.summary()}")
        for row in labels.misclassified:
            print("   ", " | ".join(row))
        print(json.dumps({"precision": labels.precision, "recall": labels.recall, "f1": labels.f1}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
