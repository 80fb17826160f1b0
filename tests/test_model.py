"""graph.model: one node per article, provider and topic; stable, order-independent graphs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import graph
from conftest import SEEDS, write_records
from graph.errors import NotFound
from graph.ingest import read_records, split_front_matter
from graph.model import CoverageGraph, build_graph, listing_key
from graph.records import Image, Listing, Record

PROPERTY = settings(max_examples=150, deadline=None, database=None)
URL_FIELDS = ("webUrl", "originalUrl", "ampWebUrl", "cdnAmpWebUrl")


def seed_data() -> dict[str, Any]:
    text = (SEEDS / "000_78be6e7624add5e0.txt").read_text("utf-8")
    data = yaml.safe_load(split_front_matter(text, "seed"))
    assert isinstance(data, dict)
    return data


def of_kind(coverage: CoverageGraph, kind: str) -> list[str]:
    return [n for n, k in coverage.nx.nodes(data="kind") if k == kind]


def edges_of_kind(coverage: CoverageGraph, kind: str) -> list[tuple[str, str]]:
    return [(s, t) for s, t, k in coverage.nx.edges(keys=True) if k == kind]


# ------------------------------------------------------------------ the seed


def test_seed_counts(seed_graph: CoverageGraph) -> None:
    data = seed_data()
    listings = [data, *data["related"]]
    assert len(of_kind(seed_graph, "article")) == len(listings) == 9
    domains = {item["provider"]["domain"].removeprefix("www.") for item in listings}
    assert len(of_kind(seed_graph, "provider")) == len(domains) == 8
    assert sorted(seed_graph.nx.nodes[t]["name"] for t in of_kind(seed_graph, "topic")) == sorted(data["topics"])
    assert len(of_kind(seed_graph, "topic")) == 2
    related = edges_of_kind(seed_graph, "related")
    assert len(related) == len(data["related"]) == 8
    primary = seed_graph.article(data["webUrl"]).id
    assert {s for s, _ in related} == {primary}
    assert len(edges_of_kind(seed_graph, "published_by")) == 9
    assert len(edges_of_kind(seed_graph, "tagged")) == 2


def test_seed_cointelegraph_has_two_articles(seed_graph: CoverageGraph) -> None:
    provider = seed_graph.provider("cointelegraph.com")
    assert provider.article_count == 2
    assert provider.name == "CoinTelegraph"
    assert {seed_graph.article_view(a).title for a in seed_graph.members(provider.id)} == {
        item["title"] for item in seed_data()["related"] if item["provider"]["domain"] == "cointelegraph.com"
    }
    others = [p for p in of_kind(seed_graph, "provider") if p != provider.id]
    assert all(seed_graph.provider(p).article_count == 1 for p in others)


def test_seed_primary_article(seed_graph: CoverageGraph) -> None:
    data = seed_data()
    article = seed_graph.article(data["webUrl"])
    assert article.primary
    assert article.title == data["title"]
    assert article.quality == data["quality"] and article.heat == data["heat"]
    assert article.published_at == datetime(2023, 5, 7, 17, 18, tzinfo=timezone.utc)
    assert article.provider == "provider:insidebitcoins.com"
    assert [seed_graph.nx.nodes[t]["name"] for t in article.topics] == sorted(data["topics"])
    assert article.images == (Image(data["images"][0]["url"], 1920, 1200),)
    assert article.sources == ("000_78be6e7624add5e0.txt",)
    for item in data["related"]:
        listed = seed_graph.article(item["webUrl"])
        assert not listed.primary and listed.topics == ()
        assert listed.title == item["title"] and listed.quality == item["quality"]


def _variants(url: str) -> list[str]:
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    other_host = host[4:] if host.startswith("www.") else f"www.{host}"
    joiner = "&" if "?" in url else "?"
    return [
        url,
        f"{scheme}://{other_host}/{path}",
        f"{url}{joiner}utm_source=twitter&utm_medium=social",
        f"{url}/",
        f"{scheme}://{other_host}/{path}/{joiner}utm_campaign=x",
        url.replace("https://", "http://", 1),
        f"{scheme}://{host.upper()}/{path}#section",
    ]


def test_seed_lookup_by_every_alias(seed_graph: CoverageGraph) -> None:
    data = seed_data()
    found: set[str] = set()
    aliases = 0
    for item in [data, *data["related"]]:
        urls = [item[field] for field in URL_FIELDS if field in item]
        ids = {seed_graph.article(variant).id for url in urls for variant in _variants(url)}
        assert len(ids) == 1, (item["title"], ids)
        (node,) = ids
        assert seed_graph.nx.nodes[node]["title"] == item["title"]
        assert set(urls) <= set(seed_graph.nx.nodes[node]["urls"])
        found |= ids
        aliases += len(urls)
    assert len(found) == 9
    assert aliases == 9 + 1 + 2 * 2  # webUrl everywhere, originalUrl on the primary, 2 AMP pairs
    with pytest.raises(NotFound):
        seed_graph.article("https://example.com/not-in-the-seed")
    with pytest.raises(NotFound):
        seed_graph.article("not a url")


def test_seed_provider_and_topic_lookups(seed_graph: CoverageGraph) -> None:
    assert seed_graph.provider("www.wsj.com").id == seed_graph.provider("WSJ.com").id == "provider:wsj.com"
    assert seed_graph.topic("ai hardware").name == "AI Hardware"
    assert seed_graph.topic("  AI  ").id == "topic:ai"
    with pytest.raises(NotFound):
        seed_graph.provider("example.com")
    with pytest.raises(NotFound):
        seed_graph.topic("Sports")


def test_seed_graph_works_with_networkx_algorithms(seed_graph: CoverageGraph) -> None:
    assert isinstance(seed_graph.nx, nx.MultiDiGraph)
    core = seed_graph.nx.edge_subgraph(
        [(s, t, k) for s, t, k in seed_graph.nx.edges(keys=True) if k in ("published_by", "tagged", "related")]
    )
    assert nx.is_weakly_connected(core)
    assert nx.is_directed_acyclic_graph(nx.DiGraph(core))


def test_load_twice_gives_identical_graphs() -> None:
    first, _ = graph.load(SEEDS)
    second, _ = graph.load(SEEDS)
    assert snapshot(first) == snapshot(second)


def test_load_a_real_corpus_twice_gives_identical_graphs(corpora_dir: Path) -> None:
    first, _ = graph.load(corpora_dir / "labeled", workers=1)
    second, _ = graph.load(corpora_dir / "labeled", workers=1)
    assert snapshot(first) == snapshot(second)


# ------------------------------------------------------------------ merging rules

T0 = datetime(2023, 5, 7, 12, tzinfo=timezone.utc)


def listing(url: str | None, title: str = "T", *, domain: str = "a.com", name: str | None = "A", when: datetime = T0,
            aliases: tuple[str, ...] = (), topics: tuple[str, ...] = (), quality: int | None = None,
            excerpt: str | None = None, images: tuple[Image, ...] = ()) -> Listing:
    urls = ((url,) if url else ()) + aliases
    return Listing(urls, urls, title, excerpt, when, "article", quality, None, domain, name, topics, images)


def test_article_met_as_primary_and_as_related_under_aliases_is_one_node() -> None:
    primary = listing("https://a.com/x", "Primary title", aliases=("https://a.com/x-amp",), topics=("AI",), quality=10)
    elsewhere = listing("https://a.com/x-amp", "Related title", when=T0 - timedelta(hours=5), quality=99, excerpt="from related")
    other = listing("https://b.com/y", "Other", domain="b.com", name="B")
    coverage = build_graph([Record("z.md", other, (elsewhere,)), Record("a.md", primary)])
    article = coverage.article("https://a.com/x-amp")
    assert article.id == "article:https://a.com/x"
    assert coverage.article("https://a.com/x").id == article.id
    # The primary record's fields win (even over an earlier related listing) ...
    assert (article.title, article.quality, article.published_at, article.primary) == ("Primary title", 10, T0, True)
    # ... missing ones are filled from the other listings, provenance is kept.
    assert article.excerpt == "from related"
    assert article.sources == ("a.md", "z.md")
    assert edges_of_kind(coverage, "related") == [("article:https://b.com/y", article.id)]
    assert coverage.count("article") == 2


def test_two_primaries_of_one_url_keep_the_earliest_and_both_sources() -> None:
    late = listing("https://a.com/x", "Late", when=T0 + timedelta(days=1), topics=("Chips",))
    early = listing("https://a.com/x", "Early", when=T0, topics=("AI",))
    coverage = build_graph([Record("b.md", late), Record("a.md", early)])
    article = coverage.article("https://a.com/x")
    assert article.title == "Early" and article.sources == ("a.md", "b.md")
    assert article.topics == ("topic:ai", "topic:chips")  # topics: the union over primaries


def test_related_listing_of_itself_is_not_an_edge() -> None:
    own = listing("https://a.com/x", aliases=("https://a.com/x/amp",))
    coverage = build_graph([Record("a.md", own, (listing("https://a.com/x/amp"),))])
    assert edges_of_kind(coverage, "related") == []
    assert coverage.count("article") == 1


def test_related_edges_keep_rank_and_sources() -> None:
    b, c = listing("https://b.com/1", domain="b.com"), listing("https://c.com/1", domain="c.com")
    coverage = build_graph([
        Record("one.md", listing("https://a.com/1"), (b, c)),
        Record("two.md", listing("https://a.com/1"), (c,)),
    ])
    attrs = coverage.nx.edges["article:https://a.com/1", "article:https://c.com/1", "related"]
    assert attrs["rank"] == 1 and attrs["sources"] == ("one.md", "two.md")


def test_url_less_listings_get_a_stable_key() -> None:
    video = listing(None, "A video", domain="youtube.com")
    again = listing(None, "A  VIDEO ", domain="youtube.com")
    assert listing_key(video) == listing_key(again)
    assert listing_key(video).startswith("urn:newsgraph:youtube.com:")
    assert listing_key(video) != listing_key(listing(None, "A video", domain="youtube.com", when=T0 + timedelta(1)))
    coverage = build_graph([Record("a.md", video), Record("b.md", again)])
    assert coverage.count("article") == 1


def test_provider_and_topic_display_names_are_the_most_common_spelling() -> None:
    records = [
        Record("1.md", listing("https://a.com/1", name="Acme", topics=("AI",))),
        Record("2.md", listing("https://a.com/2", name="ACME news", topics=("ai",))),
        Record("3.md", listing("https://a.com/3", name="ACME news", topics=("ai",))),
    ]
    coverage = build_graph(records)
    provider = coverage.provider("a.com")
    assert provider.name == "ACME news" and set(provider.names) == {"Acme", "ACME news"}
    topic = coverage.topic("AI")
    assert topic.name == "ai" and set(topic.names) == {"AI", "ai"} and topic.article_count == 3


def test_every_provider_publishes_an_article() -> None:
    # The same article listed under another provider domain by an aggregator.
    primary = listing("https://a.com/x", domain="a.com")
    mislabelled = listing("https://a.com/x", domain="aggregator.com", name="Aggregator")
    coverage = build_graph([Record("a.md", primary), Record("b.md", listing("https://b.com/y", domain="b.com"), (mislabelled,))])
    for node in of_kind(coverage, "provider"):
        assert coverage.provider(node).article_count >= 1, node
    assert sorted(of_kind(coverage, "provider")) == ["provider:a.com", "provider:b.com"]


def test_node_attributes_are_plain_values() -> None:
    coverage = build_graph([Record("a.md", listing("https://a.com/1", topics=("AI",), images=(Image("https://a.com/i.jpg", 1, 2),)))])
    data = coverage.nx.nodes["article:https://a.com/1"]
    assert data["kind"] == "article"
    assert isinstance(data["urls"], tuple) and isinstance(data["sources"], tuple) and isinstance(data["images"], tuple)
    assert data["published"].tzinfo == timezone.utc
    assert "excerpt" not in data  # None values are left out, not stored


# ------------------------------------------------------------------ order independence

URLS = ["https://a.com/1", "https://a.com/2", "https://b.com/1", "https://b.com/1/amp", "https://c.org/x?id=1", "https://c.org/y"]
DOMAINS = ["a.com", "b.com", "c.org"]
TIMES = [T0 + timedelta(hours=h) for h in (0, 0, 1, 30)]


@st.composite
def listings(draw: st.DrawFn) -> Listing:
    urls = tuple(draw(st.lists(st.sampled_from(URLS), max_size=2, unique=True)))
    domain = draw(st.sampled_from(DOMAINS))
    return Listing(
        urls=urls,
        raw_urls=urls,
        title=draw(st.sampled_from(["Alpha", "alpha", "Beta", "Gamma"])),
        excerpt=draw(st.sampled_from([None, "one", "two"])),
        published=draw(st.sampled_from(TIMES)),
        type=draw(st.sampled_from([None, "article", "video"])),
        quality=draw(st.sampled_from([None, 1, 50])),
        heat=draw(st.sampled_from([None, -1, 7])),
        provider_domain=domain,
        provider_name=draw(st.sampled_from([None, domain.upper(), domain.title(), "Agency"])),
        topics=tuple(draw(st.lists(st.sampled_from(["AI", "ai", "Chips", "No", "chips "]), max_size=3, unique=True))),
        images=tuple(draw(st.lists(st.builds(Image, st.sampled_from(["https://i.com/1.jpg", "https://i.com/2.jpg"]), st.sampled_from([None, 10])), max_size=2))),
    )


@st.composite
def record_sets(draw: st.DrawFn) -> list[Record]:
    count = draw(st.integers(1, 6))
    return [Record(f"r{i}.md", draw(listings()), tuple(draw(st.lists(listings(), max_size=3)))) for i in range(count)]


def snapshot(coverage: CoverageGraph) -> tuple[Any, ...]:
    """Everything observable: nodes and edges with attributes, in iteration order, and alias look-ups."""
    g = coverage.nx
    lookups = sorted((url, coverage.article_id_for(url)) for _, data in g.nodes(data=True) for url in data.get("urls", ()))
    return (list(g.nodes(data=True)), list(g.edges(keys=True, data=True)), dict(g.graph), lookups)


@PROPERTY
@given(record_sets(), st.randoms(use_true_random=False), st.data())
def test_build_graph_ignores_order_and_duplicates(records: list[Record], rnd: Any, data: st.DataObject) -> None:
    expected = snapshot(build_graph(records))
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert snapshot(build_graph(shuffled)) == expected
    extra = data.draw(st.lists(st.sampled_from(records), max_size=6))
    duplicated = shuffled + extra
    rnd.shuffle(duplicated)
    assert snapshot(build_graph(duplicated)) == expected
    assert snapshot(build_graph(iter(duplicated))) == expected  # any iterable


@PROPERTY
@given(record_sets())
def test_build_graph_invariants(records: list[Record]) -> None:
    coverage = build_graph(records)
    g = coverage.nx
    articles = of_kind(coverage, "article")
    for node in articles:
        out = [k for _, _, k in g.out_edges(node, keys=True)]
        assert out.count("published_by") == 1
        for url in g.nodes[node]["urls"]:
            assert coverage.article_id_for(url) == node
    for node in of_kind(coverage, "provider") + of_kind(coverage, "topic"):
        assert g.in_degree(node) >= 1 and g.out_degree(node) == 0
    # Every listing is reachable under each of its URLs, and its record is among the sources.
    for record in records:
        for item in (record.article, *record.related):
            found = coverage.article_id_for(item.urls[0]) if item.urls else f"article:{listing_key(item)}"
            assert found is not None and found in g and record.path in g.nodes[found]["sources"]
            if item is record.article:
                assert g.nodes[found]["primary"]
    assert sorted(g.nodes) == sorted(set(g.nodes))
    assert list(g.nodes) == sorted(articles) + sorted(of_kind(coverage, "provider")) + sorted(of_kind(coverage, "topic"))


def _record_text(slug: str, title: str, when: str, topics: str, related: str = "") -> str:
    return (
        f"---\ntitle: {title}\npublishedDateTime: {when}\nwebUrl: https://www.site.com/{slug}\n"
        f"provider: {{name: Site, domain: site.com}}\ntopics: {topics}\n{related}---\n"
    )


FOLDER = {
    "a.md": _record_text("a", "A", "2023-05-07T10:00:00Z", "[AI]", "related:\n  - {title: B, publishedDateTime: 2023-05-06, webUrl: 'https://site.com/b/'}\n"),
    "b.md": _record_text("b", "B primary", "2023-05-06T09:00:00Z", "[ai, Chips]"),
    "sub/c.md": _record_text("c", "C", "2023-05-08T10:00:00Z", "[chips]", "related:\n  - {title: A, publishedDateTime: 2023-05-07, webUrl: 'http://site.com/a?utm_source=x'}\n"),
    "sub/d.txt": _record_text("a", "A again", "2023-05-09T10:00:00Z", "[AI, No]"),
    "e.md": "---\ntitle: broken\n---\n",
}


@settings(max_examples=25, deadline=None, database=None)
@given(st.permutations(sorted(FOLDER)))
def test_files_written_in_any_order_give_the_same_graph(order: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as base:
        reference = write_records(Path(base) / "ref", FOLDER)
        shuffled = Path(base) / "shuffled"
        for name in order:
            write_records(shuffled, {name: FOLDER[name]})
        ref_records, ref_report = read_records(reference, workers=1)
        records, report = read_records(shuffled, workers=1)
        assert [str(e) for e in report.errors] == [str(e) for e in ref_report.errors] == ["e.md: publishedDateTime: missing (required)"]
        expected = snapshot(build_graph(ref_records))
        assert snapshot(build_graph(records)) == expected
        assert snapshot(build_graph(records + ref_records)) == expected  # the same files read twice
        coverage = build_graph(records)
        assert coverage.article("https://site.com/a").sources == ("a.md", "sub/c.md", "sub/d.txt")
        assert coverage.article("https://site.com/b").title == "B primary"


# ------------------------------------------------------------------ memory: shared edge data


def test_member_edges_share_one_attribute_dict_and_keep_their_values() -> None:
    coverage, _ = graph.load(SEEDS, stories=False)
    for kind in ("published_by", "tagged"):
        datas = [d for _, _, k, d in coverage.nx.edges(keys=True, data=True) if k == kind]
        assert len(datas) >= 2
        assert all(d == {"kind": kind} for d in datas)
        assert len({id(d) for d in datas}) == 1, kind
    # related edges carry their own data: never shared
    related = [d for _, _, k, d in coverage.nx.edges(keys=True, data=True) if k == "related"]
    assert len({id(d) for d in related}) == len(related) > 1
    # the views read the same values as before
    wsj = coverage.article("https://www.wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f")
    assert wsj.provider == "provider:wsj.com"
    tagged = [(a, t) for a, t, k in coverage.nx.edges(keys=True) if k == "tagged"]
    assert tagged and all(t in coverage.article_view(a).topics for a, t in tagged)
    assert coverage.provider("wsj.com").article_count == len(coverage.members("provider:wsj.com")) >= 1


def test_add_member_edges_is_add_edge_without_a_dict_per_edge() -> None:
    from graph.model import TAGGED, add_member_edges

    shared, plain = nx.MultiDiGraph(), nx.MultiDiGraph()
    for g in (shared, plain):
        g.add_nodes_from(["a", "b", "t"])
        g.add_edge("a", "t", key="related", kind="related", rank=1)  # an existing pair keeps its edge
    add_member_edges(shared, [("a", "t"), ("b", "t")], TAGGED)
    plain.add_edge("a", "t", key=TAGGED, kind=TAGGED)
    plain.add_edge("b", "t", key=TAGGED, kind=TAGGED)
    assert sorted(shared.edges(keys=True, data=True)) == sorted(plain.edges(keys=True, data=True))
    assert sorted(shared.in_edges("t", keys=True)) == sorted(plain.in_edges("t", keys=True))
    assert shared._succ["a"]["t"] is shared._pred["t"]["a"]
    assert nx.utils.graphs_equal(shared, plain)
    with pytest.raises(KeyError):
        add_member_edges(shared, [("a", "missing")], TAGGED)
    assert "missing" not in shared


def test_load_releases_memory_and_says_whether_it_could() -> None:
    from graph import release_memory

    assert release_memory() in (True, False)


def test_membership_edges_share_a_read_only_key_dict_that_a_copy_does_not() -> None:
    import pickle

    from graph.model import SharedDict

    g, _ = graph.load(SEEDS)
    provider = {a: next(t for t in g.nx.successors(a) if t.startswith("provider:")) for a in g.articles_by_time()}
    (a, pa), (b, pb) = list(provider.items())[:2]
    assert g.nx._succ[a][pa] is g.nx._succ[b][pb] and isinstance(g.nx._succ[a][pa], SharedDict)
    assert g.nx._pred[pa][a] is g.nx._succ[a][pa]  # NetworkX's invariant: one dict seen from both ends
    with pytest.raises(TypeError, match="read-only"):
        g.nx.add_edge(a, pa, key="extra")
    with pytest.raises(TypeError, match="read-only"):
        g.nx.remove_edge(a, pa, "published_by")
    with pytest.raises(TypeError, match="read-only"):
        g.nx.edges[a, pa, "published_by"]["weight"] = 2.0
    with pytest.raises(TypeError, match="read-only"):
        g.nx.add_edge(a, pa, key="published_by", weight=2.0)
    assert g.nx.has_edge(b, pb, "published_by") and g.nx.number_of_edges() == 33  # nothing changed
    copy = g.nx.copy()
    copy.remove_edge(a, pa, "published_by")
    copy.edges[b, pb, "published_by"]["weight"] = 2.0
    assert not copy.has_edge(a, pa) and copy.has_edge(b, pb, "published_by") and g.nx.has_edge(a, pa)
    assert g.nx.edges[b, pb, "published_by"] == {"kind": "published_by"}
    again = pickle.loads(pickle.dumps(g.nx))
    assert again._succ[a][pa] is again._succ[b][pb] and isinstance(again._succ[a][pa], SharedDict)
    assert nx.utils.edges_equal(again.edges(keys=True, data=True), g.nx.edges(keys=True, data=True))
