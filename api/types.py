"""Strawberry types: thin wrappers over the core's views; resolvers call ``graph`` functions."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from enum import Enum
from functools import lru_cache
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

import strawberry
from strawberry.scalars import JSON
from graphql import GraphQLError

from graph import model, queries, stories, traversals
from graph.search import index_for
from graph.errors import NewsgraphError
from graph.model import CoverageGraph

from .settings import Settings

T = TypeVar("T")
S = TypeVar("S")


@dataclass
class Context:
    """What every resolver sees: the graph of this request's moment and the settings."""

    graph: CoverageGraph
    settings: Settings
    deadline: float = math.inf
    """``time.monotonic()`` past which lists refuse to resolve (``query_timeout``)."""

    def check_deadline(self) -> None:
        if time.monotonic() > self.deadline:
            raise GraphQLError(
                f"query ran longer than {self.settings.query_timeout} s (query_timeout) and was stopped"
            )


# ------------------------------------------------------------------ per-graph caches


class _ObjectCache(dict[str, Any]):
    """GraphQL objects of one graph; pickles (and copies) as empty, so a cached graph stays plain."""

    def __reduce__(self) -> tuple[type[_ObjectCache], tuple[()]]:
        return (_ObjectCache, ())


_CACHE_ATTR = "_api_objects"


def graph_cache(g: CoverageGraph, cls: type) -> dict[str, Any]:
    """A dict for ``cls`` objects of graph ``g``, living (and dying) with ``g``.

    Keyed on the graph object, so a graph swapped in by a reload gets fresh objects and
    the old ones go with the old graph. Only for immutable objects (providers, topics,
    stories): requests share them. A graph that cannot hold attributes gets a fresh,
    throw-away dict (no caching, same answers).
    """
    try:
        caches = g.__dict__.get(_CACHE_ATTR)
        if caches is None:
            caches = g.__dict__.setdefault(_CACHE_ATTR, _ObjectCache())
    except AttributeError:
        return {}
    found = caches.get(cls.__name__)
    if found is None:
        found = caches.setdefault(cls.__name__, {})
    return found  # type: ignore[no-any-return]


def _new(cls: type[T]) -> T:
    """An instance without running the dataclass ``__init__`` (the caller sets its state)."""
    return object.__new__(cls)


def provider_of(g: CoverageGraph, article: str) -> str:
    """The provider node id of an article (its ``published_by`` edge), or ``""``.

    Reads the adjacency dicts themselves (``_succ``, as graph.model does when building):
    ``g.nx.succ[...]`` wraps them in views that cost ten times more per article.
    """
    for target, keys in g.nx._succ[article].items():
        if model.PUBLISHED_BY in keys:
            return str(target)
    return ""


NewestFirst = queries.NewestFirst  # re-exported: connections page over it


# ------------------------------------------------------------------ pagination


@strawberry.type(description="Where a page sits in its list (Relay).")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="One item of a list with its cursor.")
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a list: `totalCount` counts the whole list.")
class Connection(Generic[T]):
    total_count: int
    page_info: PageInfo
    edges: list[Edge[T]]

    @strawberry.field(description="The page's nodes without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def page_size(first: int | None, settings: Settings) -> int:
    """``first`` checked against the settings (a GraphQL error outside 1..max)."""
    if first is None:
        return settings.default_page_size
    if not 1 <= first <= settings.max_page_size:
        raise GraphQLError(f"`first` must be between 1 and {settings.max_page_size}, got {first}")
    return first


def paged(items: Sequence[S], first: int | None, after: str | None, context: Context) -> queries.Page[S]:
    """The requested page of ``items``; limits and bad cursors become GraphQL errors."""
    context.check_deadline()
    try:
        return queries.paginate(items, page_size(first, context.settings), after)
    except NewsgraphError as exc:
        raise GraphQLError(str(exc)) from None


@lru_cache(maxsize=4096)
def cursor_at(offset: int) -> str:
    """:func:`graph.queries.encode_cursor`, remembered (every page of every list starts at 0)."""
    return queries.encode_cursor(offset)


def page_info(page: queries.Page[S]) -> PageInfo:
    count = len(page.items)
    return PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        start_cursor=cursor_at(page.start) if count else None,
        end_cursor=cursor_at(page.start + count - 1) if count else None,
    )


