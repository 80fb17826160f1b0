"""The GraphQL schema, executed in-process against the seed graph."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import graph
from api.schema import build_schema
from api.settings import Settings
from api.types import Context

SNAPSHOT = Path(__file__).parent / "snapshots" / "schema.graphql"
WSJ = "https://www.wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f"
PRIMARY = "https://insidebitcoins.com/news/how-china-is-developing-ai-without-us-chips"


@pytest.fixture(scope="module")
def seed() -> graph.CoverageGraph:
    g, report = graph.load(Path(__file__).parents[1] / "seeds")
    assert report.rejected == 0
    return g


def run(g: graph.CoverageGraph, query: str, settings: Settings | None = None, **variables: Any) -> Any:
    settings = settings or Settings()
    result = build_schema(settings).execute_sync(query, variable_values=variables or None,
                                                 context_value=Context(g, settings))
    return result


def ok(g: graph.CoverageGraph, query: str, **variables: Any) -> Any:
    result = run(g, query, **variables)
    assert result.errors is None, result.errors
    return result.data


def test_sdl_snapshot() -> None:
    """API changes show up as a readable diff (set NEWSGRAPH_UPDATE_SNAPSHOTS=1 to accept)."""
    sdl = str(build_schema()) + "\n"
    if os.environ.get("NEWSGRAPH_UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.write_text(sdl, encoding="utf-8")
    assert sdl == SNAPSHOT.read_text(encoding="utf-8")


def test_stats_are_the_seed_counts(seed: graph.CoverageGraph) -> None:
    data = ok(seed, "{ stats { articles providers topics edges } }")
    assert data["stats"] == {"articles": 9, "providers": 8, "topics": 2, "edges": 33}


@pytest.mark.parametrize(
    "url",
    [
        WSJ,
        WSJ.replace("https://www.", "http://"),
        WSJ + "?utm_source=twitter",
        WSJ + "/",
        "https://cointelegraph-com.cdn.ampproject.org/c/s/cointelegraph.com/news/china-is-developing-ai-without-us-chips-here-s-how/amp",
    ],
)
def test_article_by_any_alias(seed: graph.CoverageGraph, url: str) -> None:
    data = ok(seed, "query($u: String!) { article(url: $u) { id provider { domain } } }", u=url)
    assert data["article"]["id"].startswith("article:https://")
    assert data["article"]["provider"]["domain"] in ("wsj.com", "cointelegraph.com")


def test_unknown_article_is_null(seed: graph.CoverageGraph) -> None:
    assert ok(seed, '{ article(url: "https://nowhere.example/x") { id } }') == {"article": None}


def test_primary_related_and_listed_by(seed: graph.CoverageGraph) -> None:
    data = ok(seed, """query($u: String!) { article(url: $u) {
        title topics { name } related(first: 3) { totalCount pageInfo { hasNextPage endCursor }
        edges { node { provider { domain } } } } } }""", u=PRIMARY)
    article = data["article"]
    assert article["title"] == "How China is Developing AI Without US Chips"
    assert sorted(t["name"] for t in article["topics"]) == ["AI", "AI Hardware"]
    related = article["related"]
    assert related["totalCount"] == 8 and related["pageInfo"]["hasNextPage"] is True
    # The aggregator's order: WSJ first, then CoinTelegraph, then Business Insider.
    assert [e["node"]["provider"]["domain"] for e in related["edges"]] == [
        "wsj.com", "cointelegraph.com", "businessinsider.com"]
    rest = ok(seed, """query($u: String!, $c: String) { article(url: $u) {
        related(first: 10, after: $c) { edges { node { id } } pageInfo { hasNextPage } } } }""",
              u=PRIMARY, c=related["pageInfo"]["endCursor"])
    assert len(rest["article"]["related"]["edges"]) == 5
    assert rest["article"]["related"]["pageInfo"]["hasNextPage"] is False
    listed = ok(seed, "query($u: String!) { article(url: $u) { listedBy { edges { node { url } } } } }", u=WSJ)
    assert [e["node"]["url"] for e in listed["article"]["listedBy"]["edges"]] == [
        "https://insidebitcoins.com/news/how-china-is-developing-ai-without-us-chips"]


def test_articles_filters(seed: graph.CoverageGraph) -> None:
    def count(flt: str) -> int:
        return ok(seed, "{ articles(filter: %s) { totalCount } }" % flt)["articles"]["totalCount"]

    assert count("{}") == 9
    assert count('{provider: "www.cointelegraph.com"}') == 2
    assert count('{topic: "ai hardware"}') == 1
    assert count('{since: "2023-05-08T00:00:00Z"}') == 5
    assert count('{until: "2023-05-07T12:00:00"}') == 2  # digitimes and The Star
    assert count('{text: "ifLYtek"}') == 2
    assert count("{minQuality: 70}") == 2
    assert count('{provider: "cointelegraph.com", text: "without US chips"}') == 1


def test_articles_ordering(seed: graph.CoverageGraph) -> None:
    newest = ok(seed, "{ articles(first: 9) { edges { node { publishedAt } } } }")
    times = [e["node"]["publishedAt"] for e in newest["articles"]["edges"]]
    assert times == sorted(times, reverse=True)
    oldest = ok(seed, "{ articles(first: 1, order: OLDEST_FIRST) { nodes { provider { domain } } } }")
    assert oldest["articles"]["nodes"][0]["provider"]["domain"] == "digitimes.com"


def test_providers_topics_and_node(seed: graph.CoverageGraph) -> None:
    data = ok(seed, """{ providers(first: 1) { totalCount nodes { id name articleCount
        articles(first: 5) { totalCount } topics { totalCount } } }
        topic(name: "AI") { name articleCount providers { nodes { provider { domain } articles } } }
        topics { totalCount }
        node(id: "provider:fudzilla.com") { id ... on Provider { name } } }""")
    top = data["providers"]["nodes"][0]
    assert data["providers"]["totalCount"] == 8
    assert (top["id"], top["articleCount"], top["articles"]["totalCount"]) == ("provider:cointelegraph.com", 2, 2)
    assert data["topic"]["articleCount"] == 1
    assert data["topic"]["providers"]["nodes"] == [{"provider": {"domain": "insidebitcoins.com"}, "articles": 1}]
    assert data["topics"]["totalCount"] == 2
    assert data["node"] == {"id": "provider:fudzilla.com", "name": "Fudzilla"}


@pytest.mark.parametrize("first", [0, -1, 101, 100000])
def test_first_out_of_range_is_an_error(seed: graph.CoverageGraph, first: int) -> None:
    result = run(seed, "query($f: Int) { articles(first: $f) { totalCount } }", f=first)
    assert result.errors and "between 1 and 100" in result.errors[0].message


def test_bad_cursor_is_an_error(seed: graph.CoverageGraph) -> None:
    result = run(seed, '{ articles(after: "nonsense!") { totalCount } }')
    assert result.errors and "invalid cursor" in result.errors[0].message


def test_depth_alias_and_token_limits(seed: graph.CoverageGraph) -> None:
    deep = "{ articles { edges { node { provider { articles { edges { node { provider { topics { totalCount } } } } } } } } } }"
    result = run(seed, deep)
    assert result.errors and "(max_depth)" in result.errors[0].message
    aliases = "{ " + " ".join(f"a{i}: stats {{ articles }}" for i in range(16)) + " }"
    result = run(seed, aliases)
    assert result.errors and "(max_aliases)" in result.errors[0].message
    tokens = "{ " + " ".join("stats { articles }" for _ in range(300)) + " }"
    result = run(seed, tokens)
    assert result.errors and "token" in result.errors[0].message.lower()
    directives = "{ stats { " + " ".join("articles @include(if: true)" for _ in range(51)) + " } }"
    result = run(seed, directives, Settings(max_tokens=5000))
    assert result.errors and "(max_directives)" in result.errors[0].message


def test_introspection_can_be_turned_off(seed: graph.CoverageGraph) -> None:
    query = "{ __schema { queryType { name } } }"
    assert run(seed, query).errors is None
    result = run(seed, query, Settings(introspection=False))
    assert result.errors and "introspection" in result.errors[0].message.lower()


def test_cost_cap_refuses_before_running(seed: graph.CoverageGraph) -> None:
    nested = "{ articles(first: %d) { edges { node { related(first: %d) { edges { node { title } } } } } } }"
    assert run(seed, nested % (10, 10)).errors is None
    result = run(seed, nested % (100, 100))
    assert result.errors and "max_cost" in result.errors[0].message
    assert result.data is None  # refused at validation: nothing ran
    # A page size from a variable counts as the largest page.
    variable = "query($n: Int) { articles(first: $n) { edges { node { related(first: $n) { totalCount } } } } }"
    assert "max_cost" in run(seed, variable, n=2).errors[0].message
    # Fragments are expanded.
    fragment = ("fragment R on Article { related(first: 100) { edges { node { title } } } }"
                " { articles(first: 100) { edges { node { ...R } } } }")
    assert "max_cost" in run(seed, fragment).errors[0].message


def test_query_timeout_stops_lists(seed: graph.CoverageGraph) -> None:
    settings = Settings(query_timeout=0.0)
    result = build_schema(settings).execute_sync(
        "{ articles { totalCount } }", context_value=Context(seed, settings, deadline=0.0))
    assert result.errors and "query_timeout" in result.errors[0].message


# ------------------------------------------------------------------ serving fast paths

EVERY_ARTICLE_FIELDS = """query($first: Int = 20) { articles(first: $first) { totalCount edges { cursor node {
    __typename id url urls title excerpt publishedAt type quality heat images { url width height } sources
    provider { id domain name names articleCount } topics { id name names articleCount }
    isOriginal exportUrl story { id title size firstPublishedAt lastPublishedAt origin { id } }
    origin { id title } echoes(first: 5) { totalCount edges { cursor lagHours similarity evidence node { id } } }
    related(first: 5) { totalCount edges { node { id } } } listedBy(first: 5) { nodes { id } } } } } }"""


def test_lazy_article_fields_agree_with_the_core_view(seed: graph.CoverageGraph) -> None:
    """ARTICLE_FIELDS reads node attributes itself: it must say what article_view says."""
    from api.types import ARTICLE_FIELDS, Article, provider_of

    assert set(ARTICLE_FIELDS) == {"id", "url", "urls", "title", "excerpt", "published_at", "type", "quality",
                                   "heat", "images", "sources"}
    for node in seed.articles_by_time():
        view = seed.article_view(node)
        article = Article.of(seed, node)
        assert article.id == view.id
        for name in ("url", "title", "excerpt", "published_at", "type", "quality", "heat"):
            assert getattr(article, name) == getattr(view, name), (node, name)
        assert article.urls == list(view.urls) and article.sources == list(view.sources)
        assert [(i.url, i.width, i.height) for i in article.images] == [(i.url, i.width, i.height) for i in view.images]
        assert provider_of(seed, node) == view.provider != ""
        assert article._view == view  # built on demand, the same view
        assert article.provider().id == view.provider
        assert [t.id for t in article.topics()] == list(view.topics)
    with pytest.raises(AttributeError):
        Article.of(seed, seed.articles_by_time()[0]).no_such_field


def test_fast_resolvers_answer_what_strawberry_answers(seed: graph.CoverageGraph) -> None:
    """The same schema with Strawberry's own resolvers gives the same data, field for field."""
    from strawberry.schema.config import StrawberryConfig

    from api.schema import NewsgraphSchema, Query, extensions, fast_resolvers
    from api.types import Article, Provider, Story, Topic

    settings = Settings(max_cost=1_000_000)  # the seed graph is tiny: the estimate is not the point here
    plain = NewsgraphSchema(query=Query, types=[Article, Provider, Topic, Story], extensions=extensions(settings),
                            config=StrawberryConfig(disable_field_suggestions=not settings.field_suggestions))
    fast = build_schema(settings)
    assert str(plain) == str(fast)
    assert fast_resolvers(plain) > 50  # plain fields and argument-less methods of every type
    # `plain` is now fast too: compare against a third, untouched schema.
    untouched = NewsgraphSchema(query=Query, types=[Article, Provider, Topic, Story],
                                extensions=extensions(settings),
                                config=StrawberryConfig(disable_field_suggestions=not settings.field_suggestions))
    queries = [
        (EVERY_ARTICLE_FIELDS, {"first": 20}),
        ("""{ providers { edges { cursor node { id domain name names articleCount medianLagHours influence exportUrl
            articles(first: 3) { nodes { id } } firstReports { nodes { id size } } } } pageInfo { endCursor } } }""", {}),
        ("""{ topics { nodes { id name names articleCount providers { nodes { articles provider { domain } } } } } }""", {}),
        ("""{ stories { nodes { id title size origin { id } articles { nodes { id } } providers { nodes { domain } }
            exportUrl } } }""", {}),
        ('{ node(id: "provider:wsj.com") { __typename id ... on Provider { domain } } }', {}),
        # resolvers with scalar arguments, renamed (minEchoes -> min_echoes, from -> from_) and with Info
        ("""query($u: String!) { article(url: $u) { id echoes(first: 2, after: "b2Zmc2V0OjA=") { totalCount
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } } } } }""",
         {"u": WSJ}),
        ("""{ provider(domain: "www.wsj.com") { domain } topic(name: "ai") { name }
            outletNetwork(minEchoes: 1, first: 5) { totalCount nodes { count source { domain } } }
            search(text: "chips", first: 3) { totalCount edges { score kind node { id } } } }""", {}),
        ("""query($id: ID!) { story(id: $id) { id size } nope: story(id: "story:none") { id } }""",
         {"id": next(n for n, k in seed.nx.nodes(data="kind") if k == "story")}),
    ]
    for query, variables in queries:
        expected = untouched.execute_sync(query, variable_values=variables, context_value=Context(seed, settings))
        got = fast.execute_sync(query, variable_values=variables, context_value=Context(seed, settings))
        assert expected.errors is None, expected.errors
        assert got.errors is None, got.errors
        assert got.data == expected.data
    # errors raised inside resolvers come out the same (message, path)
    for query in ('{ providers(first: 0) { totalCount } }', '{ topics(after: "garbage") { totalCount } }',
                  '{ article(url: "https://nowhere.example/") { id } }'):
        expected = untouched.execute_sync(query, context_value=Context(seed, settings))
        got = fast.execute_sync(query, context_value=Context(seed, settings))
        assert got.data == expected.data
        assert [e.formatted for e in got.errors or []] == [e.formatted for e in expected.errors or []]
    assert any(untouched.execute_sync(q, context_value=Context(seed, settings)).errors
               for q in ('{ providers(first: 0) { totalCount } }',))


