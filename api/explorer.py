"""The explorer: an offline GraphiQL, the home page and a story's coverage view.

Everything a browser loads comes from this app. GraphiQL, React and Cytoscape are
installed from the npm registry at build time (``explorer/package.json``, pinned by its
lock file) and copied into ``api/static/vendor/`` by ``python -m api.explorer vendor``
(``make vendor``); the pages' own scripts and styles live in ``api/static/``. Every page
carries a Content-Security-Policy that only allows the app's own origin, so a stray
reference to another host is blocked by the browser instead of silently fetched.

The pages are thin HTML shells: their scripts get the data from ``/graphql`` with
``fetch()``, like any other client. ``/search?url=`` is the search box's fallback for
browsers without JavaScript: it looks the article up and redirects to its story.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from graph import stories
from graph.model import CoverageGraph

from .settings import Settings

if TYPE_CHECKING:
    from .app import GraphHolder

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
NODE_MODULES = Path(__file__).resolve().parent.parent / "explorer" / "node_modules"

VENDOR_FILES: dict[str, str] = {
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
    "cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
}
"""Served name in ``static/vendor/`` -> path inside ``explorer/node_modules``."""

VENDOR_LICENCES: dict[str, str] = {
    "react.LICENSE.txt": "react/LICENSE",
    "react-dom.LICENSE.txt": "react-dom/LICENSE",
    "graphiql.LICENSE.txt": "graphiql/LICENSE",
    "cytoscape.LICENSE.txt": "cytoscape/LICENSE",
}

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'"
)
"""Only the app's own origin (plus inline styles and data: fonts, which GraphiQL uses)."""

SEED_ARTICLE = "https://www.wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f"


# ------------------------------------------------------------------ example queries


@dataclass(frozen=True)
class Example:
    """A ready-made GraphiQL tab: a named query and its variables."""

    title: str
    query: str
    variables: dict[str, str]


EXAMPLES: tuple[Example, ...] = (
    Example(
        "Echoes of an original report",
        """# Who reported this article's story after it,
# how long after, and on what evidence.
# Set $url (below, Variables) to any article's URL.
query EchoesOfAnOriginalReport($url: String!) {
  article(url: $url) {
    title
    publishedAt
    provider { name }
    isOriginal
    story { id size }
    echoes(first: 20) {
      totalCount
      edges {
        lagHours
        similarity
        evidence
        node {
          title
          url
          publishedAt
          provider { name domain }
        }
      }
    }
  }
}
""",
        {"url": SEED_ARTICLE},
    ),
    Example(
        "Outlets that break most stories",
        """# Outlets with how many stories they broke
# (firstReports.totalCount) and their influence
# (PageRank over who echoes whom); then the
# largest stories and who broke each.
query OutletsThatBreakStories {
  providers(first: 20) {
    nodes {
      name
      influence
      firstReports(first: 3) {
        totalCount
        nodes { title size }
      }
    }
  }
  stories(first: 10, orderBy: LARGEST) {
    nodes {
      title
      size
      origin { provider { name } publishedAt }
    }
  }
}
""",
        {},
    ),
    Example(
        "A topic's coverage over time",
        """# A topic's coverage day by day: articles,
# the outlets that wrote, the stories that broke,
# and the outlets that wrote most about it.
query TopicCoverageOverTime($topic: String!) {
  topic(name: $topic) {
    name
    articleCount
    timeline(bucket: DAY, first: 100) {
      totalCount
      nodes {
        start
        count
        outlets { name }
        storiesStarted { title size }
      }
    }
    providers(first: 10) {
      nodes { articles provider { name } }
    }
  }
}
""",
        {"topic": "AI"},
    ),
    Example(
        "A provider's lead and lag",
        """# Who echoes this outlet (it leads them) and
# whom it echoes (it lags them): how often, and
# the median lag in hours.
query ProviderLeadAndLag($domain: String!) {
  provider(domain: $domain) {
    name
    influence
    medianLagHours
    firstReports(first: 5) {
      totalCount
      nodes { title size firstPublishedAt }
    }
    echoedBy(first: 10) {
      nodes {
        provider { name }
        count
        medianLagHours
      }
    }
    echoes(first: 10) {
      nodes {
        provider { name }
        count
        medianLagHours
      }
    }
  }
}
""",
        {"domain": "wsj.com"},
    ),
    Example(
        "Who echoes whom",
        """# The outlet network: `source` echoed stories
# first reported by `target`, most echoes first.
query WhoEchoesWhom {
  outletNetwork(minEchoes: 1, first: 25) {
    totalCount
    nodes {
      source { name }
      target { name }
      count
      medianLagHours
    }
  }
  stats { articles providers stories }
}
""",
        {},
    ),
)


def examples_json(examples: Sequence[Example] = EXAMPLES) -> str:
    """The examples as JSON safe to place inside a ``<script>`` element.

    >>> text = examples_json([Example("t", "{ a }", {"x": "</script>"})])
    >>> "</script>" in text
    False
    >>> json.loads(text)[0]["variables"]
    {'x': '</script>'}
    """
    data = [{"title": e.title, "query": e.query, "variables": e.variables} for e in examples]
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ------------------------------------------------------------------ pages


