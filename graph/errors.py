"""Errors raised by newsgraph: one shallow tree, translated only at the edges.

>>> err = RecordError("seeds/a.txt", "publishedDateTime", "not a date: 'soon'")
>>> str(err)
"seeds/a.txt: publishedDateTime: not a date: 'soon'"
>>> isinstance(NotFound("article", "https://example.com/x"), NewsgraphError)
True
"""

from __future__ import annotations


class NewsgraphError(Exception):
    """Base class of every error newsgraph raises on purpose."""


class RecordError(NewsgraphError):
    """A record (file) or one of its fields could not be used.

    ``path`` names the file, ``field`` the field (dotted, with list indexes such as
    ``related[2].webUrl``; ``-`` for the whole file) and ``reason`` the problem.
    """

    def __init__(self, path: str, field: str, reason: str) -> None:
        super().__init__(f"{path}: {field}: {reason}")
        self.path = path
        self.field = field
        self.reason = reason

    def __reduce__(self) -> tuple[type[RecordError], tuple[str, str, str]]:
        # Keeps the error picklable across worker processes.
        return (RecordError, (self.path, self.field, self.reason))

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "field": self.field, "reason": self.reason}


class NotFound(NewsgraphError):
    """A look-up by key found nothing (``kind`` is article, provider, topic, story, node)."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"no {kind} {key!r}")
        self.kind = kind
        self.key = key

    def __reduce__(self) -> tuple[type[NotFound], tuple[str, str]]:
        return (NotFound, (self.kind, self.key))