def test_fast_type_checks_give_strawberrys_verdicts(seed: graph.CoverageGraph) -> None:
    """The replaced ``is_type_of`` accepts and refuses exactly what Strawberry's own does."""
    from strawberry.schema.config import StrawberryConfig

    from api.schema import NewsgraphSchema, Query, extensions
    from api.types import Article, Provider, Story, Topic

    settings = Settings()
    untouched = NewsgraphSchema(query=Query, types=[Article, Provider, Topic, Story], extensions=extensions(settings),
                                config=StrawberryConfig(disable_field_suggestions=not settings.field_suggestions))
    fast = build_schema(settings)
    story = next(n for n, k in seed.nx.nodes(data="kind") if k == "story")
    objects = [Article.of(seed, seed.articles_by_time()[0]), Provider.of(seed, "provider:wsj.com"),
               Topic.of(seed, seed.ranked("topic")[0]), Story.of(seed, story), object(), "article:x", None]
    checked = 0
    for name in ("Article", "Provider", "Topic", "Story"):
        before = untouched._schema.type_map[name].is_type_of  # type: ignore[union-attr]
        after = fast._schema.type_map[name].is_type_of  # type: ignore[union-attr]
        assert before is not None and after is not None and after is not before
        for obj in objects:
            assert bool(after(obj, None)) == bool(before(obj, None)), (name, obj)
            checked += 1
    assert checked == 28
    assert not fast._schema.type_map["Article"].is_type_of(object(), None)  # type: ignore[union-attr]


