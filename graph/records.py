"""Plain values produced by ingest and consumed by the model builder."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any
from datetime import datetime

from .errors import RecordError


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    width: int | None = None
    height: int | None = None

    def __reduce__(self) -> tuple[type[Image], tuple[str, int | None, int | None]]:
        return (Image, (self.url, self.width, self.height))


@dataclass(frozen=True, slots=True)
class Listing:
    """One appearance of an article in a record: as its primary or in its ``related`` list."""

    urls: tuple[str, ...]
    """Canonical URLs of every alias, preferred first (webUrl, originalUrl, AMP)."""
    raw_urls: tuple[str, ...]
    """The alias URLs exactly as the record gives them."""
    title: str
    excerpt: str | None
    published: datetime | None
    type: str | None
    quality: int | None
    heat: int | None
    provider_domain: str
    provider_name: str | None
    topics: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()

    def __reduce__(self) -> tuple[type[Listing], tuple[Any, ...]]:
        # Positional fields: several times faster to pickle than slots dataclasses'
        # default, and parsed records cross process boundaries by the thousand.
        return (Listing, _listing_fields(self))


@dataclass(frozen=True, slots=True)
class Record:
    """A parsed record file: its article, the related listings that were usable, and warnings."""

    path: str
    """Path relative to the folder that was loaded (``/`` separated)."""
    article: Listing
    related: tuple[Listing, ...] = ()
    warnings: tuple[RecordError, ...] = field(default=())

    def __reduce__(self) -> tuple[type[Record], tuple[Any, ...]]:
        return (Record, (self.path, self.article, self.related, self.warnings))


_LISTING_FIELDS = tuple(f.name for f in fields(Listing))
_listing_fields = attrgetter(*_LISTING_FIELDS)  # one C call for the tuple of every field
