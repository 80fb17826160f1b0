"""The ``newsgraph`` command: a thin wrapper over the library.

Exit codes: 0 success, 1 the command ran and found problems (rejected files, query
errors), 2 bad usage or a path that does not exist.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import graph
from graph.errors import NewsgraphError
from graph.ingest import LoadReport, find_record_files

from .settings import Settings

BUNDLED_SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _progress(path: Path) -> tuple[Callable[[int], None] | None, Callable[[], None]]:
    """A progress bar on stderr for loads that take more than a moment (TTY only)."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    total = len(find_record_files(path)) if path.is_dir() else 1
    bar = tqdm(total=total, unit="file", desc="loading", file=sys.stderr, delay=0.5, leave=False)
    return bar.update, bar.close


def load(path: Path, workers: int | None = None) -> tuple[graph.CoverageGraph, LoadReport]:
    progress, done = _progress(path)
    try:
        return graph.load(path, workers=workers, progress=progress)
    finally:
        done()


def _summary(report: LoadReport) -> str:
    return (
        f"{report.files} files: {report.records} loaded, {report.rejected} rejected, "
        f"{len(report.warnings)} warnings ({report.seconds:.2f} s, parser: {report.parser})"
    )


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import GraphHolder, create_app

    settings = Settings.from_env()
    g, report = load(args.path, args.workers)
    for error in report.errors:
        print(f"rejected: {error}", file=sys.stderr)
    print(f"newsgraph: {_summary(report)}; {g!r}", file=sys.stderr)
    app = create_app(GraphHolder(g), settings)
    reloader = None
    if args.watch:
        from .reload import Reloader, install_sighup

        reloader = Reloader(args.path, app.state.holder, report, interval=args.watch_interval, workers=args.workers)
        app.state.reloader = reloader
        reloader.start()
        install_sighup(reloader)
        print(f"newsgraph: watching {args.path} for changes (SIGHUP reloads too)", file=sys.stderr)
    print(f"newsgraph: serving http://{args.host}:{args.port}/graphql", file=sys.stderr)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    finally:
        if reloader is not None:
            reloader.stop()
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    _, report = load(args.path, args.workers)
    for error in report.errors:
        print(str(error))
    for warning in report.warnings:
        print(f"warning: {warning}")
    print(_summary(report), file=sys.stderr)
    return 1 if report.errors else 0


def cmd_stats(args: argparse.Namespace) -> int:
    from graph.queries import stats

    g, report = load(args.path, args.workers)
    s = stats(g)
    figures = {
        "articles": s.articles,
        "providers": s.providers,
        "topics": s.topics,
        "stories": s.stories,
        "edges": s.edges,
        "files": report.files,
        "records": report.records,
        "rejected": report.rejected,
        "warnings": len(report.warnings),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        width = max(len(k) for k in figures)
        for key, value in figures.items():
            print(f"{key:<{width}}  {value}")
    return 0


def _read_query(text: str) -> str:
    if text.startswith("@"):
        return Path(text[1:]).read_text(encoding="utf-8")
    if text == "-":
        return sys.stdin.read()
    return text


def cmd_query(args: argparse.Namespace) -> int:
    from .schema import build_schema
    from .types import Context

    variables: Any = None
    if args.variables:
        try:
            variables = json.loads(args.variables)
        except json.JSONDecodeError as exc:
            print(f"newsgraph: --variables is not valid JSON: {exc}", file=sys.stderr)
            return 2
        if not isinstance(variables, dict):
            print("newsgraph: --variables must be a JSON object", file=sys.stderr)
            return 2
    settings = Settings.from_env()
    g, _ = load(args.path, args.workers)
    result = build_schema(settings).execute_sync(
        _read_query(args.query), variable_values=variables, context_value=Context(g, settings)
    )
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    print(json.dumps(body, indent=2, ensure_ascii=False, default=str))
    return 1 if result.errors else 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="newsgraph", description="See how news travels: a knowledge graph of coverage.")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help: str, path_default: bool = False) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        if path_default:
            p.add_argument("path", nargs="?", type=Path, default=BUNDLED_SEEDS,
                           help="folder of records (default: the bundled seeds/)")
        else:
            p.add_argument("path", type=Path, help="folder (or file) of records")
        p.add_argument("--workers", type=int, default=None, help="processes for parsing (default: all cores for large folders)")
        p.set_defaults(func=func)
        return p

    serve = add("serve", cmd_serve, "serve the GraphQL API and explorer", path_default=True)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--watch", action="store_true",
                       help="reload when record files change (a reload that newly rejects a file is refused)")
    serve.add_argument("--watch-interval", type=float, default=2.0, help="seconds between checks (default 2)")

    add("check", cmd_check, "validate records: one line per rejected file, exit 1 if any")
    stats = add("stats", cmd_stats, "print what a folder holds")
    stats.add_argument("--json", action="store_true", help="print JSON")

    query = add("query", cmd_query, "run one GraphQL query in-process and print the JSON response")
    query.add_argument("query", help="the query text, @FILE to read it from a file, or - for stdin")
    query.add_argument("--variables", help="variables as a JSON object")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except NewsgraphError as exc:
        print(f"newsgraph: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
