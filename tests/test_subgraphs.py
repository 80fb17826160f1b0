"""Subgraph selectors on the seed, reasoned out from seeds/000_78be6e7624add5e0.txt.

The seed is one record: the primary article (insidebitcoins.com, topics "AI Hardware"
and "AI") lists eight related articles from seven other providers (cointelegraph.com
twice). Only the primary's topics are ingested, so the related articles have no topic.
Publication times (UTC): digitimes 05-05 07:34, thestar 05-07 11:40, wsj 05-07 13:00,
insidebitcoins 05-07 17:18, cointelegraph "china" 05-08 08:22, fudzilla 05-08 10:41,
globaltimes 05-08 14:36, cointelegraph "state-sponsored" 05-08 18:59, businessinsider
05-08 19:12. Stories are left out (``stories=False``) so the expectations do not depend
on the story detector's tuning; story selection is tested on stories built inline.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import graph
from graph.errors import NewsgraphError, NotFound
from graph.model import CoverageGraph
from graph.subgraphs import (
    neighbourhood_nodes,
    provider_nodes,
    select,
    story_nodes,
    topic_nodes,
    window_nodes,
)

IB = "article:https://insidebitcoins.com/news/how-china-is-developing-ai-without-us-chips"
WSJ = "article:https://wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f"
WSJ_ALIAS = "https://www.wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f"
CT_CHINA = "article:https://cointelegraph.com/news/china-is-developing-ai-without-us-chips-here-s-how"
CT_STATE = "article:https://cointelegraph.com/news/state-sponsored-chinese-ai-firm-launches-bot-service-to-surpass-chatgpt"
CT_STATE_AMP = "https://cointelegraph-com.cdn.ampproject.org/c/s/cointelegraph.com/news/state-sponsored-chinese-ai-firm-launches-bot-service-to-surpass-chatgpt/amp"
BI = (
    "article:https://markets.businessinsider.com/news/etf/chinese-tech-companies-forced-to-think-outside-the-box-"
    "to-overcome-us-chip-ban-in-the-race-for-ai-supremacy-1032303426"
)
FUD = "article:https://fudzilla.com/news/ai/56847-chinese-think-they-can-do-ai-with-weaker-chips"
DIGI = "article:https://digitimes.com/news/a20230505PD200/ai-chips-aigc-alibaba-baidu-meituan-tencent.html"
GT = "article:https://globaltimes.cn/page/202305/1290343.shtml"
STAR = (
    "article:https://thestar.com.my/aseanplus/aseanplus-news/2023/05/07/"
    "chinese-voice-recognition-company-iflytek-unveils-chatgpt-rival"
)
RELATED = {WSJ, CT_CHINA, CT_STATE, BI, FUD, DIGI, GT, STAR}
ARTICLES = RELATED | {IB}
PROVIDERS = {
    f"provider:{d}"
    for d in (
        "insidebitcoins.com",
        "wsj.com",
        "cointelegraph.com",
        "businessinsider.com",
        "fudzilla.com",
        "digitimes.com",
        "globaltimes.cn",
        "thestar.com.my",
    )
}
TOPICS = {"topic:ai", "topic:ai hardware"}
UTC = timezone.utc


@pytest.fixture()
def seed() -> CoverageGraph:
    g, report = graph.load("seeds", stories=False)
    assert report.rejected == 0
    return g


def test_seed_is_what_the_expectations_assume(seed: CoverageGraph) -> None:
    kinds = {n: d["kind"] for n, d in seed.nx.nodes(data=True)}
    assert {n for n, k in kinds.items() if k == "article"} == ARTICLES
    assert {n for n, k in kinds.items() if k == "provider"} == PROVIDERS
    assert {n for n, k in kinds.items() if k == "topic"} == TOPICS


# ---------------------------------------------------------------- providers and topics


def test_provider_cointelegraph_is_its_two_articles_without_topics(seed: CoverageGraph) -> None:
    # Both cointelegraph articles are related listings: no topics of their own.
    assert provider_nodes(seed, "cointelegraph.com") == {"provider:cointelegraph.com", CT_CHINA, CT_STATE}


def test_provider_accepts_www_and_node_id(seed: CoverageGraph) -> None:
    expected = {"provider:cointelegraph.com", CT_CHINA, CT_STATE}
    assert provider_nodes(seed, "www.CoinTelegraph.com") == expected
    assert provider_nodes(seed, "provider:cointelegraph.com") == expected


def test_provider_of_the_primary_brings_its_topics(seed: CoverageGraph) -> None:
    assert provider_nodes(seed, "insidebitcoins.com") == {"provider:insidebitcoins.com", IB} | TOPICS


def test_topic_is_its_articles_and_their_providers_not_other_topics(seed: CoverageGraph) -> None:
    assert topic_nodes(seed, "AI") == {"topic:ai", IB, "provider:insidebitcoins.com"}
    assert topic_nodes(seed, "ai HARDWARE") == {"topic:ai hardware", IB, "provider:insidebitcoins.com"}
    assert topic_nodes(seed, "topic:ai") == {"topic:ai", IB, "provider:insidebitcoins.com"}


# ---------------------------------------------------------------- neighbourhoods


def test_neighbourhood_depth_0_is_the_node(seed: CoverageGraph) -> None:
    assert neighbourhood_nodes(seed, WSJ, 0) == {WSJ}


def test_neighbourhood_of_a_related_article(seed: CoverageGraph) -> None:
    # wsj: published_by wsj.com (out), listed by the primary (in).
    assert neighbourhood_nodes(seed, WSJ, 1) == {WSJ, "provider:wsj.com", IB}
    # depth 2 adds what the primary touches: every related article, its provider, its
    # topics; the other providers are one hop further.
    assert neighbourhood_nodes(seed, WSJ, 2) == ARTICLES | TOPICS | {"provider:wsj.com", "provider:insidebitcoins.com"}
    assert neighbourhood_nodes(seed, WSJ, 3) == ARTICLES | TOPICS | PROVIDERS


def test_neighbourhood_of_the_primary(seed: CoverageGraph) -> None:
    assert neighbourhood_nodes(seed, IB, 1) == ARTICLES | TOPICS | {"provider:insidebitcoins.com"}


def test_neighbourhood_by_alias_url_and_of_a_provider(seed: CoverageGraph) -> None:
    assert neighbourhood_nodes(seed, WSJ_ALIAS, 1) == {WSJ, "provider:wsj.com", IB}
    assert neighbourhood_nodes(seed, CT_STATE_AMP, 0) == {CT_STATE}
    assert neighbourhood_nodes(seed, "provider:cointelegraph.com", 1) == {"provider:cointelegraph.com", CT_CHINA, CT_STATE}


def test_neighbourhood_rejects_bad_depth(seed: CoverageGraph) -> None:
    for depth in (-1, True, 1.5):
        with pytest.raises(NewsgraphError, match="depth"):
            neighbourhood_nodes(seed, WSJ, depth)  # type: ignore[arg-type]


# ---------------------------------------------------------------- time windows


def test_window_of_may_8(seed: CoverageGraph) -> None:
    since = datetime(2023, 5, 8, tzinfo=UTC)
    until = datetime(2023, 5, 8, 23, 59, 59, tzinfo=UTC)
    articles = {CT_CHINA, CT_STATE, BI, FUD, GT}
    providers = {f"provider:{d}" for d in ("cointelegraph.com", "businessinsider.com", "fudzilla.com", "globaltimes.cn")}
    assert window_nodes(seed, since, until) == articles | providers


def test_window_ends_are_inclusive_and_open(seed: CoverageGraph) -> None:
    at_wsj = datetime(2023, 5, 7, 13, tzinfo=UTC)
    assert WSJ in window_nodes(seed, until=at_wsj)
    assert WSJ in window_nodes(seed, since=at_wsj)
    assert WSJ not in window_nodes(seed, since=at_wsj + timedelta(seconds=1))
    # The primary (17:18 on May 7) brings its topics along.
    assert window_nodes(seed, since=datetime(2023, 5, 7, 17, tzinfo=UTC), until=datetime(2023, 5, 7, 18, tzinfo=UTC)) == (
        {IB, "provider:insidebitcoins.com"} | TOPICS
    )


def test_window_naive_datetimes_are_utc(seed: CoverageGraph) -> None:
    assert window_nodes(seed, until=datetime(2023, 5, 5, 7, 34)) == {DIGI, "provider:digitimes.com"}


def test_empty_window(seed: CoverageGraph) -> None:
    assert window_nodes(seed, since=datetime(2030, 1, 1, tzinfo=UTC)) == set()
    assert window_nodes(seed, since=datetime(2023, 5, 9, tzinfo=UTC), until=datetime(2023, 5, 1, tzinfo=UTC)) == set()


# ---------------------------------------------------------------- stories


@pytest.fixture()
def storied(seed: CoverageGraph) -> CoverageGraph:
    """The seed plus one story built inline: wsj (origin), fudzilla and globaltimes."""
    g = seed.nx
    story = "story:s1"
    g.add_node(
        story,
        kind="story",
        origin=WSJ,
        size=3,
        first_published=datetime(2023, 5, 7, 13, tzinfo=UTC),
        last_published=datetime(2023, 5, 8, 14, 36, tzinfo=UTC),
        title="U.S. Sanctions Drive Chinese Firms to Advance AI Without Latest Chips",
    )
    for article in (WSJ, FUD, GT):
        g.add_edge(article, story, key="in_story", kind="in_story")
    g.add_edge(FUD, WSJ, key="echoes", kind="echoes", lag_hours=21.6833, similarity=0.61, evidence=("cites:wsj.com",))
    g.add_edge(GT, WSJ, key="echoes", kind="echoes", lag_hours=25.6, similarity=0.43, evidence=("title-jaccard=0.46",))
    # A second story that must not leak into the first.
    g.add_node("story:s2", kind="story", origin=CT_CHINA, size=2, title="other")
    for article in (CT_CHINA, CT_STATE):
        g.add_edge(article, "story:s2", key="in_story", kind="in_story")
    return seed


def test_story_is_its_articles_and_their_providers(storied: CoverageGraph) -> None:
    expected = {"story:s1", WSJ, FUD, GT, "provider:wsj.com", "provider:fudzilla.com", "provider:globaltimes.cn"}
    assert story_nodes(storied, "story:s1") == expected
    assert story_nodes(storied, "s1") == expected
    assert story_nodes(storied, "s2") == {"story:s2", CT_CHINA, CT_STATE, "provider:cointelegraph.com"}


def test_story_echo_edges_have_both_ends_selected(storied: CoverageGraph) -> None:
    chosen = story_nodes(storied, "s1")
    inside = {(u, v, k) for u, v, k in storied.nx.edges(keys=True) if u in chosen and v in chosen}
    assert (FUD, WSJ, "echoes") in inside and (GT, WSJ, "echoes") in inside
    assert {(a, "story:s1", "in_story") for a in (WSJ, FUD, GT)} <= inside


def test_story_in_a_window(storied: CoverageGraph) -> None:
    # May 8 keeps fudzilla and globaltimes (wsj is May 7); the story node is named, so it stays.
    got = select(storied, story="s1", since=datetime(2023, 5, 8, tzinfo=UTC))
    assert got == {"story:s1", FUD, GT, "provider:fudzilla.com", "provider:globaltimes.cn"}


def test_window_brings_stories(storied: CoverageGraph) -> None:
    got = window_nodes(storied, since=datetime(2023, 5, 8, 18, tzinfo=UTC))
    assert got == {CT_STATE, BI, "provider:cointelegraph.com", "provider:businessinsider.com", "story:s2"}


# ---------------------------------------------------------------- select


def test_select_nothing_is_everything(seed: CoverageGraph) -> None:
    assert select(seed) is None
    assert select(seed, depth=3) is None  # depth alone selects nothing


def test_select_single_selectors_match_the_functions(seed: CoverageGraph) -> None:
    assert select(seed, provider="cointelegraph.com") == provider_nodes(seed, "cointelegraph.com")
    assert select(seed, topic="AI") == topic_nodes(seed, "AI")
    assert select(seed, article=WSJ_ALIAS) == {WSJ, "provider:wsj.com", IB}
    assert select(seed, article=WSJ_ALIAS, depth=0) == {WSJ}
    since = datetime(2023, 5, 8, tzinfo=UTC)
    assert select(seed, since=since) == window_nodes(seed, since=since)


def test_select_intersects_provider_and_window(seed: CoverageGraph) -> None:
    got = select(seed, provider="cointelegraph.com", since=datetime(2023, 5, 8, 12, tzinfo=UTC))
    assert got == {"provider:cointelegraph.com", CT_STATE}


def test_select_intersection_drops_stranded_context_nodes(seed: CoverageGraph) -> None:
    # Tag cointelegraph's May-8 evening article with "AI" (as if its record had topics).
    seed.nx.add_edge(CT_STATE, "topic:ai", key="tagged", kind="tagged")
    # cointelegraph's coverage: both its articles and topic:ai (via CT_STATE). The window
    # May 7 17:00 .. May 8 12:00 holds IB (tagged AI) and CT_CHINA, not CT_STATE. So topic:ai
    # is in both sets, but only through two different articles: it touches no article of
    # the intersection and is dropped.
    got = select(
        seed,
        provider="cointelegraph.com",
        since=datetime(2023, 5, 7, 17, tzinfo=UTC),
        until=datetime(2023, 5, 8, 12, tzinfo=UTC),
    )
    assert got == {"provider:cointelegraph.com", CT_CHINA}


def test_select_intersection_can_be_empty(seed: CoverageGraph) -> None:
    assert select(seed, provider="wsj.com", since=datetime(2023, 5, 8, tzinfo=UTC)) == set()
    assert select(seed, provider="wsj.com", topic="ai") == set()


def test_select_intersection_keeps_the_named_node(seed: CoverageGraph) -> None:
    # A provider named by two selectors stays even with no article left around it.
    assert select(seed, article="provider:wsj.com", depth=0, provider="wsj.com") == {"provider:wsj.com"}
    # The primary's neighbourhood on May 8: its provider and topics only touch the primary
    # (May 7), which the window drops; what is left are the May-8 related articles.
    got = select(seed, article=IB, since=datetime(2023, 5, 8, tzinfo=UTC))
    assert got == {CT_CHINA, CT_STATE, BI, FUD, GT}


def test_select_provider_and_topic(seed: CoverageGraph) -> None:
    assert select(seed, provider="insidebitcoins.com", topic="ai") == {"provider:insidebitcoins.com", IB, "topic:ai"}


# ---------------------------------------------------------------- unknown ids


@pytest.mark.parametrize(
    ("call", "kind"),
    [
        (lambda g: story_nodes(g, "nope"), "story"),
        (lambda g: story_nodes(g, "provider:wsj.com"), "story"),
        (lambda g: provider_nodes(g, "nope.example"), "provider"),
        (lambda g: provider_nodes(g, "topic:ai"), "provider"),
        (lambda g: topic_nodes(g, "nope"), "topic"),
        (lambda g: neighbourhood_nodes(g, "https://nope.example/x", 1), "node"),
        (lambda g: neighbourhood_nodes(g, "not a url", 1), "node"),
        (lambda g: select(g, article="https://nope.example/x"), "node"),
        (lambda g: select(g, story="nope", provider="wsj.com"), "story"),
    ],
)
def test_unknown_ids_raise_not_found(seed: CoverageGraph, call, kind: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound) as info:
        call(seed)
    assert info.value.kind == kind


def test_selectors_work_on_the_default_load_with_stories() -> None:
    g, _ = graph.load("seeds")
    stories = [n for n, k in g.nx.nodes(data="kind") if k == "story"]
    for story in stories:
        chosen = story_nodes(g, story)
        kinds = {g.nx.nodes[n]["kind"] for n in chosen}
        assert kinds <= {"story", "article", "provider"} and "article" in kinds
        assert all(g.nx.has_edge(a, story, "in_story") for a in chosen if g.nx.nodes[a]["kind"] == "article")
