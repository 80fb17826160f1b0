"""The Starlette application: ``/graphql`` (queries, and the explorer for browsers) and
``/healthz``. Built by :func:`create_app` from a graph; nothing is loaded at import time.

Bad HTTP input never reaches the schema: bodies over the limit get 413, anything that is
not a well-formed GraphQL request gets 400 with a GraphQL-style ``errors`` body.
"""

from __future__ import annotations

import json
import threading
import time
from functools import lru_cache
from typing import Any

from graphql import GraphQLError, parse
from graphql.language import DocumentNode, OperationDefinitionNode, OperationType
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.concurrency import iterate_in_threadpool
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - optional speed-up
    _orjson = None  # type: ignore[assignment]

from graph.errors import NotFound
from graph.model import CoverageGraph
from graph.queries import stats

from .limits import LimitExceeded, check_document, check_variables
from .schema import FastExecutor, build_schema
from .settings import Settings
from .types import Context


def json_response(body: Any, status: int = 200) -> Response:
    """``body`` as compact UTF-8 JSON, the bytes ``JSONResponse`` gives, encoded by orjson when installed.

    orjson is several times faster on big pages; anything it refuses (integers over 64
    bits, non-string keys) goes through ``JSONResponse`` as before. Floats may be
    spelled differently (``0.00001`` for ``1e-05``): the same numbers.
    """
    if _orjson is not None:
        try:
            content = _orjson.dumps(body)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            pass
        else:
            return Response(content, status_code=status, media_type="application/json")
    return JSONResponse(body, status_code=status)


class GraphHolder:
    """The graph being served; :meth:`swap` replaces it atomically for later requests.

    A request takes ``current`` once when it starts, so it sees the old graph or the new
    one, never a mix.
    """

    def __init__(self, graph: CoverageGraph) -> None:
        self._graph = graph
        self._lock = threading.Lock()
        self.generation = 0

    @property
    def current(self) -> CoverageGraph:
        return self._graph

    def swap(self, graph: CoverageGraph) -> None:
        with self._lock:
            self._graph = graph
            self.generation += 1


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def error_response(message: str, status: int = 400, headers: dict[str, str] | None = None) -> JSONResponse:
    """A GraphQL-style error body (``{"data": null, "errors": [{"message": ...}]}``)."""
    # Messages may quote client input: never let a lone surrogate break the encoding.
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    return JSONResponse({"data": None, "errors": [{"message": message}]}, status_code=status, headers=headers)


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise BadRequest("invalid Content-Length header")
        if int(declared) > limit:
            raise BadRequest(f"request body is {declared} bytes, over the limit of {limit} bytes (max_body_bytes)", 413)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BadRequest(f"request body is over the limit of {limit} bytes (max_body_bytes)", 413)
            chunks.append(chunk)
    except ClientDisconnect:
        raise BadRequest("the client disconnected before sending the whole body") from None
    return b"".join(chunks)


def _decode_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise BadRequest(f"{what} is not valid JSON: {exc}") from None


def _check_params(params: Any, settings: Settings | None = None) -> tuple[str, dict[str, Any] | None, str | None]:
    if not isinstance(params, dict):
        raise BadRequest(f"request body must be a JSON object, got {type(params).__name__}")
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("`query` must be a non-empty string")
    variables = params.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("`variables` must be a JSON object")
    operation = params.get("operationName")
    if operation is not None and not isinstance(operation, str):
        raise BadRequest("`operationName` must be a string")
    if "\x00" in query or any(0xD800 <= ord(c) <= 0xDFFF for c in query if ord(c) >= 0xD800):
        raise BadRequest("`query` contains NUL characters or lone surrogates")
    if operation is not None and any(0xD800 <= ord(c) <= 0xDFFF for c in operation if ord(c) >= 0xD800):
        raise BadRequest("`operationName` contains lone surrogates")
    if variables is not None:
        try:
            check_variables(variables, settings or Settings())
        except LimitExceeded as exc:
            raise BadRequest(exc.message) from None
    return query, variables, operation


