"""graph.ingest: finding, parsing, validating and normalizing record files.

Expectations about the real corpora are derived from the raw files with plain
``yaml.safe_load`` and minimal normalization, never from the code under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SEEDS, write_records
from graph.errors import RecordError
from graph.ingest import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    find_record_files,
    parse_datetime,
    parse_file,
    parse_yaml,
    read_records,
    split_front_matter,
)
from graph.model import build_graph
from graph.records import Record

ROOT = Path(__file__).resolve().parents[1]
FUZZ = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def rec(slug: str, **fields: str | None) -> str:
    """A valid record (front matter only); ``field=None`` drops a field, a string replaces its YAML."""
    values: dict[str, str | None] = {
        "title": f"Story {slug}",
        "excerpt": f"About {slug}.",
        "publishedDateTime": "2023-05-07T13:00:00Z",
        "webUrl": f"https://www.example.com/{slug}",
        "type": "article",
        "quality": "50",
        "provider": "{name: Example, domain: example.com}",
        "topics": "[AI]",
    }
    values.update(fields)
    body = "".join(f"{key}: {value}\n" for key, value in values.items() if value is not None)
    return f"---\n{body}---\n"


GOOD = {"good/one.md": rec("one"), "good/two.txt": rec("two", topics="[Chips]")}


def load(folder: Path) -> tuple[list[Record], Any]:
    return read_records(folder, workers=1)


# ------------------------------------------------------------------ the seed


def test_seed_record_parses_with_its_eight_related_items() -> None:
    raw = yaml.safe_load(split_front_matter((SEEDS / "000_78be6e7624add5e0.txt").read_text("utf-8"), "seed"))
    records, report = load(SEEDS)
    assert (report.files, report.records, report.rejected, report.warnings) == (1, 1, 0, [])
    (record,) = records
    assert record.article.title == raw["title"]
    assert len(record.related) == len(raw["related"]) == 8
    assert [r.title for r in record.related] == [item["title"] for item in raw["related"]]
    assert record.article.topics == tuple(raw["topics"]) == ("AI Hardware", "AI")
    # Times are aware UTC datetimes equal to what the file says.
    assert record.article.published == datetime(2023, 5, 7, 17, 18, tzinfo=timezone.utc)
    assert all(r.published is not None and r.published.utcoffset() is not None for r in record.related)
    # Every alias URL of every listing was kept.
    for item, listing in zip(raw["related"], record.related):
        given_urls = [item[k] for k in ("webUrl", "originalUrl", "ampWebUrl", "cdnAmpWebUrl") if k in item]
        assert list(listing.raw_urls) == given_urls


# ------------------------------------------------------------------ real corpora


def _front(path: Path) -> dict[str, Any]:
    text = path.read_text("utf-8")
    assert text.startswith("---\n")
    data = yaml.safe_load(text[4:].split("\n---", 1)[0])
    assert isinstance(data, dict)
    return data


def _norm(url: str) -> str:
    """Minimal URL normalization: lower-case host without www., no fragment, no trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{parts.path.rstrip('/')}{query}"


def _record_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".md", ".txt"))


@pytest.mark.parametrize(("name", "count"), [("powerapps", 674), ("smartable-powerapps", 192), ("labeled", 21)])
def test_real_corpus_loads_without_rejection(corpora_dir: Path, name: str, count: int) -> None:
    folder = corpora_dir / name
    assert len(_record_files(folder)) == count
    records, report = load(folder)
    assert report.errors == []
    assert report.warnings == []
    assert (report.files, report.records) == (count, count)
    assert sorted(r.path for r in records) == [p.name for p in _record_files(folder)]


@pytest.mark.parametrize("name", ["powerapps", "smartable-powerapps"])
def test_repeated_urls_become_one_article_each(corpora_dir: Path, name: str) -> None:
    folder = corpora_dir / name
    # Independent expectation: files sharing any (minimally normalized) alias URL are
    # one article; these corpora have no related lists.
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    by_web_url: dict[str, set[str]] = defaultdict(set)
    for path in _record_files(folder):
        data = _front(path)
        assert "related" not in data
        urls = [data[k] for k in ("webUrl", "originalUrl", "ampWebUrl", "cdnAmpWebUrl") if data.get(k)]
        assert urls, path
        if data.get("webUrl"):
            by_web_url[_norm(data["webUrl"])].add(path.name)
        for url in urls:
            a, b = find(path.name), find("url:" + _norm(url))
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[str, set[str]] = defaultdict(set)
    for path in _record_files(folder):
        groups[find(path.name)].add(path.name)

    coverage = build_graph(load(folder)[0])
    assert coverage.count("article") == len(groups)
    merged = {frozenset(files) for files in groups.values() if len(files) > 1}
    got = {
        frozenset(data["sources"])
        for _, data in coverage.nx.nodes(data=True)
        if data["kind"] == "article" and len(data["sources"]) > 1
    }
    assert got == merged
    repeated = {url: files for url, files in by_web_url.items() if len(files) > 1}
    if name == "powerapps":
        assert len(repeated) >= 4  # the README counts 5 repeated webUrls (one only up to ?mid=1)
    for files in repeated.values():
        nodes = {coverage.article_id_for(_front(folder / f)["webUrl"]) for f in files}
        assert len(nodes) == 1
        (node,) = nodes
        assert files <= set(coverage.nx.nodes[node]["sources"])


