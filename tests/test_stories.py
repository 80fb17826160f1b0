"""Story detection: the seed's stories, origins and tie-breaks, no chaining, order independence."""

from __future__ import annotations

import pickle
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import graph
from graph.errors import NotFound
from graph.model import ECHOES, IN_STORY, CoverageGraph, build_graph
from graph.records import Image, Listing, Record
from graph.stories import (
    StorySettings,
    detect_stories,
    echo_pairs,
    echoed_by,
    echoed_stories,
    echoes_of,
    echoes_outlets,
    first_reports,
    influence,
    median_lag,
    origin_of,
    outlet_network,
    stories,
    story_key,
    story_of,
    story_stats,
    story_view,
)

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
WSJ = "https://www.wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f"
STAR = "https://www.thestar.com.my/aseanplus/aseanplus-news/2023/05/07/chinese-voice-recognition-company-iflytek-unveils-chatgpt-rival"
CT_CHIPS = "https://cointelegraph.com/news/china-is-developing-ai-without-us-chips-here-s-how"
CT_IFLYTEK = "https://cointelegraph.com/news/state-sponsored-chinese-ai-firm-launches-bot-service-to-surpass-chatgpt"
DIGITIMES = "https://www.digitimes.com/news/a20230505PD200/ai-chips-aigc-alibaba-baidu-meituan-tencent.html"
T0 = datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def seed() -> CoverageGraph:
    g, report = graph.load(SEEDS)
    assert report.rejected == 0
    return g


def listing(url: str, title: str, hours: float, domain: str, excerpt: str | None = None,
            quality: int = 50, images: tuple[str, ...] = ()) -> Listing:
    return Listing((url,), (url,), title, excerpt, T0 + timedelta(hours=hours), "article", quality, None,
                   domain, domain, (), tuple(Image(u) for u in images))


# Background articles so that idf means something in the small inline graphs.
BACKGROUND = [
    ("Quorvane recalls 20,000 electric scooters over battery fires", "Quorvane said the fault affects models sold since 2021."),
    ("Lumora opens a data center in Ohio", "The cloud company will hire 300 people at the site."),
    ("Regulators fine Dynaxis over misleading ads", "The watchdog said the adverts broke consumer rules."),
    ("Pexton names a new chief executive", "The board picked its finance head to run the company."),
    ("Solvane shares fall after weak quarter", "Revenue missed forecasts as demand for its chips slowed."),
    ("Carvex strikes a partnership with a carmaker", "The deal covers software for electric vehicles."),
]


def background(start: float = 200.0) -> list[Record]:
    records = []
    for i, (title, excerpt) in enumerate(BACKGROUND):
        records.append(Record(f"bg{i}.md", listing(f"https://bg{i}.example/{i}", title, start + 30 * i,
                                                   f"bg{i}.example", excerpt)))
    return records


# ------------------------------------------------------------------ the seed (issue 3's "done when")


def test_seed_wsj_is_the_origin_and_its_echoes(seed: CoverageGraph) -> None:
    wsj = seed.article_id_for(WSJ)
    assert wsj is not None
    story = story_of(seed, wsj)
    assert story is not None
    assert origin_of(seed, wsj) == wsj
    echoes = echoes_of(seed, wsj)
    assert sorted(e.provider for e in echoes) == [
        "provider:businessinsider.com", "provider:cointelegraph.com", "provider:fudzilla.com",
        "provider:globaltimes.cn", "provider:insidebitcoins.com",
    ]
    assert all(e.lag_hours > 0 for e in echoes)
    assert seed.article_id_for(CT_CHIPS) in {e.article for e in echoes}
    # The echo edges are the same facts, stored on the graph.
    edges = {(s, d["lag_hours"]) for s, t, d in echo_pairs(seed) if t == wsj}
    assert edges == {(e.article, e.lag_hours) for e in echoes}
    assert all(isinstance(e.evidence, tuple) and e.evidence for e in echoes)
    assert all(0.0 <= e.similarity <= 1.0 for e in echoes)


