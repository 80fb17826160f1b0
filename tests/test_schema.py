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
