"""Stories: which articles report the same event, which one broke it, who echoed it and when.

:func:`detect_stories` groups the articles of a fresh :class:`~graph.model.CoverageGraph`
into stories across the whole graph (not only inside one record's ``related`` list) and
adds ``story:<key>`` nodes, ``in_story`` edges (article -> story) and ``echoes`` edges
(each later article -> the story's origin, with ``lag_hours``, ``similarity`` and
``evidence``). The other functions are pure read-only queries over that result.

How articles are grouped (the defaults live in :class:`StorySettings`):

1. **Text.** Title and excerpt are normalized (``U.S.``/``US`` -> ``usa``, ``$450M`` and
   ``$450 million`` -> ``450m``, possessives dropped), split into words, stop words
   removed and stemmed (Snowball), the title counted twice. scikit-learn's
   ``TfidfVectorizer`` (sublinear tf, smoothed idf, l2 norm) weighs the terms: names,
   numbers and other rare words dominate, the words every article of a topic shares
   weigh little. **Names** are learnt from the corpus: stems written with inner
   capitals (``AI``, ``iFlytek``) or capitalized mid-sentence in sentence-case text;
   names and numbers carried by at most ``max(specific_min_df, specific_df_share * n)``
   articles are *specific* (they identify an event).
2. **Candidates, never all pairs.** Articles are cut into time slices one window wide;
   a sparse product of each slice with itself and the next one, over the *rare* terms
   only (document frequency at most ``max(block_min_df, block_df_share * n)``), lists
   the pairs that share rare vocabulary within ``window_hours``. Pairs one record lists
   (directly or side by side) and pairs that share an image are added.
3. **Pair score.** ``similarity`` = text cosine x a *names* factor (from
   ``conflict_factor`` when the two titles name different specifics, ``Anthropic raises
   $450M`` vs ``Figure raises $70M``, up to 1 when one title's specifics all appear in
   the other article), raised by a noisy-OR with the other signals: a shared image
   (used by few articles), a direct listing, two or more shared title entities. The
   *weight* used for grouping is the similarity times a time prior that is 1 within
   ``grace_hours`` and falls as ``1 / (1 + (gap - grace) / decay_hours)`` beyond. Two
   articles of one outlet are only the same story when they are URL twins
   (near-identical text, or stamped the same minute) or an update (similar on their
   own, at least ``threshold``): same-site recommendations are the commonest false friend.
4. **Grouping without chaining.** Agglomeration over the sparse candidate graph with
   centroid linkage (``cross / sqrt(within_A * within_B)`` from the pair weights, so a
   big story told in many words is not punished), guarded by coherence: the mean cross
   pair must reach ``coherence`` and half the mean pair inside the tighter group
   (``relative_coherence``), so a bridging article or a shared company name cannot fuse
   two stories and a topic cannot grow into a blob. Stories span at most
   ``max_span_hours``. Lone articles left at the end join their closest story if the
   linkage reaches ``attach_threshold``.
5. **Origin.** The earliest report. A midnight-UTC stamp (``00:00:00``) is usually a
   date-only or crawl-time value, so it is ordered as noon of its day and compared with
   12 hours of slack. Ties (same effective minute) go to the article the other members
   cite by outlet name, then the higher quality, then the smaller id. One override: if
   an earlier member's text cites another member's outlet by name (``"according to a
   report from the Wall Street Journal"``) and that cited article is stamped at most
   ``citation_hours`` after the earliest, the cited one is the origin (its stamp is
   taken for an update time); lags of members stamped before it are then 0.
6. **Ids.** ``story:`` + the first 16 hex digits of the SHA-1 of the origin's id: the
   same folder gives the same ids whatever the file order; a re-ingest keeps them unless
   an earlier report of the story appears.

Stories have at least two articles: a lone article is no story (it has no echo), and
giving every article a story node would double the node count for nothing.

>>> import graph
>>> g, _ = graph.load("seeds")
>>> wsj = g.article_id_for("https://www.wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f")
>>> story = story_view(g, story_of(g, wsj))
>>> story.origin == wsj, story.size
(True, 6)
>>> sorted(e.provider for e in echoes_of(g, wsj))  # doctest: +NORMALIZE_WHITESPACE
['provider:businessinsider.com', 'provider:cointelegraph.com', 'provider:fudzilla.com',
 'provider:globaltimes.cn', 'provider:insidebitcoins.com']
"""

from __future__ import annotations

import hashlib
import heapq
import math
import re
import statistics
import time
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .model import (
    ARTICLE,
    ECHOES,
    IN_STORY,
    PROVIDER,
    PUBLISHED_BY,
    RELATED,
    STORY,
    CoverageGraph,
    add_member_edges,
    provider_id,
)

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = [
    "Echo",
    "OutletEdge",
    "OutletLink",
    "Story",
    "StorySettings",
    "StoryStats",
    "detect_stories",
    "echo_pairs",
    "echoed_by",
    "echoed_stories",
    "echoes_of",
    "echoes_outlets",
    "first_reports",
    "influence",
    "median_lag",
    "origin_of",
    "outlet_network",
    "stories",
    "story_of",
    "story_stats",
    "story_view",
]


# ------------------------------------------------------------------ settings and results


@dataclass(frozen=True, slots=True)
class StorySettings:
    """How :func:`detect_stories` groups articles (each default is explained in the module doc)."""

    threshold: float = 0.30
    """Mean pair weight two groups need to merge (cosine-like, 0..1)."""
    min_similarity: float = 0.05
    """Pairs weaker than this (and with no listing or image in common) are not linked at all."""
    attach_threshold: float = 0.25
    """A lone article left over joins its closest story at this lower centroid similarity."""
    coherence: float = 0.15
    """Least mean pair weight between two merging groups (half the threshold): no topic blobs."""
    relative_coherence: float = 0.5
    """Least mean cross pair weight, relative to the mean pair inside the tighter group."""
    window_hours: float = 168.0
    """Largest time gap between two articles for them to be compared at all."""
    grace_hours: float = 36.0
    """Time gaps up to this cost nothing; news is echoed within a day or two."""
    decay_hours: float = 72.0
    """Beyond the grace period the weight falls as 1 / (1 + (gap - grace) / decay)."""
    max_span_hours: float = 240.0
    """Longest a story may last from its first to its last report."""
    block_df_share: float = 0.01
    """Terms in more than this share of articles are not used to find candidates..."""
    block_min_df: int = 50
    """...unless they occur in at most this many articles (small graphs)."""
    block_min_overlap: float = 0.06
    """Least cosine over rare terms for a pair to be scored."""
    twin_similarity: float = 0.80
    """Two articles of one outlet with at least this text similarity are URL twins."""
    image_weight: float = 0.30
    """Noisy-OR weight of a shared image (used by at most ``image_max_uses`` articles)."""
    image_max_uses: int = 6
    listed_weight: float = 0.10
    """Noisy-OR weight of one article's record listing the other as related."""
    specific_df_share: float = 0.05
    """A name or number is *specific* when at most this share of articles carry it..."""
    specific_min_df: int = 3
    """...or at most this many (small graphs)."""
    names_weight: float = 0.3
    """Noisy-OR weight of sharing two or more specific entities (``iFlytek`` and ``ChatGPT``)."""
    name_weight: float = 1.0
    """Specific names and numbers weigh this many times their tf-idf: they identify events."""
    conflict_factor: float = 0.5
    """Text similarity is multiplied by this when the titles name different specifics
    (names, amounts: ``Anthropic raises $450M`` vs ``Figure raises $70M``), rising to 1
    as the specifics of one title are all found in the other article."""
    citation_hours: float = 24.0
    """How much later a cited member may be stamped and still be taken for the origin."""


@dataclass(slots=True)
class StoryStats:
    """What :func:`detect_stories` did."""

    articles: int = 0
    """Dated articles considered."""
    candidate_pairs: int = 0
    linked_pairs: int = 0
    """Candidate pairs with a positive weight (the sparse graph that is clustered)."""
    stories: int = 0
    articles_in_stories: int = 0
    largest: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Story:
    id: str
    origin: str
    """Article id of the first report."""
    size: int
    first_published: datetime | None
    last_published: datetime | None
    title: str
    """The origin's title."""
    articles: tuple[str, ...]
    """Article ids, oldest first (ties by id)."""
    providers: tuple[str, ...]
    """Provider ids, in the order they first reported the story."""


@dataclass(frozen=True, slots=True)
class Echo:
    article: str
    """The later article (id)."""
    provider: str
    published: datetime | None
    lag_hours: float
    """Hours after the article it is compared with."""
    similarity: float
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OutletLink:
    """Another outlet, how many echoes link the two, and the median lag of those echoes."""

    provider: str
    count: int
    median_lag_hours: float


