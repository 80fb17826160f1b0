"""Paths, neighbourhoods, timelines and co-coverage (graph.traversals).

Expected values on the seed are derived from the seed file itself: one primary article
(insidebitcoins.com, topics AI and AI Hardware, 2023-05-07 17:18) listing eight related
articles from seven other outlets (CoinTelegraph has two). Without stories the graph has
9 articles, 8 providers, 2 topics and 19 edges (9 published_by, 2 tagged, 8 related).
The hand-made stories follow the story brief's seed expectations: the WSJ report with the
outlets echoing it, and the iFlytek story (The Star, then CoinTelegraph).

Synthetic graphs are checked against NetworkX's own algorithms on the undirected view
and against brute-force set computations.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import networkx as nx
import pytest

import graph
from graph.errors import NewsgraphError, NotFound
from graph.ingest import read_records
from graph.model import CoverageGraph, build_graph
from graph.records import Listing, Record
from graph.traversals import (
    PathResult,
    bucket_start,
    co_covering_providers,
    co_occurring_topics,
    neighbourhood,
    related_stories,
    shortest_path,
    timeline,
)

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
UTC = timezone.utc

PRIMARY = "article:https://insidebitcoins.com/news/how-china-is-developing-ai-without-us-chips"
WSJ = "article:https://wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f"
CT_CHINA = "article:https://cointelegraph.com/news/china-is-developing-ai-without-us-chips-here-s-how"
CT_STATE = (
    "article:https://cointelegraph.com/news/state-sponsored-chinese-ai-firm-launches-bot-service-to-surpass-chatgpt"
)
FUDZILLA = "article:https://fudzilla.com/news/ai/56847-chinese-think-they-can-do-ai-with-weaker-chips"
GLOBALTIMES = "article:https://globaltimes.cn/page/202305/1290343.shtml"
BUSINESSINSIDER = (
    "article:https://markets.businessinsider.com/news/etf/chinese-tech-companies-forced-to-think-outside-the-box-"
    "to-overcome-us-chip-ban-in-the-race-for-ai-supremacy-1032303426"
)
THESTAR = (
    "article:https://thestar.com.my/aseanplus/aseanplus-news/2023/05/07/"
    "chinese-voice-recognition-company-iflytek-unveils-chatgpt-rival"
)
DIGITIMES = "article:https://digitimes.com/news/a20230505PD200/ai-chips-aigc-alibaba-baidu-meituan-tencent.html"
BASE_KINDS = ("published_by", "tagged", "related")


# ------------------------------------------------------------------ fixtures


def bare_seed() -> CoverageGraph:
    """The seed graph without story detection (whatever graph.load does)."""
    records, report = read_records(SEEDS)
    assert report.rejected == 0
    return build_graph(records)


def add_story(g: CoverageGraph, key: str, members: list[str]) -> str:
    """A story node over ``members`` as graph.stories makes them (origin = earliest)."""
    story = f"story:{key}"
    ordered = sorted(members, key=lambda a: (g.nx.nodes[a]["published"], a))
    origin = ordered[0]
    g.nx.add_node(
        story,
        kind="story",
        origin=origin,
        size=len(ordered),
        first_published=g.nx.nodes[origin]["published"],
        last_published=g.nx.nodes[ordered[-1]]["published"],
        title=g.nx.nodes[origin]["title"],
    )
    for article in ordered:
        g.nx.add_edge(article, story, key="in_story", kind="in_story")
    for article in ordered[1:]:
        lag = (g.nx.nodes[article]["published"] - g.nx.nodes[origin]["published"]).total_seconds() / 3600
        g.nx.add_edge(article, origin, key="echoes", kind="echoes", lag_hours=lag, similarity=0.5, evidence=("test",))
    return story


@pytest.fixture(scope="module")
def seed() -> CoverageGraph:
    g, _ = graph.load(SEEDS)
    return g


@pytest.fixture()
def bare() -> CoverageGraph:
    return bare_seed()


@pytest.fixture()
def storied() -> CoverageGraph:
    g = bare_seed()
    add_story(g, "chips", [WSJ, PRIMARY, CT_CHINA, FUDZILLA, GLOBALTIMES, BUSINESSINSIDER])
    add_story(g, "iflytek", [THESTAR, CT_STATE])
    return g


def synthetic(seed: int = 7, records: int = 80, stories: int = 14) -> CoverageGraph:
    """A random corpus: 9 outlets, 6 topics, related lists, an isolated record, stories."""
    rng = random.Random(seed)
    outlets = [f"outlet{i}.example" for i in range(9)]
    topics = ["Chips", "Robots", "Cloud", "Energy", "Health", "Space"]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    made: list[Listing] = []

    def listing(index: int, domain: str | None = None, with_topics: bool = True) -> Listing:
        domain = domain or rng.choice(outlets)
        url = f"https://{domain}/news/{index}"
        when = start + timedelta(minutes=rng.randrange(60 * 24 * 40))
        chosen = tuple(rng.sample(topics, rng.randrange(3))) if with_topics else ()
        return Listing((url,), (url,), f"Story number {index}", None, when, "article", 50, None, domain,
                       domain.split(".")[0].title(), chosen)

    out = []
    for index in range(records):
        primary = listing(index)
        related = tuple(rng.sample(made, min(len(made), rng.randrange(4)))) if made else ()
        made.append(primary)
        out.append(Record(f"r{index:03}.md", primary, related))
    out.append(Record("lonely.md", listing(999, domain="lonely.example", with_topics=False)))
    g = build_graph(out)
    articles = sorted(n for n, k in g.nx.nodes(data="kind") if k == "article" and "lonely" not in n)
    rng.shuffle(articles)
    cursor = 0
    for number in range(stories):
        size = rng.randrange(2, 6)
        add_story(g, f"s{number:02}", articles[cursor : cursor + size])
        cursor += size
    return g


@pytest.fixture(scope="module")
def synth() -> CoverageGraph:
    return synthetic()


def undirected(g: CoverageGraph, kinds: tuple[str, ...] | None = None) -> nx.Graph:
    view = nx.Graph()
    view.add_nodes_from(g.nx)
    view.add_edges_from((u, v) for u, v, k in g.nx.edges(keys=True) if kinds is None or k in kinds)
    return view


def assert_valid_path(
    g: CoverageGraph, result: PathResult, source: str, target: str, kinds: tuple[str, ...] | None = None
) -> None:
    assert result.found and result.reason is None
    assert result.nodes[0] == source and result.nodes[-1] == target
    assert len(result.edges) == len(result.nodes) - 1 == result.length
    assert len(set(result.nodes)) == len(result.nodes)
    for (a, b), edge in zip(itertools.pairwise(result.nodes), result.edges):
        assert {edge.source, edge.target} == {a, b}
        assert g.nx.has_edge(edge.source, edge.target, edge.kind)  # stored direction
        assert kinds is None or edge.kind in kinds


# ------------------------------------------------------------------ paths


@pytest.mark.parametrize("which", ["load", "bare", "storied"])
def test_path_insidebitcoins_to_wsj_goes_through_the_primary_article(
    which: str, seed: CoverageGraph, bare: CoverageGraph, storied: CoverageGraph
) -> None:
    g = {"load": seed, "bare": bare, "storied": storied}[which]
    result = shortest_path(g, "provider:insidebitcoins.com", "provider:wsj.com")
    assert result.nodes == ("provider:insidebitcoins.com", PRIMARY, WSJ, "provider:wsj.com")
    assert [(e.source, e.target, e.kind) for e in result.edges] == [
        (PRIMARY, "provider:insidebitcoins.com", "published_by"),
        (PRIMARY, WSJ, "related"),  # related before echoes when both join the pair
        (WSJ, "provider:wsj.com", "published_by"),
    ]
    assert_valid_path(g, result, "provider:insidebitcoins.com", "provider:wsj.com")


def test_path_backwards_reverses_nodes_and_keeps_stored_directions(bare: CoverageGraph) -> None:
    forward = shortest_path(bare, "provider:insidebitcoins.com", "provider:wsj.com")
    backward = shortest_path(bare, "provider:wsj.com", "provider:insidebitcoins.com")
    assert backward.nodes == forward.nodes[::-1]
    assert [(e.source, e.target, e.kind) for e in backward.edges] == [
        (e.source, e.target, e.kind) for e in reversed(forward.edges)
    ]


def test_path_related_edge_carries_its_attributes(bare: CoverageGraph) -> None:
    edge = shortest_path(bare, PRIMARY, WSJ).edges[0]
    # WSJ is the first item of the primary's related list, listed by the one seed file.
    assert edge.attributes() == {"rank": 1, "sources": ("000_78be6e7624add5e0.txt",)}


def test_path_lengths_on_the_seed(bare: CoverageGraph) -> None:
    # topic:ai <- primary -> wsj article -> wsj provider
    assert shortest_path(bare, "topic:ai", "provider:wsj.com").length == 3
    # provider <- article <- primary -> article -> provider
    assert shortest_path(bare, "provider:thestar.com.my", "provider:digitimes.com").length == 4
    # the two CoinTelegraph articles share their provider
    result = shortest_path(bare, CT_CHINA, CT_STATE)
    assert result.length == 2  # via provider:cointelegraph.com or via the primary article
    assert result.nodes[1] in {"provider:cointelegraph.com", PRIMARY}


def test_path_to_itself_is_one_node(bare: CoverageGraph) -> None:
    result = shortest_path(bare, WSJ, WSJ)
    assert result.found and result.nodes == (WSJ,) and result.edges == ()


def test_path_max_length(bare: CoverageGraph) -> None:
    cut = shortest_path(bare, "provider:insidebitcoins.com", "provider:wsj.com", max_length=2)
    assert not cut.found and cut.nodes == () and cut.edges == ()
    assert "at most 2 edges" in (cut.reason or "")
    assert shortest_path(bare, "provider:insidebitcoins.com", "provider:wsj.com", max_length=3).found
    assert not shortest_path(bare, PRIMARY, WSJ, max_length=0).found


def test_path_restricted_kinds(bare: CoverageGraph) -> None:
    # Providers hang off articles only through published_by: one article, one provider.
    result = shortest_path(bare, "provider:wsj.com", "provider:fudzilla.com", kinds=["published_by"])
    assert not result.found and "not connected" in (result.reason or "")
    assert "published_by" in (result.reason or "")
    # Without related edges two providers still meet... only if they share an article: not here.
    assert not shortest_path(bare, "provider:wsj.com", "topic:ai", kinds=("published_by", "tagged")).found
    # Through related edges only, the primary reaches each related article in one hop.
    assert shortest_path(bare, WSJ, DIGITIMES, kinds="related").length == 2


def test_path_errors(bare: CoverageGraph) -> None:
    with pytest.raises(NotFound):
        shortest_path(bare, "provider:nowhere.example", "provider:wsj.com")
    with pytest.raises(NotFound):
        shortest_path(bare, "provider:wsj.com", "article:https://nowhere.example/x")
    with pytest.raises(NewsgraphError, match="unknown edge kind"):
        shortest_path(bare, PRIMARY, WSJ, kinds=["friends"])
    with pytest.raises(NewsgraphError):
        shortest_path(bare, PRIMARY, WSJ, kinds=[])
    with pytest.raises(NewsgraphError):
        shortest_path(bare, PRIMARY, WSJ, max_length=-1)


def test_path_search_limit_gives_a_reason(bare: CoverageGraph) -> None:
    result = shortest_path(bare, "provider:thestar.com.my", "provider:digitimes.com", max_visited=3)
    assert not result.found and "search stopped" in (result.reason or "")


def test_path_lengths_match_networkx_on_a_synthetic_graph(synth: CoverageGraph) -> None:
    rng = random.Random(3)
    nodes = sorted(synth.nx)
    for kinds in (None, ("published_by", "related"), ("in_story", "echoes", "tagged")):
        view = undirected(synth, kinds)
        for _ in range(60):
            source, target = rng.sample(nodes, 2)
            result = shortest_path(synth, source, target, kinds=kinds)
            if nx.has_path(view, source, target):
                assert_valid_path(synth, result, source, target, kinds)
                assert result.length == nx.shortest_path_length(view, source, target)
            else:
                assert not result.found and result.reason


def test_path_to_an_isolated_record_is_not_found(synth: CoverageGraph) -> None:
    lonely = "article:https://lonely.example/news/999"
    result = shortest_path(synth, lonely, "provider:outlet0.example")
    assert not result.found and "not connected" in (result.reason or "")
    assert shortest_path(synth, lonely, "provider:lonely.example").length == 1


def test_path_is_deterministic(synth: CoverageGraph) -> None:
    again = synthetic()
    for source, target in [("provider:outlet1.example", "provider:outlet5.example"), ("topic:chips", "story:s03")]:
        assert shortest_path(synth, source, target) == shortest_path(again, source, target)


# ------------------------------------------------------------------ neighbourhoods


@pytest.mark.parametrize(
    ("center", "depth", "expected"),
    [
        # itself, its provider, its two topics and the eight articles it lists
        (PRIMARY, 1, 12),
        # ... plus the seven other providers of those eight articles: the whole graph
        (PRIMARY, 2, 19),
        (PRIMARY, 0, 1),
        # wsj.com publishes one article, listed by the primary, which reaches the rest
        ("provider:wsj.com", 1, 2),
        ("provider:wsj.com", 2, 3),
        ("provider:wsj.com", 3, 13),
        ("provider:wsj.com", 4, 19),
        ("provider:cointelegraph.com", 1, 3),
        ("provider:cointelegraph.com", 2, 4),
        ("topic:ai", 1, 2),
        ("topic:ai", 2, 12),
    ],
)
def test_neighbourhood_sizes_on_the_seed(
    seed: CoverageGraph, bare: CoverageGraph, center: str, depth: int, expected: int
) -> None:
    assert len(neighbourhood(bare, center, depth=depth).nodes) == expected
    # graph.load may add stories; over the base edge kinds the answer is the same
    assert len(neighbourhood(seed, center, depth=depth, kinds=BASE_KINDS).nodes) == expected


def test_neighbourhood_with_stories(storied: CoverageGraph) -> None:
    # depth 1 adds the primary's story; depth 2 the other story too (through The Star's
    # or CoinTelegraph's article): 19 + 2 story nodes.
    assert len(neighbourhood(storied, PRIMARY).nodes) == 13
    assert len(neighbourhood(storied, PRIMARY, depth=2).nodes) == 21
    near = neighbourhood(storied, "story:iflytek")
    assert {n.id for n in near.nodes} == {"story:iflytek", THESTAR, CT_STATE}
    # the echo edge between the two members is drawn although both are at depth 1
    echo = [e for e in near.edges if e.kind == "echoes"]
    assert [(e.source, e.target) for e in echo] == [(CT_STATE, THESTAR)]
    # The Star 2023-05-07 11:40 -> CoinTelegraph 2023-05-08 18:59
    assert echo[0].attributes()["lag_hours"] == pytest.approx(24 + 7 + 19 / 60)


def test_neighbourhood_nodes_and_edges(bare: CoverageGraph) -> None:
    near = neighbourhood(bare, PRIMARY)
    assert near.center == PRIMARY and near.depth == 1 and not near.truncated
    assert near.nodes[0].id == PRIMARY and near.nodes[0].distance == 0
    assert near.nodes[0].label == "How China is Developing AI Without US Chips"
    kinds = Counter(n.kind for n in near.nodes)
    assert kinds == {"article": 9, "provider": 1, "topic": 2}
    assert all(n.distance == 1 for n in near.nodes[1:])
    # the primary's 11 out-edges; the related articles' published_by edges lead outside
    assert len(near.edges) == 11
    assert {e.source for e in near.edges} == {PRIMARY}
    labels = {n.id: n.label for n in near.nodes}
    assert labels["provider:insidebitcoins.com"] == "Inside Bitcoins"
    assert labels["topic:ai hardware"] == "AI Hardware"


def test_neighbourhood_edges_are_the_induced_subgraph(synth: CoverageGraph) -> None:
    for center, depth, kinds in [("provider:outlet2.example", 2, None), ("story:s01", 3, None),
                                 ("topic:cloud", 2, ("tagged", "related"))]:
        near = neighbourhood(synth, center, depth=depth, kinds=kinds, limit=10_000)
        view = undirected(synth, kinds)
        distances = nx.single_source_shortest_path_length(view, center, cutoff=depth)
        assert {n.id: n.distance for n in near.nodes} == distances
        inside = set(distances)
        expected = {(u, v, k) for u, v, k in synth.nx.edges(keys=True)
                    if u in inside and v in inside and (kinds is None or k in kinds)}
        assert {(e.source, e.target, e.kind) for e in near.edges} == expected
        assert len(near.edges) == len(expected)
        assert [(n.distance, n.id) for n in near.nodes] == sorted((n.distance, n.id) for n in near.nodes)


def test_neighbourhood_limit(bare: CoverageGraph) -> None:
    exact = neighbourhood(bare, PRIMARY, limit=12)
    assert len(exact.nodes) == 12 and not exact.truncated  # nothing more within one hop
    cut = neighbourhood(bare, PRIMARY, limit=11)
    assert len(cut.nodes) == 11 and cut.truncated
    small = neighbourhood(bare, PRIMARY, depth=2, limit=5)
    assert len(small.nodes) == 5 and small.truncated
    ids = {n.id for n in small.nodes}
    assert all(e.source in ids and e.target in ids for e in small.edges)
    assert neighbourhood(bare, PRIMARY, limit=1).nodes[0].id == PRIMARY


def test_neighbourhood_does_not_read_past_the_cap() -> None:
    # A hub with 5,000 articles: a capped neighbourhood must stop reading its edges.
    hub = nx.MultiDiGraph()
    hub.add_node("provider:hub.example", kind="provider", domain="hub.example", name="Hub", names=("Hub",))
    for i in range(5000):
        hub.add_node(f"article:https://hub.example/{i}", kind="article", title=str(i), urls=(), sources=(),
                     primary=True)
        hub.add_edge(f"article:https://hub.example/{i}", "provider:hub.example", key="published_by",
                     kind="published_by")
    reads = 0

    class Counting(dict):  # type: ignore[type-arg]
        """An adjacency dict that counts the entries read through it, whichever way."""

        def __iter__(self):  # type: ignore[no-untyped-def]
            nonlocal reads
            for key in dict.__iter__(self):
                reads += 1
                yield key

        def items(self):  # type: ignore[no-untyped-def]
            return ((key, self[key]) for key in self)

    hub._pred["provider:hub.example"] = Counting(hub._pred["provider:hub.example"])
    g = CoverageGraph(hub, {})
    near = neighbourhood(g, "provider:hub.example", limit=50)
    assert near.truncated and len(near.nodes) == 50
    assert 0 < reads <= 51


def test_neighbourhood_errors(bare: CoverageGraph) -> None:
    with pytest.raises(NotFound):
        neighbourhood(bare, "topic:nothing")
    with pytest.raises(NewsgraphError):
        neighbourhood(bare, PRIMARY, depth=-1)
    with pytest.raises(NewsgraphError):
        neighbourhood(bare, PRIMARY, limit=0)
    with pytest.raises(NewsgraphError):
        neighbourhood(bare, PRIMARY, kinds=["likes"])


# ------------------------------------------------------------------ timelines


def test_bucket_starts() -> None:
    when = datetime(2023, 5, 8, 8, 22, 30, tzinfo=UTC)  # a Monday
    assert bucket_start(when, "hour") == datetime(2023, 5, 8, 8, tzinfo=UTC)
    assert bucket_start(when, "day") == datetime(2023, 5, 8, tzinfo=UTC)
    assert bucket_start(when, "week") == datetime(2023, 5, 8, tzinfo=UTC)
    assert bucket_start(when - timedelta(minutes=523), "week") == datetime(2023, 5, 1, tzinfo=UTC)
    east = timezone(timedelta(hours=9))
    assert bucket_start(datetime(2023, 5, 8, 3, tzinfo=east), "day") == datetime(2023, 5, 7, tzinfo=UTC)


def test_timeline_counts_add_up_on_the_seed(seed: CoverageGraph) -> None:
    for node, kind in seed.nx.nodes(data="kind"):
        if kind not in ("provider", "topic", "story"):
            continue
        for size in ("hour", "day", "week"):
            buckets = timeline(seed, node, bucket=size)
            assert sum(b.count for b in buckets) == len(seed.members(node))
            assert [b.start for b in buckets] == sorted({b.start for b in buckets})


def test_timeline_of_a_provider(bare: CoverageGraph) -> None:
    # CoinTelegraph: 2023-05-08 08:22 and 18:59 (no stories here: see the tests below)
    days = timeline(bare, "provider:cointelegraph.com")
    assert [(b.start, b.end, b.count, b.outlets) for b in days] == [
        (datetime(2023, 5, 8, tzinfo=UTC), datetime(2023, 5, 9, tzinfo=UTC), 2, ("provider:cointelegraph.com",))
    ]
    hours = timeline(bare, "provider:cointelegraph.com", bucket="HOUR")
    assert [(b.start.hour, b.count, b.end - b.start) for b in hours] == [
        (8, 1, timedelta(hours=1)), (18, 1, timedelta(hours=1))]


def test_timeline_weeks_across_the_seed(seed: CoverageGraph) -> None:
    # 2023-05-08 is a Monday: Digitimes (5th), the primary, WSJ and The Star (7th) fall in
    # the week of May 1; the five articles of the 8th in the week of May 8.
    weeks: Counter[datetime] = Counter()
    for provider in seed.ranked("provider"):
        for b in timeline(seed, provider, bucket="week"):
            weeks[b.start] += b.count
    assert weeks == {datetime(2023, 5, 1, tzinfo=UTC): 4, datetime(2023, 5, 8, tzinfo=UTC): 5}


def test_timeline_window(seed: CoverageGraph) -> None:
    first = datetime(2023, 5, 8, 8, 22, tzinfo=UTC)  # exactly the first CoinTelegraph article
    assert sum(b.count for b in timeline(seed, "provider:cointelegraph.com", since=first)) == 2
    assert sum(b.count for b in timeline(seed, "provider:cointelegraph.com", until=first)) == 1
    naive = datetime(2023, 5, 8, 12)  # naive: read as UTC
    assert sum(b.count for b in timeline(seed, "provider:cointelegraph.com", since=naive)) == 1
    assert timeline(seed, "topic:ai", until=datetime(2023, 5, 7, 17, tzinfo=UTC)) == []


def test_timeline_of_a_story(storied: CoverageGraph) -> None:
    days = timeline(storied, "story:chips")
    assert [(b.start.day, b.count, b.stories) for b in days] == [(7, 2, ("story:chips",)), (8, 4, ())]
    # the 7th: WSJ (13:00) and the primary (17:18); the 8th: four outlets, one each
    assert days[0].outlets == ("provider:insidebitcoins.com", "provider:wsj.com")
    assert days[1].outlets == ("provider:businessinsider.com", "provider:cointelegraph.com",
                               "provider:fudzilla.com", "provider:globaltimes.cn")


def test_timeline_lists_stories_where_they_started(storied: CoverageGraph) -> None:
    # CoinTelegraph's two articles (8th) belong to both stories, which started on the 7th
    # (The Star 11:40, WSJ 13:00): the 7th gets a bucket with no CoinTelegraph article.
    days = timeline(storied, "provider:cointelegraph.com")
    assert [(b.start.day, b.count, b.stories) for b in days] == [
        (7, 0, ("story:iflytek", "story:chips")), (8, 2, ())]
    assert days[0].outlets == ()
    # topic AI: the primary (17:18) is in the WSJ story, started at 13:00 the same day
    assert [b.stories for b in timeline(storied, "topic:ai")] == [("story:chips",)]
    hours = timeline(storied, "topic:ai", bucket="hour")
    assert [(b.start.hour, b.count, b.stories) for b in hours] == [(13, 0, ("story:chips",)), (17, 1, ())]
    # a window opening after the story's start leaves it out
    late = timeline(storied, "topic:ai", since=datetime(2023, 5, 7, 14, tzinfo=UTC))
    assert [(b.count, b.stories) for b in late] == [(1, ())]


def test_timeline_counts_add_up_on_a_synthetic_graph(synth: CoverageGraph) -> None:
    since = datetime(2024, 1, 10, tzinfo=UTC)
    until = datetime(2024, 1, 30, 12, tzinfo=UTC)
    for node, kind in synth.nx.nodes(data="kind"):
        if kind not in ("provider", "topic", "story"):
            continue
        inside = [a for a in synth.members(node) if since <= synth.nx.nodes[a]["published"] <= until]
        for size in ("hour", "day", "week"):
            buckets = timeline(synth, node, bucket=size, since=since, until=until)
            assert sum(b.count for b in buckets) == len(inside)
            expected = Counter(bucket_start(synth.nx.nodes[a]["published"], size) for a in inside)
            assert {b.start: b.count for b in buckets if b.count} == expected
            for b in buckets:
                assert b.end - b.start == {"hour": timedelta(hours=1), "day": timedelta(days=1),
                                           "week": timedelta(weeks=1)}[size]
                for story in b.stories:
                    assert b.start <= synth.nx.nodes[story]["first_published"] < b.end


def test_timeline_errors(seed: CoverageGraph) -> None:
    with pytest.raises(NewsgraphError, match="bucket"):
        timeline(seed, "topic:ai", bucket="month")
    with pytest.raises(NewsgraphError, match="article"):
        timeline(seed, PRIMARY)
    with pytest.raises(NotFound):
        timeline(seed, "topic:nothing")
    with pytest.raises(NewsgraphError, match="after"):
        timeline(seed, "topic:ai", since=datetime(2024, 1, 2, tzinfo=UTC), until=datetime(2024, 1, 1, tzinfo=UTC))


# ------------------------------------------------------------------ co-coverage


def test_co_covering_providers_on_the_seed_stories(storied: CoverageGraph) -> None:
    # WSJ's one story is shared with five outlets; CoinTelegraph is also in the iFlytek
    # story, so its Jaccard with WSJ is 1 / (1 + 2 - 1).
    links = co_covering_providers(storied, "provider:wsj.com")
    assert [(c.provider, c.shared_stories, c.stories, c.score) for c in links] == [
        ("provider:businessinsider.com", 1, 1, 1.0),
        ("provider:fudzilla.com", 1, 1, 1.0),
        ("provider:globaltimes.cn", 1, 1, 1.0),
        ("provider:insidebitcoins.com", 1, 1, 1.0),
        ("provider:cointelegraph.com", 1, 2, 0.5),
    ]
    ct = co_covering_providers(storied, "provider:cointelegraph.com")
    assert {c.provider for c in ct} == {"provider:businessinsider.com", "provider:fudzilla.com",
                                        "provider:globaltimes.cn", "provider:insidebitcoins.com",
                                        "provider:thestar.com.my", "provider:wsj.com"}
    assert all(c.shared_stories == 1 and c.score == 0.5 for c in ct)
    star = co_covering_providers(storied, "provider:thestar.com.my")
    assert [c.provider for c in star] == ["provider:cointelegraph.com"]
    assert co_covering_providers(storied, "provider:digitimes.com") == []
    assert len(co_covering_providers(storied, "provider:wsj.com", first=2)) == 2


def test_co_coverage_without_stories_is_empty(bare: CoverageGraph) -> None:
    assert co_covering_providers(bare, "provider:wsj.com") == []


def test_co_coverage_is_symmetric_and_matches_brute_force(synth: CoverageGraph) -> None:
    providers = synth.ranked("provider")
    stories_of = {
        p: {s for a in synth.members(p) for _, s, k in synth.nx.out_edges(a, keys=True) if k == "in_story"}
        for p in providers
    }
    table = {p: {c.provider: c for c in co_covering_providers(synth, p, first=100)} for p in providers}
    for a, b in itertools.permutations(providers, 2):
        shared = stories_of[a] & stories_of[b]
        if not shared:
            assert b not in table[a]
            continue
        link = table[a][b]
        assert link.shared_stories == len(shared)
        assert link.stories == len(stories_of[b])
        assert link.score == pytest.approx(len(shared) / len(stories_of[a] | stories_of[b]))
        back = table[b][a]
        assert (back.shared_stories, back.score) == (link.shared_stories, link.score)
    for p in providers:
        ranked = list(table[p].values())
        assert ranked == sorted(ranked, key=lambda c: (-c.shared_stories, -c.score, c.provider))


def test_co_occurring_topics(seed: CoverageGraph, synth: CoverageGraph) -> None:
    # the primary is the only tagged article: AI and AI Hardware, once, on the same article
    ai = co_occurring_topics(seed, "topic:ai")
    assert [(c.topic, c.count, c.score) for c in ai] == [("topic:ai hardware", 1, 1.0)]
    hardware = co_occurring_topics(seed, "topic:ai hardware")
    assert [(c.topic, c.count, c.score) for c in hardware] == [("topic:ai", 1, 1.0)]
    topics = synth.ranked("topic")
    tagged = {t: set(synth.members(t)) for t in topics}
    for a, b in itertools.permutations(topics, 2):
        both = tagged[a] & tagged[b]
        found = {c.topic: c for c in co_occurring_topics(synth, a, first=50)}
        if both:
            assert found[b].count == len(both)
            assert found[b].score == pytest.approx(len(both) / len(tagged[a] | tagged[b]))
            assert {c.topic: c for c in co_occurring_topics(synth, b, first=50)}[a].score == found[b].score
        else:
            assert b not in found


def test_related_stories_on_the_seed(storied: CoverageGraph) -> None:
    (related,) = related_stories(storied, "story:chips")
    assert related.story == "story:iflytek"
    assert related.shared_outlets == ("provider:cointelegraph.com",) and related.shared_topics == ()
    # two stories; CoinTelegraph is in both (weight log 2), the other 8 features of the
    # union in one (weight log 3 each): 6 outlets + 2 topics of the WSJ story + The Star,
    # minus CoinTelegraph counted once.
    assert related.score == pytest.approx(math.log(2) / (math.log(2) + 8 * math.log(3)))
    (back,) = related_stories(storied, "story:iflytek")
    assert back.story == "story:chips" and back.score == related.score


def test_related_stories_symmetric_on_a_synthetic_graph(synth: CoverageGraph) -> None:
    stories = sorted(n for n, k in synth.nx.nodes(data="kind") if k == "story")
    table = {s: {r.story: r for r in related_stories(synth, s, first=100)} for s in stories}
    features = {
        s: {t for a in synth.members(s) for _, t, k in synth.nx.out_edges(a, keys=True)
            if k in ("published_by", "tagged")}
        for s in stories
    }
    for a, b in itertools.permutations(stories, 2):
        common = features[a] & features[b]
        assert (b in table[a]) == bool(common)
        if common:
            assert table[a][b].score == pytest.approx(table[b][a].score)
            assert set(table[a][b].shared_outlets) | set(table[a][b].shared_topics) == common
            assert 0 < table[a][b].score <= 1
    for s in stories:
        scores = [r.score for r in table[s].values()]
        assert scores == sorted(scores, reverse=True)


def test_co_coverage_errors(storied: CoverageGraph) -> None:
    with pytest.raises(NewsgraphError):
        co_covering_providers(storied, "topic:ai")
    with pytest.raises(NotFound):
        co_covering_providers(storied, "provider:nowhere.example")
    with pytest.raises(NewsgraphError):
        co_occurring_topics(storied, "provider:wsj.com")
    with pytest.raises(NewsgraphError):
        related_stories(storied, PRIMARY)
    with pytest.raises(NewsgraphError):
        co_covering_providers(storied, "provider:wsj.com", first=-1)


def test_story_index_follows_added_stories(bare: CoverageGraph) -> None:
    assert co_covering_providers(bare, "provider:wsj.com") == []
    add_story(bare, "pair", [WSJ, FUDZILLA])
    assert [c.provider for c in co_covering_providers(bare, "provider:wsj.com")] == ["provider:fudzilla.com"]