def test_seed_iflytek_pair_is_its_own_story_with_the_star_first(seed: CoverageGraph) -> None:
    star, later = seed.article_id_for(STAR), seed.article_id_for(CT_IFLYTEK)
    assert star is not None and later is not None
    story = story_of(seed, star)
    assert story is not None and story == story_of(seed, later)
    assert story != story_of(seed, seed.article_id_for(WSJ) or "")
    view = story_view(seed, story)
    assert view.origin == star
    assert view.articles == (star, later)
    assert view.size == 2
    assert view.title.startswith("Chinese voice-recognition company iFlytek")


def test_seed_digitimes_is_in_no_story(seed: CoverageGraph) -> None:
    digitimes = seed.article_id_for(DIGITIMES)
    assert digitimes is not None
    assert story_of(seed, digitimes) is None
    assert origin_of(seed, digitimes) is None
    assert echoes_of(seed, digitimes) == []


def test_seed_graph_shape(seed: CoverageGraph) -> None:
    story_nodes = [n for n, k in seed.nx.nodes(data="kind") if k == "story"]
    assert len(story_nodes) == 2
    for node in story_nodes:
        data = seed.nx.nodes[node]
        assert node == story_key(data["origin"])
        assert data["first_published"] <= data["last_published"]
        members = [s for s, _, k in seed.nx.in_edges(node, keys=True) if k == IN_STORY]
        assert len(members) == data["size"]
        assert all(seed.nx.edges[m, node, IN_STORY]["kind"] == IN_STORY for m in members)
    # Every story member except the origin has exactly one echoes edge, to the origin.
    for s, t, d in echo_pairs(seed):
        assert seed.nx.edges[s, t, ECHOES]["kind"] == ECHOES
        assert seed.nx.nodes[story_of(seed, s)]["origin"] == t
    assert len(echo_pairs(seed)) == 5 + 1
    assert story_stats(seed) is not None and story_stats(seed).stories == 2


def test_echoes_of_a_later_article_are_relative_to_it(seed: CoverageGraph) -> None:
    insidebitcoins = seed.article_id_for("https://insidebitcoins.com/news/how-china-is-developing-ai-without-us-chips")
    assert insidebitcoins is not None
    later = echoes_of(seed, insidebitcoins)
    published = seed.nx.nodes[insidebitcoins]["published"]
    assert [e.article for e in later] == sorted((e.article for e in later), key=seed.sort_key)
    for echo in later:
        expected = (echo.published - published).total_seconds() / 3600
        assert echo.lag_hours == pytest.approx(expected, abs=0.01)
    assert seed.article_id_for(WSJ) not in {e.article for e in later}  # earlier, not an echo of it


def test_story_view_rejects_other_ids(seed: CoverageGraph) -> None:
    with pytest.raises(NotFound):
        story_view(seed, "provider:wsj.com")
    with pytest.raises(NotFound):
        story_view(seed, "story:0000000000000000")
    node = story_of(seed, seed.article_id_for(WSJ) or "")
    assert seed.node(node or "").origin == seed.article_id_for(WSJ)  # model.node() uses story_view


# ------------------------------------------------------------------ origins and tie-breaks


def story_graph(*extra: Record) -> CoverageGraph:
    g = build_graph([*background(), *extra])
    detect_stories(g)
    return g


def test_origin_is_the_earliest_report() -> None:
    a = listing("https://a.example/1", "Veltrix raises $450 million for robot arms", 5, "a.example",
                "Veltrix, the robot arm maker, raised $450 million from Sequoia.")
    b = listing("https://b.example/2", "Robot arm maker Veltrix raises $450M led by Sequoia", 2, "b.example",
                "Veltrix has raised $450 million in a round led by Sequoia.")
    c = listing("https://c.example/3", "Veltrix lands $450 million to build robot arms", 9, "c.example",
                "Sequoia led the $450 million round in Veltrix.")
    g = story_graph(Record("x.md", a, (b, c)))
    story = story_of(g, "article:https://a.example/1")
    assert story is not None
    assert story_view(g, story).origin == "article:https://b.example/2"
    assert [e.lag_hours for e in echoes_of(g, "article:https://b.example/2")] == [3.0, 7.0]


