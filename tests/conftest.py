"""Shared fixtures: the seed graph, the real corpora (skipped when absent), record writing.

>>> sorted(CORPORA_NAMES)
['labeled', 'powerapps', 'smartable-powerapps']
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

import graph
from graph.model import CoverageGraph

ROOT = Path(__file__).resolve().parents[1]
#: The bundled seed folder.
SEEDS = ROOT / "seeds"
#: Real records, outside the repository (a user's checkout has none).
CORPORA = ROOT.parent / "shared" / "corpora"
CORPORA_NAMES = ("powerapps", "smartable-powerapps", "labeled")

# Hypothesis keeps a cache in ./.hypothesis even without an example database; in the
# repository that folder makes its pytest plugin warn (norecursedirs), and warnings fail.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "newsgraph-hypothesis"))
# The CLI loads through the warm-start cache ($XDG_CACHE_HOME/newsgraph/...): keep the
# tests' caches out of the user's home folder.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="newsgraph-test-cache-")


def write_records(folder: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write ``{relative name: text or bytes}`` below ``folder`` (made if missing); return it.

    Text is written as UTF-8 exactly as given (no newline translation), so tests
    control BOMs, CRLF line ends and invalid bytes.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return folder


@pytest.fixture(name="write_records")
def write_records_fixture() -> Callable[[Path, Mapping[str, str | bytes]], Path]:
    """The :func:`write_records` helper: ``write_records(tmp_path, {"a.md": text})``."""
    return write_records


@pytest.fixture
def seed_graph() -> CoverageGraph:
    """The coverage graph of the bundled ``seeds/`` folder (fresh for each test)."""
    coverage, report = graph.load(SEEDS)
    assert report.rejected == 0, report.errors
    return coverage


@pytest.fixture
def corpora_dir() -> Path:
    """``../shared/corpora`` (the real records); the test is skipped when it is absent."""
    if not all((CORPORA / name).is_dir() for name in CORPORA_NAMES):
        pytest.skip(f"real corpora not available at {CORPORA}")
    return CORPORA
