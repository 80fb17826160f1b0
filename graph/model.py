"""The coverage graph: articles, providers, topics (and stories) over a NetworkX MultiDiGraph.

Node ids are readable and stable: ``article:<canonical url>``, ``provider:<domain>``,
``topic:<case-folded name>``, ``story:<key>``. Edge keys are the edge kinds, so one
pair of nodes carries at most one edge of each kind.

>>> from graph.records import Listing, Record
>>> from datetime import datetime, timezone
>>> when = datetime(2023, 5, 7, 13, tzinfo=timezone.utc)
>>> a = Listing(("https://wsj.com/a",), ("https://www.wsj.com/a",), "A", None, when,
...             "article", 80, None, "wsj.com", "WSJ", ("AI",))
>>> b = Listing(("https://ft.com/b",), ("https://ft.com/b",), "B", None, when,
...             "article", 70, None, "ft.com", "FT")
>>> g = build_graph([Record("one.md", a, (b,))])
>>> g.article("https://www.wsj.com/a/").id
'article:https://wsj.com/a'
>>> sorted(g.nx.successors("article:https://wsj.com/a"))
['article:https://ft.com/b', 'provider:wsj.com', 'topic:ai']
"""

from __future__ import annotations

import hashlib
import sys
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

import networkx as nx

from .errors import NotFound
from .records import Image, Listing, Record
from .text import fold
from .urls import URLError, canonical_domain, canonical_url

ARTICLE = "article"
PROVIDER = "provider"
TOPIC = "topic"
STORY = "story"
KINDS = (ARTICLE, PROVIDER, TOPIC, STORY)

PUBLISHED_BY = "published_by"
TAGGED = "tagged"
RELATED = "related"
ECHOES = "echoes"
IN_STORY = "in_story"
EDGE_KINDS = (PUBLISHED_BY, TAGGED, RELATED, ECHOES, IN_STORY)

_NO_TIME = float("-inf")
#: The edge kind that links an article to a provider, topic or story it belongs to.
_MEMBER_EDGE = {PROVIDER: PUBLISHED_BY, TOPIC: TAGGED, STORY: IN_STORY}


class SharedDict(dict[str, Any]):
    """A dict shared by many membership edges: their data (``{"kind": kind}``) and key dict
    (``G._succ[u][v]``, kind -> data).

    Every article has a ``published_by`` edge and most have ``tagged`` and ``in_story``
    ones; two dicts of their own would cost ~400 bytes per edge. Since a change would
    reach every edge sharing it, it refuses changes: copy the graph (``g.nx.copy()``,
    which makes plain dicts) to edit it.

    >>> keys = SharedDict({"tagged": SharedDict({"kind": "tagged"})})
    >>> keys["tagged"]["kind"] = "other"
    Traceback (most recent call last):
    ...
    TypeError: this dict is shared by many edges and read-only: copy the graph (g.nx.copy()) to change it
    """

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            "this dict is shared by many edges and read-only: copy the graph (g.nx.copy()) to change it"
        )

    __setitem__ = __delitem__ = __ior__ = update = pop = popitem = clear = setdefault = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[SharedDict], tuple[dict[str, Any]]]:
        return (SharedDict, (dict(self),))


