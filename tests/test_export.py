"""Exports read back by NetworkX, igraph and the csv module with every attribute intact.

Expected values come from the documented mapping (see graph/export.py), written out
here independently of the implementation: bools, ints and floats stay as they are,
datetimes become ``YYYY-MM-DDTHH:MM:SSZ`` in UTC, tuples/lists and ``Image``s become
JSON text (compared after ``json.loads``), ``None`` is absent.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graph
from graph.errors import NewsgraphError, NotFound
from graph.export import FORMATS, iter_bytes, write, write_csv, xml_safe
from graph.model import CoverageGraph
from graph.records import Image
from graph.subgraphs import provider_nodes, select

igraph = pytest.importorskip("igraph")

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
UTC = timezone.utc
XML_FORMATS = ("graphml", "gexf")
NX_FORMATS = ("graphml", "gexf", "json")

# ---------------------------------------------------------------- expectations


@dataclass(frozen=True)
class JsonText:
    """An expected JSON-text attribute: compared after ``json.loads``."""

    value: Any


def _plain(value: Any) -> Any:
    if isinstance(value, Image):
        return {k: v for k, v in (("url", value.url), ("width", value.width), ("height", value.height)) if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return _iso(value)
    return value


def _iso(moment: datetime) -> str:
    assert moment.microsecond == 0  # the corpora have whole seconds
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def expected_value(value: Any) -> Any:
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, (list, tuple, Image)):
        return JsonText(_plain(value))
    raise AssertionError(f"no expectation for {type(value).__name__}")


def expected_attrs(data: dict[str, Any]) -> dict[str, Any]:
    return {k: expected_value(v) for k, v in data.items() if v is not None}


Nodes = dict[str, dict[str, Any]]
Edges = dict[tuple[str, str, str], dict[str, Any]]


def expected_graph(g: nx.MultiDiGraph, nodes: set[str] | None = None) -> tuple[Nodes, Edges]:
    keep = set(g) if nodes is None else nodes
    want_nodes = {n: expected_attrs(d) for n, d in g.nodes(data=True) if n in keep}
    want_edges = {(u, v, k): expected_attrs(d) for u, v, k, d in g.edges(keys=True, data=True) if u in keep and v in keep}
    return want_nodes, want_edges


def same_value(got: Any, want: Any, where: str) -> None:
    if isinstance(want, JsonText):
        assert isinstance(got, str), f"{where}: expected JSON text, got {got!r}"
        assert json.loads(got) == want.value, where
    elif isinstance(want, float) and math.isnan(want):
        assert isinstance(got, float) and math.isnan(got), f"{where}: {got!r}"
    else:
        assert type(got) is type(want), f"{where}: {type(got).__name__} {got!r} != {type(want).__name__} {want!r}"
        assert got == want, where


def same_attrs(got: dict[str, Any], want: dict[str, Any], where: str) -> None:
    assert set(got) == set(want), f"{where}: keys {sorted(set(got) ^ set(want))}"
    for key, value in want.items():
        same_value(got[key], value, f"{where}.{key}")


# ---------------------------------------------------------------- reading back


def export(g: CoverageGraph | nx.MultiDiGraph, fmt: str, nodes: set[str] | None = None) -> bytes:
    out = io.BytesIO()
    write(g, fmt, out, nodes)
    return out.getvalue()


def read_nx(fmt: str, data: bytes) -> tuple[Nodes, Edges, bool]:
    """Nodes, edges (keyed by (u, v, key); key None when the reader drops keys), multigraph?"""
    if fmt == "graphml":
        back = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
    elif fmt == "gexf":
        back = nx.read_gexf(io.BytesIO(data))
    else:
        doc = json.loads(data, parse_constant=lambda token: pytest.fail(f"non-standard JSON token {token}"))
        back = nx.node_link_graph(doc, edges="edges")
        assert back.is_directed() and back.is_multigraph()
    nodes: Nodes = {}
    for node, attrs in back.nodes(data=True):
        attrs = dict(attrs)
        if fmt == "gexf":
            attrs.pop("label")  # GEXF's own label, checked separately
        nodes[node] = attrs
    edges: Edges = {}
    if back.is_multigraph():
        for u, v, k, attrs in back.edges(keys=True, data=True):
            attrs = dict(attrs)
            if fmt == "gexf":
                attrs.pop("id")  # GEXF's own running edge id
            edges[(u, v, k)] = attrs
    else:  # NetworkX's GEXF reader returns a DiGraph when no two edges share ends
        for u, v, attrs in back.edges(data=True):
            attrs = dict(attrs)
            attrs.pop("id")
            edges[(u, v, None)] = attrs  # type: ignore[index]
    return nodes, edges, back.is_multigraph()


def check_nx(fmt: str, data: bytes, g: nx.MultiDiGraph, nodes: set[str] | None = None) -> None:
    want_nodes, want_edges = expected_graph(g, nodes)
    got_nodes, got_edges, multi = read_nx(fmt, data)
    assert set(got_nodes) == set(want_nodes)
    for node, attrs in want_nodes.items():
        same_attrs(got_nodes[node], attrs, f"{fmt} {node}")
    if not multi:
        assert len({(u, v) for u, v, _ in want_edges}) == len(want_edges)
        want_edges = {(u, v, None): a for (u, v, _), a in want_edges.items()}  # type: ignore[misc]
    assert set(got_edges) == set(want_edges)
    for edge, attrs in want_edges.items():
        same_attrs(got_edges[edge], attrs, f"{fmt} {edge}")


def check_gexf_labels(data: bytes, g: nx.MultiDiGraph) -> None:
    back = nx.read_gexf(io.BytesIO(data))
    for node, attrs in back.nodes(data=True):
        original = g.nodes[node]
        assert attrs["label"] == (original.get("title") or original.get("name") or node)


def read_igraph(data: bytes) -> Any:
    """igraph reads from a real file (it needs a file descriptor)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.graphml"
        path.write_bytes(data)
        return igraph.Graph.Read_GraphML(str(path))


