"""Walking the coverage graph: shortest paths, neighbourhoods, timelines and co-coverage.

Every function here is a pure function of a :class:`~graph.model.CoverageGraph` that takes
node ids and returns plain frozen dataclasses. Walks treat the graph as undirected (an
``article -> provider`` edge can be walked both ways) but report every edge in its stored
direction. Nothing here scans the whole graph per call: paths and neighbourhoods are
bounded breadth-first searches, timelines read one node's (sorted, cached) article list,
and co-coverage reads a story index built once per graph.

The seed, walked from the insidebitcoins.com outlet to the Wall Street Journal through the
primary article and its ``related`` listing of the WSJ report:

>>> import graph
>>> g, _ = graph.load("seeds")
>>> route = shortest_path(g, "provider:insidebitcoins.com", "provider:wsj.com")
>>> route.nodes[0], route.nodes[-1], route.length
('provider:insidebitcoins.com', 'provider:wsj.com', 3)
>>> [(edge.kind, edge.source.split("/")[2]) for edge in route.edges]   # stored directions
[('published_by', 'insidebitcoins.com'), ('related', 'insidebitcoins.com'), ('published_by', 'wsj.com')]

Stories come from :mod:`graph.stories`. Here the seed's two stories (the WSJ report with
the outlets that echoed it, and the iFlytek story) are added by hand to a graph built
without story detection, to show what co-coverage answers:

>>> from pathlib import Path
>>> from graph.ingest import read_records
>>> from graph.model import build_graph
>>> records, _ = read_records(Path("seeds"))
>>> g = build_graph(records)
>>> def story(key, *parts):
...     members = [a for a in g.nx if a.startswith("article:") and any(p in a for p in parts)]
...     g.nx.add_node(f"story:{key}", kind="story", size=len(members),
...                   first_published=min(g.nx.nodes[a]["published"] for a in members))
...     for a in members:
...         g.nx.add_edge(a, f"story:{key}", key="in_story", kind="in_story")
>>> story("chips", "wsj.com/articles", "insidebitcoins", "cointelegraph.com/news/china",
...       "fudzilla", "globaltimes", "businessinsider")
>>> story("iflytek", "thestar", "cointelegraph.com/news/state")
>>> for link in co_covering_providers(g, "provider:wsj.com"):
...     print(link.provider, link.shared_stories, link.stories, link.score)
provider:businessinsider.com 1 1 1.0
provider:fudzilla.com 1 1 1.0
provider:globaltimes.cn 1 1 1.0
provider:insidebitcoins.com 1 1 1.0
provider:cointelegraph.com 1 2 0.5
>>> [(s.story, s.shared_outlets) for s in related_stories(g, "story:chips")]
[('story:iflytek', ('provider:cointelegraph.com',))]
"""

from __future__ import annotations

import heapq
import math
import threading
import weakref
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .errors import NewsgraphError, NotFound
from .model import (
    EDGE_KINDS,
    IN_STORY,
    PROVIDER,
    PUBLISHED_BY,
    STORY,
    TAGGED,
    TOPIC,
    CoverageGraph,
)

__all__ = [
    "BUCKETS",
    "Bucket",
    "CoCoverage",
    "CoOccurrence",
    "Edge",
    "Neighbourhood",
    "NeighbourNode",
    "PathResult",
    "RelatedStory",
    "bucket_start",
    "co_covering_providers",
    "co_occurring_topics",
    "neighbourhood",
    "related_stories",
    "shortest_path",
    "timeline",
]

#: Bucket sizes a timeline understands.
BUCKETS = ("hour", "day", "week")
_SECONDS = {"hour": 3600, "day": 86_400, "week": 604_800}
#: Weeks start on Mondays: 1970-01-05 (the epoch was a Thursday).
_WEEK_ORIGIN = 4 * 86_400
#: When two nodes are joined by several edges, a path reports the first kind in this order.
_KIND_ORDER = {kind: index for index, kind in enumerate(EDGE_KINDS)}


# ------------------------------------------------------------------ values