@dataclass(frozen=True, slots=True)
class OutletEdge:
    """``source`` echoed stories first reported by ``target`` ``count`` times."""

    source: str
    target: str
    count: int
    median_lag_hours: float


# ------------------------------------------------------------------ text


_STOP_EXTRA = frozenset({"s", "t", "don", "won", "via", "amp", "nbsp", "quot"})
_USA = re.compile(r"\bU\.\s?S\.(?:\s?A\.)?|\bU\.S\b|\bUSA\b|\bUS\b")
_UK = re.compile(r"\bU\.\s?K\.|\bUK\b")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_MONEY = re.compile(
    r"(\d+(?:\.\d+)?)\s*(trillion|billion|million|thousand|tn|bn|bln|mn|mln|[tbmk])\b", re.IGNORECASE
)
_UNIT = {"trillion": "t", "tn": "t", "t": "t", "billion": "b", "bn": "b", "bln": "b", "b": "b",
         "million": "m", "mn": "m", "mln": "m", "m": "m", "thousand": "k", "k": "k"}
_POSSESSIVE = re.compile(r"['’]s\b|['’]")
_WORD = re.compile(r"[A-Za-z0-9]+(?:\.[0-9]+)?")
_BOUNDARY = re.compile(r"[.!?:;|\"“”—–]|\s-\s")
_STOP: frozenset[str] | None = None
_STEMMER: Any = None

Token = tuple[str, int, bool, int]
"""A content word: (stem, case, first word of a sentence, position among all words); case is
0 for lower case, 1 for Capitalized, 2 for capitals inside the word (``AI``, ``iFlytek``)."""


def _stop_words() -> frozenset[str]:
    global _STOP, _STEMMER
    if _STOP is None:
        import snowballstemmer
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        _STEMMER = snowballstemmer.stemmer("english")
        _STOP = frozenset(ENGLISH_STOP_WORDS) | _STOP_EXTRA
    return _STOP


def _money(match: re.Match[str]) -> str:
    return f"{match.group(1)}{_UNIT[match.group(2).lower()]}"


_WORDS: dict[str, tuple[str | None, int, bool]] = {}


def _word(raw: str, stop: frozenset[str]) -> tuple[str | None, int, bool]:
    """(stem or None for a stop word, case code, counts for Title Case detection) of a word."""
    word = raw.lower()
    # 0: lower case; 1: Capitalized; 2: capitals inside (AI, ChatGPT, iFlytek): a name anywhere
    upper = 0 if raw.islower() or raw[0].isdigit() else (2 if any(c.isupper() for c in raw[1:]) else 1)
    if len(word) < 2 or word in stop:
        return None, upper, False
    stem = _STEMMER.stemWord(word) if not word[0].isdigit() else word
    return stem, upper, len(word) >= 4 and word.isalpha()


def _tokens(text: str) -> tuple[list[Token], bool]:
    """Content words of a text with their case, and whether the text is in Title Case.

    Normalizes first: ``U.S.``/``US`` -> ``usa``, ``$450M``/``$450 million`` -> ``450m``,
    ``1,000`` -> ``1000``, possessives dropped; then drops stop words and stems.
    """
    stop = _stop_words()
    text = _USA.sub(" USA ", text)
    text = _UK.sub(" UK ", text)
    text = _THOUSANDS.sub("", text)
    text = _MONEY.sub(_money, text)
    text = _POSSESSIVE.sub("", text)
    out: list[Token] = []
    initial = True
    boundaries = [m.start() for m in _BOUNDARY.finditer(text)]
    boundaries.append(len(text) + 1)
    next_boundary = 0
    long_words = capitalized = 0
    for position, match in enumerate(_WORD.finditer(text)):
        raw = match.group()
        start = match.start()
        if boundaries[next_boundary] < start:
            initial = True
            while boundaries[next_boundary] < start:
                next_boundary += 1
        first_word, initial = initial, False
        known = _WORDS.get(raw)
        if known is None:
            known = _word(raw, stop)
            if len(_WORDS) < 500_000:
                _WORDS[raw] = known
        stem, upper, long_word = known
        if stem is None:
            continue
        if long_word:
            long_words += 1
            capitalized += upper > 0
        out.append((stem, upper, first_word, position))
    title_case = long_words >= 2 and capitalized >= 0.7 * long_words
    return out, title_case


def words(text: str) -> list[str]:
    """Content words of a text: normalized, stop words dropped, stemmed.

    >>> words("U.S. Sanctions Drive China's Firms to Raise $450 Million")
    ['usa', 'sanction', 'drive', 'china', 'firm', 'rais', '450m']
    >>> words("Anthropic raises $450M, the US says")
    ['anthrop', 'rais', '450m', 'usa', 'say']
    """
    return [stem for stem, *_ in _tokens(text)[0]]


@dataclass(slots=True)
class _Parsed:
    title: list[Token]
    excerpt: list[Token]
    title_case: bool
    excerpt_case: bool

    def title_stems(self) -> frozenset[str]:
        return frozenset(stem for stem, *_ in self.title)

    def terms(self) -> list[str]:
        """What the vectorizer counts: title words twice, then excerpt words."""
        title = [stem for stem, *_ in self.title]
        return title + title + [stem for stem, *_ in self.excerpt]


def _parse(doc: str) -> _Parsed:
    title, _, excerpt = doc.partition("\n")
    title_tokens, title_case = _tokens(title)
    excerpt_tokens, excerpt_case = _tokens(excerpt)
    return _Parsed(title_tokens, excerpt_tokens, title_case, excerpt_case)


def _terms(doc: str | list[str]) -> list[str]:
    """The analyzer of the vectorizer: a document's terms (lists pass through)."""
    if isinstance(doc, list):
        return doc
    return _parse(doc).terms()


def _doc(data: dict[str, Any]) -> str:
    return f"{data['title']}\n{data.get('excerpt') or ''}"


def _name_lexicon(parsed: Iterable[_Parsed]) -> set[str]:
    """Stems that are names: written with inner capitals, or capitalized inside sentences.

    ``AI``, ``ChatGPT`` and ``iFlytek`` are names wherever they stand. Other stems are
    names when at least two of their mid-sentence occurrences in sentence-case text (not
    Title Case headlines) are capitalized and no more are in lower case (``Anthropic``,
    ``Nvidia``, ``China``): common words almost never are.
    """
    counter = _NameCounter()
    for doc in parsed:
        counter.add(doc)
    return counter.lexicon()


class _NameCounter:
    """:func:`_name_lexicon` one document at a time (the documents need not be kept)."""

    def __init__(self) -> None:
        self.upper: dict[str, int] = defaultdict(int)
        self.lower: dict[str, int] = defaultdict(int)
        self.strong: set[str] = set()

    def add(self, doc: _Parsed) -> None:
        upper, lower, strong = self.upper, self.lower, self.strong
        for tokens, title_case in ((doc.title, doc.title_case), (doc.excerpt, doc.excerpt_case)):
            for stem, case, first_word, _ in tokens:
                if case == 2:
                    strong.add(stem)
                if title_case or first_word:
                    continue
                if case:
                    upper[stem] += 1
                else:
                    lower[stem] += 1

    def lexicon(self) -> set[str]:
        lower = self.lower
        return self.strong | {stem for stem, count in self.upper.items() if count >= 2 and count >= lower.get(stem, 0)}


Specifics = tuple[frozenset[str], frozenset[str], tuple[frozenset[str], ...]]
"""A document's specific names and numbers: in its title, in all of it, and its title's
grouped into entities (adjacent words: ``Miraionquin Dynamics`` is one entity, not two)."""


def _specifics(doc: _Parsed, specific: dict[str, float], same: dict[Any, Any] | None = None) -> Specifics:
    """The names and numbers of a document that are specific (rare): in the title, in all, as entities.

    ``same`` (a dict kept across calls) makes equal sets and tuples one object: most
    documents share them (the empty set, a title's names equal to the whole's).
    """
    title = frozenset(stem for stem, *_ in doc.title if stem in specific)
    everything = title | frozenset(stem for stem, *_ in doc.excerpt if stem in specific)
    if same is not None:
        title = same.setdefault(title, title)
        everything = same.setdefault(everything, everything)
    entities: list[frozenset[str]] = []
    for tokens in (doc.title,):
        run: list[str] = []
        last = -2
        for stem, _, _, position in tokens:
            if stem not in specific:
                continue
            if position != last + 1 and run:
                entities.append(frozenset(run))
                run = []
            run.append(stem)
            last = position
        if run:
            entities.append(frozenset(run))
    if same is not None:
        entities = [same.setdefault(e, e) for e in entities]
        found = tuple(dict.fromkeys(entities))
        return title, everything, same.setdefault(found, found)
    return title, everything, tuple(dict.fromkeys(entities))