def check_igraph(data: bytes, g: nx.MultiDiGraph, nodes: set[str] | None = None) -> None:
    """igraph keeps every value; its own limits: numbers are doubles, and an absent value
    reads as its type's null (``""``, NaN, False)."""
    want_nodes, want_edges = expected_graph(g, nodes)
    back = read_igraph((data))
    assert back.is_directed()
    # igraph 1.0 hands back "&" inside XML attributes (so in node ids) as "&#38;" however
    # it was escaped; text content is unaffected. Undo that one quirk.
    ids = [i.replace("&#38;", "&") for i in back.vs["id"]]
    assert sorted(ids) == sorted(want_nodes) and len(ids) == len(set(ids))

    def compare(got: dict[str, Any], want: dict[str, Any], where: str) -> None:
        for key, value in got.items():
            if key == "id":
                continue
            if key not in want:
                assert value in ("", False) or (isinstance(value, float) and math.isnan(value)), f"{where}.{key}"
                continue
            expected = want[key]
            if isinstance(expected, bool):
                assert value is expected, f"{where}.{key}"
            elif isinstance(expected, (int, float)):
                assert isinstance(value, float), f"{where}.{key}"
                assert value == float(expected) or (math.isnan(value) and math.isnan(expected)), f"{where}.{key}"
            else:
                same_value(value, expected, f"{where}.{key}")
        assert set(want) <= set(got), f"{where}: missing {set(want) - set(got)}"

    for vertex, node in zip(back.vs, ids):
        compare(vertex.attributes(), want_nodes[node], f"igraph {node}")
    got_edges: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for edge in back.es:
        attrs = edge.attributes()
        got_edges.setdefault((ids[edge.source], ids[edge.target], attrs["kind"]), []).append(attrs)
    # Edge keys are the kinds in the coverage graph, so (u, v, kind) is unique.
    assert {k: len(v) for k, v in got_edges.items()} == {(u, v, a["kind"]): 1 for (u, v, _), a in want_edges.items()}
    for (u, v, _), attrs in want_edges.items():
        # igraph 1.0's reader fills the edge "id" attribute with unrelated values: not compared.
        compare(got_edges[(u, v, attrs["kind"])][0], attrs, f"igraph {u}->{v}")


def _csv_text(value: Any) -> str:
    if isinstance(value, JsonText):
        raise AssertionError("compared separately")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else repr(value)
    return str(value)


def read_csv(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], rows[1:]


def check_csv(nodes_text: str, edges_text: str, g: nx.MultiDiGraph, nodes: set[str] | None = None) -> None:
    want_nodes, want_edges = expected_graph(g, nodes)
    header, rows = read_csv(nodes_text)
    assert header[:2] == ["id:ID", ":LABEL"]
    columns = [h.partition(":") for h in header[2:]]
    assert len(rows) == len(want_nodes)
    for row in rows:
        node, label = row[0], row[1]
        want = want_nodes[node]
        assert label == want["kind"].capitalize()
        got = {name: cell for (name, _, _), cell in zip(columns, row[2:]) if cell != ""}
        assert set(got) == {k for k, v in want.items() if v != ""}, node
        for (name, _, neo4j_type), cell in zip(columns, row[2:]):
            if name in want:
                _check_csv_cell(cell, want[name], neo4j_type, f"csv {node}.{name}")
    header, rows = read_csv(edges_text)
    assert header[:4] == [":START_ID", ":END_ID", ":TYPE", "key"]
    columns = [h.partition(":") for h in header[4:]]
    seen = set()
    for row in rows:
        u, v, rel_type, key = row[:4]
        want = want_edges[(u, v, key)]
        seen.add((u, v, key))
        assert rel_type == want["kind"].upper()
        got = {name: cell for (name, _, _), cell in zip(columns, row[4:]) if cell != ""}
        assert set(got) == {k for k, v in want.items() if v != ""}
        for (name, _, neo4j_type), cell in zip(columns, row[4:]):
            if name in want:
                _check_csv_cell(cell, want[name], neo4j_type, f"csv {u}->{v}.{name}")
    assert seen == set(want_edges)