@dataclass(frozen=True, slots=True)
class Edge:
    """One stored edge: ``source -> target`` as stored, its kind and its other attributes."""

    source: str
    target: str
    kind: str
    attrs: tuple[tuple[str, Any], ...] = ()
    """The edge's attributes except ``kind``, as sorted ``(name, value)`` pairs
    (``rank`` and ``sources`` on ``related``; ``lag_hours``, ``similarity`` and ``evidence``
    on ``echoes``)."""

    def attributes(self) -> dict[str, Any]:
        """``attrs`` as a dict."""
        return dict(self.attrs)


@dataclass(frozen=True, slots=True)
class PathResult:
    """A shortest path: ``nodes[i]`` and ``nodes[i + 1]`` are joined by ``edges[i]``.

    When no path is found, ``nodes`` and ``edges`` are empty, ``found`` is false and
    ``reason`` says why (not connected, longer than ``max_length``, search limit).
    """

    nodes: tuple[str, ...]
    edges: tuple[Edge, ...]
    found: bool
    reason: str | None = None

    @property
    def length(self) -> int:
        """The number of edges (hops) on the path."""
        return len(self.edges)


@dataclass(frozen=True, slots=True)
class NeighbourNode:
    """A node of a neighbourhood: its kind, its hop distance from the centre and a label."""

    id: str
    kind: str
    distance: int
    label: str
    """Title of an article or story, name of a provider or topic."""


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    """The nodes within ``depth`` hops of ``center`` and the edges among them.

    ``nodes`` are ordered by distance then id (the centre first); ``edges`` are every
    stored edge (of the walked kinds) whose two ends are both in ``nodes``. ``truncated``
    is true when ``limit`` stopped the walk before every node within ``depth`` was taken.
    """

    center: str
    depth: int
    nodes: tuple[NeighbourNode, ...]
    edges: tuple[Edge, ...]
    truncated: bool


@dataclass(frozen=True, slots=True)
class Bucket:
    """One time bucket of a timeline, ``[start, end)`` in UTC."""

    start: datetime
    end: datetime
    count: int
    """Articles of the node published in this bucket."""
    outlets: tuple[str, ...]
    """Provider ids of those articles, most articles first (ties by id)."""
    stories: tuple[str, ...] = field(default=())
    """Story ids (among the stories of the node's articles) whose first report falls in
    this bucket, oldest first."""


@dataclass(frozen=True, slots=True)
class CoCoverage:
    """Another provider covering the same stories as the one asked about."""

    provider: str
    shared_stories: int
    """Stories both providers have at least one article in."""
    stories: int
    """Stories this provider has articles in (all of them)."""
    score: float
    """Jaccard similarity of the two providers' story sets (symmetric, 0..1]."""


@dataclass(frozen=True, slots=True)
class CoOccurrence:
    """A topic tagged on the same articles as the one asked about."""

    topic: str
    count: int
    """Articles tagged with both topics."""
    score: float
    """Jaccard similarity of the two topics' article sets (symmetric, 0..1]."""


@dataclass(frozen=True, slots=True)
class RelatedStory:
    """A story sharing outlets or topics with the one asked about."""

    story: str
    score: float
    """IDF-weighted Jaccard similarity over outlets and topics (symmetric, 0..1]."""
    shared_outlets: tuple[str, ...]
    shared_topics: tuple[str, ...]


# ------------------------------------------------------------------ helpers


def _require_node(g: CoverageGraph, node: str) -> str:
    if not isinstance(node, str) or node not in g.nx:
        raise NotFound("node", str(node))
    return node


def _require_kind(g: CoverageGraph, node: str, *kinds: str) -> str:
    _require_node(g, node)
    kind = g.nx.nodes[node].get("kind")
    if kind not in kinds:
        raise NewsgraphError(f"{node!r} is a {kind}, expected a {' or '.join(kinds)}")
    return node


def _edge_kinds(kinds: Iterable[str] | None) -> frozenset[str] | None:
    """The edge kinds to walk (``None``: all), checked against the known kinds."""
    if kinds is None:
        return None
    chosen = frozenset([kinds] if isinstance(kinds, str) else kinds)
    if not chosen:
        raise NewsgraphError("kinds must name at least one edge kind (or be left out for all)")
    unknown = sorted(chosen.difference(EDGE_KINDS))
    if unknown:
        raise NewsgraphError(f"unknown edge kind {unknown[0]!r}; expected one of {', '.join(EDGE_KINDS)}")
    return chosen


