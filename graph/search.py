"""Full-text search over the coverage graph with SQLite FTS5 (standard library only).

:class:`SearchIndex` copies the searchable text of a graph into an in-memory SQLite
FTS5 table: article titles and excerpts, provider names and domains, topic names. Hits
are ranked by BM25 (a title match weighs more than an excerpt or domain match) and carry
a snippet with the matched words marked.

Query language (user text never reaches SQLite as raw FTS5 syntax):

- words: every word must match (AND), case- and accent-insensitively;
- ``"a phrase"``: the words in this order, next to each other;
- ``word*`` (or ``"a phr"*``): a prefix of the (last) word;
- anything else (parentheses, ``NEAR``, ``OR``, ``:``, ``^``, lone ``*``, control
  characters) is plain text: punctuation separates words, operators are words.

Thread-safety: one SQLite connection per index, opened with
``check_same_thread=False`` and used under a lock, so any thread may query. An
in-memory database lives in its connection, so a connection per thread would mean one
copy of the index per thread; queries take milliseconds, so serializing them costs less.

The index is a snapshot of the graph it was built from. :func:`index_for` keeps one index
per graph object (built on first use, dropped with the graph), so a server that swaps in
a freshly loaded graph gets a matching index and never mixes the two.

>>> import graph
>>> g, _ = graph.load("seeds")
>>> index = SearchIndex(g)
>>> page = index.search("iflytek")
>>> page.total, [hit.node_id.split("/")[2] for hit in page.hits]
(2, ['thestar.com.my', 'cointelegraph.com'])
>>> page.hits[0].snippet
'Chinese voice-recognition company [iflytek] Co. has entered the race to build a rival to OpenAI…'
>>> index.close()
"""

from __future__ import annotations

import re
import sqlite3
import threading
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from .errors import NewsgraphError
from .model import ARTICLE, KINDS, PROVIDER, TOPIC, CoverageGraph

__all__ = ["Hit", "SearchIndex", "SearchPage", "SearchUnavailable", "fts_query", "index_for"]

#: BM25 weights of the indexed columns (title, body): a title word counts 4x a body word.
TITLE_WEIGHT = 4.0
BODY_WEIGHT = 1.0
#: Most words (or phrases) a query may have; the rest are ignored.
MAX_TERMS = 32
#: Longest query text read, in characters.
MAX_QUERY_CHARS = 1_000

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# A quoted phrase (the closing quote may be missing), or a run of non-space characters.
_TOKEN = re.compile(r'"([^"]*)(?:"|$)(\*?)|([^\s"]+)')


class SearchUnavailable(NewsgraphError):
    """This Python's SQLite has no FTS5, so the search index cannot be built."""


@dataclass(frozen=True, slots=True)
class Hit:
    node_id: str
    kind: str
    """``article``, ``provider`` or ``topic``."""
    score: float
    """Relevance (higher is better): the negated BM25 rank of SQLite FTS5."""
    snippet: str
    """The best-matching field, cut around the match, matched words between markers."""


@dataclass(frozen=True, slots=True)
class SearchPage:
    total: int
    """All hits of the query (not only this page's)."""
    hits: tuple[Hit, ...]
    start: int = 0
    """Offset of the first hit of this page in the whole list."""

    @property
    def has_next(self) -> bool:
        return self.start + len(self.hits) < self.total


def _has_word(text: str) -> bool:
    return any(char.isalnum() for char in text)