def test_video_records_without_web_url_load_with_their_original_url(corpora_dir: Path) -> None:
    folder = corpora_dir / "powerapps"
    coverage = build_graph(load(folder)[0])
    videos = [(p, _front(p)) for p in _record_files(folder)]
    videos = [(p, d) for p, d in videos if not d.get("webUrl")]
    assert len(videos) >= 10
    for path, data in videos:
        assert data["type"] == "video" and data["originalUrl"]
        article = coverage.article(data["originalUrl"])
        assert path.name in article.sources
        assert article.type == "video"
        assert article.url is not None
        assert urlsplit(article.url).hostname == urlsplit(data["originalUrl"]).hostname.removeprefix("www.")
        assert article.id == f"article:{article.url}"


def test_mojibake_title_is_repaired(corpora_dir: Path) -> None:
    folder = corpora_dir / "powerapps"
    broken = [p for p in _record_files(folder) if "â€" in _front(p)["title"]]
    assert len(broken) == 1
    record = parse_file(broken[0], broken[0].name)
    assert isinstance(record, Record)
    assert record.article.title == "Microsoft Makes Power Apps Changes Following ‘Sensitive Data’ Exposure: UpGuard"
    for name in ("powerapps", "smartable-powerapps", "labeled"):
        coverage = build_graph(load(corpora_dir / name)[0])
        for _, data in coverage.nx.nodes(data=True):
            if data["kind"] == "article":
                for text in (data["title"], data.get("excerpt") or ""):
                    assert "â€" not in text and "Ã" not in text, text


ENTITY = r"&(?:[A-Za-z]+|#[0-9]+|#x[0-9A-Fa-f]+);"


def test_html_entities_are_unescaped_and_white_space_normalized(corpora_dir: Path) -> None:
    import re

    entity = re.compile(ENTITY)
    raw_with_entities = 0
    for name in ("powerapps", "smartable-powerapps", "labeled"):
        folder = corpora_dir / name
        raw_with_entities += sum(bool(entity.search(p.read_text("utf-8"))) for p in _record_files(folder))
        coverage = build_graph(load(folder)[0])
        for _, data in coverage.nx.nodes(data=True):
            if data["kind"] != "article":
                continue
            for text in (data["title"], data.get("excerpt") or ""):
                assert not entity.search(text), text
                assert "\xa0" not in text and "\n" not in text and text == text.strip()
    assert raw_with_entities > 100  # the corpora really exercise this (&#8217;, &nbsp;, ...)


def test_labeled_records_and_their_related_items_load(corpora_dir: Path) -> None:
    folder = corpora_dir / "labeled"
    labels = json.loads((folder / "labels.json").read_text("utf-8"))
    coverage = build_graph(load(folder)[0])
    related_edges = {(s, t) for s, t, k in coverage.nx.edges(keys=True) if k == "related"}
    checked = 0
    for entry in labels:
        primary = coverage.article(entry["primary"]["url"])
        assert entry["file"] in primary.sources
        assert primary.primary
        for item in entry["related"]:
            listed = coverage.article(item["url"])
            assert entry["file"] in listed.sources
            if listed.id != primary.id:
                assert (primary.id, listed.id) in related_edges
                checked += 1
    assert checked >= 150


def test_parallel_and_serial_reads_give_the_same_graph(corpora_dir: Path) -> None:
    folder = corpora_dir / "smartable-powerapps"
    serial = build_graph(read_records(folder, workers=1)[0])
    parallel = build_graph(read_records(folder, workers=2)[0])
    assert list(serial.nx.nodes(data=True)) == list(parallel.nx.nodes(data=True))
    assert list(serial.nx.edges(keys=True, data=True)) == list(parallel.nx.edges(keys=True, data=True))


# ------------------------------------------------------------------ bad input


def _bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return rec("bomb")[:-4] + "\n".join(lines) + "\n---\n"


TABBED = rec("tabs", provider="\n\tname: Example\n\tdomain: example.com")