def _neighbours(g: CoverageGraph, node: str, kinds: frozenset[str] | None) -> Iterator[str]:
    """Nodes joined to ``node`` by an edge of ``kinds`` in either direction (may repeat).

    Lazy, in adjacency order (deterministic for a given graph), so callers that stop
    early never read the rest of a hub's edges.
    """
    for adjacency in (g.nx._succ[node], g.nx._pred[node]):  # raw dicts: no view objects per edge
        for other, keyed in adjacency.items():
            if kinds is None or not kinds.isdisjoint(keyed):
                yield other


def _attrs(data: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(((name, value) for name, value in data.items() if name != "kind"), key=lambda item: item[0]))


def _best_edge(g: CoverageGraph, a: str, b: str, kinds: frozenset[str] | None) -> Edge:
    """The edge a path uses between ``a`` and ``b``: first kind in ``EDGE_KINDS`` order,
    then ``a -> b`` before ``b -> a``."""
    options: list[tuple[int, int, Edge]] = []
    for direction, (source, target) in enumerate(((a, b), (b, a))):
        keyed = g.nx._succ[source].get(target, {})
        for kind, data in keyed.items():
            if kinds is None or kind in kinds:
                order = _KIND_ORDER.get(kind, len(_KIND_ORDER))
                options.append((order, direction, Edge(source, target, kind, _attrs(data))))
    return min(options, key=lambda option: option[:2])[2]


def _label(data: dict[str, Any], node: str) -> str:
    label = data.get("title") or data.get("name")
    return str(label) if label else node


