"""The web app through a real uvicorn server on a loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from servers import live_server

import graph
from api.app import GraphHolder, create_app
from api.settings import Settings

SEEDS = Path(__file__).parents[1] / "seeds"
STATS = "{ stats { articles providers topics } }"


@pytest.fixture(scope="module")
def holder() -> GraphHolder:
    return GraphHolder(graph.load(SEEDS)[0])


@pytest.fixture(scope="module")
def base(holder: GraphHolder) -> Iterator[str]:
    with live_server(create_app(holder, Settings(max_body_bytes=10_000))) as url:
        yield url


@pytest.fixture()
def client(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=10) as c:
        yield c


def test_post_json_query(client: httpx.Client) -> None:
    response = client.post("/graphql", json={"query": STATS})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": {"stats": {"articles": 9, "providers": 8, "topics": 2}}}


def test_get_query_and_variables(client: httpx.Client) -> None:
    response = client.get("/graphql", params={
        "query": "query($d: String!) { provider(domain: $d) { name articleCount } }",
        "variables": '{"d": "cointelegraph.com"}',
    })
    assert response.status_code == 200
    assert response.json()["data"]["provider"] == {"name": "CoinTelegraph", "articleCount": 2}


def test_application_graphql_body(client: httpx.Client) -> None:
    response = client.post("/graphql", content=STATS, headers={"content-type": "application/graphql"})
    assert response.json()["data"]["stats"]["articles"] == 9


def test_browser_get_opens_the_explorer(client: httpx.Client) -> None:
    response = client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_healthz(client: httpx.Client) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["articles"] == 9


@pytest.mark.parametrize(
    ("content", "content_type", "status", "message"),
    [
        (b"[1, 2]", "application/json", 400, "must be a JSON object"),
        (b'"query"', "application/json", 400, "must be a JSON object"),
        (b"{not json", "application/json", 400, "not valid JSON"),
        (b"", "application/json", 400, "empty"),
        (b'{"query": "{ stats { articles } }"', "application/json", 400, "not valid JSON"),
        (b"\xff\xfe{}", "application/json", 400, "UTF-8"),
        (b'{"query": 42}', "application/json", 400, "`query` must be a non-empty string"),
        (b'{"query": "{ stats { articles } }", "variables": [1]}', "application/json", 400, "`variables`"),
        (b'{"query": "{ stats { articles } }", "operationName": 5}', "application/json", 400, "operationName"),
        (b'{"query": "{ stats { articles } }\\u0000"}', "application/json", 400, "NUL"),
        (b'{"query": "{ stats { articles } } \\ud800"}', "application/json", 400, "surrogate"),
        (b"query=x", "application/x-www-form-urlencoded", 415, "unsupported content type"),
        (b'{"query": "query A { stats { articles } } query B { stats { topics } }"}', "application/json", 400,
         "name one with `operationName`"),
        (b'{"query": "{ stats { articles } }", "operationName": "Nope"}', "application/json", 400, "Nope"),
        (b'{"query": "{ nothing }"}', "application/json", 400, "Cannot query field"),
        (b'{"query": "{ stats { "}', "application/json", 400, "Syntax Error"),
    ],
)
def test_bad_requests_get_graphql_style_4xx(client: httpx.Client, content: bytes, content_type: str, status: int,
                                            message: str) -> None:
    response = client.post("/graphql", content=content, headers={"content-type": content_type})
    assert response.status_code == status
    body = response.json()
    assert body["data"] is None
    assert message.lower() in body["errors"][0]["message"].lower()
    assert "Traceback" not in response.text


def test_body_over_the_limit_is_413(client: httpx.Client) -> None:
    query = "{ stats { articles } }" + " " * 20_000
    response = client.post("/graphql", json={"query": query})
    assert response.status_code == 413
    assert "limit" in response.json()["errors"][0]["message"]


def test_mutation_over_get_is_refused(client: httpx.Client) -> None:
    response = client.get("/graphql", params={"query": "mutation { x }"})
    assert response.status_code == 405
    assert "not allowed over GET" in response.json()["errors"][0]["message"]


def test_swap_serves_the_new_graph(tmp_path: Path) -> None:
    seed_text = next(SEEDS.iterdir()).read_text(encoding="utf-8")
    (tmp_path / "a.md").write_text(seed_text, encoding="utf-8")
    holder = GraphHolder(graph.load(tmp_path)[0])
    with live_server(create_app(holder)) as url:
        before = httpx.post(f"{url}/graphql", json={"query": STATS}).json()["data"]["stats"]["articles"]
        other = seed_text.replace("insidebitcoins.com/news/how-china", "insidebitcoins.com/news/other-china")
        (tmp_path / "b.md").write_text(other, encoding="utf-8")
        holder.swap(graph.load(tmp_path)[0])
        after = httpx.post(f"{url}/graphql", json={"query": STATS}).json()["data"]["stats"]["articles"]
        health = httpx.get(f"{url}/healthz").json()
    assert (before, after) == (9, 10)
    assert health["generation"] == 1


def test_export_download_streams_graphml(client: httpx.Client) -> None:
    import networkx as nx

    response = client.get("/export/graph.graphml", params={"provider": "cointelegraph.com"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/graphml+xml")
    assert 'filename="newsgraph-cointelegraph.com.graphml"' in response.headers["content-disposition"]
    import io

    exported = nx.read_graphml(io.BytesIO(response.content))
    assert sum(1 for _, d in exported.nodes(data=True) if d["kind"] == "article") == 2


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/export/graph.pdf", {}, 404),
        ("/export/graph.graphml", {"story": "story:nope"}, 404),
        ("/export/graph.graphml", {"article": "https://nowhere.example/x"}, 404),
        ("/export/graph.graphml", {"since": "yesterday"}, 400),
        ("/export/graph.graphml", {"depth": "many"}, 400),
    ],
)
def test_export_bad_selectors(client: httpx.Client, path: str, params: dict[str, str], status: int) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status
    assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize("body", [
    {"data": {"stats": {"articles": 9, "providers": 8}}},
    {"data": {"a": [{"title": "Überfall – «quotes» \u2028 \\\\ \"q\" <tag> 😀", "x": None, "ok": True}]}},
    {"data": {"lagHours": [31.317, 0.5, 1e16, -0.0, 123456789.125]}},
    {"data": None, "errors": [{"message": "bad", "locations": [{"line": 1, "column": 2}], "path": ["a", 0]}]},
    {"data": {"big": 2**70}},  # over 64 bits: orjson refuses, the fallback answers
])
def test_json_response_gives_starlettes_bytes(body: dict[str, object]) -> None:
    from starlette.responses import JSONResponse

    from api.app import json_response

    ours, theirs = json_response(body, 200), JSONResponse(body)
    assert ours.body == theirs.body
    assert ours.headers["content-type"] == theirs.headers["content-type"]
    assert ours.headers["content-length"] == theirs.headers["content-length"]
    assert json_response(body, 400).status_code == 400


def test_list_page_bytes_are_plain_json(client: httpx.Client) -> None:
    """A page the fast paths serve (lazy articles, cached providers, orjson) reads back as the schema says."""
    response = client.post("/graphql", json={"query": "{ articles(first: 100) { totalCount edges { cursor node {"
                                                      " id title url publishedAt provider { domain } } } } }"})
    assert response.status_code == 200
    data = response.json()["data"]["articles"]
    assert data["totalCount"] == len(data["edges"]) == 9
    published = [e["node"]["publishedAt"] for e in data["edges"] if e["node"]["publishedAt"]]
    assert published == sorted(published, reverse=True)  # newest first
    assert all(e["node"]["id"] == "article:" + e["node"]["url"] for e in data["edges"] if e["node"]["url"])
    assert len({e["cursor"] for e in data["edges"]}) == 9