def _shared_entities(a: Specifics, b: Specifics) -> int:
    """How many entities of one title the other article names (the larger count of the two).

    Only title entities count: an excerpt's background mentions (``ChatGPT``, released
    by ``OpenAI`` in 2022...) say little about which event an article reports.

    >>> a = (frozenset(), frozenset({"iflytek", "chatgpt"}), (frozenset({"iflytek"}), frozenset({"chatgpt"})))
    >>> b = (frozenset(), frozenset({"iflytek", "chatgpt", "openai"}), (frozenset({"chatgpt"}),))
    >>> _shared_entities(a, b)
    2
    >>> c = (frozenset(), frozenset({"miraionquin", "dynam"}), (frozenset({"miraionquin", "dynam"}),))
    >>> _shared_entities(c, (frozenset(), frozenset({"miraionquin", "s69"}), (frozenset({"miraionquin"}), frozenset({"miraionquin", "s69"}))))
    1
    """
    return max(_entities_found(a[2], b[1]), _entities_found(b[2], a[1]))


def _entities_found(entities: tuple[frozenset[str], ...], words: frozenset[str]) -> int:
    """Entities found in ``words``, each counted once however many names share its words."""
    used: set[str] = set()
    count = 0
    for entity in entities:
        found = entity & words
        if found and not found <= used:
            count += 1
            used |= found
    return count


def _coverage(a: Specifics, b: Specifics, weight: dict[str, float]) -> float:
    """How much of the titles' specifics the other article also names (0..1; 1 if none).

    For each side, the idf-weighted share of its title's specifics (names, numbers)
    found anywhere in the other article; the larger share counts (one title may carry
    an extra name). ``Anthropic raises $450M`` vs ``Figure raises $70M`` share nothing:
    0. Articles whose titles name no specifics are not judged: 1.

    >>> w = {"anthrop": 3.0, "450m": 3.0, "figur": 3.0, "70m": 3.0, "cci": 1.0}
    >>> _coverage((frozenset({"anthrop", "450m"}), frozenset({"anthrop", "450m"})),
    ...           (frozenset({"figur", "70m"}), frozenset({"figur", "70m"})), w)
    0.0
    >>> _coverage((frozenset({"cci", "anthrop"}), frozenset({"cci", "anthrop"})),
    ...           (frozenset({"cci", "figur"}), frozenset({"cci", "figur"})), w)
    0.25
    """
    if not a[0] or not b[0]:
        return 1.0
    shared_a = a[0] & b[1]
    if shared_a == a[0]:
        return 1.0
    shared_b = b[0] & a[1]
    if shared_b == b[0]:
        return 1.0
    total_a = sum(weight[t] for t in a[0])
    total_b = sum(weight[t] for t in b[0])
    found_a = sum(weight[t] for t in shared_a) if shared_a else 0.0
    found_b = sum(weight[t] for t in shared_b) if shared_b else 0.0
    return max(found_a / total_a, found_b / total_b)


# ------------------------------------------------------------------ index kept beside the graph


@dataclass
class _Index:
    """Derived data kept on the graph object: the fitted vectorizer and query caches."""

    vectorizer: TfidfVectorizer
    specific: dict[str, float]
    """Name-like stems and numbers rare enough to identify a story, with their idf."""
    common_images: frozenset[str]
    """Image URLs on more than ``image_max_uses`` articles (logos, stock art): no evidence."""
    settings: StorySettings
    scale: Any = None
    """Per-term weight factors (numpy array): specific names count ``name_weight`` times."""
    stats: StoryStats | None = None
    cache: dict[str, Any] = field(default_factory=dict)

    def vectors(self, terms: list[list[str]]) -> csr_matrix:
        """Unit-length weighted term vectors of documents given as term lists."""
        if not hasattr(self.vectorizer, "vocabulary_"):  # nothing to fit: no words at all
            from scipy.sparse import csr_matrix

            return csr_matrix((len(terms), 1), dtype="float32")
        return _scaled(self.vectorizer.transform(terms), self.scale)

    def packed(self) -> _PackedIndex:
        """This index as pickled bytes (its query caches dropped); :meth:`_PackedIndex.unpack` reverses it."""
        import pickle

        blob = pickle.dumps((self.vectorizer, self.specific, self.common_images, self.settings, self.scale),
                            protocol=pickle.HIGHEST_PROTOCOL)
        return _PackedIndex(blob, self.stats)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled packed (the warm-start cache): loading a graph then needs no scikit-learn
        import; :func:`_index` unpacks it when a query first needs the vectorizer."""
        packed = self.packed()
        return (_PackedIndex, (packed.blob, packed.stats))


class _PackedIndex:
    """An :class:`_Index` as pickled bytes, with its stats at hand."""

    __slots__ = ("blob", "stats")

    def __init__(self, blob: bytes, stats: StoryStats | None) -> None:
        self.blob = blob
        self.stats = stats

    def unpack(self) -> _Index:
        import pickle

        vectorizer, specific, common_images, settings, scale = pickle.loads(self.blob)
        return _Index(vectorizer, specific, common_images, settings, scale, self.stats)


_ATTR = "_story_index"


def _scaled(matrix: csr_matrix, scale: Any) -> csr_matrix:
    from sklearn.preprocessing import normalize

    if scale is None:
        return matrix.tocsr()
    return normalize(matrix.multiply(scale).tocsr(), norm="l2", copy=False)


def _build(
    texts: Iterable[str], settings: StorySettings, images: frozenset[str] = frozenset(), keep: bool = True
) -> tuple[_Index, list[_Parsed], csr_matrix | None]:
    """Parse the texts, fit the vectorizer and find the specific names: the index and matrix.

    The parsed documents come back too when ``keep``; without it (an empty list) no
    more than one parsed document is alive at a time: they are the largest transient
    of a story detection, cheaper parsed twice than all kept.
    """
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    parsed: list[_Parsed] = []
    names_seen = _NameCounter()
    count = 0
    words_seen = False

    def terms() -> Iterator[list[str]]:
        nonlocal count, words_seen
        for text in texts:
            doc = _parse(text)
            count += 1
            words_seen = words_seen or bool(doc.title or doc.excerpt)
            names_seen.add(doc)
            if keep:
                parsed.append(doc)
            yield doc.terms()

    vectorizer = TfidfVectorizer(analyzer=_terms, sublinear_tf=True, dtype=np.float32)
    try:
        matrix = vectorizer.fit_transform(terms()).tocsr()  # one term list at a time
    except ValueError:  # no words in any document: an empty vocabulary
        if words_seen:
            raise
        return _Index(TfidfVectorizer(analyzer=_terms, sublinear_tf=True, dtype=np.float32), {}, frozenset(),
                      settings), parsed, None
    if not words_seen:  # pragma: no cover - scikit-learn refuses an empty vocabulary
        return _Index(vectorizer, {}, frozenset(), settings), parsed, None
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    cap = max(settings.specific_min_df, int(settings.specific_df_share * count))
    names = names_seen.lexicon()
    idf = vectorizer.idf_
    specific = {
        term: float(idf[column])
        for term, column in sorted(vectorizer.vocabulary_.items())
        if df[column] <= cap and (term in names or any(ch.isdigit() for ch in term))
    }
    scale = np.ones(matrix.shape[1], dtype=np.float32)
    for term in specific:
        scale[vectorizer.vocabulary_[term]] = settings.name_weight
    scale = scale.reshape(1, -1)
    return _Index(vectorizer, specific, images, settings, scale), parsed, _scaled(matrix, scale)


def _common_images(g: CoverageGraph, ids: list[str], settings: StorySettings) -> frozenset[str]:
    uses: dict[str, int] = defaultdict(int)
    for node in ids:
        for url in _images(g.nx.nodes[node]):
            uses[url] += 1
    return frozenset(url for url, count in uses.items() if count > settings.image_max_uses)


def _rare_cap(n: int, settings: StorySettings) -> int:
    """Largest document frequency of a term still counted as rare."""
    return max(settings.block_min_df, int(settings.block_df_share * n))


def _index(g: CoverageGraph) -> _Index:
    """The story index of ``g``; rebuilt from the graph itself (default settings) if missing.

    It lives on the graph object (pickled with it), not in ``g.nx``, so exports never
    see it.
    """
    index: _Index | _PackedIndex | None = g.__dict__.get(_ATTR)
    if isinstance(index, _PackedIndex):
        index = index.unpack()
        g.__dict__[_ATTR] = index
    if index is None:
        settings = StorySettings()
        dated = _dated(g)
        texts = [_doc(g.nx.nodes[n]) for n in dated]
        index = _build(texts, settings, _common_images(g, dated, settings))[0]
        g.__dict__[_ATTR] = index
    return index


def story_stats(g: CoverageGraph) -> StoryStats | None:
    """What :func:`detect_stories` did on ``g`` (``None`` if it did not run on this object).

    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> story_stats(g).stories
    2
    """
    index: _Index | _PackedIndex | None = g.__dict__.get(_ATTR)
    return None if index is None else index.stats


def _dated(g: CoverageGraph) -> list[str]:
    return [n for n in g.articles_by_time() if g.nx.nodes[n].get("published") is not None]


# ------------------------------------------------------------------ time


def is_date_only(when: datetime | None) -> bool:
    """True for a midnight-UTC stamp, which is usually a date without a time.

    >>> from datetime import timezone
    >>> is_date_only(datetime(2023, 5, 7, tzinfo=timezone.utc)), is_date_only(datetime(2023, 5, 7, 13, tzinfo=timezone.utc))
    (True, False)
    """
    return when is not None and when.hour == 0 and when.minute == 0 and when.second == 0 and when.microsecond == 0


def _effective_hours(when: datetime) -> float:
    """Hours since the epoch used for ordering: date-only stamps count as noon."""
    hours = when.timestamp() / 3600.0
    return hours + 12.0 if is_date_only(when) else hours


# ------------------------------------------------------------------ pair scoring


def _time_prior(gap_hours: float, settings: StorySettings) -> float:
    if gap_hours <= settings.grace_hours:
        return 1.0
    return 1.0 / (1.0 + (gap_hours - settings.grace_hours) / settings.decay_hours)


def _gap(a: dict[str, Any], b: dict[str, Any]) -> float:
    """Effective hours between two articles (12 hours of slack for a date-only stamp)."""
    gap = abs(_effective_hours(a["published"]) - _effective_hours(b["published"]))
    if is_date_only(a["published"]) or is_date_only(b["published"]):
        gap = max(0.0, gap - 12.0)
    return gap


def _images(data: dict[str, Any]) -> set[str]:
    return {image.url for image in data.get("images", ())}


def _provider_of(g: CoverageGraph, node: str) -> str:
    for _, target, kind in g.nx.out_edges(node, keys=True):
        if kind == PUBLISHED_BY:
            return str(target)
    return ""


def _listed(g: CoverageGraph, a: str, b: str) -> bool:
    """True when one article's record lists the other as related."""
    return bool(g.nx.has_edge(a, b, RELATED) or g.nx.has_edge(b, a, RELATED))