def _utc(moment: datetime | None) -> datetime | None:
    """Aware UTC datetimes; naive ones are taken to be UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _check_first(first: int) -> None:
    if isinstance(first, bool) or not isinstance(first, int) or first < 0:
        raise NewsgraphError(f"first must be a non-negative integer, got {first!r}")


# ------------------------------------------------------------------ paths


def shortest_path(
    g: CoverageGraph,
    source: str,
    target: str,
    *,
    max_length: int | None = None,
    kinds: Iterable[str] | None = None,
    max_visited: int | None = None,
) -> PathResult:
    """A shortest path between two nodes, walking edges in either direction.

    ``kinds`` restricts the walk to some edge kinds; ``max_length`` caps the number of
    edges; ``max_visited`` caps the nodes the search may reach before it gives up (a
    guard for servers: a walk through a big outlet's articles reaches many). The
    search is a bidirectional breadth-first search that grows the smaller side first.
    Among paths of equal length the choice is deterministic for a given graph; between
    two nodes joined by several edges the first kind in ``EDGE_KINDS`` order is reported
    (``related`` before ``echoes``). No path is a result with a ``reason``, not an error;
    unknown node ids raise :class:`~graph.errors.NotFound`.

    Examples
    --------
    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> route = shortest_path(g, "provider:insidebitcoins.com", "provider:wsj.com")
    >>> route.found, route.length, g.nx.nodes[route.nodes[2]]["title"]
    (True, 3, 'U.S. Sanctions Drive Chinese Firms to Advance AI Without Latest Chips')
    >>> [edge.kind for edge in route.edges]
    ['published_by', 'related', 'published_by']
    >>> shortest_path(g, "provider:insidebitcoins.com", "provider:wsj.com", max_length=2).reason
    "no path of at most 2 edges between 'provider:insidebitcoins.com' and 'provider:wsj.com'"
    >>> shortest_path(g, "topic:ai", "provider:wsj.com", kinds=["tagged", "published_by"]).found
    False
    """
    _require_node(g, source)
    _require_node(g, target)
    allowed = _edge_kinds(kinds)
    if max_length is not None and max_length < 0:
        raise NewsgraphError(f"max_length must not be negative, got {max_length}")
    if source == target:
        return PathResult((source,), (), True)

    def not_found(reason: str) -> PathResult:
        return PathResult((), (), False, reason)

    between = f"between {source!r} and {target!r}"
    parents: tuple[dict[str, str | None], dict[str, str | None]] = ({source: None}, {target: None})
    frontiers = ([source], [target])
    depths = [0, 0]
    while frontiers[0] and frontiers[1]:
        if max_length is not None and depths[0] + depths[1] >= max_length:
            return not_found(f"no path of at most {max_length} edges {between}")
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        mine, theirs = parents[side], parents[1 - side]
        grown: list[str] = []
        meets: list[str] = []
        for node in sorted(frontiers[side]):
            for other in _neighbours(g, node, allowed):
                if other in mine:
                    continue
                mine[other] = node
                grown.append(other)
                if other in theirs:
                    meets.append(other)
                elif max_visited is not None and not meets and len(mine) + len(theirs) > max_visited:
                    return not_found(f"search stopped after visiting {max_visited} nodes {between}")
        depths[side] += 1
        if meets:
            meet = min(meets, key=lambda m: (_distance(theirs, m), m))
            forward = _chain(parents[0], meet)[::-1]
            backward = _chain(parents[1], meet)[1:]
            nodes = tuple(forward + backward)
            if max_length is not None and len(nodes) - 1 > max_length:
                return not_found(f"no path of at most {max_length} edges {between}")
            edges = tuple(_best_edge(g, a, b, allowed) for a, b in zip(nodes, nodes[1:]))
            return PathResult(nodes, edges, True)
        frontiers = (grown, frontiers[1]) if side == 0 else (frontiers[0], grown)
    over = f" over edge kinds {', '.join(sorted(allowed))}" if allowed is not None else ""
    return not_found(f"no path {between}{over}: they are not connected")


def _chain(parents: dict[str, str | None], node: str) -> list[str]:
    """``node``, its parent, its parent's parent, ... up to the root of the search."""
    chain = [node]
    parent = parents[node]
    while parent is not None:
        chain.append(parent)
        parent = parents[parent]
    return chain


def _distance(parents: dict[str, str | None], node: str) -> int:
    return len(_chain(parents, node)) - 1


# ------------------------------------------------------------------ neighbourhoods


def neighbourhood(
    g: CoverageGraph,
    node: str,
    *,
    depth: int = 1,
    kinds: Iterable[str] | None = None,
    limit: int = 500,
) -> Neighbourhood:
    """The nodes within ``depth`` hops of ``node`` (edges walked both ways) and the edges
    among them, ready to draw.

    A breadth-first search, level by level; it stops as soon as ``limit`` nodes (the
    centre included) are taken and one more was found, and then sets ``truncated``. It
    reads only the adjacency of the nodes it takes, and a hub's edges only until the cap,
    so its cost is bounded by ``limit`` and the degrees involved, never the graph size.
    The edges are those of the walked ``kinds`` between two taken nodes (so two nodes at
    the last level are joined when an edge joins them).

    Examples
    --------
    The primary article's neighbours are its outlet, its two topics and the eight
    articles its record lists; one hop further come the outlets of those eight (seven
    more, CoinTelegraph having two of them):

    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> primary = "article:https://insidebitcoins.com/news/how-china-is-developing-ai-without-us-chips"
    >>> base = ["published_by", "tagged", "related"]
    >>> near = neighbourhood(g, primary, kinds=base)
    >>> len(near.nodes), len(near.edges), near.truncated
    (12, 11, False)
    >>> len(neighbourhood(g, primary, depth=2, kinds=base).nodes)
    19
    >>> small = neighbourhood(g, primary, depth=2, kinds=base, limit=5)
    >>> len(small.nodes), small.truncated
    (5, True)
    >>> [(n.id, n.distance) for n in neighbourhood(g, "provider:wsj.com", kinds=base).nodes][0]
    ('provider:wsj.com', 0)
    """
    _require_node(g, node)
    allowed = _edge_kinds(kinds)
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise NewsgraphError(f"depth must be a non-negative integer, got {depth!r}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise NewsgraphError(f"limit must be a positive integer, got {limit!r}")

    distance: dict[str, int] = {node: 0}
    frontier = [node]
    truncated = False
    for level in range(1, depth + 1):
        grown: list[str] = []
        for current in frontier:
            for other in _neighbours(g, current, allowed):
                if other in distance:
                    continue
                if len(distance) >= limit:
                    truncated = True
                    break
                distance[other] = level
                grown.append(other)
            if truncated:
                break
        if truncated or not grown:
            break
        frontier = sorted(grown)

    edges: list[Edge] = []
    for source in distance:
        successors = g.nx._succ[source]
        if len(successors) <= len(distance):
            candidates: Iterable[str] = successors
        else:  # a node with more out-edges than the neighbourhood has nodes
            candidates = [n for n in distance if n in successors]
        for target in candidates:
            if target not in distance:
                continue
            for kind, data in successors[target].items():
                if allowed is None or kind in allowed:
                    edges.append(Edge(source, target, kind, _attrs(data)))
    edges.sort(key=lambda e: (e.source, e.target, _KIND_ORDER.get(e.kind, len(_KIND_ORDER)), e.kind))
    data_of = g.nx.nodes
    nodes = tuple(
        NeighbourNode(n, str(data_of[n].get("kind", "")), d, _label(data_of[n], n))
        for n, d in sorted(distance.items(), key=lambda item: (item[1], item[0]))
    )
    return Neighbourhood(node, depth, nodes, tuple(edges), truncated)


# ------------------------------------------------------------------ timelines


def bucket_start(moment: datetime, bucket: str) -> datetime:
    """The UTC start of the ``bucket`` (hour, day or week from Monday) holding ``moment``.

    Naive datetimes are taken as UTC.

    >>> from datetime import datetime, timezone
    >>> when = datetime(2023, 5, 7, 17, 18, tzinfo=timezone.utc)   # a Sunday
    >>> bucket_start(when, "hour").isoformat(), bucket_start(when, "week").isoformat()
    ('2023-05-07T17:00:00+00:00', '2023-05-01T00:00:00+00:00')
    """
    aware = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
    return datetime.fromtimestamp(_bucket_key(aware.timestamp(), _bucket_size(bucket)), timezone.utc)


def _bucket_size(bucket: str) -> str:
    size = bucket.lower() if isinstance(bucket, str) else bucket
    if size not in _SECONDS:
        raise NewsgraphError(f"unknown bucket {bucket!r}; expected one of {', '.join(BUCKETS)}")
    return str(size)


def _bucket_key(timestamp: float, size: str) -> int:
    """The POSIX time of the start of the bucket holding ``timestamp``."""
    width = _SECONDS[size]
    origin = _WEEK_ORIGIN if size == "week" else 0
    return int((timestamp - origin) // width) * width + origin


def _story_start(g: CoverageGraph, story: str) -> datetime | None:
    data = g.nx.nodes[story]
    start = data.get("first_published")
    if start is None:
        origin = data.get("origin")
        if origin in g.nx:
            start = g.nx.nodes[origin].get("published")
    if start is None:
        members = [m for m in g.members(story) if g.nx.nodes[m].get("published") is not None]
        start = g.nx.nodes[members[0]]["published"] if members else None
    return _utc(start)


def timeline(
    g: CoverageGraph,
    node: str,
    *,
    bucket: str = "day",
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Bucket]:
    """The coverage of a topic, provider or story over time, bucket by bucket (UTC).

    Each :class:`Bucket` counts the node's articles published in it, names their outlets
    and the stories that started in it (a story starts at its first report, the story
    node's ``first_published``), among the stories of the node's articles in the window.
    ``since`` and ``until`` bound the window (both inclusive; naive datetimes are taken as
    UTC). Only buckets with an article or a starting story are listed, oldest first, so
    the counts add up to the node's articles in the window; a client fills the gaps.
    The cost is that of the node's articles in the window (found by binary search).

    Examples
    --------
    >>> import graph
    >>> from datetime import datetime, timezone
    >>> g, _ = graph.load("seeds")
    >>> for b in timeline(g, "provider:cointelegraph.com"):
    ...     if b.count:   # (a bucket may hold only the start of a story)
    ...         print(b.start.date(), b.count, b.outlets)
    2023-05-08 2 ('provider:cointelegraph.com',)
    >>> [(b.start.hour, b.count) for b in timeline(g, "provider:cointelegraph.com", bucket="hour") if b.count]
    [(8, 1), (18, 1)]
    >>> late = datetime(2023, 5, 8, 12, tzinfo=timezone.utc)
    >>> sum(b.count for b in timeline(g, "provider:cointelegraph.com", since=late))
    1
    >>> [(b.start.isoformat(), b.count) for b in timeline(g, "topic:ai", bucket="week")]
    [('2023-05-01T00:00:00+00:00', 1)]
    >>> all(sum(b.count for b in timeline(g, p)) == len(g.members(p)) for p in g.ranked("provider"))
    True
    """
    _require_kind(g, node, TOPIC, PROVIDER, STORY)
    size = _bucket_size(bucket)
    start_at, end_at = _utc(since), _utc(until)
    if start_at is not None and end_at is not None and start_at > end_at:
        raise NewsgraphError(f"since ({start_at.isoformat()}) is after until ({end_at.isoformat()})")

    members = g.members(node)

    def when(article: str) -> float:
        return g.sort_key(article)[0]

    lo = bisect_left(members, start_at.timestamp(), key=when) if start_at is not None else 0
    hi = bisect_right(members, end_at.timestamp(), key=when) if end_at is not None else len(members)
    counts: Counter[int] = Counter()
    outlets: dict[int, Counter[str]] = defaultdict(Counter)
    stories: set[str] = set()
    nodes = g.nx._node  # the raw node and adjacency dicts: this loop runs once per article
    succ = g.nx._succ
    for article in members[lo:hi]:
        published = nodes[article].get("published")
        if published is None:  # undated articles have no place on a timeline
            continue
        key = _bucket_key(published.timestamp(), size)
        counts[key] += 1
        for target, keyed in succ[article].items():
            if PUBLISHED_BY in keyed:
                outlets[key][target] += 1
            if IN_STORY in keyed:
                stories.add(target)
    started: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for story in stories:
        begin = _story_start(g, story)
        if begin is None:
            continue
        if (start_at is not None and begin < start_at) or (end_at is not None and begin > end_at):
            continue
        started[_bucket_key(begin.timestamp(), size)].append((begin, story))
    width = _SECONDS[size]
    result = []
    for key in sorted(set(counts) | set(started)):
        ranked = sorted(outlets[key].items(), key=lambda item: (-item[1], item[0])) if key in outlets else []
        result.append(
            Bucket(
                start=datetime.fromtimestamp(key, timezone.utc),
                end=datetime.fromtimestamp(key + width, timezone.utc),
                count=counts[key],
                outlets=tuple(name for name, _ in ranked),
                stories=tuple(story for _, story in sorted(started.get(key, []))),
            )
        )
    return result


# ------------------------------------------------------------------ co-coverage


class _StoryIndex:
    """Stories by outlet and topic, and outlets and topics by story, for one graph."""

    def __init__(self, g: CoverageGraph) -> None:
        self.nodes = len(g.nx)
        self.features: dict[str, tuple[str, ...]] = {}
        """The outlets and topics of each story's articles, sorted."""
        by_feature: dict[str, set[str]] = defaultdict(set)
        succ = g.nx._succ
        for story, kind in g.nx.nodes(data="kind"):
            if kind != STORY:
                continue
            found: set[str] = set()
            for article, _, edge_kind in g.nx.in_edges(story, keys=True):
                if edge_kind != IN_STORY:
                    continue
                for target, keyed in succ[article].items():
                    if PUBLISHED_BY in keyed or TAGGED in keyed:
                        found.add(target)
            self.features[story] = tuple(sorted(found))
            for feature in found:
                by_feature[feature].add(story)
        self.stories_of: dict[str, frozenset[str]] = {f: frozenset(s) for f, s in by_feature.items()}
        total = len(self.features)
        self.weight: dict[str, float] = {f: math.log(1 + total / len(s)) for f, s in by_feature.items()}
        # Sums in sorted feature order, so that scores are exactly symmetric.
        self.total_weight: dict[str, float] = {
            story: math.fsum(self.weight[f] for f in features) for story, features in self.features.items()
        }


_INDEXES: weakref.WeakKeyDictionary[CoverageGraph, _StoryIndex] = weakref.WeakKeyDictionary()
_INDEX_LOCK = threading.Lock()


def _story_index(g: CoverageGraph) -> _StoryIndex:
    """The story index of ``g``, built on first use (rebuilt if nodes were added since)."""
    with _INDEX_LOCK:
        index = _INDEXES.get(g)
    if index is None or index.nodes != len(g.nx):
        index = _StoryIndex(g)
        with _INDEX_LOCK:
            _INDEXES[g] = index
    return index


def co_covering_providers(g: CoverageGraph, provider: str, first: int = 20) -> list[CoCoverage]:
    """Providers with articles in the same stories as ``provider``, most shared stories
    first (then higher score, then id), at most ``first`` of them.

    The score is the Jaccard similarity of the two providers' sets of stories, so it is
    symmetric: A's entry for B equals B's entry for A. Without story nodes in the graph
    (see :mod:`graph.stories`) the list is empty. The cost is that of the provider's
    stories and their outlets (the index of stories is built once per graph).

    Examples
    --------
    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> links = {p: {c.provider: c for c in co_covering_providers(g, p)} for p in g.ranked("provider")}
    >>> all(links[b][a].score == link.score and links[b][a].shared_stories == link.shared_stories
    ...     for a in links for b, link in links[a].items())   # symmetric
    True

    The module's docstring shows the answers on the seed's stories.
    """
    _require_kind(g, provider, PROVIDER)
    _check_first(first)
    index = _story_index(g)
    mine = index.stories_of.get(provider, frozenset())
    shared: Counter[str] = Counter()
    for story in mine:
        for feature in index.features[story]:
            if feature != provider and feature.startswith(f"{PROVIDER}:"):
                shared[feature] += 1
    result = []
    for other, count in shared.items():
        theirs = len(index.stories_of[other])
        result.append(CoCoverage(other, count, theirs, count / (len(mine) + theirs - count)))
    result.sort(key=lambda c: (-c.shared_stories, -c.score, c.provider))
    return result[:first]


def co_occurring_topics(g: CoverageGraph, topic: str, first: int = 20) -> list[CoOccurrence]:
    """Topics tagged on the same articles as ``topic``, most shared articles first (then
    higher score, then id), at most ``first``.

    The score is the Jaccard similarity of the two topics' article sets (symmetric). The
    cost is that of the topic's articles and their tags.

    Examples
    --------
    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> co_occurring_topics(g, "topic:ai")
    [CoOccurrence(topic='topic:ai hardware', count=1, score=1.0)]
    """
    _require_kind(g, topic, TOPIC)
    _check_first(first)
    mine = g.members(topic)
    counts: Counter[str] = Counter()
    succ = g.nx._succ
    for article in mine:
        for target, keyed in succ[article].items():
            if TAGGED in keyed and target != topic:
                counts[target] += 1
    result = [
        CoOccurrence(other, count, count / (len(mine) + len(g.members(other)) - count))
        for other, count in counts.items()
    ]
    result.sort(key=lambda c: (-c.count, -c.score, c.topic))
    return result[:first]


def related_stories(g: CoverageGraph, story: str, first: int = 20) -> list[RelatedStory]:
    """Stories sharing outlets or topics with ``story``, best score first (ties by id).

    The score is a weighted Jaccard similarity over the stories' outlets and topics, each
    weighted by ``log(1 + stories / stories having it)``, so sharing a rare topic or a
    small outlet counts more than sharing one that is everywhere. It is symmetric. The
    cost is that of the stories sharing a feature with this one.

    Examples
    --------
    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> stories = [n for n, kind in g.nx.nodes(data="kind") if kind == "story"]
    >>> all(0 < r.score <= 1 and r.story != s for s in stories for r in related_stories(g, s))
    True
    """
    _require_kind(g, story, STORY)
    _check_first(first)
    index = _story_index(g)
    mine = index.features.get(story, ())
    weight = index.weight
    common: dict[str, list[float]] = defaultdict(list)
    for feature in mine:  # sorted, so both directions add the same terms in the same order
        for other in index.stories_of[feature]:
            common[other].append(weight[feature])
    common.pop(story, None)
    own = index.total_weight.get(story, 0.0)
    scored = []
    for other, weights in common.items():
        shared = math.fsum(weights)
        scored.append((shared / (own + index.total_weight[other] - shared), other))
    best = heapq.nsmallest(first, scored, key=lambda item: (-item[0], item[1]))
    result = []
    for score, other in best:
        both = set(mine).intersection(index.features[other])
        result.append(
            RelatedStory(
                other,
                score,
                tuple(sorted(f for f in both if f.startswith(f"{PROVIDER}:"))),
                tuple(sorted(f for f in both if f.startswith(f"{TOPIC}:"))),
            )
        )
    return result