def test_tie_break_same_minute_prefers_quality_then_id() -> None:
    text = "Veltrix raises $450 million for robot arms"
    excerpt = "Veltrix, the robot arm maker, raised $450 million from Sequoia on Monday."
    a = listing("https://a.example/1", text, 5, "a.example", excerpt, quality=40)
    b = listing("https://b.example/2", text + " - report", 5, "b.example", excerpt, quality=80)
    g = story_graph(Record("x.md", a, (b,)))
    assert origin_of(g, "article:https://a.example/1") == "article:https://b.example/2"
    a2 = listing("https://a.example/1", text, 5, "a.example", excerpt, quality=60)
    b2 = listing("https://b.example/2", text + " - report", 5, "b.example", excerpt, quality=60)
    g2 = story_graph(Record("x.md", a2, (b2,)))
    assert origin_of(g2, "article:https://b.example/2") == "article:https://a.example/1"


def test_tie_break_prefers_the_article_others_cite() -> None:
    text = "Veltrix raises $450 million for robot arms"
    a = listing("https://a.example/1", text, 5, "a.example",
                "Veltrix raised $450 million, according to a report from b.example.", quality=90)
    b = listing("https://b.example/2", text, 5, "b.example", "Veltrix raised $450 million from Sequoia.", quality=10)
    g = story_graph(Record("x.md", a, (b,)))
    assert origin_of(g, "article:https://a.example/1") == "article:https://b.example/2"
    edge = g.nx.edges["article:https://a.example/1", "article:https://b.example/2", ECHOES]
    assert "cites-origin" in edge["evidence"]


def test_date_only_stamp_counts_as_noon() -> None:
    # A midnight stamp is a date without a time: the 09:00 report of the same day goes first.
    text = "Veltrix raises $450 million for robot arms"
    excerpt = "Veltrix, the robot arm maker, raised $450 million from Sequoia."
    midnight = listing("https://a.example/1", text, -9, "a.example", excerpt)  # 2024-03-04 00:00
    assert midnight.published is not None and midnight.published.hour == 0
    morning = listing("https://b.example/2", text + " - sources", 0, "b.example", excerpt)  # 09:00
    g = story_graph(Record("x.md", midnight, (morning,)))
    assert origin_of(g, "article:https://a.example/1") == "article:https://b.example/2"
    [echo] = echoes_of(g, "article:https://b.example/2")
    assert echo.lag_hours == pytest.approx(3.0)  # noon - 09:00
    assert "date-only-stamp" in echo.evidence


# ------------------------------------------------------------------ grouping


def test_no_chaining_of_unrelated_articles_through_a_bridge() -> None:
    # A and C are different events; B mentions both. A and C must not end up together.
    a = listing("https://a.example/1", "Veltrix raises $450 million for robot arms", 0, "a.example",
                "Veltrix, the robot arm maker, raised $450 million from Sequoia.")
    a2 = listing("https://d.example/4", "Robot arm maker Veltrix lands $450M from Sequoia", 2, "d.example",
                 "Sequoia led the $450 million round in Veltrix.")
    b = listing("https://b.example/2", "Veltrix and Quorvane: a week of robot arms and scooter recalls", 3, "b.example",
                "Veltrix raised $450 million while Quorvane recalled 20,000 scooters.")
    c = listing("https://c.example/3", "Quorvane recalls 20,000 electric scooters over fires", 1, "c.example",
                "Quorvane is recalling 20,000 scooters because of battery fires.")
    c2 = listing("https://e.example/5", "Scooter maker Quorvane recalls 20,000 e-scooters", 4, "e.example",
                 "The Quorvane recall covers 20,000 electric scooters.")
    g = story_graph(Record("x.md", a, (a2, b, c, c2)))
    sa, sc = story_of(g, "article:https://a.example/1"), story_of(g, "article:https://c.example/3")
    assert sa is not None and sc is not None
    assert sa != sc
    assert story_of(g, "article:https://d.example/4") == sa
    assert story_of(g, "article:https://e.example/5") == sc