# name -> (content, field, words the reason must contain)
BAD: dict[str, tuple[str | bytes, str, str]] = {
    "alias_bomb.md": (_bomb(), "b[0]", "anchors and aliases are not allowed"),
    "anchor.md": (rec("anchor", title="&t Same", excerpt="*t"), "excerpt", "anchors and aliases are not allowed"),
    "python_tag.md": (rec("py", excerpt="!!python/object/apply:os.system ['echo pwned']"), "excerpt", "tag"),
    "python_tag_title.md": (rec("py2", title="!!python/name:os.system ''"), "title", "tag"),
    "binary_tag.md": (rec("bin", title="!!binary aGVsbG8="), "title", "tag"),
    "huge_scalar.md": (rec("huge", excerpt='"' + "a" * MAX_FILE_BYTES + '"'), "-", "byte limit"),
    "duplicate_key.md": (rec("dup")[:-4] + "title: Again\n---\n", "title", "duplicate key"),
    "duplicate_nested_key.md": (rec("dupn", provider="{name: A, name: B, domain: example.com}"), "provider.name", "duplicate key"),
    "tabs.md": (TABBED, "yaml", f"line {TABBED.splitlines().index(chr(9) + 'name: Example') + 1}, column 1:"),
    "no_closing_fence.md": (rec("open")[:-4], "-", "no closing '---'"),
    "no_front_matter.md": ("title: x\n", "-", "no YAML front matter"),
    "list_document.md": ("---\n- a\n- b\n---\n", "-", "must be a mapping, got list"),
    "scalar_document.md": ("---\njust some words\n---\n", "-", "must be a mapping, got string"),
    "empty_front_matter.md": ("---\n---\n", "-", "empty front matter"),
    "empty.md": ("", "-", "empty file"),
    "blank.md": ("\n \n", "-", "empty file"),
    "nul.md": (rec("nul").encode() + b"\x00\x00binary", "-", "NUL"),
    "binary.md": (bytes(range(256)) * 4, "-", "not valid UTF-8"),
    "latin1.md": (rec("latin", title="Café").encode("latin-1"), "-", "not valid UTF-8"),
    "title_list.md": (rec("tl", title="[a, b]"), "title", "expected a string, got list"),
    "title_mapping.md": (rec("tm", title="{a: b}"), "title", "expected a string, got mapping"),
    "quality_string.md": (rec("qs", quality="high"), "quality", "expected an integer, got string 'high'"),
    "quality_float.md": (rec("qf", quality="1.5"), "quality", "expected an integer, got string '1.5'"),
    "quality_huge.md": (rec("qh", quality="9" * 5000), "quality", "expected an integer"),
    "quality_boolean.md": (rec("qb", quality="true"), "quality", "expected an integer, got boolean"),
    "heat_string.md": (rec("hs", heat="hot"), "heat", "expected an integer, got string 'hot'"),
    "excerpt_list.md": (rec("el", excerpt="[a, b]"), "excerpt", "expected a string, got list"),
    "type_mapping.md": (rec("tym", type="{a: b}"), "type", "expected a string, got mapping"),
    "web_url_integer.md": (rec("wi", webUrl="5"), "webUrl", "expected a URL string, got integer"),
    "original_url_list.md": (rec("ol", originalUrl="[https://example.com/x]"), "originalUrl", "expected a URL string, got list"),
    "images_mapping.md": (rec("im", images="{url: 'https://example.com/i.jpg'}"), "images", "expected a list, got mapping"),
    "provider_name_list.md": (rec("pn", provider="{name: [A], domain: example.com}"), "provider.name", "expected a string, got list"),
    "provider_domain_list.md": (rec("pdl", provider="{name: A, domain: [example.com]}"), "provider.domain", "expected a string, got list"),
    "topic_list.md": (rec("tli", topics="[AI, [nested]]"), "topics[1]", "expected a string, got list"),
    "topics_mapping.md": (rec("tp", topics="{a: 1}"), "topics", "expected a list, got mapping"),
    "topic_null.md": (rec("tn", topics="[AI, ~]"), "topics[1]", "expected a string, got null"),
    "provider_string.md": (rec("ps", provider="example.com"), "provider", "expected a mapping, got string"),
    "provider_domain_spaces.md": (rec("pd", provider="{domain: 'not a domain'}"), "provider.domain", "not a domain name"),
    "date_word.md": (rec("dw", publishedDateTime="yesterday"), "publishedDateTime", "'yesterday'"),
    "date_feb30.md": (rec("df", publishedDateTime="2023-02-30"), "publishedDateTime", "day is out of range"),
    "date_feb30_time.md": (rec("dt", publishedDateTime="2023-02-30T10:00:00Z"), "publishedDateTime", "day is out of range"),
    "date_integer.md": (rec("di", publishedDateTime="1683464400"), "publishedDateTime", "expected a date/time"),
    "date_far_future.md": (rec("dff", publishedDateTime="9999-12-31T23:00:00-05:00"), "publishedDateTime", "out of range"),
    "date_tagged.md": (rec("dtag", publishedDateTime="!!timestamp nope"), "publishedDateTime", "tag"),
    "related_mapping.md": (rec("rm", related="{title: x}"), "related", "expected a list, got mapping"),
    "missing_title.md": (rec("mt", title=None), "title", "missing (required)"),
    "empty_title.md": (rec("et", title="''"), "title", "empty (required)"),
    "missing_date.md": (rec("md", publishedDateTime=None), "publishedDateTime", "missing (required)"),
    "bad_url.md": (rec("bu", webUrl="'not a url'"), "webUrl", "whitespace"),
    "ftp_url.md": (rec("fu", webUrl="ftp://example.com/x"), "webUrl", "not an http(s) URL"),
    "no_url_no_domain.md": (rec("nu", webUrl=None, provider=None), "provider.domain", "missing"),
    "complex_key.md": ("---\n? [a, b]\n: c\ntitle: t\n---\n", "-", "mapping keys must be plain strings"),
    "two_documents.md": ("---\ntitle: a\n---\n", "-", "x"),  # placeholder, replaced below
}
# A second YAML document inside the front matter cannot happen (the fence ends it);
# in a bare .yaml file it can:
del BAD["two_documents.md"]
BAD["two_documents.yaml"] = (rec("td")[4:] + "title: again\n", "yaml", "but found another document")

