"""Full-text search (graph.search): FTS5 index, query language, hostile input, threads.

Expected hits on the seed come from reading its titles and excerpts (seeds/*.txt); the
synthetic tests count matches independently with a regular expression.
"""

from __future__ import annotations

import gc
import random
import re
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

import graph
import graph.search as search_module
from graph.errors import NewsgraphError
from graph.model import CoverageGraph, build_graph
from graph.records import Listing, Record
from graph.search import SearchIndex, SearchPage, SearchUnavailable, fts_query, index_for

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"

PRIMARY = "article:https://insidebitcoins.com/news/how-china-is-developing-ai-without-us-chips"
CT_CHINA = "article:https://cointelegraph.com/news/china-is-developing-ai-without-us-chips-here-s-how"
BUSINESSINSIDER = (
    "article:https://markets.businessinsider.com/news/etf/chinese-tech-companies-forced-to-think-outside-the-box-"
    "to-overcome-us-chip-ban-in-the-race-for-ai-supremacy-1032303426"
)

HOSTILE = [
    '"', '""', '"""', "(", ")", "(()", "())", "NEAR", "NEAR(", "NEAR(a b)", "a NEAR b", "NEAR/3",
    "*", "**", "* *", "a OR", "OR", "AND", "NOT", "NOT china", "china NOT", "china AND", "AND OR NOT",
    "title:china", "body:chips", "{title body}: chips", "- china", "-china", "+china", "^china",
    "china^", "\x00", "chi\x00na", "\x00*", "\ud800", "chips\udfff", "'; DROP TABLE docs; --",
    "%", "_", "\\", "\\\"", ":", "::", "a:b:c", "chips*china", "*chips", "ch*ps", '"chips',
    'chips"', '"chips" "', "\u200b", "\ufeff", "\ufffe", "🙂", "漢字", " ", "", "\t\n",
    "chips " * 500, "x" * 5000, "a" + "(" * 200, "NEAR(" * 50 + "x", '"' * 101,
]


@pytest.fixture(scope="module")
def seed() -> CoverageGraph:
    g, _ = graph.load(SEEDS)
    return g


@pytest.fixture(scope="module")
def index(seed: CoverageGraph) -> Iterator[SearchIndex]:
    with SearchIndex(seed) as built:
        yield built


def ids(page: SearchPage) -> list[str]:
    return [hit.node_id for hit in page.hits]


# ------------------------------------------------------------------ the seed


def test_indexes_articles_providers_and_topics(index: SearchIndex) -> None:
    assert len(index) == 9 + 8 + 2  # stories are not indexed


def test_title_word(index: SearchIndex) -> None:
    # "Supremacy" is in one title (Business Insider) and in no excerpt.
    page = index.search("supremacy")
    assert page.total == 1 and ids(page) == [BUSINESSINSIDER]
    hit = page.hits[0]
    assert hit.kind == "article" and hit.score > 0
    assert "[Supremacy]" in hit.snippet
    assert ids(index.search("SUPREMACY")) == ids(page)  # case-insensitive


def test_all_words_must_match(index: SearchIndex) -> None:
    # "iflytek" is in The Star's title and excerpt and in CoinTelegraph's excerpt
    # ("Iflytek"); "voice" only in The Star's.
    assert index.search("iflytek").total == 2
    assert index.search("iflytek voice").total == 1


def test_phrase(index: SearchIndex) -> None:
    # "Without US Chips" ends the primary's title and CoinTelegraph's "China is developing
    # AI without US chips: Here's how"; the reverse order is nowhere.
    page = index.search('"without us chips"')
    assert page.total == 2 and set(ids(page)) == {PRIMARY, CT_CHINA}
    assert all("[Without US Chips]" in h.snippet or "[without US chips]" in h.snippet for h in page.hits)
    assert index.search('"chips without"').total == 0
    # unclosed quotes still make a phrase
    assert index.search('"without us chips').total == 2


def test_prefix(index: SearchIndex) -> None:
    assert ids(index.search("supre*")) == [BUSINESSINSIDER]
    # "sanctions" appears in the WSJ, Fudzilla, Global Times and Business Insider texts
    assert index.search("sanc*").total == 4
    assert index.search("sanc").total == 0  # no such whole word
    # a prefix on the last word of a phrase
    assert set(ids(index.search('"without us chi"*'))) == {PRIMARY, CT_CHINA}