def test_same_site_recommendations_are_not_echoes() -> None:
    # One outlet's other article on the same company is a recommendation, not an echo.
    a = listing("https://a.example/1", "Veltrix raises $450 million for robot arms", 0, "a.example",
                "Veltrix raised $450 million from Sequoia.")
    b = listing("https://b.example/2", "Veltrix raises $450M for its robot arms", 3, "b.example",
                "Sequoia led the $450 million round in Veltrix.")
    same_site = listing("https://a.example/9", "Veltrix robot arms: a review of the V2", 1, "a.example",
                        "We spent a week with the Veltrix V2 robot arm.")
    g = story_graph(Record("x.md", a, (b, same_site)))
    assert story_of(g, "article:https://a.example/1") == story_of(g, "article:https://b.example/2")
    assert story_of(g, "article:https://a.example/9") is None


def test_different_events_of_one_kind_stay_apart() -> None:
    a = listing("https://a.example/1", "Anthropic raises $450 million for its chatbot", 0, "a.example",
                "The AI startup Anthropic raised $450 million.")
    b = listing("https://b.example/2", "Figure raises $70 million to build humanoid robots", 2, "b.example",
                "The robotics startup Figure raised $70 million.")
    g = story_graph(Record("x.md", a, (b,)))
    assert story_of(g, "article:https://a.example/1") is None or story_of(g, "article:https://a.example/1") != story_of(
        g, "article:https://b.example/2"
    )


def test_far_apart_reports_are_not_one_story() -> None:
    text = "Veltrix raises $450 million for robot arms"
    a = listing("https://a.example/1", text, 0, "a.example")
    b = listing("https://b.example/2", text, 24 * 30, "b.example")
    g = story_graph(Record("x.md", a, ()), Record("y.md", b, ()))
    assert story_of(g, "article:https://a.example/1") is None


def snapshot(g: CoverageGraph) -> tuple[list[tuple[str, str, dict[str, object]]], list[tuple[str, dict[str, object]]]]:
    edges = [(s, t, d) for s, t, d in echo_pairs(g)]
    nodes = [(n, dict(d)) for n, d in g.nx.nodes(data=True) if d["kind"] == "story"]
    return edges, nodes


def test_story_ids_and_echo_edges_do_not_depend_on_file_order() -> None:
    records, _ = graph.ingest.read_records(SEEDS)
    a = listing("https://a.example/1", "Veltrix raises $450 million for robot arms", 0, "a.example",
                "Veltrix raised $450 million from Sequoia.")
    b = listing("https://b.example/2", "Veltrix raises $450M for its robot arms", 3, "b.example",
                "Sequoia led the $450 million round in Veltrix.")
    records += [Record("z/one.md", a, ()), Record("a/two.md", b, (a,)), *background()]
    first = build_graph(records)
    detect_stories(first)
    shuffled = list(records)
    random.Random(3).shuffle(shuffled)
    second = build_graph(reversed(shuffled))
    detect_stories(second)
    assert snapshot(first) == snapshot(second)
    assert list(first.nx.edges(keys=True)) == list(second.nx.edges(keys=True))


def test_empty_and_single_article_graphs() -> None:
    empty = build_graph([])
    stats = detect_stories(empty)
    assert stats.stories == 0 and stories(empty) == []
    one = build_graph([Record("x.md", listing("https://a.example/1", "Alone", 0, "a.example"))])
    assert detect_stories(one).stories == 0
    assert story_of(one, "article:https://a.example/1") is None
    assert influence(one) == {"provider:a.example": 1.0}


def test_shared_rare_image_counts_as_evidence() -> None:
    a = listing("https://a.example/1", "Veltrix raises $450 million for robot arms", 0, "a.example",
                images=("https://img.example/veltrix.jpg",))
    b = listing("https://b.example/2", "Sequoia backs robot arm maker Veltrix", 4, "b.example",
                images=("https://img.example/veltrix.jpg",))
    g = story_graph(Record("x.md", a, (b,)))
    [echo] = echoes_of(g, "article:https://a.example/1")
    assert "same-image" in echo.evidence