#: Files that look odd but must load.
ODD_BUT_GOOD: dict[str, str | bytes] = {
    "odd/bom.md": b"\xef\xbb\xbf" + rec("bom").encode(),
    "odd/crlf.md": rec("crlf").replace("\n", "\r\n").encode(),
    "odd/bom_crlf.md": b"\xef\xbb\xbf" + rec("bomcrlf").replace("\n", "\r\n").encode(),
    "odd/extra_fields.md": rec("extra", featuredContent="'<iframe></iframe>'", secured="abc", zzz="{a: [1, 2]}"),
    "odd/yaml11.md": rec("y11", topics="[No, on, yes, off, 017, 1.5, 0x1F, 12:30, Null Island]"),
    "odd/date_title.md": rec("dtitle", title="2023-05-07"),
    "odd/broken_related.md": rec(
        "brel",
        related="\n  - title: No date here\n    webUrl: https://other.com/x\n"
        "  - title: Fine\n    publishedDateTime: 2023-05-08\n    webUrl: https://other.com/y\n"
        "  - title: Bad day\n    publishedDateTime: 2023-02-30\n    webUrl: https://other.com/z\n"
        "  - 5\n",
    ),
    "odd/bare.yaml": rec("bare")[4:-4],
    "odd/no_newline_at_end.md": rec("nonl")[:-1],
    "odd/dots_end.md": rec("dots")[:-4] + "...\n",
}


def _good_names() -> set[str]:
    return set(GOOD)


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_is_reported_and_the_good_files_beside_it_load(tmp_path: Path, name: str) -> None:
    content, field, words = BAD[name]
    write_records(tmp_path, {**GOOD, f"bad/{name}": content})
    records, report = load(tmp_path)
    assert report.files == len(GOOD) + 1
    assert [(e.path, e.field) for e in report.errors] == [(f"bad/{name}", field)], report.errors
    assert words in report.errors[0].reason
    assert str(report.errors[0]) == f"bad/{name}: {field}: {report.errors[0].reason}"
    assert {r.path for r in records} == _good_names()


def test_python_tag_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = rec("py", excerpt=f"!!python/object/apply:os.system ['touch {marker}']")
    result = parse_file(write_records(tmp_path, {"a.md": text}) / "a.md", "a.md")
    assert isinstance(result, RecordError)
    assert not marker.exists()


def test_all_bad_files_together_beside_odd_but_good_ones(tmp_path: Path) -> None:
    write_records(tmp_path, {**GOOD, **ODD_BUT_GOOD, **{f"bad/{n}": c for n, (c, _, _) in BAD.items()}})
    records, report = load(tmp_path)
    assert report.files == len(GOOD) + len(ODD_BUT_GOOD) + len(BAD)
    assert {(e.path, e.field) for e in report.errors} == {(f"bad/{n}", f) for n, (_, f, _) in BAD.items()}
    assert {r.path for r in records} == _good_names() | set(ODD_BUT_GOOD)
    coverage = build_graph(records)
    for slug in ("one", "two", "bom", "crlf", "bomcrlf", "extra", "y11", "dtitle", "brel", "bare", "nonl", "dots"):
        article = coverage.article(f"https://example.com/{slug}")
        assert article.title == (f"Story {slug}" if slug != "dtitle" else "2023-05-07")
        assert article.excerpt == f"About {slug}."  # no stray \r from CRLF files


def test_bom_and_crlf_files_equal_the_plain_file(tmp_path: Path) -> None:
    plain = rec("same", excerpt="|\n  two\n  lines")
    write_records(tmp_path, {"plain.md": plain, "bom.md": b"\xef\xbb\xbf" + plain.encode(), "crlf.md": plain.replace("\n", "\r\n")})
    parsed = {name: parse_file(tmp_path / name, "x.md") for name in ("plain.md", "bom.md", "crlf.md")}
    assert isinstance(parsed["plain.md"], Record)
    assert parsed["plain.md"].article.excerpt == "two lines"
    assert parsed["bom.md"] == parsed["plain.md"] == parsed["crlf.md"]


def test_yaml_1_1_surprises_stay_strings(tmp_path: Path) -> None:
    result = parse_file(write_records(tmp_path, ODD_BUT_GOOD) / "odd/yaml11.md", "y.md")
    assert isinstance(result, Record)
    # What a YAML 1.1 resolver would have made of them: False, True, True, False, 15, 1.5, 31, 750.
    assert result.article.topics == ("No", "on", "yes", "off", "017", "1.5", "0x1F", "12:30", "Null Island")
    assert all(isinstance(t, str) for t in result.article.topics)


def test_integers_and_booleans_still_resolve_where_the_format_needs_them() -> None:
    data = parse_yaml("quality: 54\nheat: -1\npublished: false\nx: ~\ny: 'quoted 5'\nz: '017'", "a.md")
    assert data == {"quality": 54, "heat": -1, "published": False, "x": None, "y": "quoted 5", "z": "017"}


