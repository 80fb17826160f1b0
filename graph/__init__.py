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
from .ingest import LoadReport, paused_gc, read_records
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
        if info.status != "snapshot":  # a snapshot leaves no garbage worth a full collection
            release_memory()
        return coverage, report
    started = time.perf_counter()
    records, report = read_records(Path(path), workers=workers, progress=progress)
    with paused_gc():  # building allocates many long-lived objects and no cycles
        coverage = build_graph(records)
    del records  # the graph holds what it needs: free the rest before detection (peak memory)
    report.seconds = time.perf_counter() - started
    if stories:
        detect_stories(coverage, story_settings)
    # Reading and building make no reference cycles (their garbage is already freed):
    # only story detection's leftovers (scikit-learn objects) need a full collection,
    # which walks the whole heap (0.2 s at 20k records).
    release_memory(collect=stories)
    return coverage, report


def release_memory(collect: bool = True) -> bool:
    """Collect garbage (unless ``collect`` is false) and hand the freed heap back to the OS;
    ``True`` if it could.

    Loading frees far more (records, story detection's matrices) than the graph keeps,
    and glibc's allocator keeps freed memory resident until told otherwise
    (``malloc_trim``). Elsewhere (no glibc) this only collects garbage.

    >>> release_memory() in (True, False)
    True
    """
    import gc

    if collect:
        gc.collect()
    trim = _malloc_trim()
    return bool(trim is not None and trim(0) >= 0)


def _malloc_trim() -> Callable[[int], int] | None:
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # musl and other libcs have no malloc_trim
        return None
    return trim
