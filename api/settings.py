"""Server settings as data: each has a default and help text, and can be set from the
environment (``NEWSGRAPH_<NAME>``, e.g. ``NEWSGRAPH_MAX_DEPTH=6``) or the CLI.

The README's settings table is checked against :data:`Settings` by the tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """How the GraphQL server behaves; every limit is a default that can be changed."""

    max_body_bytes: int = _setting(1_048_576, "Largest request body accepted; larger bodies get 413.")
    max_tokens: int = _setting(1000, "Most tokens a GraphQL document may have.")
    max_depth: int = _setting(8, "Deepest field nesting a query may use.")
    max_aliases: int = _setting(15, "Most field aliases in one document.")
    max_directives: int = _setting(50, "Most directives in one document.")
    max_page_size: int = _setting(100, "Largest `first` any list accepts (the smallest is 1).")
    default_page_size: int = _setting(20, "`first` when a query leaves it out.")
    max_cost: int = _setting(10_000, "Estimated most nodes a query may return, checked before it runs.")
    query_timeout: float = _setting(5.0, "Seconds a query may run before it is stopped with an error.")
    introspection: bool = _setting(True, "Allow schema introspection (the explorer's docs need it).")
    explorer: bool = _setting(True, "Serve the GraphiQL explorer and the HTML pages.")
    field_suggestions: bool = _setting(True, "Suggest field names in validation errors.")
    mask_errors: bool = _setting(False, "Replace unexpected internal error messages with a generic one.")
    cors_origins: str = _setting("", "Comma-separated origins allowed by CORS (empty: CORS off).")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``NEWSGRAPH_*`` variables, then ``overrides``.

        >>> Settings.from_env({"NEWSGRAPH_MAX_DEPTH": "5", "NEWSGRAPH_INTROSPECTION": "off"}).max_depth
        5
        >>> Settings.from_env({"NEWSGRAPH_INTROSPECTION": "off"}).introspection
        False
        """
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for item in fields(cls):
            raw = env.get(f"NEWSGRAPH_{item.name.upper()}")
            if raw is not None:
                values[item.name] = _convert(item.name, type(item.default), raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)

    @classmethod
    def describe(cls) -> Iterator[tuple[str, Any, str]]:
        """(name, default, help) for every setting, in declaration order."""
        for item in fields(cls):
            yield item.name, item.default, item.metadata["help"]


def _convert(name: str, kind: type, raw: str) -> Any:
    try:
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        return kind(raw)
    except ValueError:
        raise ValueError(f"setting NEWSGRAPH_{name.upper()}: cannot read {raw!r} as {kind.__name__}") from None