def test_broken_related_items_are_warnings_and_the_record_loads(tmp_path: Path) -> None:
    records, report = load(write_records(tmp_path, {"odd/broken_related.md": ODD_BUT_GOOD["odd/broken_related.md"]}))
    assert report.errors == []
    (record,) = records
    assert [r.title for r in record.related] == ["Fine"]
    assert [(w.path, w.field) for w in report.warnings] == [
        ("odd/broken_related.md", "related[0].publishedDateTime"),
        ("odd/broken_related.md", "related[2].publishedDateTime"),
        ("odd/broken_related.md", "related[3]"),
    ]
    assert "missing" in report.warnings[0].reason and "day is out of range" in report.warnings[1].reason
    assert report.warnings[2].reason == "expected a mapping, got integer"


def test_broken_images_are_warnings(tmp_path: Path) -> None:
    text = rec("img", images="[5, {url: 3}, {url: 'https://example.com/i.jpg', width: big}, {url: 'https://example.com/ok.jpg', width: 10}]")
    records, report = load(write_records(tmp_path, {"img.md": text}))
    assert [w.field for w in report.warnings] == ["images[0]", "images[1].url", "images[2].width"]
    assert [(i.url, i.width) for i in records[0].article.images] == [("https://example.com/ok.jpg", 10)]


def test_error_line_numbers_point_into_the_file(tmp_path: Path) -> None:
    text = "---\ntitle: fine\nexcerpt: [unclosed\npublishedDateTime: 2023-01-01\n---\n"
    result = parse_file(write_records(tmp_path, {"a.md": text}) / "a.md", "a.md")
    assert isinstance(result, RecordError)
    assert result.field == "yaml"
    line = int(result.reason.split("line ")[1].split(",")[0])
    assert 3 <= line <= 5  # the unclosed bracket is on line 3; libyaml notices by line 5


DEEP = {
    "deep/flow_seq.md": "---\ntitle: t\nx: " + "[" * 100_000 + "]" * 100_000 + "\n---\n",
    "deep/flow_seq_unclosed.md": "---\ntitle: t\nx: " + "[" * 100_000 + "\n---\n",
    "deep/flow_map.md": "---\ntitle: t\nx: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n---\n",
    "deep/block_compact.md": "---\ntitle: t\nx:\n" + "- " * 100_000 + "a\n---\n",
    "deep/block_question.md": "---\ntitle: t\nx:\n" + "? " * 100_000 + "a\n---\n",
    # Indentation-based nesting is bounded by the size cap: ~1,400 levels in 1 MB.
    "deep/block_indent.md": "---\ntitle: t\nx:\n" + "".join(" " * (i + 1) + "k:\n" for i in range(1300)) + " " * 1302 + "v\n---\n",
    "deep/block_dash_indent.md": "---\ntitle: t\nx:\n" + "".join(" " * i + "-\n" for i in range(1300)) + " " * 1301 + "v\n---\n",
    "deep/flow_under_limit.md": "---\ntitle: t\nx: " + "[" * 990 + "]" * 990 + "\n---\n",
}

_DEEP_SCRIPT = """
import json, sys, threading
from graph.ingest import read_records
out = {}
def run():
    records, report = read_records(__import__("pathlib").Path(sys.argv[1]), workers=1)
    out["report"] = report.as_dict()
    out["records"] = sorted(r.path for r in records)
if sys.argv[2] == "thread":
    threading.stack_size(1024 * 1024)  # a modest thread stack, as a server's worker might have
    t = threading.Thread(target=run); t.start(); t.join()
else:
    run()
print(json.dumps(out))
"""


@pytest.mark.parametrize("where", ["main", "thread"])
def test_deep_nesting_is_refused_without_crashing_the_interpreter(tmp_path: Path, where: str) -> None:
    write_records(tmp_path / "data", {**GOOD, **DEEP})
    for content in DEEP.values():
        assert len(content.encode()) <= MAX_FILE_BYTES
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _DEEP_SCRIPT, str(tmp_path / "data"), where],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    assert out["records"] == sorted(GOOD)
    errors = {e["path"]: e for e in out["report"]["errors"]}
    assert set(errors) == set(DEEP)
    for error in errors.values():
        assert "nest" in error["reason"], error


