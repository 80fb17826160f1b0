"""GraphQL over stories, echoes, outlets and traversals, on the seed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import graph
from api.schema import build_schema
from api.settings import Settings
from api.types import Context

WSJ = "https://www.wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f"
STAR = ("https://www.thestar.com.my/aseanplus/aseanplus-news/2023/05/07/"
        "chinese-voice-recognition-company-iflytek-unveils-chatgpt-rival")
DIGITIMES = "https://www.digitimes.com/news/a20230505PD200/ai-chips-aigc-alibaba-baidu-meituan-tencent.html"
ECHOERS = {"insidebitcoins.com", "cointelegraph.com", "fudzilla.com", "globaltimes.cn", "businessinsider.com"}


@pytest.fixture(scope="module")
def seed() -> graph.CoverageGraph:
    return graph.load(Path(__file__).parents[1] / "seeds")[0]


def ok(g: graph.CoverageGraph, query: str, **variables: Any) -> Any:
    settings = Settings()
    result = build_schema(settings).execute_sync(query, variable_values=variables or None,
                                                 context_value=Context(g, settings))
    assert result.errors is None, result.errors
    return result.data


ECHO_QUERY = """query($url: String!) { article(url: $url) {
  isOriginal story { id size origin { provider { domain } } }
  echoes(first: 20) { totalCount edges { lagHours similarity evidence node { publishedAt provider { domain } } } }
} }"""


def test_the_headline_question_in_one_query(seed: graph.CoverageGraph) -> None:
    """Which outlets echoed the WSJ report, and how long after it?"""
    article = ok(seed, ECHO_QUERY, url=WSJ)["article"]
    assert article["isOriginal"] is True
    assert article["story"]["origin"]["provider"]["domain"] == "wsj.com"
    edges = article["echoes"]["edges"]
    assert {e["node"]["provider"]["domain"] for e in edges} == ECHOERS
    assert article["echoes"]["totalCount"] == len(edges) == 5
    lags = [e["lagHours"] for e in edges]
    assert all(lag > 0 for lag in lags) and lags == sorted(lags)
    assert all(0 < e["similarity"] <= 1 and e["evidence"] for e in edges)


def test_iflytek_story_and_digitimes_alone(seed: graph.CoverageGraph) -> None:
    star = ok(seed, ECHO_QUERY, url=STAR)["article"]
    assert star["isOriginal"] is True and star["story"]["size"] == 2
    assert [e["node"]["provider"]["domain"] for e in star["echoes"]["edges"]] == ["cointelegraph.com"]
    digitimes = ok(seed, ECHO_QUERY, url=DIGITIMES)["article"]
    assert digitimes["story"] is None and digitimes["echoes"]["totalCount"] == 0


def test_an_echo_points_back_to_its_origin(seed: graph.CoverageGraph) -> None:
    data = ok(seed, """{ article(url: "https://www.fudzilla.com/news/ai/56847-chinese-think-they-can-do-ai-with-weaker-chips") {
        isOriginal origin { provider { domain } } } }""")
    assert data["article"] == {"isOriginal": False, "origin": {"provider": {"domain": "wsj.com"}}}


def test_story_fields_and_lists(seed: graph.CoverageGraph) -> None:
    story_id = ok(seed, ECHO_QUERY, url=WSJ)["article"]["story"]["id"]
    data = ok(seed, """query($id: ID!) { story(id: $id) { id title size firstPublishedAt lastPublishedAt exportUrl
        articles(first: 10) { totalCount nodes { publishedAt } } providers { nodes { domain } } } }""", id=story_id)
    story = data["story"]
    assert story["size"] == story["articles"]["totalCount"] == 6
    times = [n["publishedAt"] for n in story["articles"]["nodes"]]
    assert times == sorted(times) and story["firstPublishedAt"] == times[0] and story["lastPublishedAt"] == times[-1]
    assert story["providers"]["nodes"][0]["domain"] == "wsj.com"
    assert story["exportUrl"].startswith("/export/graph.graphml?story=")
    listing = ok(seed, "{ stories(orderBy: LARGEST) { totalCount nodes { id size } } }")["stories"]
    assert listing["totalCount"] == 2 and [n["size"] for n in listing["nodes"]] == [6, 2]
    assert ok(seed, '{ stories(filter: {provider: "digitimes.com"}) { totalCount } }')["stories"]["totalCount"] == 0
    assert ok(seed, '{ node(id: "%s") { ... on Story { size } } }' % story_id)["node"] == {"size": 6}
    assert ok(seed, '{ story(id: "story:nope") { id } }')["story"] is None


def test_outlets_lead_and_follow(seed: graph.CoverageGraph) -> None:
    data = ok(seed, """{ provider(domain: "wsj.com") { influence medianLagHours firstReports { totalCount }
        echoedBy(first: 10) { totalCount nodes { provider { domain } source { domain } target { domain } count medianLagHours } } }
        fudzilla: provider(domain: "fudzilla.com") { medianLagHours echoes { nodes { provider { domain } count } } }
        outletNetwork(first: 100) { totalCount nodes { source { domain } target { domain } count } } }""")
    wsj = data["provider"]
    assert wsj["firstReports"]["totalCount"] == 1 and wsj["medianLagHours"] is None
    assert {n["provider"]["domain"] for n in wsj["echoedBy"]["nodes"]} == ECHOERS
    assert all(n["target"]["domain"] == "wsj.com" and n["source"] == n["provider"] for n in wsj["echoedBy"]["nodes"])
    assert data["fudzilla"]["echoes"]["nodes"] == [{"provider": {"domain": "wsj.com"}, "count": 1}]
    assert data["fudzilla"]["medianLagHours"] > 0
    network = {(n["source"]["domain"], n["target"]["domain"]) for n in data["outletNetwork"]["nodes"]}
    assert {(d, "wsj.com") for d in ECHOERS} <= network
    ranks = ok(seed, "{ providers(first: 8) { nodes { domain influence } } }")["providers"]["nodes"]
    assert max(ranks, key=lambda p: p["influence"])["domain"] == "wsj.com"
    assert abs(sum(p["influence"] for p in ranks) - 1.0) < 1e-6


def test_path_and_neighborhood(seed: graph.CoverageGraph) -> None:
    data = ok(seed, """{ path(from: "provider:insidebitcoins.com", to: "provider:wsj.com", kinds: [PUBLISHED_BY, RELATED]) {
        found length nodes { id } edges { kind } } }""")
    path = data["path"]
    assert path["found"] and path["length"] == 3
    assert [n["id"].split(":")[0] for n in path["nodes"]] == ["provider", "article", "article", "provider"]
    assert [e["kind"] for e in path["edges"]] == ["PUBLISHED_BY", "RELATED", "PUBLISHED_BY"]
    none = ok(seed, """{ path(from: "topic:ai", to: "provider:digitimes.com", kinds: [TAGGED]) { found reason length } }""")
    assert none["path"]["found"] is False and none["path"]["reason"] and none["path"]["length"] == 0
    hood = ok(seed, '{ neighborhood(id: "provider:cointelegraph.com") { truncated nodes { distance node { id } } } }')
    hood = hood["neighborhood"]
    assert hood["truncated"] is False
    assert sorted(n["distance"] for n in hood["nodes"]) == [0, 1, 1]
    capped = ok(seed, '{ neighborhood(id: "provider:wsj.com", depth: 3, first: 3) { truncated nodes { distance } } }')
    assert capped["neighborhood"]["truncated"] is True and len(capped["neighborhood"]["nodes"]) == 3


def test_timeline_adds_up(seed: graph.CoverageGraph) -> None:
    data = ok(seed, """{ provider(domain: "cointelegraph.com") { articleCount timeline(bucket: DAY) {
        nodes { start count outlets { domain } } } } }""")
    provider = data["provider"]
    assert sum(b["count"] for b in provider["timeline"]["nodes"]) == provider["articleCount"] == 2


def test_search(seed: graph.CoverageGraph) -> None:
    def hits(text: str) -> list[str]:
        data = ok(seed, "query($t: String!) { search(text: $t, first: 20) { totalCount edges { node { id } snippet } } }",
                  t=text)
        return [e["node"]["id"] for e in data["search"]["edges"]]

    assert any("fudzilla" in h for h in hits("weaker"))
    assert any("cointelegraph.com/news/china" in h for h in hits('"without US chips"'))
    assert "provider:fudzilla.com" in hits("fudz*")
    assert hits("xyzzy plugh") == []
    hits('"unbalanced (NEAR * \x00')  # hostile text: ok() fails the test on any GraphQL error