def test_providers_by_name_and_domain(index: SearchIndex) -> None:
    by_name = index.search("wall street journal")
    # the provider's name is a title field; Fudzilla's excerpt cites the WSJ in passing
    assert ids(by_name)[0] == "provider:wsj.com" and by_name.total == 2
    assert ids(index.search("wsj.com")) == ["provider:wsj.com"]
    assert ids(index.search("globaltimes")) == ["provider:globaltimes.cn"]


def test_topics_and_kind_filter(index: SearchIndex) -> None:
    # "hardware": the topic "AI Hardware" and CoinTelegraph's excerpt ("one type of hardware")
    page = index.search("hardware")
    assert page.total == 2 and ids(page)[0] == "topic:ai hardware"
    assert ids(index.search("hardware", kinds=["topic"])) == ["topic:ai hardware"]
    assert index.search("hardware", kinds=["provider"]).total == 0
    with pytest.raises(NewsgraphError, match="unknown node kind"):
        index.search("hardware", kinds=["planet"])


def test_accents_are_ignored() -> None:
    g = small_graph([("Café society in Zürich", "naïve résumé")])
    with SearchIndex(g) as built:
        assert built.search("cafe zurich").total == 1
        assert built.search("resume").total == 1
        assert built.search("CAFÉ").total == 1


def test_nonsense_is_empty(index: SearchIndex) -> None:
    for text in ["zqxjvkw", "chips zqxjvkw", '"zqxjvkw chips"', "zqx*"]:
        page = index.search(text)
        assert page.total == 0 and page.hits == () and not page.has_next


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_never_raises(index: SearchIndex, text: str) -> None:
    page = index.search(text)
    assert isinstance(page, SearchPage) and page.total >= len(page.hits)


def test_hostile_text_is_plain_text(index: SearchIndex) -> None:
    # operators and column filters are words, not syntax
    assert index.search("title:china").total == 0  # no "title" next to "china" anywhere
    assert index.search("chips OR zqxjvkw").total == 0  # OR is a word that must match too
    assert index.search("NOT china").total == 0
    assert index.search("(supremacy)").total == 1
    assert index.search("supremacy\x00").total == 1
    assert index.search("*").total == 0
    # the index still answers afterwards
    assert index.search("supremacy").total == 1


def test_query_translation() -> None:
    assert fts_query("chips") == '"chips"'
    assert fts_query('say "hi there"') == '"say" AND "hi there"'
    assert fts_query("chip*") == '"chip" *'
    assert fts_query('a"b') == '"a" AND "b"'
    assert fts_query("") is None and fts_query("* ( ) \x00") is None
    assert fts_query("x " * 100) == " AND ".join(['"x"'] * search_module.MAX_TERMS)


def test_pages(index: SearchIndex) -> None:
    everything = index.search("chin*", first=100)
    # every article mentions China or Chinese in its title or excerpt
    assert everything.total == 9 and len(everything.hits) == 9
    scores = [h.score for h in everything.hits]
    assert scores == sorted(scores, reverse=True)
    pages = [index.search("chin*", first=4, after=start) for start in (0, 4, 8)]
    assert [len(p.hits) for p in pages] == [4, 4, 1]
    assert [h for p in pages for h in p.hits] == list(everything.hits)
    assert [p.has_next for p in pages] == [True, True, False]
    assert all(p.total == 9 for p in pages)
    assert index.search("chin*", first=0).hits == () and index.search("chin*", first=0).total == 9
    assert index.search("chin*", after=50).hits == ()
    with pytest.raises(NewsgraphError):
        index.search("chips", first=-1)
    with pytest.raises(NewsgraphError):
        index.search("chips", after=-1)


def test_ties_are_ordered_by_id() -> None:
    # identical texts rank equally; nodes added in reverse id order come out by id
    raw = nx.MultiDiGraph()
    for i in reversed(range(30)):
        raw.add_node(f"article:https://site.example/{i:02}", kind="article", title="same words", urls=(),
                     sources=(), primary=True)
    with SearchIndex(CoverageGraph(raw, {})) as built:
        page = built.search("same", first=10, after=5)
        assert page.total == 30
        assert ids(page) == [f"article:https://site.example/{i:02}" for i in range(5, 15)]
        assert len({h.score for h in page.hits}) == 1


# ------------------------------------------------------------------ lifecycle and threads


def test_index_for_is_cached_per_graph(seed: CoverageGraph) -> None:
    other, _ = graph.load(SEEDS)
    assert index_for(seed) is index_for(seed)
    assert index_for(other) is not index_for(seed)