def test_index_survives_pickling(seed: CoverageGraph) -> None:
    copy = pickle.loads(pickle.dumps(seed))
    wsj = copy.article_id_for(WSJ) or ""
    insidebitcoins = copy.article_id_for("https://insidebitcoins.com/news/how-china-is-developing-ai-without-us-chips")
    assert [e.article for e in echoes_of(copy, wsj)] == [e.article for e in echoes_of(seed, wsj)]
    assert echoes_of(copy, insidebitcoins or "") == echoes_of(seed, insidebitcoins or "")
    # Without the index (a graph rebuilt elsewhere), the same answers come back.
    copy.__dict__.pop("_story_index")
    assert echoes_of(copy, insidebitcoins or "") == echoes_of(seed, insidebitcoins or "")


def test_settings_change_the_grouping(seed: CoverageGraph) -> None:
    g, _ = graph.load(SEEDS, story_settings=StorySettings(threshold=0.95, attach_threshold=0.95))
    assert stories(g) == []
    g, _ = graph.load(SEEDS, stories=False)
    assert [n for n, k in g.nx.nodes(data="kind") if k == "story"] == []


# ------------------------------------------------------------------ outlets


def test_outlet_functions_on_the_seed(seed: CoverageGraph) -> None:
    wsj_story = story_of(seed, seed.article_id_for(WSJ) or "")
    star_story = story_of(seed, seed.article_id_for(STAR) or "")
    assert first_reports(seed, "wsj.com") == [wsj_story]
    assert first_reports(seed, "provider:thestar.com.my") == [star_story]
    assert first_reports(seed, "digitimes.com") == []
    assert sorted(echoed_stories(seed, "cointelegraph.com")) == sorted([wsj_story, star_story])
    by = echoed_by(seed, "wsj.com")
    assert {link.provider for link in by} == {
        "provider:businessinsider.com", "provider:cointelegraph.com", "provider:fudzilla.com",
        "provider:globaltimes.cn", "provider:insidebitcoins.com",
    }
    assert all(link.count == 1 and link.median_lag_hours > 0 for link in by)
    assert {link.provider for link in echoes_outlets(seed, "cointelegraph.com")} == {
        "provider:wsj.com", "provider:thestar.com.my"
    }
    lags = [e.lag_hours for e in echoes_of(seed, seed.article_id_for(WSJ) or "") if e.provider == "provider:cointelegraph.com"]
    lags += [e.lag_hours for e in echoes_of(seed, seed.article_id_for(STAR) or "")]
    assert median_lag(seed, "cointelegraph.com") == pytest.approx(sum(lags) / 2, abs=0.001)
    assert median_lag(seed, "digitimes.com") is None
    network = outlet_network(seed)
    assert len(network) == 6 and all(edge.count == 1 for edge in network)
    assert outlet_network(seed, min_echoes=2) == []
    ranks = influence(seed)
    assert set(ranks) == {n for n, k in seed.nx.nodes(data="kind") if k == "provider"}
    assert sum(ranks.values()) == pytest.approx(1.0)
    assert ranks["provider:wsj.com"] > ranks["provider:thestar.com.my"] > ranks["provider:digitimes.com"]


def test_story_listing_orders(seed: CoverageGraph) -> None:
    wsj_story = story_of(seed, seed.article_id_for(WSJ) or "")
    star_story = story_of(seed, seed.article_id_for(STAR) or "")
    assert stories(seed, order="largest") == [wsj_story, star_story]
    assert stories(seed, order="newest") == [wsj_story, star_story]  # WSJ 13:00 after The Star 11:40
    assert stories(seed, order="oldest") == [star_story, wsj_story]
    assert stories(seed, min_size=3) == [wsj_story]
    assert stories(seed, provider="thestar.com.my") == [star_story]
    assert stories(seed, since=datetime(2023, 5, 7, 12, tzinfo=timezone.utc)) == [wsj_story]
    with pytest.raises(ValueError):
        stories(seed, order="random")