_NEO4J = {bool: "boolean", int: "long", float: "double"}


def _check_csv_cell(cell: str, want: Any, neo4j_type: str, where: str) -> None:
    if isinstance(want, JsonText):
        assert neo4j_type == "" and json.loads(cell) == want.value, where
        return
    if isinstance(want, str) and len(want) == 20 and want.endswith("Z") and want[10] == "T":
        assert neo4j_type in ("datetime", ""), where
    else:
        assert neo4j_type == _NEO4J.get(type(want), ""), where
    assert cell == _csv_text(want), where


def csv_pair(g: CoverageGraph | nx.MultiDiGraph, nodes: set[str] | None = None) -> tuple[str, str]:
    nodes_out, edges_out = io.BytesIO(), io.BytesIO()
    write_csv(g, nodes_out, edges_out, nodes)
    return nodes_out.getvalue().decode("utf-8"), edges_out.getvalue().decode("utf-8")


def check_everything(g: CoverageGraph, nodes: set[str] | None = None) -> None:
    for fmt in NX_FORMATS:
        data = export(g, fmt, nodes)
        if fmt in XML_FORMATS:
            ET.fromstring(data)
        check_nx(fmt, data, g.nx, nodes)
    check_gexf_labels(export(g, "gexf", nodes), g.nx)
    check_igraph(export(g, "graphml", nodes), g.nx, nodes)
    check_csv(*csv_pair(g, nodes), g.nx, nodes)


# ---------------------------------------------------------------- the seed


@pytest.fixture(scope="module")
def seed() -> CoverageGraph:
    return graph.load("seeds")[0]


@pytest.fixture()
def bare_seed() -> CoverageGraph:
    return graph.load("seeds", stories=False)[0]


@pytest.mark.parametrize("fmt", NX_FORMATS)
def test_seed_counts_by_kind(bare_seed: CoverageGraph, fmt: str) -> None:
    nodes, edges, _ = read_nx(fmt, export(bare_seed, fmt))
    kinds = [attrs["kind"] for attrs in nodes.values()]
    assert (kinds.count("article"), kinds.count("provider"), kinds.count("topic")) == (9, 8, 2)
    assert len(kinds) == 19
    # 9 published_by + 2 tagged + 8 related
    assert sorted(a["kind"] for a in edges.values()).count("related") == 8
    assert len(edges) == 19


def test_seed_counts_in_igraph(bare_seed: CoverageGraph) -> None:
    back = read_igraph((export(bare_seed, "graphml")))
    kinds = back.vs["kind"]
    assert (kinds.count("article"), kinds.count("provider"), kinds.count("topic")) == (9, 8, 2)
    assert back.ecount() == 19


def test_seed_values_by_hand(bare_seed: CoverageGraph) -> None:
    """A few values read straight from the seed file, not from the graph."""
    back = nx.read_graphml(io.BytesIO(export(bare_seed, "graphml")), force_multigraph=True)
    primary = back.nodes["article:https://insidebitcoins.com/news/how-china-is-developing-ai-without-us-chips"]
    assert primary["quality"] == 54 and type(primary["quality"]) is int
    assert primary["heat"] == -1
    assert primary["primary"] is True
    assert primary["published"] == "2023-05-07T17:18:00Z"
    assert json.loads(primary["images"]) == [
        {"url": "https://insidebitcoins.com/wp-content/uploads/2018/02/china-economy.jpg", "width": 1920, "height": 1200}
    ]
    state = back.nodes["article:https://cointelegraph.com/news/state-sponsored-chinese-ai-firm-launches-bot-service-to-surpass-chatgpt"]
    assert state["title"] == "State-sponsored Chinese AI firm launches bot service to \u2018surpass\u2019 ChatGPT"
    assert state["primary"] is False
    assert "heat" not in state  # None is omitted
    assert len(json.loads(state["urls"])) == 3  # webUrl, ampWebUrl, cdnAmpWebUrl
    assert back.nodes["topic:ai hardware"]["name"] == "AI Hardware"
    edge = back.edges[
        "article:https://insidebitcoins.com/news/how-china-is-developing-ai-without-us-chips",
        "article:https://wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f",
        "related",
    ]
    assert edge["rank"] == 1 and json.loads(edge["sources"]) == ["000_78be6e7624add5e0.txt"]


def test_seed_with_stories_round_trips(seed: CoverageGraph) -> None:
    check_everything(seed)