def test_index_for_drops_the_index_with_its_graph() -> None:
    g, _ = graph.load(SEEDS)
    built = index_for(g)
    alive = weakref.ref(g)
    assert built in list(search_module._INDEXES.values())
    del g
    gc.collect()
    assert alive() is None  # the index holds no reference to its graph
    assert built not in list(search_module._INDEXES.values())


def test_closed_index_refuses_searches(seed: CoverageGraph) -> None:
    built = SearchIndex(seed)
    built.close()
    built.close()  # twice is fine
    with pytest.raises(NewsgraphError, match="closed"):
        built.search("chips")


def test_concurrent_searches_from_threads(index: SearchIndex) -> None:
    queries = ["chin*", '"without us chips"', "sanc*", "supremacy", "hardware", "zqxjvkw", "NEAR(", "ai"]
    expected = {q: index.search(q, first=5) for q in queries}
    failures: list[Any] = []

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(200):
            q = rng.choice(queries)
            got = index.search(q, first=5)
            if got != expected[q]:
                failures.append((q, got))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_concurrent_index_for_builds_once(monkeypatch: pytest.MonkeyPatch) -> None:
    g, _ = graph.load(SEEDS)
    built: list[int] = []
    real = SearchIndex.__init__

    def counting(self: SearchIndex, *args: Any, **kwargs: Any) -> None:
        built.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(SearchIndex, "__init__", counting)
    results: list[SearchIndex] = []
    threads = [threading.Thread(target=lambda: results.append(index_for(g))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and len({id(r) for r in results}) == 1


def test_clear_error_without_fts5(monkeypatch: pytest.MonkeyPatch, seed: CoverageGraph) -> None:
    class NoFts5:
        def execute(self, sql: str, *args: Any) -> None:
            if "fts5" in sql:
                raise sqlite3.OperationalError("no such module: fts5")

        def close(self) -> None:
            pass

    monkeypatch.setattr("graph.search.sqlite3.connect", lambda *a, **k: NoFts5())
    with pytest.raises(SearchUnavailable, match="FTS5"):
        SearchIndex(seed)


def test_this_python_has_fts5() -> None:
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    finally:
        connection.close()


# ------------------------------------------------------------------ synthetic and real corpora


WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
         "kilo", "lima", "mike", "november", "oscar", "papa")


def small_graph(texts: list[tuple[str, str | None]]) -> CoverageGraph:
    when = datetime(2024, 1, 1, tzinfo=timezone.utc)
    records = []
    for i, (title, excerpt) in enumerate(texts):
        url = f"https://site{i % 3}.example/{i}"
        listing = Listing((url,), (url,), title, excerpt, when + timedelta(hours=i), "article", 50, None,
                          f"site{i % 3}.example", f"Site {i % 3}")
        records.append(Record(f"{i:04}.md", listing))
    return build_graph(records)


def test_synthetic_counts_match_a_regex_count() -> None:
    rng = random.Random(11)
    texts = []
    for _ in range(400):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 9))).capitalize()
        excerpt = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(0, 25))) or None
        texts.append((title, excerpt))
    g = small_graph(texts)

    def words(text: str | None) -> list[str]:
        return re.findall(r"\w+", (text or "").casefold())

    with SearchIndex(g) as built:
        for word in ("alpha", "kilo", "papa"):
            expected = sum(word in words(t) or word in words(e) for t, e in texts)
            assert built.search(word, kinds=["article"]).total == expected
        expected = sum("golf hotel" in " ".join(words(t)) or "golf hotel" in " ".join(words(e)) for t, e in texts)
        assert built.search('"golf hotel"').total == expected
        expected = sum(any(w.startswith("nov") for w in words(t) + words(e)) for t, e in texts)
        assert built.search("nov*").total == expected
        both = sum({"alpha", "oscar"} <= set(words(t) + words(e)) for t, e in texts)
        assert built.search("oscar alpha").total == both


@pytest.mark.skipif(not (CORPORA / "powerapps").is_dir(), reason="real corpora not available")
def test_real_corpus() -> None:
    g, report = graph.load(CORPORA / "powerapps")
    assert report.records > 600
    with SearchIndex(g) as built:
        assert len(built) >= g.count("article")
        assert built.search("power apps").total > 100
        # the mojibake title is repaired before indexing, so its words are found
        page = built.search('"sensitive data" exposure')
        assert page.total >= 1
        assert any("Sensitive Data" in g.nx.nodes[h.node_id].get("title", "") for h in page.hits)
        for text in HOSTILE:
            built.search(text)
