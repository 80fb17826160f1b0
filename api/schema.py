"""The GraphQL schema: root fields and the protective extensions chosen by the settings."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError, ValidationRule
from graphql.language import DirectiveNode
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from graph import model, queries
from graph.errors import NewsgraphError, NotFound

from .limits import cost_rule
from .settings import Settings
from .types import (
    Article,
    ArticleFilter,
    Connection,
    Node,
    Order,
    Provider,
    Stats,
    Topic,
    connection,
    find_articles,
    node_of,
)


@strawberry.type
class Query:
    @strawberry.field(description="An article by any of its URLs (aliases, AMP, tracking variants).")
    def article(self, info: strawberry.Info, url: str) -> Article | None:
        g = info.context.graph
        node = g.article_id_for(url)
        return Article.of(g, node) if node is not None else None

    @strawberry.field(description="Articles matching a filter, by publication time.")
    def articles(
        self,
        info: strawberry.Info,
        filter: ArticleFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        order: Order = Order.NEWEST_FIRST,
    ) -> Connection[Article]:
        g = info.context.graph
        items = find_articles(g, filter, order)
        return connection(items, first, after, info.context, lambda n: Article.of(g, n))

    @strawberry.field(description="An outlet by domain (with or without `www.`).")
    def provider(self, info: strawberry.Info, domain: str) -> Provider | None:
        g = info.context.graph
        try:
            return Provider.of(g, g.provider(domain).id)
        except NotFound:
            return None

    @strawberry.field(description="Outlets, most articles first.")
    def providers(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[Provider]:
        g = info.context.graph
        items = g.ranked(model.PROVIDER)
        return connection(items, first, after, info.context, lambda n: Provider.of(g, n))

    @strawberry.field(description="A topic by name, any letter case.")
    def topic(self, info: strawberry.Info, name: str) -> Topic | None:
        g = info.context.graph
        try:
            return Topic.of(g, g.topic(name).id)
        except NotFound:
            return None

    @strawberry.field(description="Topics, most articles first.")
    def topics(self, info: strawberry.Info, first: int | None = None, after: str | None = None) -> Connection[Topic]:
        g = info.context.graph
        items = g.ranked(model.TOPIC)
        return connection(items, first, after, info.context, lambda n: Topic.of(g, n))

    @strawberry.field(description="Counts of what the corpus holds.")
    def stats(self, info: strawberry.Info) -> Stats:
        s = queries.stats(info.context.graph)
        return Stats(articles=s.articles, providers=s.providers, topics=s.topics, stories=s.stories, edges=s.edges)

    @strawberry.field(description="Any node by its id, e.g. `provider:wsj.com` (Relay).")
    def node(self, info: strawberry.Info, id: strawberry.ID) -> Node | None:
        return node_of(info.context.graph, str(id))


def _max_directives_rule(limit: int) -> type[ValidationRule]:
    class MaxDirectives(ValidationRule):
        def __init__(self, context: Any) -> None:
            super().__init__(context)
            self.count = 0

        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            self.count += 1
            if self.count == limit + 1:
                self.report_error(GraphQLError(f"query uses more than {limit} directives (max_directives)"))

    return MaxDirectives


def _is_expected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is None or isinstance(original, (NewsgraphError, GraphQLError))


def extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories of the schema extensions the settings ask for (caches first, then limits).

    Factories, not instances: Strawberry builds fresh extensions per request; the parser
    and validation caches live at module level, so they are shared all the same.
    """
    directives_rule = _max_directives_rule(settings.max_directives)
    chosen: list[Callable[[], SchemaExtension]] = [
        partial(ParserCache, maxsize=1024),
        partial(ValidationCache, maxsize=1024),
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        partial(QueryDepthLimiter, max_depth=settings.max_depth),
        partial(MaxAliasesLimiter, max_alias_count=settings.max_aliases),
        partial(AddValidationRules, [directives_rule, cost_rule(settings)]),
    ]
    if not settings.introspection:
        chosen.append(DisableIntrospection)
    if settings.mask_errors:
        chosen.append(partial(MaskErrors, should_mask_error=lambda error: not _is_expected(error)))
    return chosen


class NewsgraphSchema(strawberry.Schema):
    """Logs only unexpected errors: a bad query is the client's news, not the server's."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        unexpected = [error for error in errors if not _is_expected(error)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The newsgraph schema configured by ``settings`` (defaults when ``None``)."""
    settings = settings or Settings()
    return NewsgraphSchema(
        query=Query,
        types=[Article, Provider, Topic],
        extensions=extensions(settings),
        config=StrawberryConfig(disable_field_suggestions=not settings.field_suggestions),
    )