def test_seed_graphml_declares_types(bare_seed: CoverageGraph) -> None:
    root = ET.fromstring(export(bare_seed, "graphml"))
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    types = {(k.get("for"), k.get("attr.name")): k.get("attr.type") for k in root.iter(f"{ns}key")}
    assert types[("node", "quality")] == "long"
    assert types[("node", "primary")] == "boolean"
    assert types[("node", "published")] == "string"
    assert types[("node", "urls")] == "string"
    assert types[("edge", "rank")] == "long"
    # one key per name and domain: no attribute key has two types
    assert len(types) == len(list(root.iter(f"{ns}key")))


def test_graphml_edge_ids_are_the_keys(bare_seed: CoverageGraph) -> None:
    root = ET.fromstring(export(bare_seed, "graphml"))
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    for edge in root.iter(f"{ns}edge"):
        kind = next(d.text for d in edge if d.get("key") == "e0")
        assert edge.get("id") == kind


def test_csv_zip_holds_the_two_files(seed: CoverageGraph) -> None:
    archive = zipfile.ZipFile(io.BytesIO(export(seed, "csv")))
    assert archive.namelist() == ["nodes.csv", "edges.csv"]
    assert archive.testzip() is None
    nodes_text, edges_text = csv_pair(seed)
    assert archive.read("nodes.csv").decode() == nodes_text
    assert archive.read("edges.csv").decode() == edges_text


def test_csv_to_text_streams(seed: CoverageGraph) -> None:
    nodes_out, edges_out = io.StringIO(newline=""), io.StringIO(newline="")
    write_csv(seed, nodes_out, edges_out)
    assert (nodes_out.getvalue(), edges_out.getvalue()) == csv_pair(seed)


def test_text_and_binary_outputs_agree(seed: CoverageGraph) -> None:
    for fmt in NX_FORMATS:
        text = io.StringIO()
        write(seed, fmt, text)
        assert text.getvalue().encode("utf-8") == export(seed, fmt)
        assert b"".join(iter_bytes(seed, fmt, chunk_size=100)) == export(seed, fmt)


def test_exports_are_deterministic(seed: CoverageGraph) -> None:
    again = graph.load("seeds")[0]
    for fmt in FORMATS:
        assert export(seed, fmt) == export(again, fmt)


# ---------------------------------------------------------------- subgraphs


def test_provider_subgraph_export(bare_seed: CoverageGraph) -> None:
    chosen = provider_nodes(bare_seed, "cointelegraph.com")
    check_everything(bare_seed, chosen)
    nodes, edges, _ = read_nx("graphml", export(bare_seed, "graphml", chosen))
    assert len(nodes) == 3
    # only the two published_by edges have both ends inside (the related edges start at the primary)
    assert sorted(a["kind"] for a in edges.values()) == ["published_by", "published_by"]


def test_story_subgraph_export_carries_echoes(bare_seed: CoverageGraph) -> None:
    g = bare_seed.nx
    wsj = "article:https://wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f"
    fud = "article:https://fudzilla.com/news/ai/56847-chinese-think-they-can-do-ai-with-weaker-chips"
    g.add_node(
        "story:s1",
        kind="story",
        origin=wsj,
        size=2,
        first_published=datetime(2023, 5, 7, 13, tzinfo=UTC),
        last_published=datetime(2023, 5, 8, 10, 41, tzinfo=UTC),
        title="U.S. Sanctions Drive Chinese Firms",
    )
    g.add_edge(wsj, "story:s1", key="in_story", kind="in_story")
    g.add_edge(fud, "story:s1", key="in_story", kind="in_story")
    g.add_edge(fud, wsj, key="echoes", kind="echoes", lag_hours=21.683333333333334, similarity=0.5, evidence=("cites:wsj.com", "within-24h"))
    chosen = select(bare_seed, story="s1")
    assert chosen is not None
    check_everything(bare_seed, chosen)
    back = nx.read_graphml(io.BytesIO(export(bare_seed, "graphml", chosen)), force_multigraph=True)
    echo = back.edges[fud, wsj, "echoes"]
    assert echo["lag_hours"] == 21.683333333333334 and json.loads(echo["evidence"]) == ["cites:wsj.com", "within-24h"]
    assert back.nodes["story:s1"]["first_published"] == "2023-05-07T13:00:00Z"
    assert back.nodes["story:s1"]["size"] == 2


def test_unknown_selection_and_format(seed: CoverageGraph) -> None:
    out = io.BytesIO()
    with pytest.raises(NotFound):
        write(seed, "graphml", out, {"provider:wsj.com", "provider:nope.example"})
    with pytest.raises(NotFound):
        iter_bytes(seed, "json", {"nope"})  # raised before the first chunk is asked for
    with pytest.raises(NewsgraphError, match="unknown export format"):
        write(seed, "dot", out)
    with pytest.raises(NewsgraphError, match="binary"):
        write(seed, "csv", io.StringIO())
    assert out.getvalue() == b""