async def _request_params(request: Request, settings: Settings) -> dict[str, Any]:
    if request.method in ("GET", "HEAD"):
        length = len(request.scope.get("query_string", b""))
        if length > settings.max_body_bytes:
            raise BadRequest(f"query string is {length} bytes, over the limit of {settings.max_body_bytes} bytes "
                             "(max_body_bytes): send long queries with POST", 414)
        params: dict[str, Any] = dict(request.query_params)
        if "variables" in params:
            params["variables"] = _decode_json(params["variables"], "`variables`")
        return params
    raw = await _read_body(request, settings.max_body_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"request body is not valid UTF-8 (byte {exc.start})") from None
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "application/graphql":
        return {"query": text}
    if content_type not in ("application/json", "application/graphql-response+json", ""):
        raise BadRequest(f"unsupported content type {content_type!r}: send application/json", 415)
    if not text.strip():
        raise BadRequest("request body is empty")
    return _decode_json(text, "request body")  # type: ignore[no-any-return]


#: Longest query text kept in the parse cache (long ones are parsed each time, so a
#: client cannot fill the cache with megabyte-sized documents).
PARSE_CACHE_MAX_CHARS = 8192


@lru_cache(maxsize=1024)
def _parse_cached(query: str, max_tokens: int) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)


def _parse(query: str, max_tokens: int) -> DocumentNode:
    if len(query) <= PARSE_CACHE_MAX_CHARS:
        return _parse_cached(query, max_tokens)
    return parse(query, max_tokens=max_tokens)


def _check_operation(query: str, operation: str | None, method: str, settings: Settings) -> None:
    """Pick the operation as GraphQL-over-HTTP says; the schema reports syntax errors.

    The verdict for a (short) query text is cached, so a repeated query costs a look-up.
    """
    if len(query) <= PARSE_CACHE_MAX_CHARS:
        verdict = _operation_verdict(query, operation, method, settings)
    else:
        verdict = _operation_verdict.__wrapped__(query, operation, method, settings)
    if verdict is not None:
        raise BadRequest(*verdict)


@lru_cache(maxsize=1024)
def _operation_verdict(query: str, operation: str | None, method: str, settings: Settings) -> tuple[str, int] | None:
    try:
        _pick_operation(query, operation, method, settings)
    except BadRequest as exc:
        return exc.message, exc.status
    return None


def _pick_operation(query: str, operation: str | None, method: str, settings: Settings) -> None:
    try:
        document = _parse(query, settings.max_tokens)
    except GraphQLError as exc:
        if "more than" in exc.message and "tokens" in exc.message:
            raise BadRequest(f"the query has more than {settings.max_tokens} tokens, over the limit of "
                             f"{settings.max_tokens} (max_tokens)") from None
        return  # the schema reports syntax errors with their location
    except RecursionError:
        raise BadRequest("the query is nested too deeply to parse") from None
    try:
        check_document(document, settings)
    except LimitExceeded as exc:
        raise BadRequest(exc.message) from None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if not operations:
        raise BadRequest("the document has no operation to run")
    if operation is None:
        if len(operations) > 1:
            raise BadRequest("the document has several operations: name one with `operationName`")
        chosen = operations[0]
    else:
        named = [op for op in operations if op.name is not None and op.name.value == operation]
        if not named:
            raise BadRequest(f"no operation named {operation[:100]!r} in the document")
        chosen = named[0]
    if method != "POST" and chosen.operation is not OperationType.QUERY:
        raise BadRequest(f"{chosen.operation.value} operations are not allowed over GET: use POST", 405)