def _page(title: str, main: str, *, scripts: Sequence[str] = (), body_attrs: str = "") -> str:
    """A complete page of the site: header with navigation, ``main``, footer."""
    tags = "\n".join(f'<script src="{escape(src)}" defer></script>' for src in scripts)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{escape(title)} · newsgraph</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/css/newsgraph.css">
{tags}
</head>
<body{body_attrs}>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
  <a class="brand" href="/">newsgraph</a>
  <nav aria-label="Site">
    <ul>
      <li><a href="/">Home</a></li>
      <li><a href="/graphql">GraphiQL explorer</a></li>
    </ul>
  </nav>
</header>
<main id="main" tabindex="-1">
{main}
</main>
<footer class="site">
  <p>Data from the <a href="/graphql">GraphQL API</a>, which any client can query.</p>
</footer>
</body>
</html>
"""


def _search_form(value: str = "", message: str = "") -> str:
    return f"""<form class="search" id="search" action="/search" method="get" role="search">
  <label for="search-url">Find an article's story by its URL</label>
  <div class="search-row">
    <input id="search-url" name="url" type="text" inputmode="url" autocomplete="url" spellcheck="false"
           required placeholder="https://www.example.com/news/..." value="{escape(value)}"
           aria-describedby="search-status">
    <button type="submit">Show coverage</button>
  </div>
  <p id="search-status" class="status" role="status" aria-live="polite">{escape(message)}</p>
</form>"""


_NOSCRIPT = """<noscript><p class="notice">This page draws its figures with JavaScript, from the
<a href="/graphql">GraphQL API</a>. The search box above works without it.</p></noscript>"""


def home_page(message: str = "", value: str = "") -> str:
    """The home page: what the corpus holds, filled in by ``home.js``."""
    main = f"""<h1>What the loaded news corpus holds</h1>
{_search_form(value, message)}
{_NOSCRIPT}
<section aria-labelledby="corpus-h" class="panel">
  <h2 id="corpus-h">Corpus</h2>
  <dl class="counts" id="counts" aria-busy="true"><div><dt>Loading</dt><dd>…</dd></div></dl>
  <p id="span"></p>
</section>
<div class="columns">
<section aria-labelledby="stories-h" class="panel">
  <h2 id="stories-h">Largest stories</h2>
  <ol id="top-stories" class="ranked" aria-busy="true"></ol>
</section>
<section aria-labelledby="outlets-h" class="panel">
  <h2 id="outlets-h">Top outlets</h2>
  <div class="table-wrap" role="region" aria-labelledby="outlets-h" tabindex="0">
  <table id="top-outlets" aria-busy="true">
    <caption class="visually-hidden">Outlets with the most articles</caption>
    <thead><tr><th scope="col">Outlet</th><th scope="col">Articles</th>
      <th scope="col">Stories broken</th><th scope="col">Median echo lag</th></tr></thead>
    <tbody></tbody>
  </table>
  </div>