def test_empty_selection_is_a_valid_empty_graph(seed: CoverageGraph) -> None:
    for fmt in NX_FORMATS:
        nodes, edges, _ = read_nx(fmt, export(seed, fmt, set()))
        assert nodes == {} and edges == {}
    assert read_igraph((export(seed, "graphml", set()))).vcount() == 0


# ---------------------------------------------------------------- a generated corpus

_PROVIDERS = [
    ("www.example-news.com", "Example News"),
    ("tech.example.org", "Tech Example"),
    ("caf\u00e9-presse.fr", "Caf\u00e9 Presse"),
    ("nikkei.example.jp", "\u65e5\u7d4c"),
    ("wire.example.net", "The Wire"),
    ("wire.example.net", "Wire"),
]
_TOPICS = ["AI", "Chips", "no", "On", "Caf\u00e9 culture", "\u534a\u5bfc\u4f53", "Self-driving cars", "017"]
_WORDS = "chip export rule startup funding robotaxi model lawsuit court deal merger \u201cscoop\u201d caf\u00e9 \U0001f680".split()


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _listing(rng: random.Random, index: int, when: datetime, *, video: bool = False) -> list[str]:
    domain, name = rng.choice(_PROVIDERS)
    title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 9))).capitalize()
    if rng.random() < 0.1:
        title += " &amp; more"
    lines = [f"title: {_q(title)}", f"publishedDateTime: {when.strftime('%Y-%m-%dT%H:%M:%SZ')}"]
    if rng.random() < 0.8:
        lines.append(f"excerpt: {_q(' '.join(rng.choice(_WORDS) for _ in range(12)))}")
    if not video:
        url = f"https://{domain}/news/{index}-{rng.randrange(10**6)}"
        lines.append(f"webUrl: {_q(url + ('?utm_source=feed' if rng.random() < 0.3 else ''))}")
        if rng.random() < 0.3:
            lines.append(f"ampWebUrl: {_q(url + '/amp')}")
    lines.append(f"type: {'video' if video else 'article'}")
    lines.append(f"quality: {rng.randint(0, 100)}")
    if rng.random() < 0.5:
        lines.append(f"heat: {rng.randint(-1, 500)}")
    lines.append(f"provider: {{name: {_q(name)}, domain: {_q(domain)}}}")
    if rng.random() < 0.7:
        lines.append("images:")
        lines.append(f"  - url: {_q(f'https://img.{domain}/{index}.jpg')}")
        if rng.random() < 0.7:
            lines.append(f"    width: {rng.randint(100, 2000)}")
            lines.append(f"    height: {rng.randint(100, 2000)}")
    return lines