def fts_query(text: str) -> str | None:
    """The FTS5 query for user ``text``, or ``None`` when it has no word to look for.

    Every word or phrase becomes an FTS5 string (quotes doubled), so no user text can
    be read as FTS5 syntax; a trailing ``*`` becomes a prefix query.

    >>> fts_query('chips "weaker chips" sanction*')
    '"chips" AND "weaker chips" AND "sanction" *'
    >>> fts_query('NEAR(a b) OR x:"y')
    '"NEAR(a" AND "b)" AND "OR" AND "x:" AND "y"'
    >>> fts_query(' * () "" \\x00 ') is None
    True
    """
    text = _CONTROL.sub(" ", text[:MAX_QUERY_CHARS])
    terms: list[str] = []
    for match in _TOKEN.finditer(text):
        phrase, phrase_star, word = match.groups()
        if word is not None:
            prefix = word.endswith("*")
            body = word.rstrip("*")
        else:
            prefix = bool(phrase_star)
            body = phrase
        if not _has_word(body):
            continue
        quoted = '"' + body.replace('"', '""').strip() + '"'
        terms.append(quoted + " *" if prefix else quoted)
        if len(terms) == MAX_TERMS:
            break
    return " AND ".join(terms) if terms else None


def _documents(g: CoverageGraph) -> Iterator[tuple[str, str, str, str]]:
    """``(node id, kind, title, body)`` of every searchable node."""
    for node, data in g.nx.nodes(data=True):
        kind = data.get("kind")
        if kind == ARTICLE:
            yield node, kind, data.get("title") or "", data.get("excerpt") or ""
        elif kind == PROVIDER:
            names = [data.get("name") or ""]
            names += [name for name in data.get("names", ()) if name not in names]
            yield node, kind, " · ".join(n for n in names if n), data.get("domain") or ""
        elif kind == TOPIC:
            names = [data.get("name") or ""]
            names += [name for name in data.get("names", ()) if name not in names]
            yield node, kind, " · ".join(n for n in names if n), ""


def _connect() -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    try:
        connection.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
        connection.execute("DROP TABLE temp.fts5_probe")
    except sqlite3.OperationalError as exc:
        connection.close()
        raise SearchUnavailable(
            f"SQLite {sqlite3.sqlite_version} in this Python has no FTS5 ({exc}); search needs a "
            "Python whose sqlite3 module is built with FTS5 (python.org and most Linux builds are)"
        ) from None
    return connection


