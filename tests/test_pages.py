"""The explorer's pages and assets over plain HTTP, through a real uvicorn server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from servers import live_server

import graph
from api import explorer
from api.app import GraphHolder, create_app
from api.schema import build_schema
from api.settings import Settings
from api.types import Context

SEEDS = Path(__file__).parents[1] / "seeds"
WSJ = explorer.SEED_ARTICLE
CDN_HOSTS = ("unpkg.com", "jsdelivr.net", "googleapis.com", "gstatic.com", "cdnjs.cloudflare.com",
             "esm.sh", "skypack.dev", "jspm.io", "cloudflare.com", "bootstrapcdn.com")
OWN_FILES = sorted(p for p in explorer.STATIC_DIR.rglob("*") if p.is_file() and "vendor" not in p.parts)


@pytest.fixture(scope="module")
def holder() -> GraphHolder:
    return GraphHolder(graph.load(SEEDS)[0])


@pytest.fixture(scope="module")
def base(holder: GraphHolder) -> Iterator[str]:
    with live_server(create_app(holder)) as url:
        yield url


@pytest.fixture()
def client(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=10) as c:
        yield c


@pytest.fixture(scope="module")
def story_id(holder: GraphHolder) -> str:
    from graph.stories import story_of

    article = holder.current.article_id_for(WSJ)
    assert article is not None, "the seed's WSJ article is missing"
    found = story_of(holder.current, article)
    assert found is not None, "the seed's WSJ article has no story"
    return found


class Page(HTMLParser):
    """What the tests look for in a page: assets, links, labels and form controls."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.links: list[str] = []
        self.labels: set[str] = set()
        self.controls: list[str] = []
        self.meta_csp: str | None = None
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "script" and "src" in a:
            self.assets.append(a["src"])
        if tag == "link" and "href" in a:
            self.assets.append(a["href"])
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "label" and "for" in a:
            self.labels.add(a["for"])
        if tag in ("input", "select", "textarea"):
            self.controls.append(a.get("id", ""))
        if tag == "meta" and a.get("http-equiv", "").lower() == "content-security-policy":
            self.meta_csp = a.get("content")


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def external_urls(text: str) -> list[str]:
    """http(s) URLs in served text, except XML namespaces."""
    return [u for u in re.findall(r"https?://[^\s\"'<>)]+", text) if not u.startswith("http://www.w3.org/")]


# ------------------------------------------------------------------ pages