def test_nesting_within_the_limit_loads() -> None:
    nested = "x: " + "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1)
    value = parse_yaml(nested, "a.md")["x"]
    for _ in range(MAX_DEPTH - 2):
        value = value[0]
    assert value == [1]


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    write_records(tmp_path, GOOD)
    os.mkfifo(tmp_path / "pipe.md")
    result: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: result.update(out=load(tmp_path)), daemon=True)
    worker.start()
    worker.join(60)
    if worker.is_alive():  # unblock the reader so the test process can exit
        with open(tmp_path / "pipe.md", "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    records, report = result["out"]
    assert [(e.path, e.reason) for e in report.errors] == [("pipe.md", "not a regular file")]
    assert {r.path for r in records} == set(GOOD)


# ------------------------------------------------------------------ finding files


def test_find_record_files_takes_record_suffixes_and_skips_hidden_folders(tmp_path: Path) -> None:
    names = ["a.md", "b.TXT", "c.yaml", "d.yml", "sub/e.md", "sub/deeper/f.txt", "g.json", "h.md.bak",
             ".hidden/i.md", ".j.md", "__pycache__/k.md", "node_modules/l.md"]
    write_records(tmp_path, dict.fromkeys(names, "x"))
    found = [p.relative_to(tmp_path).as_posix() for p in find_record_files(tmp_path)]
    assert found == sorted(["a.md", "b.TXT", "c.yaml", "d.yml", "sub/e.md", "sub/deeper/f.txt"])


def test_one_file_can_be_loaded_and_a_missing_path_raises(tmp_path: Path) -> None:
    write_records(tmp_path, GOOD)
    records, report = load(tmp_path / "good" / "one.md")
    assert [r.path for r in records] == ["one.md"]
    from graph.errors import NewsgraphError

    with pytest.raises(NewsgraphError, match="no such file"):
        load(tmp_path / "missing")


# ------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-05-07T13:00:00Z", datetime(2023, 5, 7, 13, tzinfo=timezone.utc)),
        ("2023-05-07T15:00:00+02:00", datetime(2023, 5, 7, 13, tzinfo=timezone.utc)),
        ("2023-05-07 13:00:00", datetime(2023, 5, 7, 13, tzinfo=timezone.utc)),
        ("2023-05-07 13:00:00 UTC", datetime(2023, 5, 7, 13, tzinfo=timezone.utc)),
        ("2023-05-07t13:00:00z", datetime(2023, 5, 7, 13, tzinfo=timezone.utc)),
        ("2023-05-07", datetime(2023, 5, 7, tzinfo=timezone.utc)),
        ("2023-5-7T8:00:00Z", datetime(2023, 5, 7, 8, tzinfo=timezone.utc)),
        ("2001-12-14 21:59:43.10 -5", datetime(2001, 12, 15, 2, 59, 43, 100000, tzinfo=timezone.utc)),
        ("2023-05-07T13:00:00.123456789Z", datetime(2023, 5, 7, 13, 0, 0, 123456, tzinfo=timezone.utc)),
    ],
)
def test_parse_datetime_accepts_iso_and_yaml_forms(text: str, expected: datetime) -> None:
    got = parse_datetime(text)
    assert got == expected and got.tzinfo == timezone.utc


@pytest.mark.parametrize("text", ["yesterday", "2023-02-30", "2023-13-01", "2023-05-07T25:00:00Z", "1800-01-01", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", ""])
def test_parse_datetime_refuses_with_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_datetime(text)


def test_record_times_are_aware_utc(tmp_path: Path) -> None:
    write_records(tmp_path, {"a.md": rec("a", publishedDateTime="2023-05-07T23:30:00-03:00"), "b.md": rec("b", publishedDateTime="2023-05-08")})
    records, _ = load(tmp_path)
    times = {r.path: r.article.published for r in records}
    assert times == {"a.md": datetime(2023, 5, 8, 2, 30, tzinfo=timezone.utc), "b.md": datetime(2023, 5, 8, tzinfo=timezone.utc)}
    assert all(t is not None and t.tzinfo == timezone.utc for t in times.values())


# ------------------------------------------------------------------ fuzzing the parser

SEED_TEXT = (SEEDS / "000_78be6e7624add5e0.txt").read_text("utf-8")
YAML_BITS = st.sampled_from(list(":-[]{}&*!|>'\"#%@`,?\t\n ~\\") + ["\n---\n", "&a ", "*a", "!!python/object:os.system ", "!!int ", "!!bool ", "!!timestamp ", "<<: ", "\ufeff", "\x00", "\u2028", "é", "\U0001f600", "\r\n", "- - - ", "[[[[", "{a: {b: ", "  "])


VALUE_BITS = st.sampled_from(["!!int ''", "!!int x", "!!bool maybe", "!!float ''", "!!timestamp nope", "!!timestamp 2023-02-30",
                              "!!binary '%%'", "!!set {a}", "!!str", "!!null", "!!map", "!!seq", "!foo", "! ", "&x ", "*x", "~",
                              "2023-02-30", "9999-12-31T23:59:59-05:00", "[", "{", "|", ">", "- ", "'", '"', "9" * 5000, "\ud800"])
_VALUE_AT = [i + 2 for i in range(len(SEED_TEXT)) if SEED_TEXT.startswith(": ", i)]
_ANY_CHAR = st.characters() | st.characters(categories=["Cs"])


@st.composite
def mutated_seed(draw: st.DrawFn) -> str:
    text = SEED_TEXT
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "duplicate", "value", "value"]))
        if op == "value":  # something odd where a value starts (positions of the unmutated seed)
            at = min(draw(st.sampled_from(_VALUE_AT)), len(text))
            text = text[:at] + draw(VALUE_BITS) + " " + text[at:]
        elif op == "insert":
            text = text[:at] + draw(YAML_BITS) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        elif op == "replace":
            text = text[:at] + draw(YAML_BITS) + text[at + 1:]
        else:
            end = min(len(text), at + draw(st.integers(1, 200)))
            text = text[:end] + text[at:end] + text[end:]
    return text