def connection(
    items: Sequence[S], first: int | None, after: str | None, context: Context, wrap: Callable[[S], T]
) -> Connection[T]:
    """A Relay connection over ``items`` (already ordered), wrapping each with ``wrap``."""
    page = paged(items, first, after, context)
    start = page.start
    edges = [Edge(cursor=cursor_at(start + i), node=wrap(item)) for i, item in enumerate(page.items)]
    return Connection(total_count=page.total, page_info=page_info(page), edges=edges)


def export_url(**selector: str) -> str:
    """Where the GraphML export of a part of the graph can be downloaded."""
    return "/export/graph.graphml?" + urlencode(selector)


def utc(moment: datetime | None) -> datetime | None:
    """Inputs without a time zone are taken as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


# ------------------------------------------------------------------ nodes


@strawberry.interface(description="Anything with a readable, stable id such as `provider:wsj.com`.")
class Node:
    id: strawberry.ID


@strawberry.type(description="An image attached to an article.")
class Image:
    url: str
    width: int | None
    height: int | None


@strawberry.enum(description="Order of article lists by publication time.")
class Order(Enum):
    NEWEST_FIRST = "newest"
    OLDEST_FIRST = "oldest"


@strawberry.input(description="Conditions on articles; all given conditions must hold.")
class ArticleFilter:
    provider: str | None = strawberry.field(default=None, description="Provider domain, e.g. `wsj.com`.")
    topic: str | None = strawberry.field(default=None, description="Topic name, any letter case.")
    since: datetime | None = strawberry.field(default=None, description="Published at or after (UTC if no zone).")
    until: datetime | None = strawberry.field(default=None, description="Published at or before.")
    text: str | None = strawberry.field(default=None, description="Text contained in the title or excerpt.")
    min_quality: int | None = strawberry.field(default=None, description="Lowest aggregator quality score.")
    type: str | None = strawberry.field(default=None, description="`article`, `video`, ...")

    def to_core(self) -> queries.ArticleFilter:
        return queries.ArticleFilter(
            provider=self.provider,
            topic=self.topic,
            since=utc(self.since),
            until=utc(self.until),
            text=self.text,
            min_quality=self.min_quality,
            type=self.type,
        )


def find_articles(g: CoverageGraph, flt: ArticleFilter | None, order: Order) -> Sequence[str]:
    """Article ids for a filter (index answers come as views, see :func:`graph.queries.find_articles`)."""
    core = flt.to_core() if flt is not None else None
    return queries.find_articles(g, core, newest_first=order is Order.NEWEST_FIRST)


@strawberry.type(description="A news article (or video), one node however many records list it.")
class Article(Node):
    """Built by :meth:`of` only: a node id and its attribute mapping, fields read on demand.

    A list page asks for a few fields of many articles, so nothing is computed until a
    resolver (or Python code) asks for it: the plain fields read the node's attributes
    (see :data:`ARTICLE_FIELDS`, which the schema's resolvers use directly, and which
    back lazy attributes for Python code) and the core's view (provider, topics) is
    built once on first use.
    """

    url: str | None = strawberry.field(description="Canonical URL (the article's key).")
    urls: list[str] = strawberry.field(description="Every URL alias seen for this article.")
    title: str
    excerpt: str | None
    published_at: datetime | None
    type: str | None
    quality: int | None
    heat: int | None
    images: list[Image]
    sources: list[str] = strawberry.field(description="Record files that mention this article.")
    _graph: strawberry.Private[CoverageGraph]
    _view: strawberry.Private[model.Article]
    _data: strawberry.Private[Any]
    """The node's attribute mapping (``g.nx.nodes[id]``)."""

    @classmethod
    def of(cls, g: CoverageGraph, node: str) -> Article:
        article = _new(cls)
        state = article.__dict__
        state["id"] = node
        state["_graph"] = g
        state["_data"] = g.nx.nodes[node]
        return article

    @property
    def _provider(self) -> str:
        """The provider node id, read from the adjacency (no view needed)."""
        view = self.__dict__.get("_view")
        if view is not None:
            return str(view.provider)
        return provider_of(self._graph, self.id)

    @strawberry.field(description="The outlet that published it.")
    def provider(self) -> Provider:
        return Provider.of(self._graph, self._provider)

    @strawberry.field(description="Topics the aggregator tagged it with.")
    def topics(self) -> list[Topic]:
        return [Topic.of(self._graph, t) for t in self._view.topics]

    @strawberry.field(description="What this article's record lists as related coverage, in its order.")
    def related(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[Article]:
        items = queries.related(self._graph, self.id)
        return connection(items, first, after, info.context, lambda n: Article.of(self._graph, n))

    @strawberry.field(description="Articles whose records list this one as related.")
    def listed_by(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[Article]:
        items = queries.listed_by(self._graph, self.id)
        return connection(items, first, after, info.context, lambda n: Article.of(self._graph, n))

    @strawberry.field(description="The story this article reports, if newsgraph found others reporting it.")
    def story(self) -> Story | None:
        story = stories.story_of(self._graph, self.id)
        return Story.of(self._graph, story) if story is not None else None

    @strawberry.field(description="The original report of this article's story (itself if it is the origin).")
    def origin(self) -> Article | None:
        origin = stories.origin_of(self._graph, self.id)
        return Article.of(self._graph, origin) if origin is not None else None

    @strawberry.field(description="True when this article is the original report of its story.")
    def is_original(self) -> bool:
        return stories.origin_of(self._graph, self.id) == self.id

    @strawberry.field(description="Later articles of the same story, with the lag after this one and the evidence.")
    def echoes(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> EchoConnection:
        page = paged(stories.echoes_of(self._graph, self.id), first, after, info.context)
        edges = [
            EchoEdge(
                cursor=cursor_at(page.start + i),
                lag_hours=echo.lag_hours,
                similarity=echo.similarity,
                evidence=list(echo.evidence),
                node=Article.of(self._graph, echo.article),
            )
            for i, echo in enumerate(page.items)
        ]
        return EchoConnection(total_count=page.total, page_info=page_info(page), edges=edges)

    @strawberry.field(description="GraphML download of this article and its neighbours (two hops).")
    def export_url(self) -> str:
        return export_url(article=self.url or self.id, depth="2")


def _images(article: Article, info: Any = None) -> list[Image]:
    return [Image(url=i.url, width=i.width, height=i.height) for i in article._data.get("images", ())]


#: How each plain :class:`Article` field is read from the node's attributes (the same
#: mapping as :meth:`CoverageGraph.article_view`; a test checks they agree). Each is
#: ``reader(article, info=None)``, so the schema installs them as the fields' resolvers.
ARTICLE_FIELDS: dict[str, Callable[..., Any]] = {
    "id": lambda a, info=None: a.id,
    "url": lambda a, info=None: a._data.get("url"),
    "urls": lambda a, info=None: list(a._data["urls"]),
    "title": lambda a, info=None: a._data["title"],
    "excerpt": lambda a, info=None: a._data.get("excerpt"),
    "published_at": lambda a, info=None: a._data.get("published"),
    "type": lambda a, info=None: a._data.get("type"),
    "quality": lambda a, info=None: a._data.get("quality"),
    "heat": lambda a, info=None: a._data.get("heat"),
    "images": _images,
    "sources": lambda a, info=None: list(a._data["sources"]),
}
Article.__fast_fields__ = ARTICLE_FIELDS  # type: ignore[attr-defined]


class _Lazy:
    """A field computed on first read and then kept in the instance (a non-data descriptor).

    Unlike ``__getattr__`` it costs nothing for the names nobody defines, which
    graphql-core probes on every value (``hasattr(value, "__await__")``).
    """

    def __init__(self, name: str, read: Callable[[Any], Any]) -> None:
        self.name, self.read = name, read

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.read(obj)
        return value


# Installed after Strawberry read the class (it saw plain annotated fields, so the SDL
# is unchanged); ``id`` and ``_graph`` are always set by :meth:`Article.of`.
for _name, _read in ARTICLE_FIELDS.items():
    if _name != "id":
        setattr(Article, _name, _Lazy(_name, _read))
Article._view = _Lazy("_view", lambda a: a._graph.article_view(a.id))  # type: ignore[assignment]


@strawberry.type(description="A later article of the same story: how long after, how alike, and why.")
class EchoEdge:
    cursor: str
    lag_hours: float = strawberry.field(description="Hours after the article asked about.")
    similarity: float = strawberry.field(description="0..1: how alike the two reports are.")
    evidence: list[str] = strawberry.field(description="The signals that matched.")
    node: Article


@strawberry.type(description="A page of echoes.")
class EchoConnection:
    total_count: int
    page_info: PageInfo
    edges: list[EchoEdge]


@strawberry.type(description="A group of articles reporting the same event, from its original report on.")
class Story(Node):
    title: str = strawberry.field(description="The origin's title.")
    size: int = strawberry.field(description="How many articles report it.")
    first_published_at: datetime | None
    last_published_at: datetime | None
    _graph: strawberry.Private[CoverageGraph]
    _view: strawberry.Private[stories.Story]

    @classmethod
    def of(cls, g: CoverageGraph, node: str) -> Story:
        cache = graph_cache(g, cls)
        found = cache.get(node)
        if found is not None:
            return found  # type: ignore[no-any-return]
        view = stories.story_view(g, node)
        found = cache[node] = cls(
            id=strawberry.ID(view.id), title=view.title, size=view.size,
            first_published_at=view.first_published, last_published_at=view.last_published,
            _graph=g, _view=view,
        )
        return found

    @strawberry.field(description="The original report: the earliest article of the story.")
    def origin(self) -> Article:
        return Article.of(self._graph, self._view.origin)

    @strawberry.field(description="Its articles, oldest first.")
    def articles(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[Article]:
        return connection(self._view.articles, first, after, info.context, lambda n: Article.of(self._graph, n))

    @strawberry.field(description="Outlets in the order they first reported it.")
    def providers(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[Provider]:
        return connection(self._view.providers, first, after, info.context, lambda n: Provider.of(self._graph, n))

    @strawberry.field(description="GraphML download of the story: its articles, outlets and echoes.")
    def export_url(self) -> str:
        return export_url(story=self._view.id)

    @strawberry.field(description="Its coverage over time, bucket by bucket.")
    def timeline(
        self, info: strawberry.Info, bucket: BucketSize = None, since: datetime | None = None,  # type: ignore[assignment]
        until: datetime | None = None, first: int | None = None, after: str | None = None,
    ) -> Connection[TimelineBucket]:
        return timeline_connection(self._graph, str(self.id), bucket, since, until, first, after, info.context)

    @strawberry.field(description="Stories sharing outlets or topics (rare ones weigh more), best first.")
    def related_stories(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[RelatedStory]:
        items = traversals.related_stories(self._graph, str(self.id), first=_ALL)
        return connection(items, first, after, info.context, lambda r: RelatedStory(
            story=Story.of(self._graph, r.story), score=r.score,
            shared_outlets=[Provider.of(self._graph, p) for p in r.shared_outlets],
            shared_topics=[Topic.of(self._graph, t) for t in r.shared_topics]))


@strawberry.type(description="Echoes between two outlets: `source` echoed stories first reported by `target`.")
class OutletLink:
    source: Provider
    target: Provider
    provider: Provider = strawberry.field(description="The other outlet, seen from the one asked about.")
    count: int = strawberry.field(description="How many echoes.")
    median_lag_hours: float


def outlet_link(g: CoverageGraph, source: str, target: str, other: str, count: int, lag: float) -> OutletLink:
    return OutletLink(
        source=Provider.of(g, source), target=Provider.of(g, target), provider=Provider.of(g, other),
        count=count, median_lag_hours=lag,
    )


@strawberry.type(description="A topic with how many articles of a provider carry it.")
class TopicCount:
    topic: Topic
    articles: int


@strawberry.type(description="A provider with how many of its articles carry a topic.")
class ProviderCount:
    provider: Provider
    articles: int


@strawberry.type(description="An outlet, keyed by its domain.")
class Provider(Node):
    domain: str
    name: str = strawberry.field(description="The name seen most often.")
    names: list[str] = strawberry.field(description="Every name seen, most frequent first.")
    article_count: int
    _graph: strawberry.Private[CoverageGraph]

    @classmethod
    def of(cls, g: CoverageGraph, node: str) -> Provider:
        """The provider's object, built once per graph (immutable, shared by requests)."""
        cache = graph_cache(g, cls)
        found = cache.get(node)
        if found is None:
            view = g.provider_view(node)
            found = cache[node] = cls(
                id=strawberry.ID(view.id),
                domain=view.domain,
                name=view.name,
                names=list(view.names),
                article_count=view.article_count,
                _graph=g,
            )
        return found

    @strawberry.field(description="Its articles, newest first unless `order` says otherwise.")
    def articles(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        filter: ArticleFilter | None = None,
        order: Order = Order.NEWEST_FIRST,
    ) -> Connection[Article]:
        return member_articles(self._graph, filter, order, first, after, info.context, provider=str(self.id))

    @strawberry.field(description="Topics of its articles, most frequent first.")
    def topics(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[TopicCount]:
        items = queries.provider_topics(self._graph, str(self.id))
        return connection(
            items, first, after, info.context,
            lambda item: TopicCount(topic=Topic.of(self._graph, item[0]), articles=item[1]),
        )

    @strawberry.field(description="Stories it broke (it published the original report), newest first.")
    def first_reports(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[Story]:
        items = stories.first_reports(self._graph, str(self.id))
        return connection(items, first, after, info.context, lambda n: Story.of(self._graph, n))

    @strawberry.field(description="Outlets that echoed its first reports: how often and the median lag.")
    def echoed_by(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[OutletLink]:
        me = str(self.id)
        items = stories.echoed_by(self._graph, me)
        return connection(items, first, after, info.context,
                          lambda l: outlet_link(self._graph, l.provider, me, l.provider, l.count, l.median_lag_hours))

    @strawberry.field(description="Outlets whose first reports it echoed: how often and the median lag.")
    def echoes(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[OutletLink]:
        me = str(self.id)
        items = stories.echoes_outlets(self._graph, me)
        return connection(items, first, after, info.context,
                          lambda l: outlet_link(self._graph, me, l.provider, l.provider, l.count, l.median_lag_hours))

    @strawberry.field(description="Median hours after the original report at which it echoes stories (null if never).")
    def median_lag_hours(self) -> float | None:
        return stories.median_lag(self._graph, str(self.id))

    @strawberry.field(description="PageRank over the echo network weighted by echo counts (sums to 1 over outlets).")
    def influence(self) -> float:
        return stories.influence(self._graph).get(str(self.id), 0.0)

    @strawberry.field(description="GraphML download of its articles and their topics.")
    def export_url(self) -> str:
        return export_url(provider=self.domain)

    @strawberry.field(description="Its coverage over time: per bucket, articles, outlets and stories started.")
    def timeline(
        self, info: strawberry.Info, bucket: BucketSize = None, since: datetime | None = None,  # type: ignore[assignment]
        until: datetime | None = None, first: int | None = None, after: str | None = None,
    ) -> Connection[TimelineBucket]:
        return timeline_connection(self._graph, str(self.id), bucket, since, until, first, after, info.context)

    @strawberry.field(description="Outlets that cover the same stories, with a Jaccard score over story sets.")
    def co_covering(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[CoCoverage]:
        items = traversals.co_covering_providers(self._graph, str(self.id), first=_ALL)
        return connection(items, first, after, info.context, lambda c: CoCoverage(
            provider=Provider.of(self._graph, c.provider), shared_stories=c.shared_stories, score=c.score))


@strawberry.type(description="A topic, keyed by its case-folded name.")
class Topic(Node):
    name: str = strawberry.field(description="The spelling seen most often.")
    names: list[str]
    article_count: int
    _graph: strawberry.Private[CoverageGraph]

    @classmethod
    def of(cls, g: CoverageGraph, node: str) -> Topic:
        """The topic's object, built once per graph (immutable, shared by requests)."""
        cache = graph_cache(g, cls)
        found = cache.get(node)
        if found is None:
            view = g.topic_view(node)
            found = cache[node] = cls(
                id=strawberry.ID(view.id), name=view.name, names=list(view.names),
                article_count=view.article_count, _graph=g,
            )
        return found

    @strawberry.field(description="Articles tagged with it, newest first unless `order` says otherwise.")
    def articles(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        filter: ArticleFilter | None = None,
        order: Order = Order.NEWEST_FIRST,
    ) -> Connection[Article]:
        return member_articles(self._graph, filter, order, first, after, info.context, topic=str(self.id))

    @strawberry.field(description="Its coverage over time: per bucket, articles, outlets and stories started.")
    def timeline(
        self, info: strawberry.Info, bucket: BucketSize = None, since: datetime | None = None,  # type: ignore[assignment]
        until: datetime | None = None, first: int | None = None, after: str | None = None,
    ) -> Connection[TimelineBucket]:
        return timeline_connection(self._graph, str(self.id), bucket, since, until, first, after, info.context)

    @strawberry.field(description="Topics tagged on the same articles, with counts and a Jaccard score.")
    def co_occurring(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[TopicCoOccurrence]:
        items = traversals.co_occurring_topics(self._graph, str(self.id), first=_ALL)
        return connection(items, first, after, info.context, lambda c: TopicCoOccurrence(
            topic=Topic.of(self._graph, c.topic), articles=c.count, score=c.score))

    @strawberry.field(description="Outlets that published on it, most articles first.")
    def providers(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[ProviderCount]:
        items = queries.topic_providers(self._graph, str(self.id))
        return connection(
            items, first, after, info.context,
            lambda item: ProviderCount(provider=Provider.of(self._graph, item[0]), articles=item[1]),
        )


def member_articles(
    g: CoverageGraph, flt: ArticleFilter | None, order: Order, first: int | None, after: str | None,
    context: Context, **narrow: str,
) -> Connection[Article]:
    """Articles of one provider or topic (``narrow``), further filtered by ``flt``."""
    core = replace(flt.to_core() if flt is not None else queries.ArticleFilter(), **narrow)
    items = queries.find_articles(g, core, newest_first=order is Order.NEWEST_FIRST)
    return connection(items, first, after, context, lambda n: Article.of(g, n))


_ALL = 10**9  # "no limit" for core functions whose results the connection pages itself


@strawberry.enum(description="Size of timeline buckets (UTC; weeks start on Monday).")
class BucketSize(Enum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"


@strawberry.type(description="One bucket of a timeline.")
class TimelineBucket:
    start: datetime
    end: datetime
    count: int = strawberry.field(description="Articles published in the bucket.")
    outlets: list[Provider] = strawberry.field(description="Outlets that published in it, most articles first.")
    stories_started: list[Story] = strawberry.field(description="Stories whose original report falls in it.")


def timeline_connection(
    g: CoverageGraph, node: str, bucket: BucketSize | None, since: datetime | None, until: datetime | None,
    first: int | None, after: str | None, context: Context,
) -> Connection[TimelineBucket]:
    try:
        buckets = traversals.timeline(g, node, bucket=(bucket or BucketSize.DAY).value, since=utc(since),
                                      until=utc(until))
    except NewsgraphError as exc:
        raise GraphQLError(str(exc)) from None
    return connection(buckets, first, after, context, lambda b: TimelineBucket(
        start=b.start, end=b.end, count=b.count,
        outlets=[Provider.of(g, p) for p in b.outlets],
        stories_started=[Story.of(g, s) for s in b.stories]))


@strawberry.type(description="An outlet covering the same stories as another.")
class CoCoverage:
    provider: Provider
    shared_stories: int
    score: float = strawberry.field(description="Jaccard similarity of the two outlets' story sets.")


@strawberry.type(description="A topic found on the same articles as another.")
class TopicCoOccurrence:
    topic: Topic
    articles: int = strawberry.field(description="Articles carrying both topics.")
    score: float = strawberry.field(description="Jaccard similarity of the two topics' article sets.")


@strawberry.type(description="A story sharing outlets or topics with another.")
class RelatedStory:
    story: Story
    score: float
    shared_outlets: list[Provider]
    shared_topics: list[Topic]


@strawberry.enum(description="Kinds of edges in the graph.")
class EdgeKind(Enum):
    PUBLISHED_BY = "published_by"
    TAGGED = "tagged"
    RELATED = "related"
    ECHOES = "echoes"
    IN_STORY = "in_story"


@strawberry.type(description="An edge as stored: from `source` to `target`, of a kind, with its attributes.")
class GraphEdge:
    source: strawberry.ID
    target: strawberry.ID
    kind: EdgeKind
    attributes: JSON = strawberry.field(description="Edge attributes (lagHours, similarity, evidence, rank...).")


def graph_edge(edge: traversals.Edge) -> GraphEdge:
    attrs = {key: _jsonable(value) for key, value in edge.attrs if key != "kind"}
    return GraphEdge(source=strawberry.ID(edge.source), target=strawberry.ID(edge.target),
                     kind=EdgeKind(edge.kind), attributes=attrs)


def _jsonable(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    return value


@strawberry.type(description="A shortest path: the nodes in order and the edges between them.")
class Path:
    found: bool
    reason: str | None = strawberry.field(description="Why no path was found.")
    length: int = strawberry.field(description="Number of edges (0 when not found).")
    nodes: list[Node]
    edges: list[GraphEdge]


@strawberry.type(description="A node of a neighbourhood with its hop distance from the centre.")
class NeighborhoodNode:
    node: Node
    distance: int
    label: str


@strawberry.type(description="The nodes and edges within some hops of a node, in a shape a client can draw.")
class Neighborhood:
    center: strawberry.ID
    depth: int
    truncated: bool = strawberry.field(description="True when the node cap (`first`) cut it short.")
    nodes: list[NeighborhoodNode]
    edges: list[GraphEdge]


@strawberry.type(description="A search hit with its relevance and the matched snippet.")
class SearchHit:
    cursor: str
    score: float
    snippet: str
    kind: str
    node: Node


@strawberry.type(description="A page of search hits, best first.")
class SearchConnection:
    total_count: int
    page_info: PageInfo
    edges: list[SearchHit]


@strawberry.enum(description="Order of story lists.")
class StoryOrder(Enum):
    NEWEST = "newest"
    OLDEST = "oldest"
    LARGEST = "largest"


@strawberry.input(description="Conditions on stories; all given conditions must hold.")
class StoryFilter:
    provider: str | None = strawberry.field(default=None, description="An outlet that took part (domain).")
    since: datetime | None = strawberry.field(default=None, description="First report at or after.")
    until: datetime | None = strawberry.field(default=None, description="First report at or before.")
    min_size: int | None = strawberry.field(default=None, description="Fewest articles (default 2).")


@strawberry.type(description="How much the loaded corpus holds.")
class Stats:
    articles: int
    providers: int
    topics: int
    stories: int
    edges: int


def node_of(g: CoverageGraph, node: str) -> Node | None:
    """The GraphQL object for a node id, or ``None``."""
    if node not in g.nx:
        return None
    kind = g.nx.nodes[node]["kind"]
    if kind == model.ARTICLE:
        return Article.of(g, node)
    if kind == model.PROVIDER:
        return Provider.of(g, node)
    if kind == model.TOPIC:
        return Topic.of(g, node)
    if kind == model.STORY:
        return Story.of(g, node)
    return None
