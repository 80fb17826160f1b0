"""Subgraph selectors: which nodes an export (or any other view) should cover.

Every selector is a pure function of a :class:`~graph.model.CoverageGraph` that returns
a ``set`` of node ids; the edges that come along are those whose two ends are both
selected (see :func:`graph.export.write`). Unknown ids raise :class:`~graph.errors.NotFound`.

========================  ===========================================================
selector                  nodes
========================  ===========================================================
``story_nodes``           the story, its articles (``in_story``), their providers
``neighbourhood_nodes``   every node within ``depth`` hops, edges followed both ways
``provider_nodes``        the provider, its articles, their topics
``topic_nodes``           the topic, its articles, their providers
``window_nodes``          articles published in ``[since, until]`` and their
                          providers, topics and stories
``select``                any of the above combined (intersection); ``None`` = all
========================  ===========================================================

>>> import graph
>>> g, _ = graph.load("seeds", stories=False)
>>> sorted(provider_nodes(g, "www.cointelegraph.com"))  # doctest: +NORMALIZE_WHITESPACE
['article:https://cointelegraph.com/news/china-is-developing-ai-without-us-chips-here-s-how',
 'article:https://cointelegraph.com/news/state-sponsored-chinese-ai-firm-launches-bot-service-to-surpass-chatgpt',
 'provider:cointelegraph.com']
>>> len(select(g, article="https://www.wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f", depth=2))
13
>>> select(g) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from .errors import NewsgraphError, NotFound
from .model import (
    ARTICLE,
    IN_STORY,
    PROVIDER,
    PUBLISHED_BY,
    STORY,
    TAGGED,
    TOPIC,
    CoverageGraph,
    provider_id,
    topic_id,
)

__all__ = [
    "neighbourhood_nodes",
    "provider_nodes",
    "select",
    "story_nodes",
    "topic_nodes",
    "window_nodes",
]


def _require(g: CoverageGraph, node: str, kind: str, key: str) -> str:
    if node not in g.nx or g.nx.nodes[node].get("kind") != kind:
        raise NotFound(kind, key)
    return node


def _sources(g: CoverageGraph, node: str, edge_kind: str) -> list[str]:
    """Nodes with an edge of ``edge_kind`` into ``node`` (a provider's or story's articles)."""
    return [source for source, _, key in g.nx.in_edges(node, keys=True) if key == edge_kind]


def _targets(g: CoverageGraph, articles: Iterable[str], edge_kind: str) -> set[str]:
    """Nodes the ``articles`` point at with an edge of ``edge_kind``."""
    found: set[str] = set()
    for article in articles:
        for _, target, key in g.nx.out_edges(article, keys=True):
            if key == edge_kind:
                found.add(target)
    return found


def _story_node(g: CoverageGraph, story_id: str) -> str:
    node = story_id if story_id.startswith(f"{STORY}:") else f"{STORY}:{story_id}"
    return _require(g, node, STORY, story_id)


def _provider_node(g: CoverageGraph, domain: str) -> str:
    node = domain if domain.startswith(f"{PROVIDER}:") else provider_id(domain)
    return _require(g, node, PROVIDER, domain)


def _topic_node(g: CoverageGraph, name: str) -> str:
    node = name if name.startswith(f"{TOPIC}:") and name in g.nx else topic_id(name)
    return _require(g, node, TOPIC, name)


def _any_node(g: CoverageGraph, node_id: str) -> str:
    """A node id as given, or the article for a URL alias; raises :class:`NotFound`."""
    if node_id in g.nx:
        return node_id
    article = g.article_id_for(node_id)
    if article is None:
        raise NotFound("node", node_id)
    return article


def story_nodes(g: CoverageGraph, story_id: str) -> set[str]:
    """A story: its node, its articles (``in_story`` edges) and their providers.

    ``story_id`` is the story node id (``story:<key>``) or its key. The story's
    ``echoes`` and ``in_story`` edges come along in an export because both of their
    ends are selected; topics do not (they would pull in unrelated coverage).

    >>> import graph
    >>> g, _ = graph.load("seeds", stories=False)
    >>> wsj = g.article("https://wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f").id
    >>> g.nx.add_node("story:demo", kind="story", origin=wsj, size=1, title="Demo")
    >>> g.nx.add_edge(wsj, "story:demo", key="in_story", kind="in_story")
    'in_story'
    >>> sorted(story_nodes(g, "demo")) == [wsj, "provider:wsj.com", "story:demo"]
    True
    """
    node = _story_node(g, story_id)
    articles = _sources(g, node, IN_STORY)
    return {node, *articles, *_targets(g, articles, PUBLISHED_BY)}


def neighbourhood_nodes(g: CoverageGraph, node_id: str, depth: int = 1) -> set[str]:
    """Every node within ``depth`` hops of ``node_id``, following edges of all kinds both ways.

    ``node_id`` is any node id or an article URL (any alias). ``depth=0`` is the node
    alone; note that hops through a provider or topic reach all of its articles.

    >>> import graph
    >>> g, _ = graph.load("seeds", stories=False)
    >>> sorted(neighbourhood_nodes(g, "https://wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f"))
    ['article:https://insidebitcoins.com/news/how-china-is-developing-ai-without-us-chips', 'article:https://wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f', 'provider:wsj.com']
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise NewsgraphError(f"depth must be a whole number >= 0, got {depth!r}")
    start = _any_node(g, node_id)
    seen = {start}
    frontier = [start]
    succ, pred = g.nx.succ, g.nx.pred
    for _ in range(depth):
        reached: list[str] = []
        for node in frontier:
            for other in (*succ[node], *pred[node]):
                if other not in seen:
                    seen.add(other)
                    reached.append(other)
        if not reached:
            break
        frontier = reached
    return seen