async def _http_error(request: Request, exc: Exception) -> Response:
    """404/405 from the router as GraphQL-style errors (405 keeps its ``Allow`` header)."""
    if not isinstance(exc, HTTPException):  # pragma: no cover - registered for HTTP errors only
        return error_response("internal server error", 500)
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "GET, POST")
        method = request.method[:20]
        return error_response(f"method {method} is not allowed on {request.url.path[:200]}: use {allowed}", 405,
                              headers={"Allow": allowed})
    if exc.status_code == 404:
        return error_response(f"no such path {request.url.path[:200]!r}: GraphQL is served at /graphql", 404)
    return error_response(str(exc.detail), exc.status_code, headers=exc.headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    """An unexpected exception: a GraphQL-style 500 that names nothing internal (the log has the trace)."""
    return error_response("internal server error", 500)


def _error_handlers() -> dict[Any, Any]:
    return {404: _http_error, 405: _http_error, Exception: _server_error}


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") and "query" not in request.query_params


def create_app(graph: CoverageGraph | GraphHolder, settings: Settings | None = None) -> Starlette:
    """The newsgraph web app serving ``graph`` (or a :class:`GraphHolder` for reloads)."""
    settings = settings or Settings()
    holder = graph if isinstance(graph, GraphHolder) else GraphHolder(graph)
    schema = build_schema(settings)
    executor = FastExecutor(schema, settings)

    async def graphql(request: Request) -> Response:
        if request.method == "GET" and _wants_html(request):
            if not settings.explorer:
                return error_response("the explorer is turned off (setting `explorer`)", 404)
            from .explorer import graphiql_page

            return HTMLResponse(graphiql_page())
        try:
            query, variables, operation = _check_params(await _request_params(request, settings), settings)
            _check_operation(query, operation, request.method, settings)
        except BadRequest as exc:
            return error_response(exc.message, exc.status)
        context = Context(holder.current, settings, time.monotonic() + settings.query_timeout)
        result = executor.execute(query, variables, context, operation)
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        # A request that could not run at all (parse, validation, limits) is a 400.
        status = 400 if result.errors and result.data is None else 200
        return json_response(body, status)

    async def healthz(request: Request) -> Response:
        s = stats(holder.current)
        body: dict[str, Any] = {
            "status": "ok", "generation": holder.generation, "articles": s.articles, "providers": s.providers,
            "topics": s.topics, "stories": s.stories, "edges": s.edges,
        }
        reloader = getattr(request.app.state, "reloader", None)
        if reloader is not None:
            body["reload"] = reloader.status.as_dict()
        return JSONResponse(body)

    async def export_file(request: Request) -> Response:
        from graph import export, subgraphs
        from graph.errors import NewsgraphError
        from graph.ingest import parse_datetime

        fmt = request.path_params["fmt"]
        if fmt not in export.FORMATS:
            return error_response(f"unknown export format {fmt!r}: use one of {', '.join(export.FORMATS)}", 404)
        params = request.query_params
        g = holder.current
        try:
            depth = int(params.get("depth", "1"))
            since = parse_datetime(params["since"]) if "since" in params else None
            until = parse_datetime(params["until"]) if "until" in params else None
            article = None
            if "article" in params:
                article = g.article_id_for(params["article"])
                if article is None:
                    return error_response(f"no article {params['article'][:200]!r}", 404)
            nodes = subgraphs.select(g, story=params.get("story"), article=article, depth=depth,
                                     provider=params.get("provider"), topic=params.get("topic"),
                                     since=since, until=until)
            chunks = export.iter_bytes(g, fmt, nodes)
        except NotFound as exc:
            return error_response(str(exc), 404)
        except (NewsgraphError, ValueError) as exc:
            return error_response(str(exc), 400)
        stem = "newsgraph"
        for key in ("story", "provider", "topic"):
            if key in params:
                stem = "newsgraph-" + "".join(c if c.isalnum() or c in "-." else "-" for c in params[key])[:80]
                break
        info = export.FORMATS[fmt]
        headers = {"content-disposition": f'attachment; filename="{info.filename(stem)}"'}
        return StreamingResponse(iterate_in_threadpool(chunks), media_type=info.content_type, headers=headers)

    # Level 1: a 36 KB page compresses in 0.08 ms instead of 0.43 ms (level 9, the default)
    # for 14% more bytes; dynamic responses on a fast path are worth more than those bytes.
    middleware = [Middleware(GZipMiddleware, minimum_size=4096, compresslevel=1)]
    if settings.cors_origins.strip():
        origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
        middleware.append(Middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                                     allow_headers=["content-type"]))
    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/export/graph.{fmt}", export_file, methods=["GET"]),
    ]
    if settings.explorer:
        from .explorer import routes as explorer_routes

        routes.extend(explorer_routes(holder, settings))
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=_error_handlers())
    app.state.holder = holder
    app.state.settings = settings
    app.state.schema = schema
    return app