</section>
</div>
<section aria-labelledby="explore-h" class="panel">
  <h2 id="explore-h">Explore</h2>
  <p>Ask your own questions in the <a href="/graphql">GraphiQL explorer</a>: it opens with ready-made
  queries (echoes of an original report, the outlets that break most stories, a topic's coverage over
  time, an outlet's lead and lag) and documents every field.</p>
</section>"""
    return _page("Home", main, scripts=["/static/js/common.js", "/static/js/home.js"])


def story_page(story_id: str) -> str:
    """The coverage view of one story, filled in by ``story.js`` from ``/graphql``."""
    export = "/export/graph.graphml?story=" + quote(story_id, safe="")
    main = f"""<article class="story" id="story" data-story-id="{escape(story_id)}" aria-busy="true">
<p class="kicker">Story <code>{escape(story_id)}</code></p>
<h1 id="story-title">Loading the story…</h1>
<div id="story-summary" class="summary"></div>
<p class="actions"><a class="button" href="{escape(export)}" download>Download this story as GraphML</a>
  <span class="hint">(for Gephi, Cytoscape desktop, NetworkX, igraph)</span></p>
{_NOSCRIPT}
<div class="columns story-columns">
<section aria-labelledby="timeline-h" class="panel timeline-panel">
  <h2 id="timeline-h">Timeline</h2>
  <p class="hint">The original report first, then each outlet that echoed it, placed by its lag after the original.</p>
  <ol id="timeline" class="timeline"></ol>
</section>
<section aria-labelledby="network-h" class="panel network-panel">
  <h2 id="network-h">Outlet network</h2>
  <p class="hint" id="network-desc">The outlet that broke the story is on the left; each outlet that echoed it
  sits further right the longer it took, with an arrow to the original. Select an outlet to jump to its articles
  in the timeline.</p>
  <div id="network" class="network" role="img" aria-describedby="network-desc" aria-label="Outlet network of the story"></div>
</section>
</div>
</article>"""
    return _page("Story", main, scripts=["/static/vendor/cytoscape.min.js", "/static/js/common.js", "/static/js/story.js"])


def not_found_page(what: str, message_html: str) -> str:
    """A 404 page that names what was not found and offers the search box."""
    main = f"""<h1>{escape(what)} not found</h1>
<p>{message_html}</p>
{_search_form()}
<p><a href="/">Back to the home page</a></p>"""
    return _page("Not found", main)


@lru_cache(maxsize=1)
def graphiql_page() -> str:
    """GraphiQL served from the app: no script, style or font from any other host.

    >>> page = graphiql_page()
    >>> "/static/vendor/graphiql.min.js" in page and "unpkg" not in page
    True
    """
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>GraphiQL · newsgraph</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/vendor/graphiql.min.css">
<link rel="stylesheet" href="/static/css/graphiql-page.css">
</head>
<body>
<div id="graphiql" aria-label="GraphiQL, the GraphQL explorer"><p class="loading">Loading GraphiQL…</p></div>
<noscript><p class="noscript">GraphiQL needs JavaScript. Without it, POST queries to <code>/graphql</code>
as JSON (<code>{{"query": "..."}}</code>), or go back to the <a href="/">home page</a>.</p></noscript>
<script type="application/json" id="newsgraph-examples">{examples_json()}</script>
<script src="/static/vendor/react.production.min.js"></script>
<script src="/static/vendor/react-dom.production.min.js"></script>
<script src="/static/vendor/graphiql.min.js"></script>
<script src="/static/js/graphiql-init.js"></script>
</body>
</html>
"""


# ------------------------------------------------------------------ routes


def _is_story(g: CoverageGraph, story_id: str) -> bool:
    return bool(g.nx.has_node(story_id) and g.nx.nodes[story_id].get("kind") == "story")


def story_path(story_id: str) -> str:
    """The coverage view's path for a story id (the colon stays readable).

    >>> story_path("story:4ffaedbfefa03bf7")
    '/story/story:4ffaedbfefa03bf7'
    >>> story_path("story:a/b c")
    '/story/story:a%2Fb%20c'
    """
    return "/story/" + quote(story_id, safe=":")


def routes(holder: GraphHolder, settings: Settings) -> list[BaseRoute]:
    """The explorer's own routes (pages and static assets), mounted when `explorer` is on."""

    async def home(request: Request) -> Response:
        return HTMLResponse(home_page())

    async def story(request: Request) -> Response:
        story_id = request.path_params["id"]
        if not _is_story(holder.current, story_id):
            return HTMLResponse(
                not_found_page("Story", f"There is no story <code>{escape(story_id)}</code> in the loaded corpus."),
                status_code=404,
            )
        return HTMLResponse(story_page(story_id))

    async def search(request: Request) -> Response:
        url = request.query_params.get("url", "").strip()
        if not url:
            return HTMLResponse(home_page("Type an article's URL first."), status_code=400)
        g = holder.current
        article = g.article_id_for(url)
        if article is None:
            return HTMLResponse(home_page("No article with that URL in the loaded corpus.", url), status_code=404)
        story_id = stories.story_of(g, article)
        if story_id is None:
            title = g.nx.nodes[article].get("title") or url
            return HTMLResponse(home_page(f"“{title}” has no story: no other outlet was found reporting it.", url))
        return RedirectResponse(story_path(story_id), status_code=303)

    return [
        Route("/", home, methods=["GET"]),
        Route("/story/{id:path}", story, methods=["GET"]),
        Route("/search", search, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR, check_dir=False), name="static"),
    ]


# ------------------------------------------------------------------ build step


def install_vendor(node_modules: Path = NODE_MODULES, target: Path = VENDOR_DIR) -> list[Path]:
    """Copy the npm packages' browser builds (and their licences) into ``target``.

    Run by ``make vendor`` after ``npm ci --prefix explorer``. Raises ``FileNotFoundError``
    naming every missing file, so a broken install fails the build, not the browser.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     install_vendor(Path(tmp) / "node_modules", Path(tmp) / "vendor")
    Traceback (most recent call last):
    ...
    FileNotFoundError: not installed (run `npm ci --prefix explorer`): react/umd/react.production.min.js, ...
    """
    wanted = {**VENDOR_FILES, **VENDOR_LICENCES}
    missing = [source for source in wanted.values() if not (node_modules / source).is_file()]
    if missing:
        shown = ", ".join(missing[:1]) + (", ..." if len(missing) > 1 else "")
        raise FileNotFoundError(f"not installed (run `npm ci --prefix explorer`): {shown}")
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for name, source in wanted.items():
        destination = target / name
        shutil.copyfile(node_modules / source, destination)
        copied.append(destination)
    return copied


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m api.explorer vendor``: install the vendored browser assets."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args != ["vendor"]:
        print("usage: python -m api.explorer vendor", file=sys.stderr)
        return 2
    try:
        copied = install_vendor()
    except FileNotFoundError as exc:
        print(f"newsgraph: {exc}", file=sys.stderr)
        return 1
    print(f"newsgraph: {len(copied)} files in {VENDOR_DIR}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
