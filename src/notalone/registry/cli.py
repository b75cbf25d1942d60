"""``notalone indicators lookup|import|export``: the registry from the command line.

The commands use the same settings and database as ``notalone serve`` (``NOTALONE_*``
variables; SQLite in the data dir by default) and migrate it first.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from notalone.detect.indicators import IndicatorError

KIND_CHOICES = ("phone", "bank_account", "url", "domain", "handle", "email", "crypto_wallet")


def _session_factory(stack: ExitStack) -> Any:
    from notalone.server.cli import _settings, prepare_database
    from notalone.server.db import make_engine, make_session_factory

    settings = _settings()
    prepare_database(settings)
    engine = make_engine(settings.effective_database_url)
    stack.callback(engine.dispose)
    return make_session_factory(engine)


def cmd_lookup(args: argparse.Namespace) -> int:
    from . import service as reg

    try:
        kind, normalized = reg.key_of(args.value, args.kind)
    except IndicatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with ExitStack() as stack:
        factory = _session_factory(stack)
        with factory() as session:
            answer = reg.lookup(session, kind, normalized, lang=args.lang).to_dict()
    if args.json:
        sys.stdout.write(json.dumps(answer, ensure_ascii=False) + "\n")
        return 0
    print(f"{answer['kind']} {answer['normalized']}: {answer['status']}")
    if answer["reporters"]:
        print(f"  reporters: {answer['reporters']}; categories: {', '.join(answer['categories'])}")
        print(f"  first seen {answer['first_seen']}, last seen {answer['last_seen']}")
    if answer["official"]:
        print(f"  official: {answer['official']}")
    for warning in answer["warnings"]:
        brand = f" ({warning['brand']})" if warning["brand"] else ""
        print(f"  warning: {warning['type']}{brand}: {warning['detail']}")
    print(f"  {answer['advice']}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .imports import ImportFileError, import_stream

    path = Path(args.file)
    with ExitStack() as stack:
        try:
            stream: IO[bytes] = (
                sys.stdin.buffer if args.file == "-" else stack.enter_context(path.open("rb"))
            )
        except OSError as exc:
            print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
            return 2
        factory = _session_factory(stack)
        with factory() as session:
            try:
                summary = import_stream(
                    session,
                    stream,
                    fmt=args.format,
                    source=args.source,
                    category=args.category,
                    workers=_workers(args, path),
                    progress=None if args.quiet else _progress,
                )
            except ImportFileError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
    data = summary.to_dict()
    if args.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    else:
        for error in summary.errors[: args.show_errors]:
            print(f"{args.file}:{error.line}: {error.reason}", file=sys.stderr)
        hidden = summary.rejected - min(len(summary.errors), args.show_errors)
        if hidden > 0:
            print(f"... and {hidden} more rejected lines", file=sys.stderr)
        print(
            f"{summary.source}: {summary.lines} lines, {summary.accepted} accepted "
            f"({summary.new} new, {summary.duplicates} repeated), {summary.rejected} rejected, "
            f"{summary.skipped} skipped, in {summary.seconds:.1f} s"
        )
    return 0 if summary.accepted or not summary.rejected else 1


def _workers(args: argparse.Namespace, path: Path) -> int:
    """``--workers``, or 2 processes for files over 8 MB (when the machine has 2 cores)."""
    if args.workers is not None:
        return max(1, int(args.workers))
    try:
        large = args.file != "-" and path.stat().st_size > 8 * 1024 * 1024
    except OSError:
        large = False
    return min(2, os.cpu_count() or 1) if large and args.format != "stix" else 1


def _progress(summary: Any) -> None:
    print(f"  {summary.accepted} accepted...", file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> int:
    from .exports import export_chunks

    with ExitStack() as stack:
        factory = _session_factory(stack)
        session = stack.enter_context(factory())
        if args.output in (None, "-"):
            out: IO[str] = sys.stdout
        else:
            try:
                out = stack.enter_context(Path(args.output).open("w", encoding="utf-8"))
            except OSError as exc:
                print(f"error: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
                return 2
        for chunk in export_chunks(session, args.format):
            out.write(chunk)
        out.flush()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``indicators lookup|import|export`` to the CLI."""
    top = subparsers.add_parser(
        "indicators", help="the scam-indicator registry: look up, import, export"
    )
    sub = top.add_subparsers(dest="indicators_command", required=True)

    lookup = sub.add_parser("lookup", help="what the registry knows about a value")
    lookup.add_argument("value", help="a phone number, bank account, link, handle, e-mail...")
    lookup.add_argument("--kind", choices=KIND_CHOICES, help="the kind (detected when omitted)")
    lookup.add_argument("--lang", choices=("vi", "en"), default="vi", help="advice language")
    lookup.add_argument("--json", action="store_true", help="print the answer object as JSON")
    lookup.set_defaults(func=cmd_lookup)

    imp = sub.add_parser("import", help="import a list (bad lines are reported and skipped)")
    imp.add_argument("file", help="the file ('-' for standard input)")
    imp.add_argument("--format", required=True, choices=("urls", "csv", "stix"))
    imp.add_argument("--source", required=True, help="the list's name, e.g. chongluadao")
    imp.add_argument("--category", help="category of the entries (default: phishing for urls)")
    imp.add_argument("--json", action="store_true", help="print the summary as JSON")
    imp.add_argument("--quiet", action="store_true", help="no progress lines")
    imp.add_argument("--show-errors", type=int, default=20, help="rejected lines to print")
    imp.add_argument(
        "--workers", type=int, help="processes that parse the lines (default: 2 for large files)"
    )
    imp.set_defaults(func=cmd_import)

    exp = sub.add_parser("export", help="export confirmed scam indicators")
    exp.add_argument("--format", choices=("csv", "stix"), default="csv")
    exp.add_argument("-o", "--output", help="the file (standard output by default)")
    exp.set_defaults(func=cmd_export)