def test_home_page(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert page.lang == "en"
    assert "/static/js/home.js" in page.assets and "/static/js/common.js" in page.assets
    assert "/graphql" in page.links  # into GraphiQL
    assert 'action="/search"' in response.text  # the search box works without JavaScript too


def test_every_form_control_has_a_label(client: httpx.Client, story_id: str) -> None:
    for path in ("/", explorer.story_path(story_id), "/story/story:nope"):
        page = parse(client.get(path).text)
        assert all(control and control in page.labels for control in page.controls), path


def test_story_page_accepts_the_colon_and_links_the_graphml_export(client: httpx.Client, story_id: str) -> None:
    assert story_id.startswith("story:")
    response = client.get(f"/story/{story_id}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    exports = [link for link in page.links if link.startswith("/export/graph.graphml?story=")]
    assert len(exports) == 1 and unquote(exports[0].split("=", 1)[1]) == story_id
    assert f'data-story-id="{story_id}"' in response.text
    assert {"/static/vendor/cytoscape.min.js", "/static/js/story.js"} <= set(page.assets)
    # The percent-encoded form reaches the same story.
    assert client.get("/story/" + story_id.replace(":", "%3A")).status_code == 200


def test_unknown_story_is_a_404_that_names_it_escaped(client: httpx.Client) -> None:
    response = client.get("/story/story:<b>nope</b>")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "story:&lt;b&gt;nope&lt;/b&gt;" in response.text and "<b>nope" not in response.text
    assert client.get("/story/provider:wsj.com").status_code == 404  # a node, but not a story


def test_graphiql_page_is_served_from_the_app(client: httpx.Client) -> None:
    response = client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    page = parse(response.text)
    vendored = {f"/static/vendor/{name}" for name in explorer.VENDOR_FILES if "cytoscape" not in name}
    assert vendored <= set(page.assets)
    assert all(asset.startswith("/static/") for asset in page.assets)
    # The only URL naming another host is the example's article, data for a query variable.
    markup = re.sub(r'<script type="application/json"[^>]*>.*?</script>', "", response.text, flags=re.S)
    assert external_urls(markup) == []


def test_every_page_forbids_other_hosts(client: httpx.Client, story_id: str) -> None:
    for path, headers in (("/", {}), (f"/story/{story_id}", {}), ("/graphql", {"accept": "text/html"})):
        csp = parse(client.get(path, headers=headers).text).meta_csp
        assert csp is not None, path
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"  # no inline or remote scripts
        assert directives["connect-src"] == "'self'"
        assert all("http" not in value and "*" not in value for value in directives.values()), csp


def test_assets_referenced_by_the_pages_are_served_with_their_types(client: httpx.Client, story_id: str) -> None:
    assets: set[str] = set()
    for path, headers in (("/", {}), (f"/story/{story_id}", {}), ("/graphql", {"accept": "text/html"})):
        assets |= set(parse(client.get(path, headers=headers).text).assets)
    expected = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    assert {Path(a).suffix for a in assets} == set(expected)
    for asset in sorted(assets):
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert response.headers["content-type"].startswith(expected[Path(asset).suffix]), asset
        assert len(response.content) > 100, asset


@pytest.mark.parametrize("path", OWN_FILES, ids=lambda p: p.name)
def test_own_assets_name_no_other_host(path: Path) -> None:
    assert external_urls(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("name", sorted(explorer.VENDOR_FILES))
def test_vendored_assets_load_nothing_from_a_cdn(client: httpx.Client, name: str) -> None:
    response = client.get(f"/static/vendor/{name}")
    assert response.status_code == 200, f"{name} is missing: run `make vendor`"
    text = response.text
    assert not [host for host in CDN_HOSTS if host in text]
    if name.endswith(".css"):
        assert "@import" not in text
        assert [u for u in re.findall(r"url\(\s*['\"]?([^'\")]+)", text) if not u.startswith("data:")] == []


def test_explorer_off_serves_no_pages(holder: GraphHolder) -> None:
    with live_server(create_app(holder, Settings(explorer=False))) as url, httpx.Client(base_url=url) as c:
        assert c.get("/").status_code == 404
        assert c.get("/static/js/common.js").status_code == 404
        assert c.get("/graphql", headers={"accept": "text/html"}).status_code == 404


# ------------------------------------------------------------------ search fallback


def test_search_redirects_to_the_story(client: httpx.Client, story_id: str) -> None:
    response = client.get("/search", params={"url": WSJ})
    assert response.status_code == 303
    assert response.headers["location"] == explorer.story_path(story_id)
    # An alias of the URL (tracking parameter, no www.) finds the same article.
    alias = WSJ.replace("https://www.", "https://") + "?utm_source=x"
    assert client.get("/search", params={"url": alias}).headers["location"] == explorer.story_path(story_id)


def test_search_for_an_unknown_article(client: httpx.Client) -> None:
    response = client.get("/search", params={"url": "https://example.com/<i>nothing</i>"})
    assert response.status_code == 404
    assert "No article with that URL" in response.text
    assert "&lt;i&gt;nothing" in response.text and "<i>nothing" not in response.text
    assert client.get("/search", params={"url": "  "}).status_code == 400


def test_search_for_an_article_without_a_story(client: httpx.Client, holder: GraphHolder) -> None:
    from graph.stories import story_of

    g = holder.current
    lonely = [n for n, kind in g.nx.nodes(data="kind") if kind == "article" and story_of(g, n) is None]
    if not lonely:
        pytest.skip("every seed article belongs to a story")
    response = client.get("/search", params={"url": g.nx.nodes[lonely[0]]["url"]})
    assert response.status_code == 200
    assert "has no story" in response.text


# ------------------------------------------------------------------ examples and build step


@pytest.mark.parametrize("example", explorer.EXAMPLES, ids=lambda e: e.title)
def test_example_queries_answer_on_the_seed(holder: GraphHolder, example: explorer.Example) -> None:
    settings = Settings()
    result = build_schema(settings).execute_sync(
        example.query, variable_values=example.variables, context_value=Context(holder.current, settings)
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    assert all(value is not None for value in result.data.values()), result.data


def test_the_echoes_example_starts_from_the_wsj_report(holder: GraphHolder) -> None:
    example = explorer.EXAMPLES[0]
    settings = Settings()
    result = build_schema(settings).execute_sync(
        example.query, variable_values=example.variables, context_value=Context(holder.current, settings)
    )
    assert result.data is not None
    article = result.data["article"]
    assert article["provider"]["name"] == "Wall Street Journal" and article["isOriginal"] is True
    assert article["echoes"]["totalCount"] >= 1


def test_examples_json_in_the_page_round_trips() -> None:
    page = explorer.graphiql_page()
    match = re.search(r'<script type="application/json" id="newsgraph-examples">(.*?)</script>', page, re.S)
    assert match is not None
    data = json.loads(match.group(1))
    assert [d["query"] for d in data] == [e.query for e in explorer.EXAMPLES]
    assert len({re.search(r"query (\w+)", e.query).group(1) for e in explorer.EXAMPLES}) == len(explorer.EXAMPLES)  # type: ignore[union-attr]


def test_install_vendor_copies_the_browser_builds(tmp_path: Path) -> None:
    modules = tmp_path / "node_modules"
    for source in {**explorer.VENDOR_FILES, **explorer.VENDOR_LICENCES}.values():
        (modules / source).parent.mkdir(parents=True, exist_ok=True)
        (modules / source).write_text(f"/* {source} */")
    copied = explorer.install_vendor(modules, tmp_path / "vendor")
    assert sorted(p.name for p in copied) == sorted({**explorer.VENDOR_FILES, **explorer.VENDOR_LICENCES})
    assert (tmp_path / "vendor" / "graphiql.min.js").read_text() == "/* graphiql/graphiql.min.js */"
    (modules / "cytoscape/dist/cytoscape.min.js").unlink()
    with pytest.raises(FileNotFoundError, match="cytoscape/dist/cytoscape.min.js"):
        explorer.install_vendor(modules, tmp_path / "again")
    assert not (tmp_path / "again").exists()


def test_vendor_files_match_the_pinned_packages() -> None:
    lock = json.loads((Path(__file__).parents[1] / "explorer" / "package-lock.json").read_text())
    manifest = json.loads((Path(__file__).parents[1] / "explorer" / "package.json").read_text())
    for name, version in manifest["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    for source in explorer.VENDOR_FILES.values():
        assert source.split("/")[0] in manifest["dependencies"]