def write_corpus(folder: Path, count: int, seed: int = 7) -> None:
    """Seed-format records: aliases, videos without URLs, related lists that overlap."""
    rng = random.Random(seed)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    shared: list[list[str]] = []
    for index in range(count):
        when = start + timedelta(minutes=rng.randrange(60 * 24 * 60))
        video = rng.random() < 0.08
        lines = ["---", *_listing(rng, index, when, video=video)]
        topics = rng.sample(_TOPICS, rng.randint(0, 3))
        if topics:
            lines.append("topics:")
            lines.extend(f"  - {t}" for t in topics)  # unquoted on purpose: no, On, 017
        related: list[list[str]] = []
        for _ in range(rng.randint(0, 4)):
            if shared and rng.random() < 0.4:
                related.append(rng.choice(shared))  # the same article listed by several records
            else:
                item = _listing(rng, count + index * 10 + len(related), when + timedelta(hours=rng.randint(-30, 30)))
                related.append(item)
                shared.append(item)
        if related:
            lines.append("related:")
            for item in related:
                lines.append(f"  - {item[0]}")
                lines.extend(f"    {line}" for line in item[1:])
        lines.append("---")
        (folder / f"{index:05d}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> CoverageGraph:
    folder = tmp_path_factory.mktemp("generated")
    write_corpus(folder, 150)
    g, report = graph.load(folder, workers=1)
    assert report.rejected == 0, report.errors[:3]
    return g


def test_generated_corpus_round_trips(generated: CoverageGraph) -> None:
    kinds = {k for _, k in generated.nx.nodes(data="kind")}
    assert {"article", "provider", "topic"} <= kinds
    assert any(d.get("url") is None for _, d in generated.nx.nodes(data=True) if d["kind"] == "article")  # videos
    check_everything(generated)


def test_generated_corpus_subgraphs_round_trip(generated: CoverageGraph) -> None:
    topic = next(n for n, k in generated.nx.nodes(data="kind") if k == "topic")
    for chosen in (
        select(generated, topic=topic),
        select(generated, since=datetime(2023, 1, 10, tzinfo=UTC), until=datetime(2023, 1, 20, tzinfo=UTC)),
    ):
        assert chosen
        check_everything(generated, chosen)


def test_streaming_yields_bounded_chunks(generated: CoverageGraph) -> None:
    chunks = list(iter_bytes(generated, "graphml", chunk_size=4096))
    assert len(chunks) > 10
    # a chunk closes as soon as it passes chunk_size characters: one node or edge past it at most
    assert max(len(c) for c in chunks[:-1]) < 4096 * 4 + 20_000


def test_no_copy_of_the_graph_is_made(generated: CoverageGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the export copied the graph")

    for cls in (nx.Graph, nx.DiGraph, nx.MultiGraph, nx.MultiDiGraph):
        monkeypatch.setattr(cls, "copy", refuse)
        monkeypatch.setattr(cls, "subgraph", refuse)
    monkeypatch.setattr(nx, "write_graphml", refuse)
    chosen = select(generated, since=datetime(2023, 1, 10, tzinfo=UTC))
    for fmt in FORMATS:
        assert export(generated, fmt)
        assert export(generated, fmt, chosen)


def test_project_synthetic_corpus_round_trips(tmp_path: Path) -> None:
    """graph.synth's corpus: stories, echoes, URL twins and aliases, repeated articles."""
    synth = pytest.importorskip("graph.synth")
    synth.write_corpus(tmp_path, 300, seed=3)
    g, report = graph.load(tmp_path)
    assert report.rejected == 0
    check_everything(g)


# ---------------------------------------------------------------- real corpora


@pytest.fixture(scope="module", params=["powerapps", "smartable-powerapps", "labeled"])
def corpus(request: pytest.FixtureRequest) -> CoverageGraph:
    folder = CORPORA / request.param
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    g, report = graph.load(folder)
    assert report.records > 0
    return g


def test_real_corpus_round_trips(corpus: CoverageGraph) -> None:
    check_everything(corpus)


def test_real_corpus_story_subgraphs_round_trip(corpus: CoverageGraph) -> None:
    stories = sorted(n for n, k in corpus.nx.nodes(data="kind") if k == "story")
    if not stories:
        pytest.skip("no stories detected in this corpus")
    for story in stories[:3]:
        chosen = select(corpus, story=story)
        assert chosen is not None
        check_everything(corpus, chosen)


# ---------------------------------------------------------------- hostile values

A = "article:https://wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f"
B = "article:https://fudzilla.com/news/ai/56847-chinese-think-they-can-do-ai-with-weaker-chips"
P = "provider:wsj.com"
T = "topic:ai"
HOSTILE_TITLE = (
    "NUL\x00 BEL\x07 VT\x0b FF\x0c ESC\x1b DEL\x7f C1\x85\x9f | lone\ud800 \udfff pair\ud83d\ude00 | "
    "nonchar\ufffe\uffff | CR\rLF\nCRLF\r\n tab\t | caf\u00e9 \u6f22\u5b57 \U0001f600 \u2018curly\u2019 \u201cdouble\u201d <&>\"' ]]>"
)
# Worked out by hand: controls, lone surrogates and U+FFFE/U+FFFF go; the surrogate pair
# becomes its emoji; tab/CR/LF, markup characters and ordinary Unicode stay.
CLEAN_TITLE = (
    "NUL BEL VT FF ESC DEL C1 | lone  pair\U0001f600 | "
    "nonchar | CR\rLF\nCRLF\r\n tab\t | caf\u00e9 \u6f22\u5b57 \U0001f600 \u2018curly\u2019 \u201cdouble\u201d <&>\"' ]]>"
)
LONG_NAME = "x" * 1_000_000 + "\u00e9"
BAD_ID = "topic:bad\x00id\ud800"


@pytest.fixture()
def hostile(bare_seed: CoverageGraph) -> CoverageGraph:
    bare_seed.nx = bare_seed.nx.copy()  # membership edges share read-only dicts: edit a copy
    g = bare_seed.nx
    g.nodes[A]["title"] = HOSTILE_TITLE
    g.nodes[P]["name"] = LONG_NAME
    g.nodes[A]["big"], g.nodes[P]["big"], g.nodes[T]["big"] = 2**70, 7, -(2**64)
    g.nodes[A]["edge64"], g.nodes[P]["edge64"] = 2**63 - 1, -(2**63)
    g.nodes[A]["score"], g.nodes[P]["score"], g.nodes[T]["score"], g.nodes[B]["score"] = (
        float("nan"),
        float("inf"),
        float("-inf"),
        0.25,
    )
    g.nodes[A]["mixed"], g.nodes[P]["mixed"] = 3, 0.5
    g.nodes[A]["flag"], g.nodes[P]["flag"] = True, 1
    g.nodes[A]["when"] = datetime(2023, 5, 7, 15, 0, tzinfo=timezone(timedelta(hours=2)))
    g.nodes[P]["when"] = datetime(2023, 5, 7, 13, 0)  # naive: UTC
    g.nodes[A]["aliases"] = ("a\x00b", "ok\U0001f600", "\ud800", "line\r\nbreak")
    g.nodes[A]["nothing"] = None
    g.nodes[A]["empty"] = ""
    g.edges[A, P, "published_by"]["note"] = "edge\x00 note\r\n"
    g.edges[A, P, "published_by"]["weight"] = float("nan")
    g.add_node(BAD_ID, kind="topic", name="Bad\x01 topic", names=("Bad\x01 topic",))
    g.add_edge(A, BAD_ID, key="tagged", kind="tagged")
    return bare_seed


def _hostile_checks(nodes: Nodes, edges: Edges, *, json_format: bool = False) -> None:
    a, p, t, b = nodes[A], nodes[P], nodes[T], nodes[B]
    assert a["title"] == CLEAN_TITLE
    assert p["name"] == LONG_NAME
    # a key with an int beyond 64 bits is a string key everywhere, values exact
    assert (a["big"], p["big"], t["big"]) == (str(2**70), "7", str(-(2**64)))
    assert (a["edge64"], p["edge64"]) == (2**63 - 1, -(2**63))
    assert type(a["edge64"]) is int
    if json_format:  # JSON has no NaN: strings that float() reads
        assert (a["score"], p["score"], t["score"]) == ("NaN", "Infinity", "-Infinity")
    else:
        assert math.isnan(a["score"]) and p["score"] == math.inf and t["score"] == -math.inf
    assert b["score"] == 0.25
    assert (a["mixed"], p["mixed"]) == (3.0, 0.5) and type(a["mixed"]) is float
    assert (a["flag"], p["flag"]) == ("true", "1")
    assert a["when"] == p["when"] == "2023-05-07T13:00:00Z"
    assert json.loads(a["aliases"]) == ["ab", "ok\U0001f600", "", "line\r\nbreak"]
    assert "nothing" not in a
    assert a["empty"] == ""
    assert "topic:badid" in nodes and nodes["topic:badid"]["name"] == "Bad topic"
    assert json.loads(nodes["topic:badid"]["names"]) == ["Bad topic"]
    edge = next(attrs for (u, v, _), attrs in edges.items() if (u, v) == (A, P))
    assert edge["note"] == "edge note\r\n"
    assert edge["weight"] == "NaN" if json_format else math.isnan(edge["weight"])
    assert any((u, v) == (A, "topic:badid") for u, v, _ in edges)


@pytest.mark.parametrize("fmt", NX_FORMATS)
def test_hostile_values_round_trip_through_networkx(hostile: CoverageGraph, fmt: str) -> None:
    data = export(hostile, fmt)
    if fmt in XML_FORMATS:
        ET.fromstring(data)  # well-formed XML
    nodes, edges, _ = read_nx(fmt, data)
    _hostile_checks(nodes, edges, json_format=fmt == "json")


def test_hostile_values_graphml_types(hostile: CoverageGraph) -> None:
    root = ET.fromstring(export(hostile, "graphml"))
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    types = {(k.get("for"), k.get("attr.name")): k.get("attr.type") for k in root.iter(f"{ns}key")}
    assert types[("node", "big")] == "string"
    assert types[("node", "edge64")] == "long"
    assert types[("node", "score")] == "double"
    assert types[("node", "mixed")] == "double"
    assert types[("node", "flag")] == "string"
    assert types[("edge", "weight")] == "double"
    assert ("node", "nothing") not in types


def test_hostile_values_gexf_types_and_label(hostile: CoverageGraph) -> None:
    data = export(hostile, "gexf")
    root = ET.fromstring(data)
    ns = "{http://www.gexf.net/1.2draft}"
    types = {(a.get("title"), a.get("type")) for a in root.iter(f"{ns}attribute")}
    assert {("big", "string"), ("edge64", "long"), ("score", "double"), ("flag", "string")} <= types
    back = nx.read_gexf(io.BytesIO(data))
    assert back.nodes[A]["label"] == CLEAN_TITLE


def test_hostile_values_in_igraph(hostile: CoverageGraph) -> None:
    back = read_igraph((export(hostile, "graphml")))
    vertex = {v["id"]: v.attributes() for v in back.vs}
    assert vertex[A]["title"] == CLEAN_TITLE
    assert vertex[P]["name"] == LONG_NAME
    assert vertex[A]["big"] == str(2**70)
    assert math.isnan(vertex[A]["score"]) and vertex[P]["score"] == math.inf and vertex[T]["score"] == -math.inf
    assert vertex[A]["edge64"] == float(2**63 - 1)  # igraph numbers are doubles
    assert vertex["topic:badid"]["name"] == "Bad topic"


def test_hostile_values_in_csv(hostile: CoverageGraph) -> None:
    nodes_text, edges_text = csv_pair(hostile)
    limit = csv.field_size_limit()
    csv.field_size_limit(4_000_000)  # the 1 MB name is over the csv module's default limit
    try:
        header, rows = read_csv(nodes_text)
        edge_header, edge_rows = read_csv(edges_text)
    finally:
        csv.field_size_limit(limit)
    names = [h.partition(":")[0] for h in header]
    types = dict(h.partition(":")[::2] for h in header)
    assert types["big"] == "" and types["edge64"] == "long" and types["score"] == "double" and types["when"] == "datetime"
    by_id = {row[0]: dict(zip(names, row)) for row in rows}
    a, p, t = by_id[A], by_id[P], by_id[T]
    assert a["title"] == CLEAN_TITLE and p["name"] == LONG_NAME
    assert (a["big"], p["big"], t["big"]) == (str(2**70), "7", str(-(2**64)))
    assert (a["score"], p["score"], t["score"]) == ("NaN", "Infinity", "-Infinity")
    assert a["when"] == "2023-05-07T13:00:00Z"
    assert json.loads(a["aliases"]) == ["ab", "ok\U0001f600", "", "line\r\nbreak"]
    assert "topic:badid" in by_id
    edge_names = [h.partition(":")[0] for h in edge_header]
    edge = next(dict(zip(edge_names, row)) for row in edge_rows if row[:2] == [A, P])
    assert edge["note"] == "edge note\r\n" and edge["weight"] == "NaN"


def test_csv_tells_empty_strings_from_absent_values() -> None:
    g = nx.MultiDiGraph()
    g.add_node("x", kind="topic", empty="", note='say "hi", then\nleave')
    g.add_node("y", kind="topic", note=None)
    g.add_edge("x", "y", key="tagged", kind="tagged", rank=2)
    nodes_text, edges_text = csv_pair(g)
    # strings always quoted (inner quotes doubled), absent values empty and unquoted
    assert nodes_text == (
        "id:ID,:LABEL,kind,empty,note\n"
        '"x","Topic","topic","","say ""hi"", then\nleave"\n'
        '"y","Topic","topic",,\n'
    )
    assert edges_text == ':START_ID,:END_ID,:TYPE,key,kind,rank:long\n"x","y","TAGGED","tagged","tagged",2\n'


def test_xml_safe_keeps_ordinary_unicode() -> None:
    text = "Caf\u00e9 \u00fcber na\u00efve \u6f22\u5b57 \ud55c\uad6d\uc5b4 \U0001f600\U0001f680 \u2018q\u2019 \u201cq\u201d \u2014 \u20ac \u00a0"
    assert xml_safe(text) == text
    assert xml_safe("\ud83d\ude00") == "\U0001f600"
    assert xml_safe("a\udc00\ud800b") == "ab"
    assert xml_safe("\x00\x1f\x7f\x80\x9f\ufffe\uffff") == ""
    assert xml_safe("\t\n\r") == "\t\n\r"


_FORBIDDEN = set(range(0x00, 0x09)) | {0x0B, 0x0C} | set(range(0x0E, 0x20)) | set(range(0x7F, 0xA0)) | {0xFFFE, 0xFFFF}


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())))
def test_any_string_round_trips_cleaned(text: str) -> None:
    g = nx.MultiDiGraph()
    g.add_node("n", kind="topic", name=text)
    back = nx.read_graphml(io.BytesIO(export(g, "graphml")), force_multigraph=True)
    got = back.nodes["n"]["name"]
    assert not any(ord(c) in _FORBIDDEN or 0xD800 <= ord(c) <= 0xDFFF for c in got)
    if not any(ord(c) in _FORBIDDEN or 0xD800 <= ord(c) <= 0xDFFF for c in text):
        assert got == text  # nothing to remove: kept exactly
    assert got == xml_safe(text)
    assert json.loads(export(g, "json"))["nodes"][0]["name"] == got


def test_iso_datetimes_in_utc() -> None:
    g = nx.MultiDiGraph()
    g.add_node("x", kind="article", published=datetime(2023, 5, 7, 23, 30, tzinfo=timezone(timedelta(hours=-5))))
    back = nx.read_graphml(io.BytesIO(export(g, "graphml")), force_multigraph=True)
    assert back.nodes["x"]["published"] == "2023-05-08T04:30:00Z"


def test_formats_table() -> None:
    assert set(FORMATS) == {"graphml", "gexf", "json", "csv"}
    assert FORMATS["graphml"].filename("story") == "story.graphml"
    assert FORMATS["json"].content_type == "application/json"
    assert FORMATS["csv"].content_type == "application/zip"
    for fmt in FORMATS.values():
        assert fmt.name and fmt.extension and "/" in fmt.content_type


def _iterate(chunks: Iterator[bytes]) -> int:
    return sum(len(c) for c in chunks)


def test_iter_bytes_is_lazy(seed: CoverageGraph) -> None:
    chunks = iter_bytes(seed, "graphml", chunk_size=64)
    first = next(chunks)
    assert first.startswith(b"<?xml")
    assert _iterate(chunks) + len(first) == len(export(seed, "graphml"))