def _parse_text(text: str | bytes, suffix: str = ".md") -> Record | RecordError:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"r{suffix}"
        path.write_bytes(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
        return parse_file(path, f"r{suffix}")


@FUZZ
@given(st.text(_ANY_CHAR))
def test_parse_yaml_raises_only_record_errors_on_random_text(text: str) -> None:
    try:
        parse_yaml(text, "r.md")
    except RecordError as exc:
        assert exc.path == "r.md" and exc.field and exc.reason


@FUZZ
@given(mutated_seed())
def test_parse_yaml_raises_only_record_errors_on_mutated_seed(text: str) -> None:
    try:
        parse_yaml(text, "r.md")
    except RecordError as exc:
        assert exc.path == "r.md" and exc.field and exc.reason


@FUZZ
@given(st.one_of(mutated_seed(), st.text().map(lambda t: f"---\n{t}\n---\n"), st.binary()), st.sampled_from([".md", ".yaml"]))
def test_parse_file_returns_a_record_or_an_error_never_raises(text: str | bytes, suffix: str) -> None:
    result = _parse_text(text, suffix)
    assert isinstance(result, (Record, RecordError))
    if isinstance(result, Record):
        assert result.article.title and result.article.published is not None
        assert result.article.published.tzinfo == timezone.utc
        assert result.article.provider_domain


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["title", "excerpt", "publishedDateTime", "webUrl", "originalUrl", "ampWebUrl", "type",
                         "quality", "heat", "provider", "topics", "images", "related"]),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=30) | st.sampled_from(["2023-05-07", "https://x.com/a", "No"]),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["name", "domain", "url", "title", "width"]), inner, max_size=3),
            max_leaves=8,
        ),
    )
)
def test_any_yaml_shape_gives_a_record_or_a_named_error(data: dict[str, Any]) -> None:
    text = "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n"
    result = _parse_text(text)
    if isinstance(result, RecordError):
        assert result.field != "yaml", result  # valid YAML: the error names a field
    else:
        assert isinstance(result, Record)


# ------------------------------------------- the one-pass YAML builder against the two passes
#
# parse_yaml builds a record's value in one pass over the composed nodes (graph.ingest._build)
# with a cheap resolver; anything unusual falls back to the two passes it used before (the
# tree check, then PyYAML's constructor). The reference below IS those two passes, with
# PyYAML's own resolver methods: every outcome (value with its types, or the error message)
# must be the same.

from graph import ingest  # noqa: E402


class _ReferenceLoader(ingest._Loader):  # type: ignore[misc,valid-type]
    """The loader as it was: PyYAML's BaseResolver methods, not the fast ones."""

    resolve = yaml.resolver.BaseResolver.resolve
    descend_resolver = yaml.resolver.BaseResolver.descend_resolver
    ascend_resolver = yaml.resolver.BaseResolver.ascend_resolver


def _reference_parse_yaml(text: str, path: str = "r.md") -> Any:
    """parse_yaml before the one-pass builder: check the whole tree, then construct."""
    try:
        loader = _ReferenceLoader(text)
    except UnicodeEncodeError as exc:
        raise RecordError(path, "yaml", f"text cannot be encoded as UTF-8: {exc.reason}") from None
    try:
        if text.count("[") + text.count("{") + text.count("- ") + text.count("? ") > 2000:
            if ingest._max_collection_depth(text) > MAX_DEPTH:
                raise RecordError(path, "-", f"nested deeper than {MAX_DEPTH} levels")
        node = loader.get_single_node()
        if node is None:
            raise RecordError(path, "-", "empty front matter")
        ingest._check_tree(node, path)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise RecordError(path, "yaml", f"{where}{exc.problem or exc.context or 'invalid YAML'}") from None
    except yaml.YAMLError as exc:
        raise RecordError(path, "yaml", str(exc).splitlines()[0]) from None
    except (ValueError, OverflowError) as exc:
        raise RecordError(path, "yaml", f"bad value: {exc}") from None
    finally:
        loader.dispose()


def _outcome(parse: Any, text: str) -> tuple[str, str]:
    """What a parse gives, types included (``repr`` tells True from 1 and '5' from 5)."""
    try:
        return "value", repr(parse(text, "r.md"))
    except RecordError as exc:
        return "error", str(exc)


def _same_as_reference(text: str) -> None:
    assert _outcome(parse_yaml, text) == _outcome(_reference_parse_yaml, text), text[:300]


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=20),
    st.sampled_from(["No", "on", "017", "+1", "-0", "0x1F", "1_000", "1.5", "2023-05-07", "~", "null", "TRUE", "", "*a"]),
)
_VALUES = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_SCALARS, inner, max_size=4), max_leaves=12
)


@FUZZ
@given(_VALUES, st.sampled_from([None, True, False]))
def test_one_pass_builder_matches_the_two_passes_on_any_yaml(value: Any, flow: bool | None) -> None:
    _same_as_reference(yaml.safe_dump(value, allow_unicode=True, default_flow_style=flow))


