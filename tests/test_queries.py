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


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> graph.CoverageGraph:
    from graph.synth import write_corpus

    folder = tmp_path_factory.mktemp("synth")
    write_corpus(folder, 300, seed=3)
    return graph.load(folder, stories=False)[0]


def _brute_force(g: graph.CoverageGraph, flt: ArticleFilter) -> list[str]:
    """Every article checked against every condition, newest first: what the indexes must give."""
    from graph.model import provider_id, topic_id

    found = []
    for node, data in g.nx.nodes(data=True):
        if data["kind"] != "article":
            continue
        published, succ = data.get("published"), g.nx.succ[node]
        if flt.provider is not None and provider_id(flt.provider) not in succ:
            continue
        if flt.topic is not None and topic_id(flt.topic) not in succ:
            continue
        if flt.since is not None and (published is None or published < flt.since):
            continue
        if flt.until is not None and (published is None or published > flt.until):
            continue
        if flt.min_quality is not None and data.get("quality", -1) < flt.min_quality:
            continue
        found.append(node)
    return [n for n in sorted(found, key=g.sort_key, reverse=True)]


def test_every_index_path_matches_a_brute_force_filter(synthetic: graph.CoverageGraph) -> None:
    g = synthetic
    providers = [g.nx.nodes[p]["domain"] for p in g.ranked("provider")[:3]]
    topics = [g.nx.nodes[t]["name"] for t in g.ranked("topic")[:3]]
    times = sorted(g.nx.nodes[a]["published"] for a in g.articles_by_time() if "published" in g.nx.nodes[a])
    since, until = times[len(times) // 4], times[3 * len(times) // 4]
    narrow: list[dict[str, object]] = [{}] + [{"provider": p} for p in providers] + [{"topic": t} for t in topics]
    windows: list[dict[str, object]] = [{}, {"since": since}, {"until": until}, {"since": since, "until": until}]
    checked = 0
    for where in narrow:
        for window in windows:
            for quality in (None, 0, 50, 90, 101):
                flt = ArticleFilter(**where, **window, min_quality=quality)  # type: ignore[arg-type]
                expected = _brute_force(g, flt)
                newest = find_articles(g, flt)
                assert len(newest) == len(expected), flt
                assert list(newest) == expected, flt
                assert list(find_articles(g, flt, newest_first=False)) == expected[::-1], flt
                for first in (1, 7, 100):  # pages reached one at a time, as a client walks them
                    page = paginate(find_articles(g, flt), first=first)
                    seen = list(page.items)
                    while page.has_next:
                        page = paginate(find_articles(g, flt), first=first, after=page.end_cursor)
                        seen += page.items
                    assert seen == expected and page.total == len(expected), (flt, first)
                checked += bool(expected)
    assert checked > 80  # most combinations select something: the comparison is not vacuous


def test_quality_filters_are_answered_lazily_from_the_quality_index(synthetic: graph.CoverageGraph) -> None:
    from graph.queries import NewestMatches

    topic = synthetic.nx.nodes[synthetic.ranked("topic")[0]]["name"]
    view = find_articles(synthetic, ArticleFilter(topic=topic, min_quality=50))
    assert isinstance(view, NewestMatches)
    assert view[:3] == _brute_force(synthetic, ArticleFilter(topic=topic, min_quality=50))[:3]
    assert view._next >= 0  # three matches did not need the whole list
    assert isinstance(find_articles(synthetic, ArticleFilter(provider="nowhere.example", min_quality=5)), list)


def test_undated_articles_never_meet_a_time_window() -> None:
    from graph.model import build_graph
    from graph.records import Listing, Record

    def listing(url: str, when: datetime | None, quality: int) -> Listing:
        return Listing((url,), (url,), url[-1], None, when, "article", quality, None, "a.com", "A", ("T",))

    jan, feb = datetime(2023, 1, 1, tzinfo=timezone.utc), datetime(2023, 2, 1, tzinfo=timezone.utc)
    g = build_graph([Record("r.md", listing("https://a.com/x", None, 90),
                            (listing("https://a.com/y", jan, 90), listing("https://a.com/z", feb, 10)))])
    assert list(find_articles(g, ArticleFilter(topic="t", until=feb))) == []  # only the undated primary is tagged
    for where in ({}, {"provider": "a.com"}):
        everything = find_articles(g, ArticleFilter(**where))  # type: ignore[arg-type]
        assert list(everything)[-1] == "article:https://a.com/x"  # undated sort as the oldest
        assert list(find_articles(g, ArticleFilter(**where, until=feb))) == [  # type: ignore[arg-type]
            "article:https://a.com/z", "article:https://a.com/y"]
        assert list(find_articles(g, ArticleFilter(**where, since=jan))) == [  # type: ignore[arg-type]
            "article:https://a.com/z", "article:https://a.com/y"]
        assert list(find_articles(g, ArticleFilter(**where, min_quality=50))) == [  # type: ignore[arg-type]
            "article:https://a.com/y", "article:https://a.com/x"]