def _co_listed(g: CoverageGraph, a: str, b: str) -> bool:
    """True when some record lists both articles as related."""
    listers_a = {s for s, _, k in g.nx.in_edges(a, keys=True) if k == RELATED}
    if not listers_a:
        return False
    return any(k == RELATED and s in listers_a for s, _, k in g.nx.in_edges(b, keys=True))


_CITATIONS: dict[tuple[str, ...], re.Pattern[str] | None] = {}


def _cites(text: str, names: Sequence[str]) -> bool:
    """True when ``text`` (case-folded) names one of ``names`` (an outlet) as a whole word."""
    key = tuple(names)
    if key in _CITATIONS:
        pattern = _CITATIONS[key]
    else:
        usable = sorted({n.strip().casefold() for n in names if len(n.strip()) >= 4})
        pattern = re.compile("(?<!\\w)(?:" + "|".join(map(re.escape, usable)) + ")(?!\\w)") if usable else None
        if len(_CITATIONS) < 100_000:
            _CITATIONS[key] = pattern
    return pattern is not None and pattern.search(text) is not None


def _outlet_names(g: CoverageGraph, provider: str) -> list[str]:
    if provider not in g.nx:
        return []
    data = g.nx.nodes[provider]
    names = [data.get("name", ""), *data.get("names", ())]
    domain = data.get("domain", "")
    stem = domain.split(".")[0] if domain else ""
    if len(stem) >= 3 and stem not in ("www", "news", "markets", "finance"):
        names.append(stem)
    # Names that are too generic to be a citation are skipped.
    return [n for n in names if n and n.casefold() not in ("news", "the news", "reuters.com")] or []


def _compare(
    g: CoverageGraph,
    a: str,
    b: str,
    cosine: float,
    spec_a: Specifics,
    spec_b: Specifics,
    settings: StorySettings,
    cites: bool = False,
    titles: tuple[frozenset[str], frozenset[str]] | None = None,
    known: tuple[bool, bool, str, str] | None = None,
) -> tuple[float, tuple[str, ...]]:
    """The similarity of two articles and the evidence, from their text cosine and signals.

    ``titles`` (the title stems) and ``known`` (listed, listed side by side, the two
    providers) save looking them up again when the caller has them.
    """
    da, db = g.nx.nodes[a], g.nx.nodes[b]
    index = _index(g)
    shared_images = (_images(da) & _images(db)) - index.common_images
    if known is None:
        known = (_listed(g, a, b), _co_listed(g, a, b), _provider_of(g, a), _provider_of(g, b))
    listed, co_listed, provider_a, provider_b = known
    coverage = _coverage(spec_a, spec_b, index.specific)
    shared_names = spec_a[1] & spec_b[1]
    entities = _shared_entities(spec_a, spec_b)
    similarity = round(float(_combine(cosine, bool(shared_images), listed, coverage, entities, settings)), 4)
    ta, tb = titles or (frozenset(words(da["title"])), frozenset(words(db["title"])))
    jaccard = len(ta & tb) / len(ta | tb) if ta and tb else 0.0
    found = [f"text-cosine={cosine:.2f}", f"title-jaccard={jaccard:.2f}"]
    names = sorted(shared_names)
    if names:
        found.append("shared-names=" + ",".join(names[:4]))
    if coverage < 1.0:
        found.append(f"names-covered={coverage:.2f}")
    if listed:
        found.append("listed-by")
    elif co_listed:
        found.append("listed-together")
    if shared_images:
        found.append("same-image")
    if provider_a == provider_b:
        found.append("same-outlet")
    if cites:
        found.append("cites-origin")
    gap = _gap(da, db)
    if gap < 1.0:
        found.append("same-hour")
    elif gap <= 24.0:
        found.append("within-24h")
    elif gap <= settings.grace_hours:
        found.append(f"within-{settings.grace_hours:g}h")
    if is_date_only(da["published"]) or is_date_only(db["published"]):
        found.append("date-only-stamp")
    return similarity, tuple(found)


def _combine(
    cosine: Any, shared: Any, listed: Any, coverage: Any, names: Any, settings: StorySettings
) -> Any:
    """Pair similarity from its signals (numpy arrays or plain values).

    The text cosine, scaled from ``conflict_factor`` (titles name different specifics)
    up to 1 (the specifics of one title are all in the other, :func:`_coverage`), then
    raised by a noisy-OR with a shared image, a direct listing and two or more shared
    specific names (``names``: how many).
    """
    import numpy as np

    factor = settings.conflict_factor
    text = cosine * (factor + (1.0 - factor) * coverage)
    miss = (1.0 - text) * np.where(shared, 1.0 - settings.image_weight, 1.0)
    miss = miss * np.where(np.asarray(names) >= 2, 1.0 - settings.names_weight, 1.0)
    return 1.0 - miss * np.where(listed, 1.0 - settings.listed_weight, 1.0)


def _compare_many(g: CoverageGraph, a: str, others: Sequence[str]) -> list[tuple[float, tuple[str, ...]]]:
    """:func:`_compare` of ``a`` with each of ``others``, with the graph's fitted index."""
    if not others:
        return []
    index = _index(g)
    nodes = g.nx.nodes
    parsed = [_parse(_doc(nodes[x])) for x in [a, *others]]
    matrix = index.vectors([doc.terms() for doc in parsed])
    cosines = (matrix[1:] @ matrix[0].T).toarray().ravel()
    specifics = [_specifics(doc, index.specific) for doc in parsed]
    return [
        _compare(g, other, a, min(1.0, max(0.0, float(c))), specifics[i + 1], specifics[0], index.settings,
                 titles=(parsed[i + 1].title_stems(), parsed[0].title_stems()))
        for i, (other, c) in enumerate(zip(others, cosines))
    ]


# ------------------------------------------------------------------ detection


