"""Live reload: re-ingest a folder in the background and swap the new graph in atomically.

A reload is accepted only when it rejects no file that the served graph did not already
reject: a half-written or broken file keeps the previous graph in service (readers never
lose records to a partial write), and the reason is kept for ``/healthz`` and the log.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graph
from graph.ingest import LoadReport, find_record_files
from graph.search import index_for

from .app import GraphHolder

log = logging.getLogger("newsgraph.reload")


def folder_signature(path: Path) -> tuple[tuple[str, int, int], ...]:
    """What changes when a record file is added, removed or rewritten."""
    signature = []
    for file in find_record_files(path):
        try:
            info = file.stat()
        except OSError:
            continue
        signature.append((str(file), info.st_mtime_ns, info.st_size))
    return tuple(signature)


@dataclass
class ReloadStatus:
    """The outcome of the latest reload attempt."""

    attempts: int = 0
    accepted: int = 0
    last_ok: bool = True
    last_reason: str = ""
    last_errors: list[str] = field(default_factory=list)
    last_seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "accepted": self.accepted,
            "ok": self.last_ok,
            "reason": self.last_reason,
            "errors": self.last_errors[:20],
            "seconds": round(self.last_seconds, 3),
        }


class Reloader:
    """Watches ``path`` (polling every ``interval`` seconds) and reloads ``holder`` on change."""

    def __init__(self, path: Path, holder: GraphHolder, report: LoadReport, interval: float = 2.0,
                 workers: int | None = None, cache: bool | Path = False) -> None:
        self.path = path
        self.holder = holder
        self.interval = interval
        self.workers = workers
        self.cache = cache
        """Passed to :func:`graph.load`: with the warm-start cache only changed files are re-read."""
        self.status = ReloadStatus()
        self._rejected = {e.path for e in report.errors}
        self._signature = folder_signature(path)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def reload(self) -> bool:
        """Load the folder now and swap it in if acceptable; True when swapped."""
        with self._lock:
            started = time.perf_counter()
            self.status.attempts += 1
            signature = folder_signature(self.path)
            try:
                new_graph, report = graph.load(self.path, workers=self.workers, cache=self.cache)
                index_for(new_graph)  # build the search index before readers see the graph
            except Exception as exc:  # a reload must never take the server down
                log.exception("reload of %s failed", self.path)
                self._fail(f"load failed: {exc}", [], started)
                return False
            fresh = [e for e in report.errors if e.path not in self._rejected]
            if fresh:
                self._fail(
                    f"{len(fresh)} newly rejected file(s); still serving the previous graph",
                    [str(e) for e in fresh],
                    started,
                )
                return False
            self.holder.swap(new_graph)
            if gc.get_freeze_count():
                # serve froze the first graph out of the collector; let the old one go.
                gc.unfreeze()
                gc.collect()
                gc.freeze()
            self._rejected = {e.path for e in report.errors}
            self._signature = signature
            self.status.accepted += 1
            self.status.last_ok = True
            self.status.last_reason = f"reloaded: {report.records} records"
            self.status.last_errors = []
            self.status.last_seconds = time.perf_counter() - started
            log.info("reloaded %s: %r in %.2f s", self.path, new_graph, self.status.last_seconds)
            return True

    def _fail(self, reason: str, errors: list[str], started: float) -> None:
        self.status.last_ok = False
        self.status.last_reason = reason
        self.status.last_errors = errors
        self.status.last_seconds = time.perf_counter() - started
        log.warning("reload of %s refused: %s %s", self.path, reason, "; ".join(errors[:5]))

    def poke(self) -> None:
        """Ask the watcher to reload at its next turn (e.g. from a SIGHUP handler)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            if self._stop.is_set():
                break
            poked = self._wake.is_set()
            self._wake.clear()
            try:
                changed = folder_signature(self.path) != self._signature
            except Exception:  # the folder vanished for a moment
                log.exception("cannot scan %s", self.path)
                continue
            if changed or poked:
                # Let writers finish: wait until the folder stops changing for a moment.
                settle = folder_signature(self.path)
                time.sleep(min(self.interval, 0.2))
                if folder_signature(self.path) != settle:
                    continue
                self.reload()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="newsgraph-reload", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


def install_sighup(reloader: Reloader) -> bool:
    """Reload on SIGHUP (POSIX, main thread only); True when installed."""
    import signal

    if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
        return False
    signal.signal(signal.SIGHUP, lambda *_: reloader.poke())
    return os.name == "posix"
