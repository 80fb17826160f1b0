"""newsgraph's core: a knowledge graph of news coverage (no web imports here).

>>> import graph
>>> g, report = graph.load("seeds")
>>> report.records, report.rejected
(1, 0)
>>> g.article("https://www.wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f").provider
'provider:wsj.com'
>>> g.provider("www.cointelegraph.com").article_count
2
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from .errors import NewsgraphError, NotFound, RecordError
from .ingest import LoadReport, read_records
from .model import Article, CoverageGraph, Provider, Topic, build_graph
from .stories import StorySettings, detect_stories

__all__ = [
    "Article",
    "CoverageGraph",
    "LoadReport",
    "NewsgraphError",
    "NotFound",
    "Provider",
    "RecordError",
    "Topic",
    "build_graph",
    "load",
]


def load(
    path: str | os.PathLike[str],
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    stories: bool = True,
    story_settings: StorySettings | None = None,
    cache: bool | str | os.PathLike[str] = False,
) -> tuple[CoverageGraph, LoadReport]:
    """Load a folder (or one file) of records: the graph and the load report.

    Broken files are listed in ``report.errors`` (file, field, reason) and skipped;
    everything else loads. Raises :class:`NewsgraphError` only when ``path`` itself
    does not exist. With ``stories`` (the default) same-story groups, origins and echo
    edges are detected right after the graph is built (:func:`graph.stories.detect_stories`,
    tuned by ``story_settings``); ``report.seconds`` covers reading and building only,
    the detection's own figures are in ``graph.stories.story_stats(coverage)``.

    ``cache``: ``False`` (the default) parses everything; ``True`` goes through the warm-start
    cache in :func:`graph.cache.default_cache_dir` (outside the folder), a path through the
    cache in that folder: an unchanged folder then loads without parsing, and only changed
    files are re-read (:mod:`graph.cache`; ``report.cache`` says what it did).
    """
    if cache is not False:
        from .cache import load_cached

        coverage, report, info = load_cached(
            path, None if cache is True else cache, workers=workers, progress=progress, stories=stories,
            story_settings=story_settings,
        )
        report.cache = info
        return coverage, report
    started = time.perf_counter()
    records, report = read_records(Path(path), workers=workers, progress=progress)
    coverage = build_graph(records)
    report.seconds = time.perf_counter() - started
    if stories:
        detect_stories(coverage, story_settings)
    return coverage, report