def detect_stories(g: CoverageGraph, settings: StorySettings | None = None) -> StoryStats:
    """Group the articles of a fresh graph into stories and add story nodes and echo edges.

    Mutates ``g`` (call it once, right after :func:`~graph.model.build_graph`, before any
    cached index of ``g`` is used) and returns what it did. The result does not depend on
    the order the records were read in.

    >>> from graph.model import build_graph
    >>> from graph.records import Listing, Record
    >>> from datetime import datetime, timezone
    >>> def art(url, title, hour, domain):
    ...     when = datetime(2023, 5, 7, hour, tzinfo=timezone.utc)
    ...     return Listing((url,), (url,), title, None, when, "article", 50, None, domain, domain)
    >>> a = art("https://a.com/1", "Veltrix raises $450 million for robot arms", 9, "a.com")
    >>> b = art("https://b.com/2", "Robot arm maker Veltrix raises $450M", 13, "b.com")
    >>> c = art("https://c.com/3", "Quorvane recalls 20,000 electric scooters", 10, "c.com")
    >>> g = build_graph([Record("x.md", a, (b, c))])
    >>> detect_stories(g).stories
    1
    >>> story_view(g, story_of(g, "article:https://b.com/2")).origin
    'article:https://a.com/1'
    >>> story_of(g, "article:https://c.com/3") is None
    True
    """
    import numpy as np

    settings = settings or StorySettings()
    started = time.perf_counter()
    stats = StoryStats()
    timings = stats.timings
    nodes = g.nx.nodes
    ids = _dated(g)  # oldest first, ties by id: a canonical order
    n = len(ids)
    stats.articles = n

    tick = time.perf_counter()
    index, _, matrix = _build((_doc(nodes[a]) for a in ids), settings, _common_images(g, ids, settings), keep=False)
    index.stats = stats
    g.__dict__[_ATTR] = index
    if n < 2 or matrix is None:
        stats.seconds = time.perf_counter() - started
        return stats
    same: dict[Any, Any] = {}
    specifics: list[Specifics] = []
    titles: list[tuple[str, ...]] = []  # all the edges need of the token lists: each title's stems
    for a in ids:  # parsed again, one at a time (see _build)
        doc = _parse(_doc(nodes[a]))
        specifics.append(_specifics(doc, index.specific, same))
        titles.append(tuple(dict.fromkeys(stem for stem, *_ in doc.title)))
    del same
    timings["vectorize"] = time.perf_counter() - tick

    tick = time.perf_counter()
    hours = np.array([_effective_hours(nodes[a]["published"]) for a in ids], dtype=np.float64)
    date_only = np.array([is_date_only(nodes[a]["published"]) for a in ids], dtype=bool)
    provider_ids = [_provider_of(g, a) for a in ids]
    provider_code = np.unique(np.array(provider_ids, dtype=object), return_inverse=True)[1]
    position = {a: i for i, a in enumerate(ids)}
    first, second = _candidates(matrix, hours, settings)
    listed_codes, co_listed_codes, image_codes = _signal_pairs(g, ids, position, settings)
    del position
    codes = np.unique(np.concatenate([first * n + second, listed_codes, co_listed_codes, image_codes]))
    first, second = codes // n, codes % n
    stats.candidate_pairs = len(codes)
    timings["candidates"] = time.perf_counter() - tick

    tick = time.perf_counter()
    cosine = _rowwise_dot(matrix, first, second)
    listed = np.isin(codes, listed_codes)
    shared = np.isin(codes, image_codes)
    del codes
    # Pairs with next to no words in common and no other signal cannot matter: dropped.
    live = (cosine >= settings.min_similarity) | listed | shared
    first, second, cosine, listed, shared = first[live], second[live], cosine[live], listed[live], shared[live]
    gap = np.abs(hours[first] - hours[second])
    slack = date_only[first] | date_only[second]
    gap = np.where(slack, np.maximum(0.0, gap - 12.0), gap)
    weights = index.specific
    del live
    coverage = np.empty(len(first), dtype=np.float64)
    names = np.empty(len(first), dtype=np.int64)
    step = 50_000  # pairs as Python objects a slice at a time: bounded transient memory
    for start in range(0, len(first), step):
        pairs = list(zip(first[start : start + step].tolist(), second[start : start + step].tolist()))
        coverage[start : start + step] = [_coverage(specifics[i], specifics[j], weights) for i, j in pairs]
        names[start : start + step] = [_shared_entities(specifics[i], specifics[j]) for i, j in pairs]
        del pairs
    similarity = _combine(cosine, shared, listed, coverage, names, settings)
    prior = np.where(
        gap <= settings.grace_hours, 1.0, 1.0 / (1.0 + (gap - settings.grace_hours) / settings.decay_hours)
    )
    weight = similarity * prior
    weight[gap > settings.window_hours] = 0.0
    same_outlet = provider_code[first] == provider_code[second]
    twin = same_outlet & ((cosine >= settings.twin_similarity) | ((gap <= 0.1) & (cosine >= settings.threshold)))
    update = same_outlet & ~twin & (cosine >= settings.threshold)
    weight[same_outlet & ~twin & ~update] = 0.0
    keep = weight >= settings.min_similarity
    stats.linked_pairs = int(keep.sum())
    timings["score"] = time.perf_counter() - tick

    tick = time.perf_counter()
    linked = (first[keep], second[keep], weight[keep], twin[keep])
    updates = {(a, b) for a, b in zip(first[update].tolist(), second[update].tolist())}
    # The other pair arrays are done with: freed before clustering, the step that sets
    # detection's memory peak with its per-group dicts.
    del first, second, cosine, listed, shared, gap, slack, coverage, names, similarity, prior, weight
    del same_outlet, twin, update, keep, image_codes
    groups = _average_link(n, *linked, updates, hours, provider_code.tolist(), settings)
    del linked, updates
    timings["cluster"] = time.perf_counter() - tick

    tick = time.perf_counter()
    signals = (set(listed_codes.tolist()), set(co_listed_codes.tolist()), provider_ids)
    del listed_codes, co_listed_codes
    _add_stories(g, ids, groups, matrix, specifics, titles, signals, settings, stats)
    timings["edges"] = time.perf_counter() - tick
    # Keep the fitted index packed (as the warm-start cache does): its vocabulary strings
    # were made while parsing and would pin memory scattered over the whole parse; a
    # query that needs it unpacks it, compact, on first use.
    g.__dict__[_ATTR] = index.packed()
    stats.seconds = time.perf_counter() - started
    return stats


def _rowwise_dot(matrix: csr_matrix, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    import numpy as np

    out = np.empty(len(first), dtype=np.float64)
    step = 20_000  # two row slices of this many pairs at a time: bounded transient memory
    for start in range(0, len(first), step):
        a = matrix[first[start : start + step]]
        b = matrix[second[start : start + step]]
        out[start : start + step] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return np.clip(out, 0.0, 1.0)


_BLOCK_ROWS = 2048


def _candidates(matrix: csr_matrix, hours: np.ndarray, settings: StorySettings) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) within the time window that share enough rare vocabulary."""
    import numpy as np
    from scipy.sparse import csc_matrix

    n = matrix.shape[0]
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    cap = max(settings.block_min_df, int(settings.block_df_share * n))
    rare = np.flatnonzero(df <= cap)
    reduced = csc_matrix(matrix)[:, rare].tocsr()
    window = settings.window_hours
    start = hours[0]
    slices = np.floor((hours - start) / window).astype(np.int64)
    bounds = np.searchsorted(slices, np.arange(slices[-1] + 2))
    found_a: list[np.ndarray] = []
    found_b: list[np.ndarray] = []
    for s in range(len(bounds) - 1):
        lo, mid = bounds[s], bounds[s + 1]
        hi = bounds[s + 2] if s + 2 < len(bounds) else n
        if lo == mid:
            continue
        later = reduced[lo:hi].T.tocsc()
        # A few thousand rows at a time: the product of a whole window with the next holds
        # every overlapping pair before the filter (its transient grew with corpus density).
        for top in range(lo, mid, _BLOCK_ROWS):
            block = (reduced[top : min(mid, top + _BLOCK_ROWS)] @ later).tocoo()
            rows = block.row + top
            cols = block.col + lo
            keep = (cols > rows) & (block.data >= settings.block_min_overlap)
            rows, cols = rows[keep], cols[keep]
            close = np.abs(hours[cols] - hours[rows]) <= window
            found_a.append(rows[close])
            found_b.append(cols[close])
    if not found_a:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(found_a).astype(np.int64), np.concatenate(found_b).astype(np.int64)


def _signal_pairs(
    g: CoverageGraph, ids: list[str], position: dict[str, int], settings: StorySettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs where one lists the other, pairs listed by one record (and not by each other),
    pairs sharing an image: each as sorted unique codes ``i * n + j`` (``i < j``, ``n`` articles).

    Only a direct listing raises a pair's similarity; pairs listed side by side are
    compared but get no bonus (a related list is a mix, and rewarding every pair in it
    would make each list a story). The codes are gathered in flat int64 buffers, not sets
    of tuples (~150 bytes a pair, over a million pairs at 100k records).
    """
    import numpy as np

    n = len(ids)
    listed, co_listed, shared = array("q"), array("q"), array("q")
    by_lister: dict[str, list[int]] = defaultdict(list)
    for source, target, kind in g.nx.edges(keys=True):
        if kind != RELATED:
            continue
        i, j = position.get(source), position.get(target)
        if i is None or j is None:
            continue
        listed.append(min(i, j) * n + max(i, j))
        by_lister[source].append(j)
    for members in by_lister.values():
        members.sort()
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                if members[x] != members[y]:
                    co_listed.append(members[x] * n + members[y])
    images: dict[str, list[int]] = defaultdict(list)
    for i, node in enumerate(ids):
        for url in sorted({image.url for image in g.nx.nodes[node].get("images", ())}):
            images[url].append(i)
    for members in images.values():
        if 2 <= len(members) <= settings.image_max_uses:
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    shared.append(members[x] * n + members[y])

    def codes(values: array[int]) -> np.ndarray:
        return np.unique(np.frombuffer(values, dtype=np.int64)) if values else np.empty(0, dtype=np.int64)

    listed_codes = codes(listed)
    return listed_codes, np.setdiff1d(codes(co_listed), listed_codes, assume_unique=True), codes(shared)


