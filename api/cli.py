"""The ``newsgraph`` command: a thin wrapper over the library.

Exit codes: 0 success, 1 the command ran and found problems (rejected files, query
errors), 2 bad usage or a path that does not exist.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import graph
from graph.errors import NewsgraphError, NotFound
from graph.ingest import LoadReport, find_record_files, parse_datetime

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


def load(path: Path, workers: int | None = None, args: argparse.Namespace | None = None) -> tuple[graph.CoverageGraph, LoadReport]:
    """Load with a progress bar, through the warm-start cache unless ``--no-cache``."""
    progress, done = _progress(path)
    try:
        return graph.load(path, workers=workers, progress=progress, cache=_cache_option(args))
    finally:
        done()


def _cache_option(args: argparse.Namespace | None) -> bool | Path:
    """``graph.load``'s ``cache`` from ``--no-cache`` / ``--cache-dir`` (on by default)."""
    if args is not None and getattr(args, "no_cache", False):
        return False
    if args is not None and getattr(args, "cache_dir", None) is not None:
        return Path(args.cache_dir)
    return True


def _summary(report: LoadReport) -> str:
    return (
        f"{report.files} files: {report.records} loaded, {report.rejected} rejected, "
        f"{len(report.warnings)} warnings ({report.seconds:.2f} s, parser: {report.parser})"
    )


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import GraphHolder, create_app

    settings = Settings.from_env()
    g, report = load(args.path, args.workers, args)
    for error in report.errors:
        print(f"rejected: {error}", file=sys.stderr)
    print(f"newsgraph: {_summary(report)}; {g!r}", file=sys.stderr)
    from graph.search import index_for

    # Build the search index while the server starts, so the first search is not slow.
    threading.Thread(target=index_for, args=(g,), name="newsgraph-search-index", daemon=True).start()
    app = create_app(GraphHolder(g), settings)
    reloader = None
    if args.watch:
        from .reload import Reloader, install_sighup

        reloader = Reloader(args.path, app.state.holder, report, interval=args.watch_interval, workers=args.workers,
                            cache=_cache_option(args))
        app.state.reloader = reloader
        reloader.start()
        install_sighup(reloader)
        print(f"newsgraph: watching {args.path} for changes (SIGHUP reloads too)", file=sys.stderr)
    print(f"newsgraph: serving http://{args.host}:{args.port}/graphql", file=sys.stderr)
    # The loaded graph lives as long as the server: move it out of the collector's way so
    # full collections (0.2 s on a large graph) do not land on a request.
    gc.collect()
    gc.freeze()
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    finally:
        if reloader is not None:
            reloader.stop()
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    _, report = load(args.path, args.workers, args)
    for error in report.errors:
        print(str(error))
    for warning in report.warnings:
        print(f"warning: {warning}")
    print(_summary(report), file=sys.stderr)
    return 1 if report.errors else 0


def cmd_stats(args: argparse.Namespace) -> int:
    from graph.queries import stats

    g, report = load(args.path, args.workers, args)
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
    g, _ = load(args.path, args.workers, args)
    result = build_schema(settings).execute_sync(
        _read_query(args.query), variable_values=variables, context_value=Context(g, settings)
    )
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    print(json.dumps(body, indent=2, ensure_ascii=False, default=str))
    return 1 if result.errors else 0


