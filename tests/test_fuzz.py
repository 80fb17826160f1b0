"""Schema fuzzing through a real uvicorn server (hypothesis-graphql): valid and invalid
queries built from the schema never get a 5xx, and every error is GraphQL-style.

``NEWSGRAPH_FUZZ_EXAMPLES`` sets the number of examples per test (default 150 each, so
about 300 requests in ``make test``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from servers import live_server

import graph
from api.app import GraphHolder, create_app
from api.schema import build_schema
from api.settings import Settings

hypothesis_graphql = pytest.importorskip("hypothesis_graphql")

SEEDS = Path(__file__).parents[1] / "seeds"
EXAMPLES = int(os.environ.get("NEWSGRAPH_FUZZ_EXAMPLES", "150"))
SDL = str(build_schema())
#: Outcomes seen, per status code, for the report (``pytest -s`` prints them).
SEEN: dict[int, int] = {}


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    holder = GraphHolder(graph.load(SEEDS)[0])
    with live_server(create_app(holder, Settings(query_timeout=2.0))) as url, \
            httpx.Client(base_url=url, timeout=60) as c:
        yield c
    print(f"\nfuzz outcomes by status: {dict(sorted(SEEN.items()))}")


def _check(response: httpx.Response) -> None:
    SEEN[response.status_code] = SEEN.get(response.status_code, 0) + 1
    assert response.status_code < 500, response.text[:500]
    body = response.json()
    assert "data" in body
    if response.status_code >= 400:
        assert body["data"] is None and body["errors"][0]["message"]
    for error in body.get("errors") or []:
        assert isinstance(error["message"], str)
        assert "Traceback" not in error["message"]


_FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@_FUZZ
@given(query=hypothesis_graphql.queries(SDL))
def test_valid_queries_never_5xx(client: httpx.Client, query: str) -> None:
    _check(client.post("/graphql", json={"query": query}))


@_FUZZ
@given(query=hypothesis_graphql.queries(SDL, mode=hypothesis_graphql.Mode.NEGATIVE))
def test_invalid_queries_never_5xx(client: httpx.Client, query: str) -> None:
    _check(client.post("/graphql", json={"query": query}))


@settings(max_examples=max(EXAMPLES // 3, 20), deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["query", "variables", "operationName", "extensions", "x"]) | st.text(max_size=5),
        inner, max_size=4),
    max_leaves=12))
def test_arbitrary_json_bodies_never_5xx(client: httpx.Client, body: object) -> None:
    # NaN and Infinity go out as Python writes them (not strict JSON): the server must cope
    content = json.dumps(body).encode("utf-8", "surrogatepass")
    response = client.post("/graphql", content=content, headers={"content-type": "application/json"})
    SEEN[response.status_code] = SEEN.get(response.status_code, 0) + 1
    assert response.status_code < 500, response.text[:500]
    assert response.json()["errors"] or response.status_code == 200