class _Group:
    __slots__ = ("members", "outlets", "first", "last", "within")

    def __init__(self, member: int, outlet: int, when: float) -> None:
        self.members = [member]
        self.outlets: dict[int, list[int]] = {outlet: [member]}
        self.first = when
        self.last = when
        self.within = 1.0
        """Sum of weights over ordered member pairs, self-pairs (1 each) included."""


def _linkage(cross: float, a: _Group, b: _Group, settings: StorySettings) -> float:
    """Cosine of the two groups' centroids from the pair weights, or 0 if they are incoherent.

    With unit vectors, ``|sum A|^2`` is the sum of all ordered pair similarities inside
    ``A`` (``within``) and ``sum A . sum B`` is the sum over cross pairs, so the centroid
    cosine is ``cross / sqrt(within_A * within_B)``. Unlike the plain mean of the cross
    pairs it does not punish a big story for being told in many different words.

    Coherence guards it: the mean cross pair must reach ``coherence`` and at least
    ``relative_coherence`` times the mean pair inside the tighter group, or a diffuse
    group (a topic, not a story) would keep attracting articles that match one of its
    parts, and two tight stories about one company would fuse through a shared name.
    """
    size_a, size_b = len(a.members), len(b.members)
    mean = cross / (size_a * size_b)
    floor = settings.coherence
    inner = [
        (group.within - size) / (size * (size - 1)) for group, size in ((a, size_a), (b, size_b)) if size > 1
    ]
    if inner:
        floor = max(floor, settings.relative_coherence * min(inner))
    if mean < floor:
        return 0.0
    return cross / math.sqrt(a.within * b.within)


def _slices(*arrays: np.ndarray, step: int = 50_000) -> Iterator[tuple[Any, ...]]:
    """The rows of equally long arrays as Python values, a slice at a time: a full
    ``tolist()`` of 400k+ pairs would hold a Python int or float per value at once."""
    for start in range(0, len(arrays[0]), step):
        yield from zip(*(a[start : start + step].tolist() for a in arrays))


def _average_link(
    n: int,
    first: np.ndarray,
    second: np.ndarray,
    weight: np.ndarray,
    twin: np.ndarray,
    updates: set[tuple[int, int]],
    hours: np.ndarray,
    outlet: list[int],
    settings: StorySettings,
) -> list[list[int]]:
    """Agglomerative grouping over a sparse weighted graph (centroid linkage), with constraints.

    URL twins are joined first. Then the two groups whose centroids are most similar
    (:func:`_linkage`, missing pairs counting 0) merge, while that similarity is at
    least the threshold and the merged span stays short. Two articles of one outlet
    may only end up together when they are twins or ``updates`` (similar enough by
    themselves): an outlet's other stories are not pulled in through its own pages.
    Returns the groups of two or more articles.
    """
    groups: dict[int, _Group] = {}
    owner: dict[int, int] = {}

    def group_of(x: int) -> int:
        if x not in owner:
            owner[x] = x
            groups[x] = _Group(x, outlet[x], float(hours[x]))
        return owner[x]

    sums: dict[int, dict[int, float]] = defaultdict(dict)

    def join(keep: int, gone: int, cross: float) -> None:
        gk, gg = groups[keep], groups.pop(gone)
        gk.members.extend(gg.members)
        for member in gg.members:
            owner[member] = keep
        for code, members in gg.outlets.items():
            gk.outlets.setdefault(code, []).extend(members)
        gk.first = min(gk.first, gg.first)
        gk.last = max(gk.last, gg.last)
        gk.within += gg.within + 2.0 * cross
        merged = sums[keep]
        merged.pop(gone, None)
        for other, value in sums.pop(gone, {}).items():
            if other == keep:
                continue
            merged[other] = merged.get(other, 0.0) + value
            back = sums[other]
            back.pop(gone, None)
            back[keep] = merged[other]

    for a, b, w in _slices(first, second, weight):
        ra, rb = group_of(a), group_of(b)
        sums[ra][rb] = sums[ra].get(rb, 0.0) + w
        sums[rb][ra] = sums[rb].get(ra, 0.0) + w
    pairs_ok = set(updates)
    for a, b in _slices(first[twin], second[twin]):  # the twin pairs, in pair order
        ra, rb = owner[a], owner[b]
        if ra != rb:
            keep, gone = min(ra, rb), max(ra, rb)
            join(keep, gone, sums[keep].get(gone, 0.0))
            pairs_ok.update((min(x, y), max(x, y)) for x in groups[keep].members for y in groups[keep].members)
    threshold = settings.threshold
    heap: list[tuple[float, int, int]] = []
    for ra, neighbours in sums.items():
        for rb, total in neighbours.items():
            if ra < rb:
                value = _linkage(total, groups[ra], groups[rb], settings)
                if value >= threshold:
                    heap.append((-value, ra, rb))
    heapq.heapify(heap)
    max_span = settings.max_span_hours
    while heap:
        negative, ra, rb = heapq.heappop(heap)
        if ra not in groups or rb not in groups:
            continue
        ga, gb = groups[ra], groups[rb]
        found = sums[ra].get(rb)
        if found is None:
            continue
        total = found
        value = _linkage(total, ga, gb, settings)
        if abs(value + negative) > 1e-12:
            continue  # stale entry: the groups changed since it was pushed
        if not _compatible(ga, gb, pairs_ok, max_span):
            continue
        keep, gone = (ra, rb) if ra < rb else (rb, ra)
        join(keep, gone, total)
        gk = groups[keep]
        for other, cross in sums[keep].items():
            value = _linkage(cross, gk, groups[other], settings)
            if value >= threshold:
                a, b = (keep, other) if keep < other else (other, keep)
                heapq.heappush(heap, (-value, a, b))

    # Lone articles left over join the story they are closest to, at a lower bar: the
    # threshold decides when a story exists; once it does, a report that resembles it
    # at least ``attach_threshold`` (and passes the same checks) is one of its echoes.
    attach: list[tuple[float, int, int]] = []
    for single, group in groups.items():
        if len(group.members) != 1:
            continue
        best: tuple[float, int] | None = None
        for other, cross in sums[single].items():
            target = groups[other]
            if len(target.members) < 2:
                continue
            value = _linkage(cross, group, target, settings)
            if value >= settings.attach_threshold and (best is None or (-value, other) < (-best[0], best[1])):
                if _compatible(group, target, pairs_ok, max_span):
                    best = (value, other)
        if best is not None:
            attach.append((-best[0], single, best[1]))
    for _, single, other in sorted(attach):
        groups[other].members.append(single)
        groups.pop(single)
    return [sorted(group.members) for group in groups.values() if len(group.members) >= 2]


def _compatible(ga: _Group, gb: _Group, pairs_ok: set[tuple[int, int]], max_span: float) -> bool:
    """Whether two groups may merge: outlets shared only by twins/updates, span short enough."""
    if max(ga.last, gb.last) - min(ga.first, gb.first) > max_span:
        return False
    return all(
        (min(x, y), max(x, y)) in pairs_ok
        for code in ga.outlets.keys() & gb.outlets.keys()
        for x in ga.outlets[code]
        for y in gb.outlets[code]
    )


