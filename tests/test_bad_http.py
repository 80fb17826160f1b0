"""Bad HTTP input through a real uvicorn server: every case is a 4xx with a GraphQL-style
error body (``{"data": null, "errors": [{"message": ...}]}``), never a 5xx or a stack trace."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from servers import live_server

import graph
from api.app import GraphHolder, create_app
from api.settings import Settings

SEEDS = Path(__file__).parents[1] / "seeds"
STATS = "{ stats { articles } }"
LIMIT = 20_000  # max_body_bytes for this server


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    holder = GraphHolder(graph.load(SEEDS)[0])
    with live_server(create_app(holder, Settings(max_body_bytes=LIMIT))) as url:
        yield url


@pytest.fixture()
def client(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=30) as c:
        yield c


def assert_graphql_4xx(response: httpx.Response, status: int | None = None, fragment: str = "") -> str:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    if status is not None:
        assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["data"] is None
    assert isinstance(body["errors"], list) and body["errors"]
    message = body["errors"][0]["message"]
    assert isinstance(message, str) and message
    assert fragment.lower() in message.lower(), message
    assert "Traceback" not in response.text and 'File "' not in response.text
    return message


def _json(text: str) -> bytes:
    return text.encode("utf-8")


#: (name, raw body, content type, expected status, part of the message)
POSTS: list[tuple[str, bytes, str, int, str]] = [
    ("JSON array", b"[1, 2]", "application/json", 400, "must be a JSON object"),
    ("JSON string", b'"{ stats { articles } }"', "application/json", 400, "must be a JSON object"),
    ("JSON number", b"42", "application/json", 400, "must be a JSON object"),
    ("JSON null", b"null", "application/json", 400, "must be a JSON object"),
    ("invalid UTF-8", b'{"query": "\xff\xfe"}', "application/json", 400, "UTF-8"),
    ("invalid UTF-8 (overlong)", b'{"query": "\xc0\xaf"}', "application/json", 400, "UTF-8"),
    ("empty body", b"", "application/json", 400, "empty"),
    ("whitespace body", b"  \n ", "application/json", 400, "empty"),
    ("truncated JSON", b'{"query": "{ stats { articles } }"', "application/json", 400, "not valid JSON"),
    ("truncated JSON string", b'{"query": "{ sta', "application/json", 400, "not valid JSON"),
    ("not JSON", b"{ stats { articles } }", "application/json", 400, "not valid JSON"),
    ("form content type", b"query=x", "application/x-www-form-urlencoded", 415, "content type"),
    ("text/plain", _json(json.dumps({"query": STATS})), "text/plain", 415, "content type"),
    ("XML", b"<query/>", "application/xml", 415, "content type"),
    ("multipart", b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x", 415, "content type"),
    ("query missing", b'{"variables": {}}', "application/json", 400, "`query`"),
    ("query a number", b'{"query": 42}', "application/json", 400, "`query`"),
    ("query a list", b'{"query": ["{ stats { articles } }"]}', "application/json", 400, "`query`"),
    ("query an object", b'{"query": {"a": 1}}', "application/json", 400, "`query`"),
    ("query null", b'{"query": null}', "application/json", 400, "`query`"),
    ("query empty", b'{"query": "  "}', "application/json", 400, "`query`"),
    ("variables a list", _json(json.dumps({"query": STATS, "variables": [1]})), "application/json", 400,
     "`variables`"),
    ("variables a string", _json(json.dumps({"query": STATS, "variables": "{}"})), "application/json", 400,
     "`variables`"),
    ("variables a number", _json(json.dumps({"query": STATS, "variables": 3})), "application/json", 400,
     "`variables`"),
    ("operationName a number", _json(json.dumps({"query": STATS, "operationName": 5})), "application/json", 400,
     "operationName"),
    ("unknown operationName", _json(json.dumps({"query": "query A { stats { articles } }", "operationName": "B"})),
     "application/json", 400, "no operation named 'B'"),
    ("several operations without a name",
     _json(json.dumps({"query": "query A { stats { articles } } query B { stats { topics } }"})),
     "application/json", 400, "operationName"),
    ("only fragments", _json(json.dumps({"query": "fragment F on Query { stats { articles } }"})),
     "application/json", 400, "no operation"),
    ("NUL in the query", b'{"query": "{ stats { articles } }\\u0000"}', "application/json", 400, "NUL"),
    ("raw NUL in the query", b'{"query": "{ stats {\x00 articles } }"}', "application/json", 400, "JSON"),
    ("lone surrogate in the query", b'{"query": "{ stats { articles } } \\ud800"}', "application/json", 400,
     "surrogate"),
    ("lone low surrogate in the query", b'{"query": "# \\udfff\\n{ stats { articles } }"}', "application/json", 400,
     "surrogate"),
    ("lone surrogate in a variable",
     b'{"query": "query($t: String!) { search(text: $t) { totalCount } }", "variables": {"t": "\\ud800"}}',
     "application/json", 400, "surrogate"),
    ("lone surrogate in operationName", b'{"query": "query A { stats { articles } }", "operationName": "\\ud800"}',
     "application/json", 400, "surrogate"),
    ("huge number of variables", _json(json.dumps({"query": STATS, "variables": {str(i): 0 for i in range(1100)}})),
     "application/json", 400, "max_tokens"),
    ("huge variable list", _json(json.dumps({
        "query": "query($k: [EdgeKind!]) { neighborhood(id: \"provider:wsj.com\", kinds: $k) { depth } }",
        "variables": {"k": ["RELATED"] * 1100}})), "application/json", 400, "max_tokens"),
    ("deeply nested variables (within the JSON parser)",
     _json('{"query": "{ stats { articles } }", "variables": {"v": ' + "[" * 500 + "]" * 500 + "}}"),
     "application/json", 400, "max_depth"),
    ("deeply nested variables (beyond the JSON parser)",
     _json('{"query": "{ stats { articles } }", "variables": {"v": ' + "[" * 5000 + "]" * 5000 + "}}"),
     "application/json", 400, "not valid JSON"),
    ("deeply nested JSON body", _json("[" * 5000 + "]" * 5000), "application/json", 400, "not valid JSON"),
    ("syntax error", b'{"query": "{ stats { "}', "application/json", 400, "Syntax Error"),
    ("unknown field", b'{"query": "{ nothing }"}', "application/json", 400, "Cannot query field"),
    ("unknown fragment", b'{"query": "{ stats { ...Nope } }"}', "application/json", 400, "unknown fragment"),
    ("mutation", b'{"query": "mutation { x }"}', "application/json", 400, "mutation"),
    ("subscription", b'{"query": "subscription { x }"}', "application/json", 400, "subscription"),
    ("variable of the wrong type",
     b'{"query": "query($n: Int) { topics(first: $n) { totalCount } }", "variables": {"n": "many"}}',
     "application/json", 400, "Int"),
    ("missing required variable", b'{"query": "query($u: String!) { article(url: $u) { id } }"}',
     "application/json", 400, "$u"),
    ("application/graphql empty", b"", "application/graphql", 400, "`query`"),
    ("application/graphql invalid UTF-8", b"{ stats \xff }", "application/graphql", 400, "UTF-8"),
]


@pytest.mark.parametrize(("name", "content", "content_type", "status", "fragment"), POSTS, ids=[p[0] for p in POSTS])
def test_bad_post_bodies(client: httpx.Client, name: str, content: bytes, content_type: str, status: int,
                         fragment: str) -> None:
    response = client.post("/graphql", content=content, headers={"content-type": content_type})
    assert_graphql_4xx(response, status, fragment)


#: (name, query parameters, expected status, part of the message)
GETS: list[tuple[str, dict[str, str], int, str]] = [
    ("no query", {}, 400, "`query`"),
    ("variables not JSON", {"query": STATS, "variables": "{"}, 400, "`variables` is not valid JSON"),
    ("variables not an object", {"query": STATS, "variables": "[1]"}, 400, "`variables` must be a JSON object"),
    ("mutation over GET", {"query": "mutation { x }"}, 405, "not allowed over GET"),
    ("named mutation over GET", {"query": "query A { stats { articles } } mutation B { x }", "operationName": "B"},
     405, "not allowed over GET"),
    ("NUL", {"query": "{ stats { articles } }\x00"}, 400, "NUL"),
    ("unknown operationName", {"query": STATS, "operationName": "Nope"}, 400, "Nope"),
]


@pytest.mark.parametrize(("name", "params", "status", "fragment"), GETS, ids=[g[0] for g in GETS])
def test_bad_get_requests(client: httpx.Client, name: str, params: dict[str, str], status: int, fragment: str) -> None:
    response = client.get("/graphql", params=params)
    assert_graphql_4xx(response, status, fragment)


def test_invalid_utf8_in_the_query_string(client: httpx.Client) -> None:
    # Starlette decodes the query string leniently (U+FFFD); the parser refuses it.
    response = client.get("/graphql?query=%7B%20stats%20%ff%20%7D")
    assert_graphql_4xx(response, 400)


def test_long_get_query_string_is_414(client: httpx.Client) -> None:
    query = STATS + " " * (LIMIT + 10)
    response = client.get("/graphql", params={"query": query})
    message = assert_graphql_4xx(response, 414, "max_body_bytes")
    assert "POST" in message


def test_very_long_request_line_is_refused_by_the_server(base: str) -> None:
    """Beyond what h11 buffers, uvicorn itself answers (plain-text 400) or closes the
    connection: the app never sees the request, and it is never a 5xx."""
    reply = _raw(base, b"GET /graphql?query=%7Bstats%7Barticles%7D%7D" + b"+" * 300_000 +
                 b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert reply == b"" or reply.startswith(b"HTTP/1.1 4"), reply[:100]


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "FOO"])
def test_other_methods_are_405_with_allow(client: httpx.Client, method: str) -> None:
    response = client.request(method, "/graphql", content=b"{}")
    assert_graphql_4xx(response, 405, method)
    assert "POST" in response.headers["allow"] and "GET" in response.headers["allow"]


def test_head_is_a_4xx_without_body(client: httpx.Client) -> None:
    response = client.head("/graphql")
    assert 400 <= response.status_code < 500 and response.content == b""


def test_unknown_path_is_a_graphql_style_404(client: httpx.Client) -> None:
    assert_graphql_4xx(client.get("/graphq1"), 404, "/graphql")


def test_declared_content_length_over_the_limit_is_413_without_reading(base: str) -> None:
    reply = _raw(base, b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 10000000000\r\nConnection: close\r\n\r\n{")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert "max_body_bytes" in json.loads(body)["errors"][0]["message"]


def test_chunked_body_without_length_over_the_limit_is_413(client: httpx.Client) -> None:
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        for _ in range(200):  # 200 kB in 1 kB chunks, no Content-Length
            sent += 1
            yield b" " * 1000

    response = client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_graphql_4xx(response, 413, "max_body_bytes")


def test_chunked_body_within_the_limit_is_served(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ stats '
        yield b'{ articles } }"}'

    response = client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 200 and response.json()["data"]["stats"]["articles"] == 9


def test_body_shorter_than_its_content_length_is_never_a_5xx(base: str, caplog: pytest.LogCaptureFixture) -> None:
    """The client promises 100 bytes, sends 10 and hangs up: nothing to answer, and no
    stack trace in the server's log either."""
    with caplog.at_level(logging.ERROR):
        _raw(base, b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             b"Content-Length: 100\r\n\r\n{\"query\":", half_close=True)
        # the server is still fine afterwards
        assert httpx.post(f"{base}/graphql", json={"query": STATS}).status_code == 200
    assert not [r for r in caplog.records if "Exception in ASGI application" in r.getMessage()]


def test_malformed_http_is_refused_by_the_server(base: str) -> None:
    for request in (
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n{}",
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n{}",
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n",
    ):
        reply = _raw(base, request)
        assert reply.startswith(b"HTTP/1.1 400"), reply[:100]


def test_server_still_serves_after_all_that(client: httpx.Client) -> None:
    response = client.post("/graphql", json={"query": STATS})
    assert response.status_code == 200 and response.json() == {"data": {"stats": {"articles": 9}}}


def _raw(base: str, data: bytes, half_close: bool = False) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        try:
            sock.sendall(data)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
            chunks = []
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except (ConnectionResetError, BrokenPipeError):
            return b""
        return b"".join(chunks)
