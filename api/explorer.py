"""The GraphiQL explorer page.

For now this is Strawberry's bundled GraphiQL page, whose scripts come from a CDN;
issue 5 replaces it with assets installed at build time and served by the app.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from starlette.routing import BaseRoute
from strawberry.http.ides import get_graphql_ide_html

from .settings import Settings

if TYPE_CHECKING:
    from .app import GraphHolder


@lru_cache(maxsize=1)
def graphiql_page() -> str:
    return get_graphql_ide_html("graphiql")


def routes(holder: GraphHolder, settings: Settings) -> list[BaseRoute]:
    """The explorer's own routes (pages and static assets), mounted when `explorer` is on."""
    return []