def story_key(origin: str) -> str:
    """The story id for an origin article id: stable across re-ingests and file orders.

    >>> story_key("article:https://wsj.com/a")
    'story:cb5779da53c20005'
    """
    return f"{STORY}:{hashlib.sha1(origin.encode()).hexdigest()[:16]}"


def _choose_origin(g: CoverageGraph, members: list[str], settings: StorySettings) -> tuple[str, set[str]]:
    """The origin of a story and the members whose text cites it."""
    nodes = g.nx.nodes
    outlets = {m: _provider_of(g, m) for m in members}
    names = {m: _outlet_names(g, outlets[m]) for m in members}
    text = {m: f"{nodes[m]['title']} {nodes[m].get('excerpt') or ''}".casefold() for m in members}
    cited_by: dict[str, set[str]] = {m: set() for m in members}
    for m in members:
        for other in members:
            if other != m and outlets[other] != outlets[m] and _cites(text[other], names[m]):
                cited_by[m].add(other)
    when = {m: _effective_hours(nodes[m]["published"]) for m in members}

    def rank(m: str) -> tuple[float, int, int, str]:
        minute = math.floor(when[m] * 60.0)
        return (minute, -len(cited_by[m]), -(nodes[m].get("quality") or 0), m)

    ordered = sorted(members, key=rank)
    origin = ordered[0]
    earliest = when[origin]
    for m in ordered[1:]:
        if when[m] - earliest > settings.citation_hours:
            break
        if any(when[c] < when[m] for c in cited_by[m]) and not cited_by[origin]:
            origin = m
            break
    return origin, cited_by[origin]


def _add_stories(
    g: CoverageGraph,
    ids: list[str],
    groups: list[list[int]],
    matrix: csr_matrix,
    specifics: list[Specifics],
    titles: list[tuple[str, ...]],
    signals: tuple[set[int], set[int], list[str]],
    settings: StorySettings,
    stats: StoryStats,
) -> None:
    """Add the story nodes, ``in_story`` and ``echoes`` edges for the groups found.

    ``titles``: each article's title stems. ``signals``: encoded pairs (``i * n + j``, ``i < j``) listed directly and side by
    side, and the provider of each article.
    """
    import numpy as np

    listed, co_listed, providers = signals
    nodes = g.nx.nodes
    made: list[tuple[str, str, list[str], set[str]]] = []
    for group in groups:
        members = [ids[i] for i in group]
        origin, citing = _choose_origin(g, members, settings)
        made.append((story_key(origin), origin, members, citing))
    made.sort()
    position = {a: i for i, a in enumerate(ids)}
    origins = np.array([position[o] for _, o, members, _ in made for m in members if m != o], dtype=np.int64)
    echoes = np.array([position[m] for _, o, members, _ in made for m in members if m != o], dtype=np.int64)
    all_cosines = iter(_rowwise_dot(matrix, origins, echoes).tolist())
    n = len(ids)
    shared: dict[Any, Any] = {}  # one object per distinct evidence string and tuple
    member_data: dict[str, Any] | None = None  # one attribute dict for every in_story edge

    def one(value: Any) -> Any:
        return shared.setdefault(value, value)

    for key, origin, members, citing in made:
        published = [nodes[m]["published"] for m in members]
        g.nx.add_node(
            key,
            kind=STORY,
            origin=origin,
            size=len(members),
            first_published=min(published),
            last_published=max(published),
            title=nodes[origin]["title"],
        )
        stats.stories += 1
        stats.articles_in_stories += len(members)
        stats.largest = max(stats.largest, len(members))
        later = [m for m in members if m != origin]
        cosines = [next(all_cosines) for _ in later]
        members.sort(key=g.sort_key)
        member_data = add_member_edges(g.nx, ((m, key) for m in members), IN_STORY, member_data)
        o = position[origin]
        start = _effective_hours(nodes[origin]["published"])
        for m, cosine in sorted(zip(later, cosines), key=lambda item: g.sort_key(item[0])):
            i = position[m]
            code = min(i, o) * n + max(i, o)
            lag = _effective_hours(nodes[m]["published"]) - start
            similarity, evidence = _compare(
                g, m, origin, cosine, specifics[i], specifics[o], settings, m in citing,
                (frozenset(titles[i]), frozenset(titles[o])),
                (code in listed, code in co_listed, providers[i], providers[o]),
            )
            if lag < 0:
                evidence += ("stamped-before-origin",)
            evidence = one(tuple(one(item) for item in evidence))
            g.nx.add_edge(
                m,
                origin,
                key=ECHOES,
                kind=ECHOES,
                lag_hours=round(max(0.0, lag), 3),
                similarity=similarity,
                evidence=evidence,
            )


# ------------------------------------------------------------------ article-level queries


def story_of(g: CoverageGraph, article_id: str) -> str | None:
    """The story id of an article, or ``None`` when it is in no story.

    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> story_of(g, g.article_id_for("https://www.digitimes.com/news/a20230505PD200/ai-chips-aigc-alibaba-baidu-meituan-tencent.html")) is None
    True
    """
    if article_id not in g.nx:
        return None
    for _, target, kind in g.nx.out_edges(article_id, keys=True):
        if kind == IN_STORY:
            return str(target)
    return None


def origin_of(g: CoverageGraph, article_id: str) -> str | None:
    """The origin (first report) of the article's story, or ``None`` when it is in none.

    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> origin_of(g, g.article_id_for("https://cointelegraph.com/news/state-sponsored-chinese-ai-firm-launches-bot-service-to-surpass-chatgpt"))
    'article:https://thestar.com.my/aseanplus/aseanplus-news/2023/05/07/chinese-voice-recognition-company-iflytek-unveils-chatgpt-rival'
    """
    story = story_of(g, article_id)
    return None if story is None else str(g.nx.nodes[story]["origin"])


def story_view(g: CoverageGraph, story_id: str) -> Story:
    """The view of a story node; raises :class:`~graph.errors.NotFound` for another id.

    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> star = g.article_id_for("https://www.thestar.com.my/aseanplus/aseanplus-news/2023/05/07/chinese-voice-recognition-company-iflytek-unveils-chatgpt-rival")
    >>> view = story_view(g, story_of(g, star))
    >>> view.size, view.providers
    (2, ('provider:thestar.com.my', 'provider:cointelegraph.com'))
    """
    from .errors import NotFound

    if story_id not in g.nx or g.nx.nodes[story_id].get("kind") != STORY:
        raise NotFound(STORY, story_id)
    data = g.nx.nodes[story_id]
    members = g.members(story_id)
    providers: list[str] = []
    for m in members:
        p = _provider_of(g, m)
        if p not in providers:
            providers.append(p)
    return Story(
        id=story_id,
        origin=data["origin"],
        size=data["size"],
        first_published=data.get("first_published"),
        last_published=data.get("last_published"),
        title=data["title"],
        articles=tuple(members),
        providers=tuple(providers),
    )


def echoes_of(g: CoverageGraph, article_id: str) -> list[Echo]:
    """Articles of the same story published later than this one, oldest first.

    Each :class:`Echo` carries the lag in hours after *this* article, the similarity of
    the two and the evidence. For a story's origin these are exactly its ``echoes``
    edges; for a later article they are computed the same way on demand.

    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> star = g.article_id_for("https://www.thestar.com.my/aseanplus/aseanplus-news/2023/05/07/chinese-voice-recognition-company-iflytek-unveils-chatgpt-rival")
    >>> [(e.provider, e.lag_hours) for e in echoes_of(g, star)]
    [('provider:cointelegraph.com', 31.317)]
    >>> echoes_of(g, g.article_id_for("https://www.digitimes.com/news/a20230505PD200/ai-chips-aigc-alibaba-baidu-meituan-tencent.html"))
    []
    """
    story = story_of(g, article_id)
    if story is None:
        return []
    nodes = g.nx.nodes
    origin = nodes[story]["origin"]
    if article_id == origin:
        found = []
        for source, _, kind, data in g.nx.in_edges(article_id, keys=True, data=True):
            if kind == ECHOES:
                found.append(
                    Echo(source, _provider_of(g, source), nodes[source].get("published"),
                         data["lag_hours"], data["similarity"], tuple(data["evidence"]))
                )
        found.sort(key=lambda e: (e.lag_hours, g.sort_key(e.article)))
        return found
    start = _effective_hours(nodes[article_id]["published"])
    members = g.members(story)
    later = [m for m in members if m != article_id and _effective_hours(nodes[m]["published"]) > start]
    later.sort(key=lambda m: (_effective_hours(nodes[m]["published"]), m))
    result = []
    for m, (similarity, evidence) in zip(later, _compare_many(g, article_id, later)):
        lag = round(_effective_hours(nodes[m]["published"]) - start, 3)
        result.append(Echo(m, _provider_of(g, m), nodes[m].get("published"), lag, similarity, evidence))
    return result


