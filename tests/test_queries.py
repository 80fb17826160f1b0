"""graph.queries: filters answered by the indexes, and their views."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import graph
from graph.queries import ArticleFilter, NewestFirst, find_articles, paginate


@pytest.fixture(scope="module")
def seed() -> graph.CoverageGraph:
    return graph.load("seeds")[0]


@pytest.mark.parametrize(
    "flt",
    [None, ArticleFilter(provider="cointelegraph.com"), ArticleFilter(topic="AI"),
     ArticleFilter(since=datetime(2023, 5, 8, tzinfo=timezone.utc))],
)
def test_index_answers_are_views_in_the_right_order(seed: graph.CoverageGraph, flt: ArticleFilter | None) -> None:
    newest = find_articles(seed, flt)
    oldest = find_articles(seed, flt, newest_first=False)
    assert isinstance(newest, NewestFirst)
    assert list(newest) == list(reversed(oldest)) and newest == list(reversed(oldest))
    times = [seed.nx.nodes[a]["published"] for a in newest]
    assert times == sorted(times, reverse=True)
    page = paginate(newest, first=1)
    assert list(page.items) == [newest[0]] and page.total == len(oldest)


def test_a_view_cannot_change_the_index(seed: graph.CoverageGraph) -> None:
    view = find_articles(seed, ArticleFilter(provider="cointelegraph.com"))
    assert not hasattr(view, "append") and not hasattr(view, "__setitem__")
    copied = view[:]
    copied.clear()
    assert len(find_articles(seed, ArticleFilter(provider="cointelegraph.com"))) == 2


def test_other_conditions_still_filter(seed: graph.CoverageGraph) -> None:
    found = find_articles(seed, ArticleFilter(provider="cointelegraph.com", text="iflytek"))
    assert [seed.nx.nodes[a]["title"][:14] for a in found] == ["State-sponsore"]
