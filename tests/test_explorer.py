"""The explorer in a real browser: headless Chromium (Debian's package) driven by Playwright,
against a real uvicorn server on a loopback port.

Every request the browser makes is recorded, and any request to a host other than the app
is aborted and fails the test. Screenshots go to ``test-artifacts/`` (git-ignored):

- ``explorer-graphiql.png``: GraphiQL with the example tabs, after running the first one;
- ``explorer-graphiql-docs.png``: the documentation explorer open on the Query type;
- ``explorer-home.png``: the home page at 1280x800 (full page);
- ``explorer-story.png``: the coverage view of the seed's WSJ story (full page);
- ``explorer-story-narrow.png``: the same on a 390 px wide screen.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from servers import live_server

import graph
from api import explorer
from api.app import GraphHolder, create_app
from api.schema import build_schema
from api.settings import Settings
from api.types import Context


def _chromium() -> str | None:
    for candidate in (os.environ.get("NEWSGRAPH_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium not found (install Debian's package: apt-get install -y chromium); browser tests skipped",
)

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, Route, sync_playwright  # noqa: E402

SEEDS = Path(__file__).parents[1] / "seeds"
ARTIFACTS = Path(__file__).parents[1] / "test-artifacts"
WSJ = explorer.SEED_ARTICLE
ECHOING = {"insidebitcoins.com", "cointelegraph.com", "fudzilla.com", "globaltimes.cn", "businessinsider.com"}
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@dataclass
class Traffic:
    """Every URL the browser asked for, and those it was stopped from reaching."""

    base: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        url = route.request.url
        self.requests.append(url)
        if url == self.base or url.startswith(self.base + "/") or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def assert_clean(self) -> None:
        assert self.requests, "the browser made no request at all"
        assert self.blocked == [], f"requests to other hosts: {self.blocked}"
        assert self.console_errors == [], f"console errors (CSP violations show here): {self.console_errors}"


@pytest.fixture(scope="module")
def holder() -> GraphHolder:
    return GraphHolder(graph.load(SEEDS)[0])


@pytest.fixture(scope="module")
def base(holder: GraphHolder) -> Iterator[str]:
    with live_server(create_app(holder)) as url:
        yield url


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield browser
    browser.close()


@pytest.fixture()
def traffic(base: str) -> Traffic:
    return Traffic(base)


@pytest.fixture()
def context(browser: Browser, traffic: Traffic) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    ctx.set_default_timeout(15_000)
    ctx.route("**/*", traffic.route)
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context: BrowserContext, traffic: Traffic) -> Page:
    p = context.new_page()
    p.on("console", traffic.console)
    p.on("pageerror", lambda error: traffic.console_errors.append(f"uncaught: {error}"))
    return p


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"explorer-{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 10_000, f"{path} looks blank"
    return path


def api(holder: GraphHolder, query: str, **variables: Any) -> Any:
    settings = Settings()
    result = build_schema(settings).execute_sync(
        query, variable_values=variables, context_value=Context(holder.current, settings)
    )
    assert result.errors is None, result.errors
    return result.data


def seed_story(holder: GraphHolder) -> dict[str, Any]:
    data = api(holder, """query($url: String!) { article(url: $url) { story {
        id origin { provider { domain name } echoes(first: 100) { edges { node { provider { domain } } } } } } } }""",
               url=WSJ)
    story = data["article"]["story"]
    assert story is not None, "the seed's WSJ article has no story"
    return story  # type: ignore[no-any-return]


def editor_value(page: Page, selector: str) -> str:
    """The full text of a GraphiQL editor (CodeMirror renders only the visible lines)."""
    return page.eval_on_selector(f"{selector} .CodeMirror", "el => el.CodeMirror.getValue()")  # type: ignore[no-any-return]


# ------------------------------------------------------------------ GraphiQL


def test_graphiql_loads_offline_and_runs_an_example(page: Page, base: str, traffic: Traffic) -> None:
    page.goto(f"{base}/graphql")
    page.wait_for_selector(".graphiql-container")
    tabs = page.locator(".graphiql-tab").all_inner_texts()
    names = [re.search(r"^query (\w+)", example.query, re.M).group(1) for example in explorer.EXAMPLES]  # type: ignore[union-attr]
    assert [t.strip() for t in tabs] == names
    assert "EchoesOfAnOriginalReport" in editor_value(page, ".graphiql-query-editor")
    variables = editor_value(page, ".graphiql-editor-tool .graphiql-editor:not(.hidden)")
    assert json.loads(variables) == {"url": WSJ}

    page.locator(".graphiql-execute-button").click()
    page.wait_for_function(
        "() => { const cm = document.querySelector('.result-window .CodeMirror');"
        " return cm && cm.CodeMirror.getValue().includes('\"data\"'); }"
    )
    result = json.loads(editor_value(page, ".result-window"))
    assert "errors" not in result
    article = result["data"]["article"]
    assert article["provider"]["name"] == "Wall Street Journal"
    assert article["isOriginal"] is True
    assert article["echoes"]["totalCount"] >= 1
    assert page.locator(".result-window").inner_text().count("Wall Street Journal") >= 1  # shown, not only held
    screenshot(page, "graphiql", full_page=False)
    traffic.assert_clean()
    assert any(url.endswith("/static/vendor/graphiql.min.js") for url in traffic.requests)


def test_graphiql_docs_explorer_reads_the_schema(page: Page, base: str, traffic: Traffic) -> None:
    page.goto(f"{base}/graphql")
    page.wait_for_selector(".graphiql-container")
    page.get_by_role("button", name="Show Documentation Explorer").click()
    docs = page.locator(".graphiql-doc-explorer")
    docs.get_by_text("Query", exact=True).first.click()
    docs.get_by_text("outletNetwork").first.wait_for()
    assert "Who echoes whom" in docs.inner_text()  # the field's description, from introspection
    screenshot(page, "graphiql-docs", full_page=False)
    traffic.assert_clean()


def run_active_tab(page: Page, operation: str) -> dict[str, Any]:
    """Run the active tab and return its JSON result.

    GraphiQL 3 updates the operation name a moment after a tab switch (a debounce), so a
    click right after switching can send the previous tab's name; the server then answers
    "no operation named ...". Click again until the answer is this operation's.
    """
    for _ in range(20):
        page.locator(".graphiql-execute-button").click()
        try:
            page.wait_for_function(
                "() => { const cm = document.querySelector('.result-window .CodeMirror');"
                " return cm && cm.CodeMirror.getValue().includes('\"data\"'); }", timeout=5_000)
        except PlaywrightTimeout:
            continue
        result: dict[str, Any] = json.loads(editor_value(page, ".result-window"))
        stale = [e for e in result.get("errors", []) if "no operation named" in e["message"]]
        if not stale:
            return result
        page.wait_for_timeout(250)
    raise AssertionError(f"GraphiQL never ran {operation}")


def test_graphiql_every_example_runs_in_the_browser(page: Page, base: str, traffic: Traffic) -> None:
    page.goto(f"{base}/graphql")
    page.wait_for_selector(".graphiql-container")
    for index, example in enumerate(explorer.EXAMPLES):
        page.locator(".graphiql-tab").nth(index).locator("button").first.click()
        operation = re.search(r"^query (\w+)", example.query, re.M).group(1)  # type: ignore[union-attr]
        page.wait_for_function(
            "name => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue()"
            ".includes('query ' + name)", arg=operation)
        result = run_active_tab(page, operation)
        assert "errors" not in result, (example.title, result)
        assert all(value is not None for value in result["data"].values()), example.title
    # Stale-name retries aside, the browser saw no error and no other host.
    traffic.console_errors = [e for e in traffic.console_errors if "400 (Bad Request)" not in e]
    traffic.assert_clean()


# ------------------------------------------------------------------ home page and search


def test_home_page_shows_the_corpus(page: Page, base: str, holder: GraphHolder, traffic: Traffic) -> None:
    page.goto(base + "/")
    page.wait_for_selector("#counts[aria-busy=false]")
    stats = api(holder, "{ stats { articles providers stories } }")["stats"]
    counts = dict(zip(page.locator("#counts dt").all_inner_texts(), page.locator("#counts dd").all_inner_texts()))
    assert counts["Articles"] == str(stats["articles"])
    assert counts["Outlets"] == str(stats["providers"])
    assert counts["Stories"] == str(stats["stories"])
    assert "Published from 2023-" in page.locator("#span").inner_text()
    story = seed_story(holder)
    assert page.locator(f"#top-stories a[href='{explorer.story_path(story['id'])}']").count() == 1
    outlets = page.locator("#top-outlets tbody tr").count()
    assert outlets == min(10, stats["providers"])
    screenshot(page, "home")
    # Keyboard: the first Tab reaches the skip link, the next ones the site links, then the search box.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    traffic.assert_clean()


def test_search_box_goes_to_the_story_with_the_keyboard(page: Page, base: str, holder: GraphHolder,
                                                         traffic: Traffic) -> None:
    page.goto(base + "/")
    page.get_by_label("Find an article's story by its URL").fill(WSJ)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == base + explorer.story_path(seed_story(holder)["id"])
    page.wait_for_selector("#story[data-ready=true]")
    traffic.assert_clean()


def test_search_box_says_when_there_is_no_article(page: Page, base: str, traffic: Traffic) -> None:
    page.goto(base + "/")
    page.get_by_label("Find an article's story by its URL").fill("https://example.com/not-in-the-corpus")
    page.get_by_role("button", name="Show coverage").click()
    status = page.locator("#search-status")
    status.filter(has_text="No article with that URL").wait_for()
    assert page.url == base + "/"
    traffic.assert_clean()


# ------------------------------------------------------------------ coverage view


def _timeline(page: Page) -> list[dict[str, Any]]:
    return page.eval_on_selector_all(  # type: ignore[no-any-return]
        "#timeline > li",
        """items => items.map(li => ({
            origin: li.classList.contains('origin'),
            name: li.querySelector('.outlet-name').textContent,
            domain: li.querySelector('.domain').textContent,
            lags: Array.from(li.querySelectorAll('.item .lag')).map(e => e.textContent),
            links: Array.from(li.querySelectorAll('.item a')).map(a => a.href),
            times: Array.from(li.querySelectorAll('.item time')).map(t => t.getAttribute('datetime')),
        }))""",
    )


def test_coverage_view_matches_the_api(page: Page, base: str, holder: GraphHolder, traffic: Traffic) -> None:
    story = seed_story(holder)
    page.goto(base + explorer.story_path(story["id"]))
    page.wait_for_selector("#story[data-ready=true]")
    rows = _timeline(page)
    assert rows[0]["origin"] and rows[0]["domain"] == story["origin"]["provider"]["domain"]
    assert rows[0]["lags"] == ["original"]
    echoed = {edge["node"]["provider"]["domain"] for edge in story["origin"]["echoes"]["edges"]}
    assert [r["domain"] for r in rows[1:]] and {r["domain"] for r in rows[1:]} == echoed
    assert all(not r["origin"] for r in rows[1:])
    assert all(r["links"] and all(link.startswith("http") for link in r["links"]) for r in rows)
    assert all(r["times"] and all(r["times"]) for r in rows)
    # Outlets are placed by lag: the first echo of each outlet is no earlier than the previous outlet's.
    firsts = [min(r["times"]) for r in rows]
    assert firsts == sorted(firsts)
    network = page.locator("#network")
    assert network.get_attribute("data-nodes") == str(1 + len(echoed - {rows[0]["domain"]}))
    assert network.get_attribute("data-edges") == str(len(echoed))
    assert network.locator("canvas").count() >= 1
    export = page.get_by_role("link", name="Download this story as GraphML")
    assert export.get_attribute("href") == "/export/graph.graphml?story=" + story["id"].replace(":", "%3A")
    traffic.assert_clean()


def test_coverage_view_shows_the_wsj_first_and_its_five_echoing_outlets(
    page: Page, base: str, holder: GraphHolder, traffic: Traffic
) -> None:
    story = seed_story(holder)
    page.goto(base + explorer.story_path(story["id"]))
    page.wait_for_selector("#story[data-ready=true]")
    rows = _timeline(page)
    screenshot(page, "story")
    assert rows[0]["name"] == "Wall Street Journal" and rows[0]["domain"] == "wsj.com"
    assert page.locator("#timeline > li").first.locator(".badge").inner_text().lower() == "original report"
    assert {r["domain"] for r in rows[1:]} == ECHOING
    assert page.locator("#network").get_attribute("data-nodes") == "6"
    traffic.assert_clean()


def test_coverage_view_fits_a_narrow_screen(browser: Browser, base: str, holder: GraphHolder, traffic: Traffic) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 844})
    ctx.route("**/*", traffic.route)
    try:
        page = ctx.new_page()
        page.on("console", traffic.console)
        page.goto(base + explorer.story_path(seed_story(holder)["id"]))
        page.wait_for_selector("#story[data-ready=true]")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        timeline = page.locator(".timeline-panel").bounding_box()
        network = page.locator(".network-panel").bounding_box()
        assert timeline is not None and network is not None
        assert network["y"] >= timeline["y"] + timeline["height"]  # one column: the drawing comes after
        screenshot(page, "story-narrow")
    finally:
        ctx.close()
    traffic.assert_clean()


def test_selecting_an_outlet_in_the_drawing_jumps_to_it(page: Page, base: str, holder: GraphHolder,
                                                        traffic: Traffic) -> None:
    story = seed_story(holder)
    page.goto(base + explorer.story_path(story["id"]))
    page.wait_for_selector("#story[data-ready=true]")
    last = _timeline(page)[-1]["domain"]
    position = page.evaluate(
        "domain => { const p = window.newsgraphNetwork.getElementById(domain).renderedPosition();"
        " return [p.x, p.y]; }", last)
    box = page.locator("#network").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + position[0], box["y"] + position[1])
    focused = page.evaluate("document.activeElement.closest('li') && document.activeElement.closest('li').id")
    assert focused == "outlet-" + last
    traffic.assert_clean()