def echo_pairs(g: CoverageGraph) -> list[tuple[str, str, dict[str, Any]]]:
    """Every ``echoes`` edge as (echo, origin, attributes), in insertion order.

    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> len(echo_pairs(g))
    6
    """
    return [(str(s), str(t), d) for s, t, k, d in g.nx.edges(keys=True, data=True) if k == ECHOES]


# ------------------------------------------------------------------ outlet-level queries


def _story_members_of_provider(g: CoverageGraph, provider: str) -> list[tuple[str, str]]:
    """(article, story) for the provider's articles that are in a story, oldest first."""
    node = provider if provider.startswith(f"{PROVIDER}:") else provider_id(provider)
    if node not in g.nx:
        return []
    found = []
    for article in g.members(node):
        story = story_of(g, article)
        if story is not None:
            found.append((article, story))
    return found


def _provider_node(provider: str) -> str:
    return provider if provider.startswith(f"{PROVIDER}:") else provider_id(provider)


def first_reports(g: CoverageGraph, provider: str) -> list[str]:
    """Ids of the stories this provider broke (its article is the origin), oldest first.

    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> first_reports(g, "wsj.com") == [story_of(g, g.article_id_for("https://www.wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f"))]
    True
    """
    return [s for a, s in _story_members_of_provider(g, provider) if g.nx.nodes[s]["origin"] == a]


def echoed_stories(g: CoverageGraph, provider: str) -> list[str]:
    """Ids of the stories this provider echoed (reported after another outlet), oldest first.

    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> len(echoed_stories(g, "cointelegraph.com")), echoed_stories(g, "wsj.com")
    (2, [])
    """
    seen: list[str] = []
    for a, s in _story_members_of_provider(g, provider):
        if g.nx.nodes[s]["origin"] != a and s not in seen:
            seen.append(s)
    return seen


def _median(values: list[float]) -> float:
    return round(float(statistics.median(values)), 3)


def _links(pairs: Iterable[tuple[str, float]]) -> list[OutletLink]:
    lags: dict[str, list[float]] = defaultdict(list)
    for other, lag in pairs:
        lags[other].append(lag)
    links = [OutletLink(p, len(v), _median(v)) for p, v in lags.items()]
    links.sort(key=lambda link: (-link.count, link.median_lag_hours, link.provider))
    return links


def echoed_by(g: CoverageGraph, provider: str) -> list[OutletLink]:
    """Outlets that echoed this provider's first reports: count and median lag, most first.

    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> [(link.provider, link.count) for link in echoed_by(g, "thestar.com.my")]
    [('provider:cointelegraph.com', 1)]
    """
    node = _provider_node(provider)
    pairs = []
    for article, story in _story_members_of_provider(g, node):
        if g.nx.nodes[story]["origin"] != article:
            continue
        for source, _, kind, data in g.nx.in_edges(article, keys=True, data=True):
            if kind == ECHOES:
                other = _provider_of(g, source)
                if other != node:
                    pairs.append((other, float(data["lag_hours"])))
    return _links(pairs)


def echoes_outlets(g: CoverageGraph, provider: str) -> list[OutletLink]:
    """Outlets whose first reports this provider echoed: count and median lag, most first.

    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> [(link.provider, link.count) for link in echoes_outlets(g, "fudzilla.com")]
    [('provider:wsj.com', 1)]
    """
    node = _provider_node(provider)
    pairs = []
    for article, _ in _story_members_of_provider(g, node):
        for _, target, kind, data in g.nx.out_edges(article, keys=True, data=True):
            if kind == ECHOES:
                other = _provider_of(g, target)
                if other != node:
                    pairs.append((other, float(data["lag_hours"])))
    return _links(pairs)


def median_lag(g: CoverageGraph, provider: str) -> float | None:
    """Median hours this provider's echoes came after the origin; ``None`` if it echoed nothing.

    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> median_lag(g, "fudzilla.com"), median_lag(g, "wsj.com")
    (21.683, None)
    """
    node = _provider_node(provider)
    lags = []
    for article, _ in _story_members_of_provider(g, node):
        for _, _, kind, data in g.nx.out_edges(article, keys=True, data=True):
            if kind == ECHOES:
                lags.append(float(data["lag_hours"]))
    return _median(lags) if lags else None


def outlet_network(g: CoverageGraph, min_echoes: int = 1) -> list[OutletEdge]:
    """Outlet -> outlet edges: how often ``source`` echoed ``target``'s first reports.

    Most echoes first (ties: shorter median lag, then ids). Cached per graph.

    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> [(e.source, e.target, e.count) for e in outlet_network(g)][:2]
    [('provider:insidebitcoins.com', 'provider:wsj.com', 1), ('provider:cointelegraph.com', 'provider:wsj.com', 1)]
    """
    cache = _index(g).cache
    edges: list[OutletEdge] | None = cache.get("network")
    if edges is None:
        lags: dict[tuple[str, str], list[float]] = defaultdict(list)
        for source, target, data in echo_pairs(g):
            a, b = _provider_of(g, source), _provider_of(g, target)
            if a != b:
                lags[(a, b)].append(float(data["lag_hours"]))
        edges = [OutletEdge(a, b, len(v), _median(v)) for (a, b), v in lags.items()]
        edges.sort(key=lambda e: (-e.count, e.median_lag_hours, e.source, e.target))
        cache["network"] = edges
    return [e for e in edges if e.count >= min_echoes]


def influence(g: CoverageGraph) -> dict[str, float]:
    """Influence of every provider: PageRank over the echo network, weighted by counts.

    Each echo is a vote from the echoing outlet for the outlet it echoed (edge
    ``echoer -> origin outlet`` with weight = number of echoes); PageRank (damping 0.85)
    lets a vote count more when it comes from an influential outlet. Providers that
    neither echoed nor were echoed keep the teleport share. Values sum to 1; cached.

    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> ranks = influence(g)
    >>> max(ranks, key=ranks.get)
    'provider:wsj.com'
    >>> round(sum(ranks.values()), 6)
    1.0
    """
    cache = _index(g).cache
    ranks: dict[str, float] | None = cache.get("influence")
    if ranks is None:
        import networkx as nx

        network = nx.DiGraph()
        network.add_nodes_from(sorted(n for n, k in g.nx.nodes(data="kind") if k == PROVIDER))
        for edge in outlet_network(g):
            network.add_edge(edge.source, edge.target, weight=float(edge.count))
        if network.number_of_nodes() == 0:
            ranks = {}
        else:
            ranks = {k: float(v) for k, v in nx.pagerank(network, alpha=0.85, weight="weight").items()}
        cache["influence"] = ranks
    return dict(ranks)


def stories(
    g: CoverageGraph,
    *,
    order: str = "newest",
    provider: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_size: int = 2,
) -> list[str]:
    """Story ids, ``order`` = ``newest`` (first report, newest first), ``oldest`` or ``largest``.

    ``provider`` keeps the stories that outlet took part in; ``since``/``until`` keep
    stories whose first report falls in that range; ``min_size`` keeps larger ones.
    Ties are broken by id.

    >>> import graph
    >>> g, _ = graph.load("seeds")
    >>> [story_view(g, s).size for s in stories(g, order="largest")]
    [6, 2]
    """
    if order not in ("newest", "oldest", "largest"):
        raise ValueError(f"order must be newest, oldest or largest, not {order!r}")
    cache = _index(g).cache
    every: list[str] | None = cache.get("stories")
    if every is None:
        every = sorted(n for n, k in g.nx.nodes(data="kind") if k == STORY)
        cache["stories"] = every
    if provider is not None:
        chosen = sorted({s for _, s in _story_members_of_provider(g, provider)})
    else:
        chosen = every
    nodes = g.nx.nodes
    result = [
        s
        for s in chosen
        if nodes[s]["size"] >= min_size
        and (since is None or nodes[s]["first_published"] >= since)
        and (until is None or nodes[s]["first_published"] <= until)
    ]
    if order == "largest":
        result.sort(key=lambda s: (-nodes[s]["size"], -nodes[s]["first_published"].timestamp(), s))
    elif order == "newest":
        result.sort(key=lambda s: (-nodes[s]["first_published"].timestamp(), s))
    else:
        result.sort(key=lambda s: (nodes[s]["first_published"].timestamp(), s))
    return result