@FUZZ
@given(st.one_of(mutated_seed(), st.text(_ANY_CHAR, max_size=200)))
def test_one_pass_builder_matches_the_two_passes_on_broken_yaml(text: str) -> None:
    _same_as_reference(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: !!str 5\nb: !!int '010'\nc: !!int 0x1F\nd: !!bool yes\ne: !!null x\nf: !!int ''\ng: !!bool maybe",
        "+1: a\n1: b\n",  # two spellings of one key: the later value wins, as PyYAML does
        "a: 1\na: 2\n", "null: 1\n'null': 2\n",  # duplicate keys: by their text, whatever their type
        "a: !!map x\n", "a: !!str {b: 1}\n", "!!seq a: 1\n", "a: !!seq {b: 1}\n",  # tags that do not fit
        "a: &x [1]\nb: *x\n", "a: *x\n", "title: a * b\n",  # aliases, and a '*' that is not one
        "a: !!python/object:os.system x\n", "a: !foo x\n", "a: ! x\n", "? [a]\n: b\n", "? {a: 1}\n: b\n",
        "x: " + "[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2), "x: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH,
        "1: a\ntrue: b\n~: c\nnull: d\n'1': e\n", "a: 9" + "9" * 5000, "- a\n- [b, {c: d}]\n", "a\n", "",
    ],
)
def test_one_pass_builder_matches_the_two_passes_on_corner_cases(text: str) -> None:
    _same_as_reference(text)


def test_one_pass_builder_keeps_the_types_pyyaml_gives() -> None:
    # Worked out by hand from the resolver (ints, bools, nulls in their plain forms only)
    # and PyYAML's constructors for explicit tags: !!int reads 0x and 0-prefixed octal.
    data = parse_yaml("a: !!int '010'\nb: !!int 0x1F\nc: !!bool yes\nd: '5'\ne: 5\nf: +1\ng: True\nh: ~\ni: 1.5", "r.md")
    assert data == {"a": 8, "b": 31, "c": True, "d": "5", "e": 5, "f": 1, "g": True, "h": None, "i": "1.5"}
    assert [type(v) for v in data.values()] == [int, int, bool, str, int, int, bool, type(None), str]
    assert parse_yaml("+1: a\n1: b\n", "r.md") == {1: "b"}


def test_fast_resolver_matches_pyyaml_resolver() -> None:
    words = ["", "0", "-0", "+5", "017", "1_0", "true", "True", "tRue", "FALSE", "no", "~", "null", "Null", "nULL",
             "5\n", "x", "-", "+", "t", "n", "N", "1e3", "0x1", "١٢"]
    loader = ingest._Loader("a")
    try:
        for word in words:
            for implicit in ((True, False), (False, True), (False, False)):
                expected = yaml.resolver.BaseResolver.resolve(loader, yaml.ScalarNode, word, implicit)
                assert ingest._resolve(loader, yaml.ScalarNode, word, implicit) == expected, (word, implicit)
        for kind in (yaml.SequenceNode, yaml.MappingNode):
            assert ingest._resolve(loader, kind, None, (True, False)) == yaml.resolver.BaseResolver.resolve(
                loader, kind, None, (True, False))
    finally:
        loader.dispose()


def test_one_pass_builder_matches_the_two_passes_on_every_real_record(corpora_dir: Path) -> None:
    files = [f for f in find_record_files(corpora_dir) if f.suffix != ".json"]
    assert len(files) > 800
    for file in files:
        text = file.read_bytes().decode("utf-8", "replace").lstrip("\ufeff").replace("\r\n", "\n")
        try:
            front = split_front_matter(text, file.name)
        except RecordError:
            continue
        _same_as_reference(front)


def test_one_pass_builder_matches_the_two_passes_on_a_synthetic_corpus(tmp_path: Path) -> None:
    from graph.synth import write_corpus

    write_corpus(tmp_path / "c", 150, seed=3)
    files = find_record_files(tmp_path / "c" / "records")
    assert len(files) >= 150
    for file in files:
        _same_as_reference(split_front_matter(file.read_text("utf-8"), file.name))


@FUZZ
@given(st.text(st.sampled_from(list("-.\n \tax")), max_size=60))
def test_split_front_matter_finds_the_first_fence_line(body: str) -> None:
    # The closing fence is the first line that is '---' or '...' (trailing blanks allowed):
    # derived here line by line, without the regexes split_front_matter uses.
    text = "---\n" + body
    offset, expected = 0, None
    for line in body.split("\n"):
        if line.rstrip(" \t") in ("---", "..."):
            expected = body[:offset]
            break
        offset += len(line) + 1
    if expected is None:
        with pytest.raises(RecordError):
            split_front_matter(text, "r.md")
    else:
        assert split_front_matter(text, "r.md") == expected


def test_parsing_pauses_the_garbage_collector_and_restores_it(tmp_path: Path) -> None:
    import gc

    from graph.ingest import parse_items, paused_gc, record_items

    write_records(tmp_path, {"a.md": rec("a"), "b.md": rec("b")})
    seen: list[bool] = []
    assert gc.isenabled()
    parse_items(record_items(tmp_path), workers=1, progress=lambda n: seen.append(gc.isenabled()))
    assert seen and not any(seen) and gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # a collector that was off stays off
    finally:
        gc.enable()