def provider_nodes(g: CoverageGraph, domain: str) -> set[str]:
    """One provider's coverage: the provider, its articles and their topics.

    ``domain`` may keep ``www.`` or be the provider node id.

    >>> import graph
    >>> g, _ = graph.load("seeds", stories=False)
    >>> sorted(provider_nodes(g, "insidebitcoins.com"))
    ['article:https://insidebitcoins.com/news/how-china-is-developing-ai-without-us-chips', 'provider:insidebitcoins.com', 'topic:ai', 'topic:ai hardware']
    """
    node = _provider_node(g, domain)
    articles = _sources(g, node, PUBLISHED_BY)
    return {node, *articles, *_targets(g, articles, TAGGED)}


def topic_nodes(g: CoverageGraph, name: str) -> set[str]:
    """One topic's coverage: the topic, its articles and their providers.

    ``name`` is matched in any letter case (or is the topic node id). Other topics of
    the same articles are left out: they would pull in unrelated coverage.

    >>> import graph
    >>> g, _ = graph.load("seeds", stories=False)
    >>> sorted(topic_nodes(g, "ai"))
    ['article:https://insidebitcoins.com/news/how-china-is-developing-ai-without-us-chips', 'provider:insidebitcoins.com', 'topic:ai']
    """
    node = _topic_node(g, name)
    articles = _sources(g, node, TAGGED)
    return {node, *articles, *_targets(g, articles, PUBLISHED_BY)}


def _utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def window_nodes(g: CoverageGraph, since: datetime | None = None, until: datetime | None = None) -> set[str]:
    """Articles published in ``[since, until]`` (both ends included, either may be open),
    with their providers, topics and stories.

    Naive datetimes are taken as UTC. Articles without a publication time are only
    included when both ends are open.

    >>> import graph
    >>> from datetime import datetime, timezone
    >>> g, _ = graph.load("seeds", stories=False)
    >>> sorted(window_nodes(g, until=datetime(2023, 5, 7, 12, tzinfo=timezone.utc)))  # doctest: +NORMALIZE_WHITESPACE
    ['article:https://digitimes.com/news/a20230505PD200/ai-chips-aigc-alibaba-baidu-meituan-tencent.html',
     'article:https://thestar.com.my/aseanplus/aseanplus-news/2023/05/07/chinese-voice-recognition-company-iflytek-unveils-chatgpt-rival',
     'provider:digitimes.com', 'provider:thestar.com.my']
    """
    since, until = _utc(since), _utc(until)
    nodes = g.nx.nodes
    found: set[str] = set()
    for article in g.articles_by_time(since, until):
        if (since is not None or until is not None) and nodes[article].get("published") is None:
            continue
        found.add(article)
        for target in g.nx.succ[article]:
            if nodes[target].get("kind") != ARTICLE:
                found.add(target)
    return found


def select(
    g: CoverageGraph,
    *,
    story: str | None = None,
    article: str | None = None,
    depth: int = 1,
    provider: str | None = None,
    topic: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> set[str] | None:
    """The nodes the given selectors pick, or ``None`` (the whole graph) when none is given.

    ``story`` (:func:`story_nodes`), ``article`` with ``depth``
    (:func:`neighbourhood_nodes`), ``provider`` (:func:`provider_nodes`), ``topic``
    (:func:`topic_nodes`), ``since``/``until`` (:func:`window_nodes`). Several
    selectors combine by **intersection** (an AND, e.g. one provider's articles in a
    week); afterwards provider, topic and story nodes that no longer touch a selected
    article are dropped, except the nodes a selector names itself (the story, the
    article, the provider, the topic).

    >>> import graph
    >>> from datetime import datetime, timezone
    >>> g, _ = graph.load("seeds", stories=False)
    >>> sorted(select(g, provider="cointelegraph.com", since=datetime(2023, 5, 8, 12, tzinfo=timezone.utc)))
    ['article:https://cointelegraph.com/news/state-sponsored-chinese-ai-firm-launches-bot-service-to-surpass-chatgpt', 'provider:cointelegraph.com']
    """
    parts: list[set[str]] = []
    anchors: set[str] = set()
    if story is not None:
        parts.append(story_nodes(g, story))
        anchors.add(_story_node(g, story))
    if article is not None:
        parts.append(neighbourhood_nodes(g, article, depth))
        anchors.add(_any_node(g, article))
    if provider is not None:
        parts.append(provider_nodes(g, provider))
        anchors.add(_provider_node(g, provider))
    if topic is not None:
        parts.append(topic_nodes(g, topic))
        anchors.add(_topic_node(g, topic))
    if since is not None or until is not None:
        parts.append(window_nodes(g, since, until))
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    chosen = set.intersection(*parts)
    nodes = g.nx.nodes
    articles = {n for n in chosen if nodes[n].get("kind") == ARTICLE}
    kept = articles | (anchors & chosen)
    for node in articles:
        kept.update(target for target in g.nx.succ[node] if target in chosen)
    return kept