def _when(text: str) -> datetime:
    try:
        return parse_datetime(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_export(args: argparse.Namespace) -> int:
    from graph import export, subgraphs

    g, report = load(args.path, args.workers, args)
    for error in report.errors:
        print(f"rejected: {error}", file=sys.stderr)
    article = None
    if args.article is not None:
        article = g.article_id_for(args.article)
        if article is None:
            raise NotFound("article", args.article)
    nodes = subgraphs.select(g, story=args.story, article=article, depth=args.depth, provider=args.provider,
                             topic=args.topic, since=args.since, until=args.until)
    if args.output == "-":
        export.write(g, args.format, sys.stdout.buffer, nodes)
        sys.stdout.buffer.flush()
    else:
        with open(args.output, "wb") as handle:
            export.write(g, args.format, handle, nodes)
        size = len(nodes) if nodes is not None else g.nx.number_of_nodes()
        print(f"newsgraph: wrote {size} nodes as {args.format} to {args.output}", file=sys.stderr)
    return 0


def cmd_echoes(args: argparse.Namespace) -> int:
    from graph import stories

    g, _ = load(args.path, args.workers, args)
    node = g.article_id_for(args.url)
    if node is None:
        raise NotFound("article", args.url)
    story = stories.story_of(g, node)
    if story is None:
        article = g.article_view(node)
        print(f"{article.title} ({article.provider}) is in no story: no other outlet was found reporting it.")
        return 0
    origin = g.article_view(stories.origin_of(g, node) or node)
    rows = stories.echoes_of(g, origin.id)
    when = origin.published_at.strftime("%Y-%m-%d %H:%M UTC") if origin.published_at else "?"
    print(f"story   {story}")
    print(f"origin  {g.nx.nodes[origin.provider]['name']} ({origin.provider.split(':', 1)[1]}), {when}")
    print(f"        {origin.title}")
    print(f"        {origin.url or origin.id}")
    if not rows:
        print("no echoes")
        return 0
    table = [("outlet", "published (UTC)", "lag h", "similarity", "title")]
    for echo in rows:
        published = echo.published.strftime("%Y-%m-%d %H:%M") if echo.published else "?"
        table.append((echo.provider.split(":", 1)[1], published, f"{echo.lag_hours:+.1f}", f"{echo.similarity:.2f}",
                      g.nx.nodes[echo.article]["title"][:70]))
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    print()
    for row in table:
        print("  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)).rstrip())
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from graph import evaluate

    g, _ = load(args.path, args.workers, args)
    labels = Path(args.labels)
    text = labels.read_text(encoding="utf-8")
    truth_file = text.lstrip().startswith("{")
    result = evaluate.evaluate_truth(g, labels) if truth_file else evaluate.evaluate_labels(g, labels)
    print(result.summary())
    if result.origin_accuracy is not None:
        print(f"origin accuracy {result.origin_accuracy:.3f}")
    if result.missing:
        print(f"{result.missing} labelled articles are not in the graph (not scored)")
    if result.misclassified:
        print(f"\nmisclassified pairs ({len(result.misclassified)}):")
        for row in result.misclassified[: args.show]:
            print("  " + " | ".join(row))
        if len(result.misclassified) > args.show:
            print(f"  ... {len(result.misclassified) - args.show} more (--show N)")
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from graph import synth

    summary = synth.write_corpus(args.out, args.records, seed=args.seed)
    print(f"newsgraph: wrote {summary.records} records ({summary.articles} articles, {summary.stories} stories, "
          f"{summary.story_pairs} same-story pairs) to {summary.out_dir} in {summary.seconds:.1f} s; "
          f"ground truth in truth.json", file=sys.stderr)
    return 0


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
        p.add_argument("--no-cache", action="store_true",
                       help="parse every file; do not read or write the warm-start cache")
        p.add_argument("--cache-dir", type=Path, default=None,
                       help="warm-start cache folder (default: $XDG_CACHE_HOME/newsgraph/<hash of the folder path>)")
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

    export = add("export", cmd_export, "write the graph, or a part of it, as GraphML, GEXF, JSON or CSV")
    export.add_argument("--format", default="graphml", choices=["graphml", "gexf", "json", "csv"],
                        help="output format (csv: a zip of nodes.csv and edges.csv with Neo4j headers)")
    export.add_argument("--output", "-o", default="-", help="file to write, - for stdout (default)")
    export.add_argument("--story", help="one story: its articles, outlets and echoes (story id)")
    export.add_argument("--article", help="an article (any URL alias) and its neighbourhood")
    export.add_argument("--depth", type=int, default=1, help="hops around --article (default 1)")
    export.add_argument("--provider", help="one outlet's coverage (domain)")
    export.add_argument("--topic", help="one topic's coverage (name)")
    export.add_argument("--since", type=_when, help="articles published at or after (ISO-8601, UTC if no zone)")
    export.add_argument("--until", type=_when, help="articles published at or before")

    echoes = add("echoes", cmd_echoes, "print a story's original report and who echoed it, how long after")
    echoes.add_argument("url", help="any article of the story (any URL alias)")

    evaluation = add("eval", cmd_eval,
                     "precision, recall and F1 of same-story detection over labels.json or a synth truth.json")
    evaluation.add_argument("labels", help="labels.json (ECHO/TOPICAL pairs) or truth.json from `newsgraph synth`")
    evaluation.add_argument("--show", type=int, default=50, help="how many misclassified pairs to print")

    synth = sub.add_parser("synth", help="write a synthetic corpus with ground truth (truth.json)",
                           description="write a synthetic corpus with ground truth (truth.json)")
    synth.add_argument("--records", type=int, required=True, help="how many record files")
    synth.add_argument("--out", type=Path, required=True, help="folder to write into")
    synth.add_argument("--seed", type=int, default=0, help="random seed (same seed, same bytes)")
    synth.set_defaults(func=cmd_synth)

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
