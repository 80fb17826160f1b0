"""Pure query functions over a :class:`~graph.model.CoverageGraph`: ids in, plain values out.

>>> import graph
>>> g, _ = graph.load("seeds")
>>> [g.nx.nodes[a]["title"] for a in find_articles(g, ArticleFilter(provider="cointelegraph.com"))]
['State-sponsored Chinese AI firm launches bot service to ‘surpass’ ChatGPT', "China is developing AI without US chips: Here's how"]
>>> stats(g)
Stats(articles=9, providers=8, topics=2, stories=2, edges=33)
>>> page = paginate(find_articles(g), first=2)
>>> page.total, len(page.items), page.has_next
(9, 2, True)
>>> paginate(find_articles(g), first=2, after=page.end_cursor).start
2
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar, overload

from .errors import NewsgraphError, NotFound
from .model import (
    ARTICLE,
    PROVIDER,
    PUBLISHED_BY,
    RELATED,
    STORY,
    TAGGED,
    TOPIC,
    CoverageGraph,
    provider_id,
    topic_id,
)

T = TypeVar("T")

__all__ = [
    "ArticleFilter",
    "Page",
    "NewestFirst",
    "NewestMatches",
    "Stats",
    "decode_cursor",
    "encode_cursor",
    "find_articles",
    "listed_by",
    "paginate",
    "provider_topics",
    "related",
    "stats",
    "topic_providers",
]


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    """Which articles to list; every field is optional and they combine with AND."""

    provider: str | None = None
    """Provider domain (``www.`` optional) or provider id."""
    topic: str | None = None
    """Topic name in any case, or topic id."""
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    """Case-insensitive text that the title or excerpt contains."""
    min_quality: int | None = None
    type: str | None = None
    """``article``, ``video``, ..."""


def find_articles(
    g: CoverageGraph, flt: ArticleFilter | None = None, *, newest_first: bool = True
) -> Sequence[str]:
    """Article ids matching ``flt``, ordered by publication time (ties by id).

    The narrowest index is used first: a provider's or topic's articles, sliced to the
    time window by binary search, or the time index itself. When the index alone
    answers, newest first comes as a read-only :class:`NewestFirst` view of it. A minimum
    quality on top of that (and nothing else) is counted from a sorted quality index and
    its matches are found newest first only as far as a page reaches
    (:class:`NewestMatches`). Other conditions filter the index's list.
    """
    flt = flt or ArticleFilter()
    member: str | None = None
    if flt.provider is not None:
        member = flt.provider if flt.provider.startswith(f"{PROVIDER}:") else provider_id(flt.provider)
    elif flt.topic is not None:
        member = flt.topic if flt.topic.startswith(f"{TOPIC}:") else topic_id(flt.topic)
    timed = flt.since is not None or flt.until is not None
    if member is None:
        candidates: Sequence[str] = g.articles_by_time(flt.since, flt.until)
        if flt.until is not None and flt.since is None:
            candidates = candidates[_dated_from(candidates, g.article_times()):]
    elif member not in g.nx:
        candidates = []
    else:
        candidates = g.members(member)
        if timed:
            times = g.member_times(member)
            lo = bisect_left(times, flt.since.timestamp()) if flt.since else _dated_from(candidates, times)
            hi = bisect_right(times, flt.until.timestamp()) if flt.until else len(times)
            candidates = candidates[lo:hi]
    # ``candidates`` now meets the provider or topic and the time window exactly.
    nodes = g.nx.nodes
    needle = flt.text.casefold() if flt.text else None
    topic_node = None
    if flt.topic is not None and flt.provider is not None:
        topic_node = flt.topic if flt.topic.startswith(f"{TOPIC}:") else topic_id(flt.topic)
    if needle is None and topic_node is None and flt.type is None:
        if flt.min_quality is None:
            # The index answers alone (no scan): newest first is a view, so a page costs
            # the same at any corpus size.
            return NewestFirst(candidates) if newest_first else list(candidates)
        if newest_first and not timed and (member is None or member in g.nx):
            qualities = g.qualities(member)
            total = len(qualities) - bisect_left(qualities, flt.min_quality)
            least = flt.min_quality
            return NewestMatches(candidates, lambda node: nodes[node].get("quality", least - 1) >= least, total)
    result: list[str] = []
    for node in candidates:
        data = nodes[node]
        if flt.min_quality is not None and data.get("quality", -(2**63)) < flt.min_quality:
            continue
        if flt.type is not None and data.get("type") != flt.type:
            continue
        if topic_node is not None and not g.nx.has_edge(node, topic_node, TAGGED):
            continue
        if needle is not None and needle not in data["title"].casefold():
            if needle not in (data.get("excerpt") or "").casefold():
                continue
        result.append(node)
    if newest_first:
        result.reverse()
    return result


def _dated_from(items: Sequence[str], times: Sequence[float]) -> int:
    """Where the dated articles start in an oldest-first list (undated ones sort first)."""
    return bisect_right(times, float("-inf"), 0, len(items))


def related(g: CoverageGraph, article: str) -> list[str]:
    """Articles that ``article``'s record lists as related, in the aggregator's order."""
    out = [(data.get("rank", 0), target) for _, target, kind, data in g.nx.out_edges(article, keys=True, data=True)
           if kind == RELATED]
    return [target for _, target in sorted(out)]


def listed_by(g: CoverageGraph, article: str) -> list[str]:
    """Articles whose records list ``article`` as related, oldest first."""
    found = [source for source, _, kind in g.nx.in_edges(article, keys=True) if kind == RELATED]
    return sorted(found, key=g.sort_key)


def provider_topics(g: CoverageGraph, provider: str) -> list[tuple[str, int]]:
    """Topics of a provider's articles with how many articles carry each, most first."""
    counts: Counter[str] = Counter()
    for article in g.members(provider):
        for _, target, kind in g.nx.out_edges(article, keys=True):
            if kind == TAGGED:
                counts[target] += 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def topic_providers(g: CoverageGraph, topic: str) -> list[tuple[str, int]]:
    """Providers that published articles on a topic, with counts, most first."""
    counts: Counter[str] = Counter()
    for article in g.members(topic):
        for _, target, kind in g.nx.out_edges(article, keys=True):
            if kind == PUBLISHED_BY:
                counts[target] += 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