def test_unfiltered_newest_first_is_a_view_of_the_time_index(seed: graph.CoverageGraph) -> None:
    from graph import queries

    from api.types import NewestFirst, Order, find_articles

    view = find_articles(seed, None, Order.NEWEST_FIRST)
    assert isinstance(view, NewestFirst)
    expected = queries.find_articles(seed, None, newest_first=True)
    assert list(view) == expected and len(view) == len(expected)
    for sl in (slice(0, 3), slice(2, 100), slice(5, 5), slice(7, None), slice(None, -2), slice(0, None, 2)):
        assert view[sl] == expected[sl], sl
    assert view[0] == expected[0] and view[-1] == expected[-1]
    with pytest.raises(IndexError):
        view[len(expected)]
    assert find_articles(seed, None, Order.OLDEST_FIRST) == queries.find_articles(seed, None, newest_first=False)


def test_provider_objects_are_cached_per_graph_and_do_not_travel(seed: graph.CoverageGraph) -> None:
    """One object per provider per graph; another graph (a reload) gets its own; pickles stay plain."""
    import pickle

    from api.types import Provider, Story, Topic

    first = Provider.of(seed, "provider:wsj.com")
    assert Provider.of(seed, "provider:wsj.com") is first
    other, _ = graph.load(Path(__file__).parents[1] / "seeds")
    again = Provider.of(other, "provider:wsj.com")
    assert again is not first  # own object, own graph, same answers
    assert (again.id, again.domain, again.name, again.names, again.article_count) == \
        (first.id, first.domain, first.name, first.names, first.article_count)
    assert again._graph is other and first._graph is seed
    topic = seed.ranked("topic")[0]
    assert Topic.of(seed, topic) is Topic.of(seed, topic)
    story = next(n for n, k in seed.nx.nodes(data="kind") if k == "story")
    assert Story.of(seed, story) is Story.of(seed, story)
    copy = pickle.loads(pickle.dumps(seed))
    assert not any(isinstance(v, dict) and v for v in copy.__dict__.get("_api_objects", {}).values())
    assert Provider.of(copy, "provider:wsj.com") is not first


def test_cursors_are_the_core_cursors() -> None:
    from graph.queries import decode_cursor, encode_cursor

    from api.types import cursor_at

    for offset in (0, 1, 99, 12345):
        assert cursor_at(offset) == encode_cursor(offset)
        assert decode_cursor(cursor_at(offset)) == offset
