"""The GraphQL schema: root fields and the protective extensions chosen by the settings."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from operator import attrgetter
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError, ValidationRule
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from graph import model, queries, stories, traversals
from graph.queries import decode_cursor
from graph.model import provider_id
from graph.errors import NewsgraphError, NotFound

from .limits import cost_rule, shape_rule
from .settings import Settings
from .types import (
    Article,
    ArticleFilter,
    Connection,
    EdgeKind,
    Neighborhood,
    NeighborhoodNode,
    Node,
    Order,
    Provider,
    OutletLink,
    Path,
    SearchConnection,
    SearchHit,
    Stats,
    Story,
    StoryFilter,
    StoryOrder,
    Topic,
    connection,
    graph_edge,
    index_for,
    outlet_link,
    page_info,
    page_size,
    utc,
    find_articles,
    node_of,
)


#: Most nodes a path search may visit before it gives up (keeps one query cheap).
PATH_MAX_VISITED = 200_000


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

    @strawberry.field(description="A story by id (`story:...`).")
    def story(self, info: strawberry.Info, id: strawberry.ID) -> Story | None:
        g = info.context.graph
        node = str(id)
        if node not in g.nx or g.nx.nodes[node]["kind"] != model.STORY:
            return None
        return Story.of(g, node)

    @strawberry.field(description="Stories (two or more articles reporting one event).")
    def stories(
        self,
        info: strawberry.Info,
        filter: StoryFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        order_by: StoryOrder = StoryOrder.NEWEST,
    ) -> Connection[Story]:
        g = info.context.graph
        flt = filter or StoryFilter()
        provider = None
        if flt.provider is not None:
            provider = provider_id(flt.provider)
            if provider not in g.nx:
                provider = None
                items: list[str] = []
        if flt.provider is None or provider is not None:
            items = stories.stories(
                g, order=order_by.value, provider=provider, since=utc(flt.since), until=utc(flt.until),
                min_size=flt.min_size if flt.min_size is not None else 2,
            )
        return connection(items, first, after, info.context, lambda n: Story.of(g, n))

    @strawberry.field(description="Who echoes whom: outlet pairs with echo counts and median lags, most first.")
    def outlet_network(
        self, info: strawberry.Info, min_echoes: int = 1, first: int | None = None, after: str | None = None
    ) -> Connection[OutletLink]:
        g = info.context.graph
        items = stories.outlet_network(g, min_echoes)
        return connection(items, first, after, info.context,
                          lambda e: outlet_link(g, e.source, e.target, e.source, e.count, e.median_lag_hours))

    @strawberry.field(description="A shortest path between two nodes (any kinds), walking edges both ways.")
    def path(
        self, info: strawberry.Info, from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
        to: strawberry.ID, max_length: int | None = None, kinds: list[EdgeKind] | None = None,
    ) -> Path | None:
        g = info.context.graph
        info.context.check_deadline()
        try:
            result = traversals.shortest_path(g, str(from_), str(to), max_length=max_length,
                                              kinds=[k.value for k in kinds] if kinds else None,
                                              max_visited=PATH_MAX_VISITED)
        except NotFound:
            return None
        nodes = [n for n in (node_of(g, node) for node in result.nodes) if n is not None]
        return Path(found=result.found, reason=result.reason, length=result.length, nodes=nodes,
                    edges=[graph_edge(e) for e in result.edges])

    @strawberry.field(description="Nodes and edges within `depth` hops (1..3), at most `first` nodes.")
    def neighborhood(
        self, info: strawberry.Info, id: strawberry.ID, depth: int = 1, kinds: list[EdgeKind] | None = None,
        first: int | None = None,
    ) -> Neighborhood | None:
        g = info.context.graph
        info.context.check_deadline()
        if not 1 <= depth <= 3:
            raise GraphQLError(f"`depth` must be between 1 and 3, got {depth}")
        limit = page_size(first, info.context.settings)
        try:
            result = traversals.neighbourhood(g, str(id), depth=depth, limit=limit,
                                              kinds=[k.value for k in kinds] if kinds else None)
        except NotFound:
            return None
        nodes = []
        for item in result.nodes:
            node = node_of(g, item.id)
            if node is not None:
                nodes.append(NeighborhoodNode(node=node, distance=item.distance, label=item.label))
        return Neighborhood(center=strawberry.ID(result.center), depth=result.depth, truncated=result.truncated,
                            nodes=nodes, edges=[graph_edge(e) for e in result.edges])

    @strawberry.field(description='Full-text search over titles, excerpts, outlets and topics: words, "a phrase", prefix*.')
    def search(self, info: strawberry.Info, text: str, first: int | None = None, after: str | None = None) -> SearchConnection:
        g = info.context.graph
        info.context.check_deadline()
        size = page_size(first, info.context.settings)
        try:
            start = decode_cursor(after) + 1 if after else 0
        except NewsgraphError as exc:
            raise GraphQLError(str(exc)) from None
        result = index_for(g).search(text, first=size, after=start)
        page = queries.Page(items=result.hits, total=result.total, start=start)
        edges = []
        for i, hit in enumerate(result.hits):
            node = node_of(g, hit.node_id)
            if node is not None:
                edges.append(SearchHit(cursor=page.cursor(i), score=hit.score, snippet=hit.snippet, kind=hit.kind,
                                       node=node))
        return SearchConnection(total_count=result.total, page_info=page_info(page), edges=edges)

    @strawberry.field(description="Counts of what the corpus holds.")
    def stats(self, info: strawberry.Info) -> Stats:
        s = queries.stats(info.context.graph)
        return Stats(articles=s.articles, providers=s.providers, topics=s.topics, stories=s.stories, edges=s.edges)

    @strawberry.field(description="Any node by its id, e.g. `provider:wsj.com` (Relay).")
    def node(self, info: strawberry.Info, id: strawberry.ID) -> Node | None:
        return node_of(info.context.graph, str(id))


def _is_expected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is None or isinstance(original, (NewsgraphError, GraphQLError))


def extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories of the schema extensions the settings ask for (caches first, then limits).

    Factories, not instances: Strawberry builds fresh extensions per request; the parser
    and validation caches live at module level, so they are shared all the same.
    """
    chosen: list[Callable[[], SchemaExtension]] = [
        partial(ParserCache, maxsize=1024),
        partial(ValidationCache, maxsize=1024),
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        # Depth, aliases, directives and fields are measured in one linear pass with
        # fragments expanded once each (Strawberry's own limiters are exponential on
        # fragments that spread each other).
        partial(AddValidationRules, [shape_rule(settings), cost_rule(settings)]),
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
    schema = NewsgraphSchema(
        query=Query,
        types=[Article, Provider, Topic, Story],
        extensions=extensions(settings),
        config=StrawberryConfig(disable_field_suggestions=not settings.field_suggestions),
    )
    fast_resolvers(schema)
    return schema


def _plain_getter(name: str) -> Callable[..., Any]:
    get = attrgetter(name)

    def resolve(source: Any, info: Any) -> Any:
        return get(source)

    resolve._is_default = True  # type: ignore[attr-defined]  # what Strawberry marks its own with
    return resolve


def _instance_check(possible: tuple[type, ...]) -> Callable[..., bool]:
    def is_type_of(obj: Any, info: Any) -> bool:
        return isinstance(obj, possible)

    return is_type_of


def _method_getter(method: Callable[[Any], Any]) -> Callable[..., Any]:
    def resolve(source: Any, info: Any) -> Any:
        return method(source)

    return resolve


def fast_resolvers(schema: strawberry.Schema) -> int:
    """Replace Strawberry's per-field wrappers by direct calls where they add nothing; returns how many.

    Strawberry resolves every field through a chain of wrappers (an ``Info`` object,
    argument conversion, field extensions), even a plain dataclass attribute. For a field
    with no resolver, or a resolver method taking only ``self`` (no arguments, no
    ``info``), with no field extensions, no exception handlers and not async, the wrapper
    only ends in ``getattr(source, name)`` or ``method(source)``: call that directly. A
    type may give a table ``__fast_fields__`` (python name -> ``reader(obj, info=None)``,
    installed as the resolver) for its plain fields, as :class:`~api.types.Article` does
    to read node attributes lazily.
    A resolver whose arguments are all built-in scalars (``first``, ``after``, ``url``...)
    is called with them renamed to their Python names and an ``Info`` if it asks for one:
    Strawberry passes such values through unconverted. Fields with input objects, enums
    or lists as arguments keep Strawberry's resolver (it converts those).
    """
    from graphql import GraphQLObjectType
    from strawberry.schema.schema_converter import GraphQLCoreConverter

    backref = GraphQLCoreConverter.DEFINITION_BACKREF
    replaced = 0
    for gql_type in schema._schema.type_map.values():
        if not isinstance(gql_type, GraphQLObjectType) or gql_type.name.startswith("__"):
            continue
        definition = (gql_type.extensions or {}).get(backref)
        table: dict[str, Callable[..., Any]] = getattr(getattr(definition, "origin", None), "__fast_fields__", {})
        if gql_type.is_type_of is not None and definition is not None and not definition.concrete_of:
            # Strawberry's check also honours strawberry.cast() (unused here) with an extra
            # getattr and generic checks per object: the isinstance part is the check.
            possible = (*(interface.origin for interface in definition.interfaces), definition.origin)
            gql_type.is_type_of = _instance_check(possible)
        for gql_field in gql_type.fields.values():
            field = (gql_field.extensions or {}).get(backref)
            if field is None or field.extensions or getattr(field, "permission_classes", None):
                continue
            if schema.schema_converter._get_field_exception_handlers(field):
                continue
            resolver = field.base_resolver
            if resolver is None:
                if field.arguments:
                    continue
                name = field.python_name
                gql_field.resolve = table[name] if name in table else _plain_getter(name)
                replaced += 1
                continue
            if resolver.is_async or resolver.self_parameter is None or resolver.root_parameter is not None \
                    or resolver.parent_parameter is not None:
                continue
            if not all(_is_plain_scalar(argument.type) for argument in field.arguments):
                continue
            info = resolver.info_parameter
            if len(resolver.signature.parameters) != 1 + (info is not None) + len(field.arguments):
                continue
            if not field.arguments and info is None:
                gql_field.resolve = _method_getter(resolver.wrapped_func)
            else:
                names = {schema.config.name_converter.from_argument(argument): argument.python_name
                         for argument in field.arguments}
                gql_field.resolve = _call_getter(resolver.wrapped_func, names, info.name if info else None, field,
                                                 schema.config.info_class)
            replaced += 1
    return replaced


def _is_plain_scalar(annotation: Any) -> bool:
    """A built-in scalar (or an optional one): Strawberry passes such argument values through as they are."""
    from strawberry.types.base import StrawberryMaybe, StrawberryOptional

    if isinstance(annotation, StrawberryMaybe):
        return False
    if isinstance(annotation, StrawberryOptional):
        annotation = annotation.of_type
    return annotation in (str, int, float, bool, strawberry.ID)


def _call_getter(method: Callable[..., Any], names: dict[str, str], info_name: str | None, field: Any,
                 info_class: Any) -> Callable[..., Any]:
    """Call a resolver method with its arguments renamed to Python names and Strawberry's ``Info``."""
    if info_name is None:
        def resolve(source: Any, info: Any, **kwargs: Any) -> Any:
            return method(source, **{names[key]: value for key, value in kwargs.items()})
    else:
        def resolve(source: Any, info: Any, **kwargs: Any) -> Any:
            call = {names[key]: value for key, value in kwargs.items()}
            call[info_name] = info_class(_raw_info=info, _field=field)
            return method(source, **call)

    return resolve


#: Longest query text whose parsed and validated document is cached.
CACHE_MAX_QUERY_CHARS = 8192


class FastExecutor:
    """Runs queries on the schema's graphql-core schema with parse + validation cached by query text.

    The same protections as the Strawberry extensions chosen by :func:`extensions` (they
    are read from them, so the two cannot drift apart): the token limit while parsing,
    every validation rule (depth, aliases, directives, cost, introspection toggle), error
    masking, and unexpected errors logged by the schema. What it skips is Strawberry's
    per-request extension machinery, which costs more than most queries do.
    """

    def __init__(self, schema: strawberry.Schema, settings: Settings, maxsize: int = 1024) -> None:
        from graphql import specified_rules

        self.schema = schema
        self.settings = settings
        self.maxsize = maxsize
        rules: list[type[ValidationRule]] = list(specified_rules)
        self.mask: MaskErrors | None = None
        self.max_tokens: int | None = None
        for factory in extensions(settings):
            extension = factory()
            if isinstance(extension, AddValidationRules):
                rules.extend(extension.validation_rules)
            elif isinstance(extension, MaskErrors):
                self.mask = extension
            elif isinstance(extension, MaxTokensLimiter):
                self.max_tokens = extension.max_token_count
        self.rules = rules
        self._documents: dict[str, tuple[Any, list[GraphQLError]]] = {}

    def _prepare(self, query: str) -> tuple[Any, list[GraphQLError]]:
        """(document or None, errors) for a query text; cached (bounded, oldest evicted first)."""
        from graphql import parse, validate

        found = self._documents.get(query)
        if found is not None:
            return found
        try:
            document = parse(query, max_tokens=self.max_tokens)
            errors = list(validate(self.schema._schema, document, self.rules))
        except GraphQLError as error:
            document, errors = None, [error]
        found = (document if not errors else None, errors)
        if len(query) > CACHE_MAX_QUERY_CHARS:
            return found  # a client must not fill the cache with megabyte-sized documents
        if len(self._documents) >= self.maxsize:
            self._documents.pop(next(iter(self._documents)))
        self._documents[query] = found
        return found

    def execute(
        self, query: str, variables: dict[str, Any] | None = None, context: Any = None, operation: str | None = None
    ) -> Any:
        """An ``ExecutionResult`` (``data``, ``errors``) like ``schema.execute_sync`` gives."""
        from graphql import ExecutionResult, execute

        document, errors = self._prepare(query)
        if document is None:
            result = ExecutionResult(data=None, errors=errors)
        else:
            outcome = execute(self.schema._schema, document, context_value=context, variable_values=variables,
                              operation_name=operation)
            result = outcome if isinstance(outcome, ExecutionResult) else ExecutionResult(None, None)
        if result.errors:
            self.schema._process_errors(result.errors)  # strips "Did you mean" hints when asked
            if self.mask is not None:
                result.errors = self.mask._process_errors(result.errors)
        return result
