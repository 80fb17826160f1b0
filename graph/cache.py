"""Warm start: a cache of parsed records and of the built graph, keyed on the files' content.

Two files live in the cache folder (by default ``$XDG_CACHE_HOME/newsgraph/<key of the
folder's absolute path>/``, i.e. outside the folder being loaded):

* ``records.cache`` - every file's parse result (record or error) keyed by its display
  path and the BLAKE2b digest of its bytes; a changed file is the only one re-read;
* ``graph.cache`` - the whole built graph (stories and their index included) and the
  load report, keyed by the set of (path, digest) pairs, the story settings and whether
  stories were detected. An unchanged folder loads from it without parsing anything.

Each file is ``MAGIC``, a JSON header (format version, Python, library versions and a
digest of newsgraph's own ``graph/`` sources, the snapshot key), a pickle, and a SHA-256
of header and pickle. A file that is truncated, corrupt, of another format or version,
or written by other code is detected, ignored and rewritten: never trusted. Files are
written to a temporary name and renamed, so a crash never leaves half a cache.

Pickles execute code when loaded: the cache folder is created private (mode 0700) and
must not be writable by anyone you do not trust.

>>> import tempfile, graph
>>> folder = tempfile.mkdtemp()
>>> cold, _, info = load_cached("seeds", folder)
>>> info.status, info.parsed
('cold', 1)
>>> warm, report, info = load_cached("seeds", folder)
>>> info.status, info.parsed
('snapshot', 0)
>>> sorted(warm.nx.nodes) == sorted(cold.nx.nodes)
True
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import stat
import pickle
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from .ingest import LoadReport, Keyed, collect, parse_items, paused_gc, read_file_bytes, record_items
from .model import CoverageGraph, build_graph
from .records import Record
from .errors import RecordError
from .stories import StorySettings, detect_stories

__all__ = ["CacheInfo", "default_cache_dir", "fingerprint", "load_cached", "read_cache_file", "write_cache_file"]

#: Bumped whenever what is pickled changes shape.
FORMAT = 1
MAGIC = b"NEWSGRAPH-CACHE\n"
RECORDS_FILE = "records.cache"
GRAPH_FILE = "graph.cache"
MANIFEST_FILE = "files.cache"
_CHUNK = 1 << 20


@dataclass
class CacheInfo:
    """What the cache did for one load."""

    directory: str
    status: str = "cold"
    """``snapshot`` (nothing parsed), ``partial`` (some files re-read) or ``cold``."""
    reused: int = 0
    """Files whose parse result came from the cache."""
    parsed: int = 0
    """Files parsed now."""
    rejected_cache: list[str] = field(default_factory=list)
    """Cache files found unusable (why), then rebuilt."""
    seconds: float = 0.0


def default_cache_dir(path: str | os.PathLike[str]) -> Path:
    """The cache folder of a records folder: ``$XDG_CACHE_HOME/newsgraph/<hash of its absolute path>``.

    >>> default_cache_dir("seeds") == default_cache_dir(Path("seeds").resolve())
    True
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    where = str(Path(path).resolve())
    key = hashlib.sha256(where.encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return Path(base) / "newsgraph" / key


@lru_cache(maxsize=1)
def fingerprint() -> dict[str, str]:
    """What a cache file must have been written by: format, Python, libraries, newsgraph's code.

    >>> fingerprint()["format"] == str(FORMAT)
    True
    """
    import networkx
    import yaml

    versions = {
        "format": str(FORMAT),
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "pickle": str(pickle.HIGHEST_PROTOCOL),
        "networkx": networkx.__version__,
        "pyyaml": f"{yaml.__version__} libyaml={yaml.__with_libyaml__}",
    }
    for name in ("numpy", "scipy", "scikit-learn", "snowballstemmer"):
        try:  # from the metadata: importing scikit-learn alone takes a second
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover - installed with newsgraph
            versions[name] = "-"
    code = hashlib.sha256()
    for source in sorted(Path(__file__).resolve().parent.glob("*.py")):
        code.update(source.name.encode())
        code.update(source.read_bytes())
    versions["code"] = code.hexdigest()[:32]
    return versions


class _HashingWriter(io.RawIOBase):
    def __init__(self, handle: IO[bytes], digest: Any) -> None:
        self.handle = handle
        self.digest = digest

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self.digest.update(view)
        self.handle.write(view)
        return len(view)


def write_cache_file(path: Path, key: str, value: object) -> None:
    """Write ``value`` under ``key`` atomically (temporary file, then rename).

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "x.cache"
    >>> write_cache_file(target, "k", {"a": 1})
    >>> read_cache_file(target, "k")
    {'a': 1}
    >>> read_cache_file(target, "other key") is None
    True
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    header = json.dumps({**fingerprint(), "key": key}, sort_keys=True).encode()
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            digest = hashlib.sha256()
            writer = _HashingWriter(handle, digest)
            writer.write(MAGIC)
            writer.write(len(header).to_bytes(4, "big"))
            writer.write(header)
            buffered = io.BufferedWriter(writer, buffer_size=_CHUNK)
            with paused_gc():
                pickle.dump(value, buffered, protocol=pickle.HIGHEST_PROTOCOL)
            buffered.flush()
            handle.write(digest.digest())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def _check(path: Path, key: str) -> tuple[int, int] | str:
    """(start, end) of the pickle in a sound cache file for ``key``, or why it is unusable."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                return "not a newsgraph cache file"
            length = int.from_bytes(handle.read(4), "big")
            if length > 1 << 20:
                return "header too large"
            raw = handle.read(length)
            try:
                header = json.loads(raw)
            except ValueError:
                return "unreadable header"
            if not isinstance(header, dict):
                return "unreadable header"
            wanted = {**fingerprint(), "key": key}
            for name, value in wanted.items():
                if header.get(name) != value:
                    return f"stale: {name} differs"
            start = len(MAGIC) + 4 + length
            end = size - 32
            if end < start:
                return "truncated"
            digest = hashlib.sha256()
            digest.update(MAGIC)
            digest.update(length.to_bytes(4, "big"))
            digest.update(raw)
            remaining = end - start
            while remaining > 0:
                block = handle.read(min(_CHUNK, remaining))
                if not block:
                    return "truncated"
                digest.update(block)
                remaining -= len(block)
            if handle.read(32) != digest.digest():
                return "checksum mismatch (corrupt or truncated)"
            return start, end
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"


def read_cache_file(path: Path, key: str, problems: list[str] | None = None) -> Any:
    """The value stored under ``key`` in a sound cache file, else ``None`` (the reason goes to ``problems``)."""
    where = _check(path, key)
    if isinstance(where, str):
        if problems is not None and where != "missing":
            problems.append(f"{path.name}: {where}")
        return None
    start, _ = where
    try:
        with path.open("rb") as handle, paused_gc():
            handle.seek(start)
            return pickle.load(handle)
    except Exception as exc:  # a sound checksum over a pickle that will not load: other code
        if problems is not None:
            problems.append(f"{path.name}: cannot unpickle ({type(exc).__name__})")
        return None


def _snapshot_key(keys: list[tuple[str, str | None]], stories: bool, settings: StorySettings | None,
                  single_file: bool) -> str:
    digest = hashlib.sha256()
    digest.update(repr((stories, settings or StorySettings(), single_file)).encode())
    for display, key in keys:
        digest.update(f"{display}\0{key}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _content_keys(items: list[tuple[str, str]], folder: Path, info: CacheInfo) -> list[tuple[str, str | None]]:
    """(display, content key) per file: hashed, or taken from the manifest when the file's
    size, modification time (ns) and inode are the ones it had when it was last hashed.

    That shortcut is the one git and make take: an edit that keeps a file's size and
    nanosecond mtime is not seen (``--no-cache`` or touching the file settles it).
    """
    manifest = read_cache_file(folder / MANIFEST_FILE, MANIFEST_FILE, info.rejected_cache)
    if not isinstance(manifest, dict):
        manifest = {}
    fresh: dict[str, tuple[int, int, int, str]] = {}
    keys: list[tuple[str, str | None]] = []
    for file, display in items:
        try:
            status = os.stat(file)
        except OSError:
            status = None
        key: str | None = None
        if status is not None and stat.S_ISREG(status.st_mode):
            seen = manifest.get(display)
            signature = (status.st_size, status.st_mtime_ns, status.st_ino)
            if isinstance(seen, tuple) and len(seen) == 4 and seen[:3] == signature:
                key = seen[3]
            else:
                key, _ = read_file_bytes(Path(file), display)
            if key is not None:
                fresh[display] = (*signature, key)
        else:
            key, _ = read_file_bytes(Path(file), display)
        keys.append((display, key))
    if fresh != manifest:
        try:
            write_cache_file(folder / MANIFEST_FILE, MANIFEST_FILE, fresh)
        except OSError as exc:
            info.rejected_cache.append(f"cannot write the cache: {exc.strerror or exc}")
    return keys


def load_cached(
    path: str | os.PathLike[str],
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    stories: bool = True,
    story_settings: StorySettings | None = None,
) -> tuple[CoverageGraph, LoadReport, CacheInfo]:
    """The graph, the load report and what the cache did, for ``path`` through ``cache_dir``.

    Every file is read and hashed; when the set of (path, digest) pairs is the one the
    snapshot was taken of, the snapshot is the answer. Otherwise unchanged files take
    their parse result from the records cache, the others are parsed, and the graph
    (with stories) is built and snapshotted for next time.
    """
    started = time.perf_counter()
    root = Path(path)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir(root)
    info = CacheInfo(directory=str(folder))
    items = record_items(root)
    keys = _content_keys(items, folder, info)
    snapshot_key = _snapshot_key(keys, stories, story_settings, root.is_file())
    snapshot = read_cache_file(folder / GRAPH_FILE, snapshot_key, info.rejected_cache)
    if isinstance(snapshot, tuple) and len(snapshot) == 2 and isinstance(snapshot[0], CoverageGraph):
        g, report = snapshot
        report.root = str(path)
        report.seconds = time.perf_counter() - started
        info.status = "snapshot"
        info.reused = len(items)
        info.seconds = report.seconds
        if progress is not None and items:
            progress(len(items))
        return g, report, info

    records_key = "records"
    known = read_cache_file(folder / RECORDS_FILE, records_key, info.rejected_cache)
    if not isinstance(known, dict):
        known = {}
    results: list[Record | RecordError | None] = []
    todo: list[tuple[str, str]] = []
    todo_at: list[int] = []
    for index, ((file, display), (_, key)) in enumerate(zip(items, keys)):
        found = known.get((display, key)) if key is not None else None
        if isinstance(found, (Record, RecordError)):
            results.append(found)
        else:
            results.append(None)
            todo.append((file, display))
            todo_at.append(index)
    if progress is not None and len(todo) < len(items):
        progress(len(items) - len(todo))
    parsed: list[Keyed] = parse_items(todo, workers=workers, progress=progress) if todo else []
    for index, (key, result) in zip(todo_at, parsed):
        results[index] = result
        keys[index] = (keys[index][0], key)  # the content that was parsed, if it changed meanwhile
    info.parsed = len(todo)
    info.reused = len(items) - len(todo)
    info.status = "partial" if info.reused else "cold"

    report = LoadReport(root=str(path), files=len(items))
    records = collect((r for r in results if r is not None), report)
    with paused_gc():  # building allocates many long-lived objects and no cycles
        g = build_graph(records)
    report.seconds = time.perf_counter() - started
    fresh = {(display, key): result for (display, key), result in zip(keys, results) if key is not None}
    try:
        if info.parsed or len(fresh) != len(known):
            write_cache_file(folder / RECORDS_FILE, records_key, fresh)
    except OSError as exc:  # a read-only or full disk only costs the next start its speed
        info.rejected_cache.append(f"cannot write the cache: {exc.strerror or exc}")
    # The records are in the graph and the records cache now: free them before the
    # story detection, whose transient memory is the peak of a cold load.
    del records, results, fresh, known, parsed
    if stories:
        detect_stories(g, story_settings)
    try:
        write_cache_file(folder / GRAPH_FILE, _snapshot_key(keys, stories, story_settings, root.is_file()),
                         (g, report))
    except OSError as exc:
        if not any(problem.startswith("cannot write the cache") for problem in info.rejected_cache):
            info.rejected_cache.append(f"cannot write the cache: {exc.strerror or exc}")
    info.seconds = time.perf_counter() - started
    return g, report, info
