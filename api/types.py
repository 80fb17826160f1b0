"""Strawberry types: thin wrappers over the core's views; resolvers call ``graph`` functions."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Generic, TypeVar

import strawberry
from graphql import GraphQLError

from graph import model, queries
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


def connection(
    items: Sequence[S], first: int | None, after: str | None, context: Context, wrap: Callable[[S], T]
) -> Connection[T]:
    """A Relay connection over ``items`` (already ordered), wrapping each with ``wrap``."""
    context.check_deadline()
    try:
        page = queries.paginate(items, page_size(first, context.settings), after)
    except NewsgraphError as exc:
        raise GraphQLError(str(exc)) from None
    edges = [Edge(cursor=page.cursor(i), node=wrap(item)) for i, item in enumerate(page.items)]
    return Connection(
        total_count=page.total,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.start_cursor,
            end_cursor=page.end_cursor,
        ),
        edges=edges,
    )


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


def find_articles(g: CoverageGraph, flt: ArticleFilter | None, order: Order) -> list[str]:
    core = flt.to_core() if flt is not None else None
    return queries.find_articles(g, core, newest_first=order is Order.NEWEST_FIRST)


@strawberry.type(description="A news article (or video), one node however many records list it.")
class Article(Node):
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

    @classmethod
    def of(cls, g: CoverageGraph, node: str) -> Article:
        view = g.article_view(node)
        return cls(
            id=strawberry.ID(view.id),
            url=view.url,
            urls=list(view.urls),
            title=view.title,
            excerpt=view.excerpt,
            published_at=view.published_at,
            type=view.type,
            quality=view.quality,
            heat=view.heat,
            images=[Image(url=i.url, width=i.width, height=i.height) for i in view.images],
            sources=list(view.sources),
            _graph=g,
            _view=view,
        )

    @strawberry.field(description="The outlet that published it.")
    def provider(self) -> Provider:
        return Provider.of(self._graph, self._view.provider)

    @strawberry.field(description="Topics the aggregator tagged it with.")
    def topics(self) -> list[Topic]:
        return [Topic.of(self._graph, t) for t in self._view.topics]

    @strawberry.field(description="What this article's record lists as related coverage, in its order.")
    def related(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[Article]:
        items = queries.related(self._graph, self._view.id)
        return connection(items, first, after, info.context, lambda n: Article.of(self._graph, n))

    @strawberry.field(description="Articles whose records list this one as related.")
    def listed_by(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[Article]:
        items = queries.listed_by(self._graph, self._view.id)
        return connection(items, first, after, info.context, lambda n: Article.of(self._graph, n))


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
        view = g.provider_view(node)
        return cls(
            id=strawberry.ID(view.id),
            domain=view.domain,
            name=view.name,
            names=list(view.names),
            article_count=view.article_count,
            _graph=g,
        )

    @strawberry.field(description="Its articles, newest first unless `order` says otherwise.")
    def articles(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        filter: ArticleFilter | None = None,
        order: Order = Order.NEWEST_FIRST,
    ) -> Connection[Article]:
        core = filter.to_core() if filter is not None else queries.ArticleFilter()
        items = queries.find_articles(
            self._graph,
            queries.ArticleFilter(**{**_fields(core), "provider": str(self.id)}),
            newest_first=order is Order.NEWEST_FIRST,
        )
        return connection(items, first, after, info.context, lambda n: Article.of(self._graph, n))

    @strawberry.field(description="Topics of its articles, most frequent first.")
    def topics(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[TopicCount]:
        items = queries.provider_topics(self._graph, str(self.id))
        return connection(
            items, first, after, info.context,
            lambda item: TopicCount(topic=Topic.of(self._graph, item[0]), articles=item[1]),
        )


@strawberry.type(description="A topic, keyed by its case-folded name.")
class Topic(Node):
    name: str = strawberry.field(description="The spelling seen most often.")
    names: list[str]
    article_count: int
    _graph: strawberry.Private[CoverageGraph]

    @classmethod
    def of(cls, g: CoverageGraph, node: str) -> Topic:
        view = g.topic_view(node)
        return cls(
            id=strawberry.ID(view.id), name=view.name, names=list(view.names),
            article_count=view.article_count, _graph=g,
        )

    @strawberry.field(description="Articles tagged with it, newest first unless `order` says otherwise.")
    def articles(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        filter: ArticleFilter | None = None,
        order: Order = Order.NEWEST_FIRST,
    ) -> Connection[Article]:
        core = filter.to_core() if filter is not None else queries.ArticleFilter()
        items = queries.find_articles(
            self._graph,
            queries.ArticleFilter(**{**_fields(core), "topic": str(self.id)}),
            newest_first=order is Order.NEWEST_FIRST,
        )
        return connection(items, first, after, info.context, lambda n: Article.of(self._graph, n))

    @strawberry.field(description="Outlets that published on it, most articles first.")
    def providers(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[ProviderCount]:
        items = queries.topic_providers(self._graph, str(self.id))
        return connection(
            items, first, after, info.context,
            lambda item: ProviderCount(provider=Provider.of(self._graph, item[0]), articles=item[1]),
        )


def _fields(flt: queries.ArticleFilter) -> dict[str, object]:
    return {name: getattr(flt, name) for name in flt.__slots__}  # type: ignore[attr-defined]


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
    return None