def add_member_edges(
    graph: nx.MultiDiGraph, pairs: Iterable[tuple[str, str]], kind: str, shared: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Add ``kind`` edges (keyed by their kind) that carry no data but ``kind=<kind>``.

    Every edge added shares ONE attribute dict ``{"kind": kind}``, returned (pass it as
    ``shared`` to the next call to go on sharing it), and the pairs that had no edge yet
    share one read-only key dict (:class:`SharedDict`): an article's membership edges
    (``published_by``, ``tagged``, ``in_story``) would otherwise cost two dicts each. Both
    nodes must exist. The graph is read-only once built; copy it (``g.nx.copy()``) before
    changing such an edge.

    >>> g = nx.MultiDiGraph()
    >>> g.add_nodes_from(["a", "b", "t"])
    >>> add_member_edges(g, [("a", "t"), ("b", "t")], TAGGED)
    {'kind': 'tagged'}
    >>> g.edges["a", "t", TAGGED], g.edges["a", "t", TAGGED] is g.edges["b", "t", TAGGED]
    ({'kind': 'tagged'}, True)
    >>> g._succ["a"]["t"] is g._succ["b"]["t"], g.number_of_edges()
    (True, 2)
    """
    if shared is None:
        shared = SharedDict({"kind": kind})
    elif shared != {"kind": kind}:
        raise ValueError(f"add_member_edges: shared data {shared!r} is not {{'kind': {kind!r}}}")
    keys = SharedDict({kind: shared})
    succ, pred = graph._succ, graph._pred
    for u, v in pairs:
        if u not in succ or v not in succ:
            raise KeyError(f"add_member_edges: both nodes must exist ({u!r}, {v!r})")
        keydict = succ[u].get(v)
        if keydict is None:
            succ[u][v] = pred[v][u] = keys
        elif kind not in keydict:
            if isinstance(keydict, SharedDict):  # another kind's shared dict: this pair gets its own
                keydict = succ[u][v] = pred[v][u] = dict(keydict)
            keydict[kind] = shared
    return shared


def article_id(key: str) -> str:
    return f"{ARTICLE}:{key}"


def provider_id(domain: str) -> str:
    return f"{PROVIDER}:{canonical_domain(domain)}"


def topic_id(name: str) -> str:
    return f"{TOPIC}:{fold(name)}"


def kind_of(node_id: str) -> str:
    """The kind of a node id (the part before the first colon).

    >>> kind_of("provider:wsj.com")
    'provider'
    """
    return node_id.split(":", 1)[0]


# ------------------------------------------------------------------ views


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    url: str | None
    urls: tuple[str, ...]
    title: str
    excerpt: str | None
    published_at: datetime | None
    type: str | None
    quality: int | None
    heat: int | None
    provider: str
    """Provider node id."""
    topics: tuple[str, ...]
    """Topic node ids."""
    images: tuple[Image, ...]
    sources: tuple[str, ...]
    """Record files (relative paths) that mention this article."""
    primary: bool
    """True when some record has this article as its own (not only in ``related``)."""


@dataclass(frozen=True, slots=True)
class Provider:
    id: str
    domain: str
    name: str
    names: tuple[str, ...]
    article_count: int


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    name: str
    names: tuple[str, ...]
    article_count: int


# ------------------------------------------------------------------ the graph


class CoverageGraph:
    """A read-only knowledge graph of news coverage with look-up indexes.

    Build one with :func:`build_graph` (or :func:`graph.load`). ``nx`` is the
    underlying :class:`networkx.MultiDiGraph`, free for NetworkX algorithms; treat it
    as read-only, since the indexes here are computed from it once.
    """

    def __init__(self, graph: nx.MultiDiGraph, aliases: dict[str, str]) -> None:
        self.nx = graph
        self._aliases = aliases
        dated = []
        for node, data in graph._node.items():  # graph.nodes(data=True) without the view's overhead
            if data["kind"] == ARTICLE:
                published = data.get("published")
                dated.append((published.timestamp() if published else _NO_TIME, node))
        dated.sort()
        self._times = [t for t, _ in dated]
        self._by_time = [n for _, n in dated]
        self._members: dict[str, list[str]] = {}
        self._member_times: dict[str, list[float]] = {}
        self._qualities: dict[str | None, list[int]] = {}
        self._ranked: dict[str, list[str]] = {}

    # -- look-ups ---------------------------------------------------------
    def article_id_for(self, url: str) -> str | None:
        """The article node id for any alias URL (or an article id), or ``None``."""
        if url.startswith(f"{ARTICLE}:") and url in self.nx:
            return url
        found = self._aliases.get(url)
        if found is not None:
            return found
        try:
            return self._aliases.get(canonical_url(url))
        except URLError:
            return None

    def article(self, url: str) -> Article:
        """The article with this URL (any alias) or node id; raises :class:`NotFound`."""
        node = self.article_id_for(url)
        if node is None:
            raise NotFound(ARTICLE, url)
        return self.article_view(node)

    def provider(self, domain: str) -> Provider:
        """The provider (outlet) for a domain, with or without ``www.``."""
        node = domain if domain.startswith(f"{PROVIDER}:") else provider_id(domain)
        if node not in self.nx:
            raise NotFound(PROVIDER, domain)
        return self.provider_view(node)

    def topic(self, name: str) -> Topic:
        """The topic with this name, in any letter case."""
        node = name if name.startswith(f"{TOPIC}:") and name in self.nx else topic_id(name)
        if node not in self.nx:
            raise NotFound(TOPIC, name)
        return self.topic_view(node)

    def node(self, node_id: str) -> Article | Provider | Topic | Any:
        """The view of any node by id (stories come from :mod:`graph.stories`)."""
        if node_id not in self.nx:
            raise NotFound("node", node_id)
        kind = self.nx.nodes[node_id]["kind"]
        if kind == ARTICLE:
            return self.article_view(node_id)
        if kind == PROVIDER:
            return self.provider_view(node_id)
        if kind == TOPIC:
            return self.topic_view(node_id)
        from .stories import story_view  # stories build on the model, not the reverse

        return story_view(self, node_id)

    # -- views ------------------------------------------------------------
    def article_view(self, node: str) -> Article:
        data = self.nx.nodes[node]
        provider = ""
        topics = []
        for _, target, kind in self.nx.out_edges(node, keys=True):
            if kind == PUBLISHED_BY:
                provider = target
            elif kind == TAGGED:
                topics.append(target)
        return Article(
            id=node,
            url=data.get("url"),
            urls=data["urls"],
            title=data["title"],
            excerpt=data.get("excerpt"),
            published_at=data.get("published"),
            type=data.get("type"),
            quality=data.get("quality"),
            heat=data.get("heat"),
            provider=provider,
            topics=tuple(sorted(topics)),
            images=data.get("images", ()),
            sources=data["sources"],
            primary=data["primary"],
        )

    def provider_view(self, node: str) -> Provider:
        data = self.nx.nodes[node]
        return Provider(node, data["domain"], data["name"], data["names"], len(self.members(node)))

    def topic_view(self, node: str) -> Topic:
        data = self.nx.nodes[node]
        return Topic(node, data["name"], data["names"], len(self.members(node)))

    # -- indexes ----------------------------------------------------------
    def members(self, node: str) -> list[str]:
        """Articles of a provider, topic or story, oldest first (ties by id); cached."""
        cached = self._members.get(node)
        if cached is None:
            want = _MEMBER_EDGE[kind_of(node)]
            found = [src for src, _, kind in self.nx.in_edges(node, keys=True) if kind == want]
            cached = sorted(found, key=self.sort_key)
            self._members[node] = cached
        return cached

    def member_times(self, node: str) -> list[float]:
        """Publication timestamps of :meth:`members` (``-inf`` when undated), same order; cached."""
        cached = self._member_times.get(node)
        if cached is None:
            cached = [self.sort_key(member)[0] for member in self.members(node)]
            self._member_times[node] = cached
        return cached

    def qualities(self, node: str | None = None) -> list[int]:
        """Sorted qualities of a provider's, topic's or story's articles (``None``: of all
        articles), leaving out articles without one; cached. How many have at least ``q``
        is then a binary search."""
        cached = self._qualities.get(node)
        if cached is None:
            nodes = self.nx._node
            articles = self._by_time if node is None else self.members(node)
            cached = sorted(q for q in (nodes[a].get("quality") for a in articles) if q is not None)
            self._qualities[node] = cached
        return cached

    def sort_key(self, node: str) -> tuple[float, str]:
        published = self.nx.nodes[node].get("published")
        return (published.timestamp() if published else _NO_TIME, node)

    def articles_by_time(self, since: datetime | None = None, until: datetime | None = None) -> list[str]:
        """Article ids, oldest first, optionally within ``[since, until]`` (binary search)."""
        lo = bisect_left(self._times, since.timestamp()) if since else 0
        hi = bisect_right(self._times, until.timestamp()) if until else len(self._times)
        if since is None and until is None:
            return self._by_time
        return self._by_time[lo:hi]

    def article_times(self) -> list[float]:
        """Publication timestamps of :meth:`articles_by_time` (``-inf`` when undated), same order."""
        return self._times

    def ranked(self, kind: str) -> list[str]:
        """Providers or topics, most articles first (ties by id)."""
        cached = self._ranked.get(kind)
        if cached is None:
            nodes = [n for n, k in self.nx.nodes(data="kind") if k == kind]
            cached = sorted(nodes, key=lambda n: (-len(self.members(n)), n))
            self._ranked[kind] = cached
        return cached

    def count(self, kind: str) -> int:
        if kind == ARTICLE:
            return len(self._by_time)
        return len(self.ranked(kind))

    def __repr__(self) -> str:
        return (
            f"<CoverageGraph {self.count(ARTICLE)} articles, {self.count(PROVIDER)} providers, "
            f"{self.count(TOPIC)} topics, {self.nx.number_of_edges()} edges>"
        )


# ------------------------------------------------------------------ building


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def add(self, item: str) -> None:
        self.parent.setdefault(item, item)

    def find(self, item: str) -> str:
        parent = self.parent
        root = item
        while parent[root] != root:
            root = parent[root]
        while parent[item] != root:
            parent[item], item = root, parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def _intern(value: str | None) -> str | None:
    """One shared object for a short string repeated on many nodes (types, kinds)."""
    return None if value is None else sys.intern(value)


def listing_key(listing: Listing) -> str:
    """The key of a listing: its preferred canonical URL, or a hash for URL-less records.

    The hash covers the provider, the case-folded title and the publication time, so
    the same URL-less record always gets the same key.
    """
    if listing.urls:
        return listing.urls[0]
    published = listing.published.isoformat() if listing.published else ""
    digest = hashlib.sha1(f"{listing.provider_domain}|{fold(listing.title)}|{published}".encode()).hexdigest()
    return f"urn:newsgraph:{listing.provider_domain}:{digest[:16]}"


@dataclass(slots=True)
class _Mention:
    listing: Listing
    source: str
    primary: bool
    position: int

    def rank(self) -> tuple[bool, float, str, int]:
        published = self.listing.published.timestamp() if self.listing.published else float("inf")
        return (not self.primary, published, self.source, self.position)


def _most_common(counter: Counter[str]) -> tuple[str, tuple[str, ...]]:
    ordered = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    return ordered[0][0], tuple(name for name, _ in ordered)


def _unique_records(records: Iterable[Record]) -> list[Record]:
    """Records sorted by path, each path and content once.

    A file read twice must not count twice (name spellings are counted); distinct
    contents under one path, a caller's mistake, are all kept in a fixed order.
    """
    unique: list[Record] = []
    for _, group in groupby(sorted(records, key=lambda r: r.path), key=lambda r: r.path):
        first, *more = group
        if not more:
            unique.append(first)
            continue
        kept: list[Record] = []
        for record in (first, *more):
            if not any(record.article == k.article and record.related == k.related for k in kept):
                kept.append(record)
        unique.extend(sorted(kept, key=lambda r: repr((r.article, r.related))))
    return unique


def build_graph(records: Iterable[Record]) -> CoverageGraph:
    """Build the coverage graph from parsed records; the input order does not matter.

    An article listed many times (as a primary and in ``related`` lists, under any
    alias) becomes one node. Its fields come from the best listing: a primary record
    first, then the earliest publication time, then the file path; missing fields are
    filled from the other listings. Topics are the union over primary listings.
    A record given twice (the same path and content) counts once.
    """
    ordered = _unique_records(records)
    links = _UnionFind()
    parent = links.parent
    mentions: list[tuple[str, _Mention]] = []
    for record in ordered:
        listings = [(record.article, True, 0)] + [(r, False, i + 1) for i, r in enumerate(record.related)]
        for listing, primary, position in listings:
            key = listing_key(listing)
            parent.setdefault(key, key)  # links.add(key), inlined: 100k+ calls
            for alias in listing.urls[1:]:
                links.add(alias)
                links.union(key, alias)
            mentions.append((key, _Mention(listing, record.path, primary, position)))

    groups: dict[str, list[_Mention]] = defaultdict(list)
    roots: list[str] = []  # each mention's group, in mention order (the related edges reuse it)
    for key, mention in mentions:
        root = links.find(key)
        roots.append(root)
        groups[root].append(mention)

    graph = nx.MultiDiGraph(name="newsgraph")
    aliases: dict[str, str] = {}
    group_node: dict[str, str] = {}
    provider_names: dict[str, Counter[str]] = defaultdict(Counter)
    topic_names: dict[str, Counter[str]] = defaultdict(Counter)
    article_nodes: list[tuple[str, dict[str, Any], str, list[str]]] = []

    for root, group in groups.items():
        if len(group) > 1:
            group.sort(key=_Mention.rank)
        best = group[0].listing
        node = article_id(listing_key(best))
        group_node[root] = node
        urls: list[str] = []
        raw_urls: set[str] = set()
        for mention in group:
            for alias in mention.listing.urls:
                aliases[alias] = node
                if alias not in urls:
                    urls.append(alias)
            raw_urls.update(mention.listing.raw_urls)
            if mention.listing.provider_name:
                provider_names[mention.listing.provider_domain][mention.listing.provider_name] += 1

        def first(field: str) -> Any:
            for mention in group:
                value = getattr(mention.listing, field)
                if value is not None and value != ():
                    return value
            return None

        topics: dict[str, str] = {}
        for mention in group:
            if mention.primary:
                for name in mention.listing.topics:
                    key = fold(name)
                    topic_names[key][name] += 1
                    topics.setdefault(key, name)
        # The node's data, in a fixed key order, without the fields no listing gave (None).
        attrs: dict[str, Any] = {"kind": ARTICLE}
        if best.urls:
            attrs["url"] = best.urls[0]
        attrs["urls"] = tuple(sorted(raw_urls | set(urls)))
        attrs["title"] = best.title
        for name, value in (("excerpt", first("excerpt")), ("published", best.published),
                            ("type", _intern(first("type"))), ("quality", first("quality")), ("heat", first("heat"))):
            if value is not None:
                attrs[name] = value
        attrs["images"] = first("images") or ()
        attrs["sources"] = tuple(sorted({m.source for m in group}))
        attrs["primary"] = group[0].primary
        article_nodes.append((node, attrs, best.provider_domain, sorted(topics)))

    # Nodes in sorted id order: the same folder gives the same graph, whatever the order.
    article_nodes.sort(key=lambda item: item[0])
    node_data, succ, pred = graph._node, graph._succ, graph._pred
    for node, attrs, _, _ in article_nodes:
        # What graph.add_node does for a new node, without its per-call overhead (40k+ calls).
        node_data[node] = attrs
        succ[node] = {}
        pred[node] = {}
    # Only outlets that publish an article: a domain seen only on a listing that lost
    # to another listing of the same article would be a provider without articles.
    # One id string per provider and topic, shared by the node and its edges' adjacency keys.
    provider_ids = {domain: provider_id(domain) for domain in sorted({domain for _, _, domain, _ in article_nodes})}
    for domain, pid in provider_ids.items():
        name, names = _most_common(provider_names[domain]) if provider_names[domain] else (domain, ())
        graph.add_node(pid, kind=PROVIDER, domain=domain, name=name, names=names)
    topic_ids = {key: f"{TOPIC}:{key}" for key in sorted(topic_names)}
    for key, tid in topic_ids.items():
        name, names = _most_common(topic_names[key])
        graph.add_node(tid, kind=TOPIC, name=name, names=names)

    add_member_edges(graph, ((node, provider_ids[domain]) for node, _, domain, _ in article_nodes), PUBLISHED_BY)
    add_member_edges(
        graph, ((node, topic_ids[key]) for node, _, _, topic_keys in article_nodes for key in topic_keys), TAGGED
    )

    related: dict[tuple[str, str], tuple[int, set[str]]] = {}
    source = ""
    for (_, mention), root in zip(mentions, roots):  # a record's article, then its related listings
        if mention.primary:
            source = group_node[root]
            continue
        target = group_node[root]
        if target == source:
            continue
        position = mention.position
        rank, files = related.get((source, target), (position, set()))
        files.add(mention.source)
        related[(source, target)] = (min(rank, position), files)
    for (source, target), (rank, files) in sorted(related.items()):
        # graph.add_edge(source, target, key=RELATED, ...) for a pair with no edge yet, inlined.
        keydict = succ[source].get(target)
        if keydict is None:
            keydict = succ[source][target] = pred[target][source] = graph.edge_key_dict_factory()
        keydict[RELATED] = {"kind": RELATED, "rank": rank, "sources": tuple(sorted(files))}

    return CoverageGraph(graph, aliases)