def test_outlet_network_counts_repeated_echoes() -> None:
    # b.example echoes a.example twice, c.example once.
    records = []
    for k, (company, amount) in enumerate((("Veltrix", 450), ("Quorlan", 120))):
        title = f"{company} raises ${amount} million for robot arms"
        excerpt = f"{company} raised ${amount} million from Sequoia."
        first = listing(f"https://a.example/{k}", title, 100 * k, "a.example", excerpt)
        echo = listing(f"https://b.example/{k}", title + " - report", 100 * k + 2 + 2 * k, "b.example", excerpt)
        records.append(Record(f"r{k}.md", first, (echo,)))
    third = listing("https://c.example/9", "Veltrix raises $450 million for robot arms - sources", 10, "c.example",
                    "Veltrix raised $450 million from Sequoia.")
    records.append(Record("r9.md", third, ()))
    g = story_graph(*records)
    links = {(e.source, e.target): e for e in outlet_network(g)}
    assert links[("provider:b.example", "provider:a.example")].count == 2
    assert links[("provider:b.example", "provider:a.example")].median_lag_hours == pytest.approx(3.0)
    assert links[("provider:c.example", "provider:a.example")].count == 1
    assert [link.provider for link in echoed_by(g, "a.example")] == ["provider:b.example", "provider:c.example"]
    ranks = influence(g)
    assert max(ranks, key=ranks.__getitem__) == "provider:a.example"


# ------------------------------------------------------------------ memory


def test_in_story_edges_share_data_and_evidence_is_shared(seed: CoverageGraph) -> None:
    datas = [d for _, _, k, d in seed.nx.edges(keys=True, data=True) if k == IN_STORY]
    assert len(datas) >= 2 and all(d == {"kind": IN_STORY} for d in datas)
    assert len({id(d) for d in datas}) == 1
    echoes = [d for _, _, k, d in seed.nx.edges(keys=True, data=True) if k == ECHOES]
    assert all(isinstance(d["evidence"], tuple) and d["evidence"] for d in echoes)
    # equal evidence items are one object (interned per detection)
    items: dict[str, int] = {}
    for d in echoes:
        for item in d["evidence"]:
            assert items.setdefault(item, id(item)) == id(item)


def test_index_stays_packed_after_detection_and_unpacks_on_demand() -> None:
    from graph.stories import _PackedIndex

    g, _ = graph.load(SEEDS)
    assert isinstance(g.__dict__["_story_index"], _PackedIndex)
    assert story_stats(g) is not None and story_stats(g).stories == 2  # type: ignore[union-attr]
    insidebitcoins = g.article_id_for("https://insidebitcoins.com/news/how-china-is-developing-ai-without-us-chips")
    assert insidebitcoins is not None
    later = echoes_of(g, insidebitcoins)  # a non-origin: needs the vectorizer
    assert not isinstance(g.__dict__["_story_index"], _PackedIndex)
    fresh, _ = graph.load(SEEDS)
    fresh.__dict__.pop("_story_index")  # rebuilt from the graph: the same answers
    assert later == echoes_of(fresh, insidebitcoins)


def test_articles_without_any_words_make_no_story_and_no_error() -> None:
    """Titles of stop words and punctuation only: an empty vocabulary is not an error."""
    from graph.stories import _build

    a = listing("https://a.example/1", "The", 0, "a.example")
    b = listing("https://b.example/2", "... !!", 1, "b.example")
    g = build_graph([Record("x.md", a, (b,))])
    assert detect_stories(g).stories == 0
    assert echoes_of(g, "article:https://a.example/1") == []
    index, parsed, matrix = _build(iter(["the\n", "a\n"]), StorySettings(), keep=False)
    assert matrix is None and parsed == [] and index.specific == {}
    index, parsed, matrix = _build(iter(["Veltrix raises $450M\n", "Quorvane recalls scooters\n"]), StorySettings())
    assert matrix is not None and matrix.shape[0] == 2 and len(parsed) == 2


def test_candidate_pairs_do_not_depend_on_the_row_block_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Candidate blocking multiplies a few thousand rows at a time; any block size gives the same stories."""
    from graph import stories
    from graph.synth import write_corpus

    write_corpus(tmp_path, 400, seed=5)
    default = snapshot(graph.load(tmp_path)[0])
    monkeypatch.setattr(stories, "_BLOCK_ROWS", 7)
    small_blocks = snapshot(graph.load(tmp_path)[0])
    assert small_blocks == default
    assert sum(1 for _, _, data in default[0] if data.get("kind") == "echoes") > 20  # not vacuous