class SearchIndex:
    """A full-text index of one graph's articles, providers and topics.

    Build it once per graph (:func:`index_for` does that and caches it); building reads
    every node once. Close it with :meth:`close` or use it as a context manager (it is
    also closed when garbage-collected).

    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> with SearchIndex(g) as index:
    ...     len(index), [(h.node_id[:20], h.kind) for h in index.search("wall street").hits]
    (19, [('provider:wsj.com', 'provider'), ('article:https://fudz', 'article')])
    """

    def __init__(self, g: CoverageGraph, *, markers: tuple[str, str] = ("[", "]"), snippet_words: int = 16) -> None:
        self._markers = markers
        self._snippet_words = max(1, min(64, snippet_words))
        self._lock = threading.Lock()
        connection = _connect()
        try:
            connection.execute(
                "CREATE VIRTUAL TABLE docs USING fts5("
                "node_id UNINDEXED, kind UNINDEXED, title, body, "
                "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
            )
            connection.execute("BEGIN")
            # Inserted in node-id order: FTS5 returns equal ranks in rowid order, so ties
            # come out by node id without asking SQLite to sort every match again.
            connection.executemany(
                "INSERT INTO docs(node_id, kind, title, body) VALUES (?, ?, ?, ?)", sorted(_documents(g))
            )
            connection.execute("COMMIT")
            connection.execute(
                "INSERT INTO docs(docs, rank) VALUES ('rank', ?)", (f"bm25(0, 0, {TITLE_WEIGHT}, {BODY_WEIGHT})",)
            )
            connection.execute("INSERT INTO docs(docs) VALUES ('optimize')")
            (self._size,) = connection.execute("SELECT count(*) FROM docs").fetchone()
        except BaseException:
            connection.close()
            raise
        self._connection: sqlite3.Connection | None = connection
        self._finalizer = weakref.finalize(self, connection.close)

    def __len__(self) -> int:
        """The number of indexed nodes."""
        return int(self._size)

    def search(
        self, text: str, first: int = 20, after: int = 0, *, kinds: Iterable[str] | None = None
    ) -> SearchPage:
        """The hits for ``text``, best first (ties by node id): ``first`` of them from
        offset ``after``, with the total. ``kinds`` keeps only some node kinds.

        Text with no word in it, or words that match nothing, give an empty page; no
        user text raises an SQLite error (see :func:`fts_query`).

        >>> import graph
        >>> g, _ = graph.load("seeds")
        >>> index = index_for(g)
        >>> page = index.search('"without us chips"')
        >>> page.total, page.hits[0].snippet
        (2, 'How China is Developing AI [Without US Chips]')
        >>> index.search("sanc*", first=1).total, index.search("sanc*", first=1).has_next
        (4, True)
        >>> index.search("ai", kinds=["topic"]).hits[0].node_id
        'topic:ai'
        >>> index.search("zqxjv").total, index.search('NEAR(") *').total
        (0, 0)
        """
        if isinstance(first, bool) or not isinstance(first, int) or first < 0:
            raise NewsgraphError(f"first must be a non-negative integer, got {first!r}")
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise NewsgraphError(f"after must be a non-negative integer, got {after!r}")
        if not isinstance(text, str):
            raise NewsgraphError(f"search text must be a string, got {type(text).__name__}")
        where = "docs MATCH ?"
        query = fts_query(text)
        if query is None:
            return SearchPage(0, (), after)
        params: list[Any] = [query]
        if kinds is not None:
            wanted = sorted({kinds} if isinstance(kinds, str) else set(kinds))
            unknown = [k for k in wanted if k not in KINDS]
            if unknown:
                raise NewsgraphError(f"unknown node kind {unknown[0]!r}; expected one of {', '.join(KINDS)}")
            if not wanted:
                return SearchPage(0, (), after)
            where += f" AND kind IN ({', '.join('?' * len(wanted))})"
            params += wanted
        before, after_mark = self._markers
        with self._lock:
            connection = self._open()
            try:
                (total,) = connection.execute(f"SELECT count(*) FROM docs WHERE {where}", params).fetchone()
                rows = connection.execute(
                    "SELECT node_id, kind, rank, snippet(docs, -1, ?, ?, '…', ?) FROM docs "
                    f"WHERE {where} ORDER BY rank LIMIT ? OFFSET ?",
                    [before, after_mark, self._snippet_words, *params, first, after],
                ).fetchall()
            except sqlite3.OperationalError:
                # fts_query() only emits quoted strings, so this is not expected; an
                # unsearchable query is an empty result rather than a server error.
                return SearchPage(0, (), after)
        hits = tuple(Hit(node, kind, -float(rank), snippet) for node, kind, rank, snippet in rows)
        return SearchPage(int(total), hits, after)

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            raise NewsgraphError("the search index is closed")
        return self._connection

    def close(self) -> None:
        """Free the index; searching it afterwards raises :class:`NewsgraphError`."""
        with self._lock:
            self._connection = None
            self._finalizer()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


_INDEXES: weakref.WeakKeyDictionary[CoverageGraph, SearchIndex] = weakref.WeakKeyDictionary()
_BUILDING: weakref.WeakKeyDictionary[CoverageGraph, threading.Lock] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


def index_for(g: CoverageGraph) -> SearchIndex:
    """The search index of ``g``, built on first use and kept as long as ``g`` lives.

    Safe to call from many threads: one of them builds, the others wait for that graph
    only (searches on other graphs go on). Call it once right after loading a graph to
    build the index before the graph is served.

    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> index_for(g) is index_for(g)
    True
    """
    with _CACHE_LOCK:
        index = _INDEXES.get(g)
        if index is not None:
            return index
        building = _BUILDING.setdefault(g, threading.Lock())
    with building:
        with _CACHE_LOCK:
            index = _INDEXES.get(g)
        if index is None:
            index = SearchIndex(g)
            with _CACHE_LOCK:
                _INDEXES[g] = index
                _BUILDING.pop(g, None)
    return index
