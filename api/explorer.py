"""The GraphiQL explorer page.

For now this is Strawberry's bundled GraphiQL page, whose scripts come from a CDN;
issue 5 replaces it with assets installed at build time and served by the app.
"""

from __future__ import annotations

from functools import lru_cache

from strawberry.http.ides import get_graphql_ide_html


@lru_cache(maxsize=1)
def graphiql_page() -> str:
    return get_graphql_ide_html("graphiql")
