"""The `newsgraph` command, in-process (main) and as a real process (serve)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.cli import main

SEEDS = Path(__file__).parents[1] / "seeds"
CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


@pytest.fixture()
def mixed(tmp_path: Path) -> Path:
    """The seed beside one broken record."""
    shutil.copy(next(SEEDS.iterdir()), tmp_path / "good.txt")
    (tmp_path / "broken.md").write_text("---\ntitle: Broken\npublishedDateTime: tomorrow\n---\n", encoding="utf-8")
    return tmp_path


def test_stats_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", str(SEEDS), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert (figures["articles"], figures["providers"], figures["topics"], figures["rejected"]) == (9, 8, 2, 0)


def test_stats_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", str(SEEDS)]) == 0
    lines = dict(line.split() for line in capsys.readouterr().out.splitlines())
    assert lines["articles"] == "9"


def test_check_clean_folder_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(SEEDS)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "1 loaded, 0 rejected" in captured.err


def test_check_names_the_broken_file_and_stats_still_counts(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(mixed)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == ["broken.md: publishedDateTime: not an ISO-8601 date/time: 'tomorrow'"]
    assert main(["stats", str(mixed), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert (figures["articles"], figures["rejected"]) == (9, 1)


@pytest.mark.skipif(not (CORPORA / "powerapps").is_dir(), reason="shared corpora absent")
def test_check_real_corpus_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(CORPORA / "powerapps")]) == 0
    assert "674 loaded, 0 rejected" in capsys.readouterr().err


def test_query_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", str(SEEDS), "query($d: String!) { provider(domain: $d) { name } }",
                 "--variables", '{"d": "wsj.com"}']) == 0
    assert json.loads(capsys.readouterr().out) == {"data": {"provider": {"name": "Wall Street Journal"}}}


def test_query_with_errors_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", str(SEEDS), "{ nothing }"]) == 1
    assert "Cannot query field" in json.loads(capsys.readouterr().out)["errors"][0]["message"]


def test_query_from_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "q.graphql").write_text("{ stats { topics } }", encoding="utf-8")
    assert main(["query", str(SEEDS), f"@{tmp_path / 'q.graphql'}"]) == 0
    assert json.loads(capsys.readouterr().out)["data"]["stats"]["topics"] == 2


def test_bad_variables_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", str(SEEDS), "{ stats { topics } }", "--variables", "[1]"]) == 2
    assert "JSON object" in capsys.readouterr().err


def test_missing_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", str(tmp_path / "nope")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_serve_answers_stats_over_http() -> None:
    """`newsgraph serve` as users run it: a real process and a real socket."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    exe = Path(sys.executable).with_name("newsgraph")
    process = subprocess.Popen([str(exe), "serve", str(SEEDS), "--port", str(port), "--log-level", "warning"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.post(f"http://127.0.0.1:{port}/graphql",
                                      json={"query": "{ stats { articles providers topics } }"}, timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        assert response.json() == {"data": {"stats": {"articles": 9, "providers": 8, "topics": 2}}}
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            assert stream is not None
            stream.close()


WSJ = "https://www.wsj.com/articles/u-s-sanctions-drive-chinese-firms-to-advance-ai-without-latest-chips-f6aed67f"


def test_echoes_prints_origin_and_table(capsys: pytest.CaptureFixture[str]) -> None:
    # Any article of the story leads to the same origin and table.
    assert main(["echoes", str(SEEDS), "https://www.fudzilla.com/news/ai/56847-chinese-think-they-can-do-ai-with-weaker-chips"]) == 0
    out = capsys.readouterr().out
    assert "origin  Wall Street Journal (wsj.com), 2023-05-07 13:00 UTC" in out
    rows = [line.split()[0] for line in out.splitlines()[out.splitlines().index("") + 2:]]
    assert sorted(rows) == sorted(["insidebitcoins.com", "cointelegraph.com", "fudzilla.com", "globaltimes.cn",
                                   "businessinsider.com"])
    lags = [float(line.split()[3]) for line in out.splitlines()[out.splitlines().index("") + 2:]]
    assert lags == sorted(lags) and lags[0] > 0


def test_echoes_of_an_unknown_url_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["echoes", str(SEEDS), "https://nowhere.example/x"]) == 2
    assert "no article" in capsys.readouterr().err


def test_export_graphml_reads_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import networkx as nx

    out = tmp_path / "seed.graphml"
    assert main(["export", str(SEEDS), "--format", "graphml", "--output", str(out)]) == 0
    kinds = [data["kind"] for _, data in nx.read_graphml(out).nodes(data=True)]
    assert (kinds.count("article"), kinds.count("provider"), kinds.count("topic")) == (9, 8, 2)


def test_export_selector_to_stdout(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["export", str(SEEDS), "--format", "json", "--provider", "cointelegraph.com"]) == 0
    data = json.loads(capsysbinary.readouterr().out)
    ids = sorted(node["id"] for node in data["nodes"])
    assert "provider:cointelegraph.com" in ids
    assert sum(1 for i in ids if i.startswith("article:")) == 2


def test_synth_then_eval(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", "--records", "60", "--out", str(tmp_path / "c"), "--seed", "7"]) == 0
    assert (tmp_path / "c" / "truth.json").is_file()
    assert main(["eval", str(tmp_path / "c"), str(tmp_path / "c" / "truth.json")]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("precision ") and " F1 " in line


@pytest.mark.skipif(not (CORPORA / "labeled" / "labels.json").is_file(), reason="shared corpora absent")
def test_eval_labels(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(CORPORA / "labeled"), str(CORPORA / "labeled" / "labels.json"), "--show", "3"]) == 0
    out = capsys.readouterr().out
    precision = float(out.split()[1])
    assert 0.0 <= precision <= 1.0 and "misclassified" in out