@dataclass(frozen=True, slots=True)
class Stats:
    articles: int
    providers: int
    topics: int
    stories: int
    edges: int


def stats(g: CoverageGraph) -> Stats:
    """Node counts by kind and the edge count."""
    return Stats(
        articles=g.count(ARTICLE),
        providers=g.count(PROVIDER),
        topics=g.count(TOPIC),
        stories=g.count(STORY),
        edges=g.nx.number_of_edges(),
    )


class NewestFirst(Sequence[str]):
    """A read-only newest-first view of an oldest-first list (no copy; pages slice it)."""

    __slots__ = ("_items",)

    def __init__(self, items: Sequence[str]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (NewestFirst, list, tuple)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"NewestFirst({len(self)} items)"

    def __getitem__(self, index: int | slice) -> str | list[str]:
        n = len(self._items)
        if isinstance(index, slice):
            start, stop, step = index.indices(n)
            return [self._items[n - 1 - i] for i in range(start, stop, step)]
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(index)
        return self._items[n - 1 - index]


class NewestMatches(Sequence[str]):
    """Newest-first matches of ``keep`` over an oldest-first list, found only as far as asked.

    Its length, ``total``, comes from an index (the caller counts the matches without
    looking at them); a page scans back from the newest item until it has its items, so
    it costs about ``page size / share of matches`` checks at any corpus size.

    >>> view = NewestMatches(["a1", "b2", "c3", "d4"], lambda s: int(s[1]) % 2 == 0, 2)
    >>> len(view), view[0], view[:5], list(view)
    (2, 'd4', ['d4', 'b2'], ['d4', 'b2'])
    """

    __slots__ = ("_items", "_keep", "_total", "_found", "_next")

    def __init__(self, items: Sequence[str], keep: Callable[[str], bool], total: int) -> None:
        self._items = items
        self._keep = keep
        self._total = total
        self._found: list[str] = []
        self._next = len(items) - 1

    def _fill(self, count: int) -> None:
        items, keep, found = self._items, self._keep, self._found
        i = self._next
        while len(found) < count and i >= 0:
            if keep(items[i]):
                found.append(items[i])
            i -= 1
        self._next = i
        if i < 0 and len(found) != self._total:
            raise AssertionError(f"index counted {self._total} matches, the scan found {len(found)}")

    def __len__(self) -> int:
        return self._total

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            wanted = range(*index.indices(self._total))
            self._fill(max(wanted) + 1 if wanted else 0)
            return [self._found[i] for i in wanted]
        if index < 0:
            index += self._total
        if not 0 <= index < self._total:
            raise IndexError(index)
        self._fill(index + 1)
        return self._found[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (NewestMatches, NewestFirst, list, tuple)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"NewestMatches({self._total} items)"


# ------------------------------------------------------------------ pagination


def encode_cursor(offset: int) -> str:
    """An opaque cursor for a position in a list.

    >>> decode_cursor(encode_cursor(41))
    41
    """
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    """The position a cursor points at; raises :class:`NewsgraphError` if it is not one."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
        prefix, _, number = text.partition(":")
        if prefix != "offset" or not number.isdigit() or len(number) > 12:
            raise ValueError(text)
        return int(number)
    except (ValueError, UnicodeError, binascii.Error):
        raise NewsgraphError(f"invalid cursor {cursor[:40]!r}") from None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    start: int

    @property
    def has_next(self) -> bool:
        return self.start + len(self.items) < self.total

    @property
    def has_previous(self) -> bool:
        return self.start > 0

    def cursor(self, index: int) -> str:
        """The cursor of the ``index``-th item of this page."""
        return encode_cursor(self.start + index)

    @property
    def end_cursor(self) -> str | None:
        return self.cursor(len(self.items) - 1) if self.items else None

    @property
    def start_cursor(self) -> str | None:
        return self.cursor(0) if self.items else None


def paginate(items: Sequence[T], first: int, after: str | None = None) -> Page[T]:
    """The ``first`` items after the cursor ``after`` (Relay-style forward pagination)."""
    if first < 0:
        raise NewsgraphError(f"first must not be negative, got {first}")
    start = decode_cursor(after) + 1 if after else 0
    return Page(items=items[start : start + first], total=len(items), start=start)


def require(g: CoverageGraph, node: str, kind: str) -> str:
    """``node`` if it is a node of ``kind``; raises :class:`NotFound` otherwise."""
    if node not in g.nx or g.nx.nodes[node]["kind"] != kind:
        raise NotFound(kind, node)
    return node
