"""``notalone check`` and ``notalone scan``: the detection contract on the command line."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import IO

from notalone.detect import Detector, InputError, LineError, parse_conversation, read_jsonl
from notalone.detect.types import Assessment, Conversation, Message

CHUNK = 256


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = sub.add_parser("check", help="assess one message or conversation and explain why")
    check.add_argument("text", nargs="?", help="the message text, or - to read it from stdin")
    check.add_argument("--file", help="a conversation as a JSON object (the scan contract)")
    check.add_argument("--lang", help="language of the verdict (vi, en, fr); detected when omitted")
    check.add_argument("--json", action="store_true", help="print the result object")
    _country_option(check)
    check.set_defaults(func=run_check)

    scan = sub.add_parser("scan", help="assess every conversation of a JSONL file")
    scan.add_argument("input", nargs="?", default="-", help="JSONL file (default: stdin)")
    scan.add_argument("-o", "--output", default="-", help="output JSONL (default: stdout)")
    scan.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    scan.add_argument("--strict", action="store_true", help="exit 1 when any line is invalid")
    scan.add_argument("--no-progress", action="store_true", help="never draw a progress bar")
    _country_option(scan)
    scan.set_defaults(func=run_scan)


def _country_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--country",
        default=os.environ.get("NOTALONE_COUNTRY"),
        help="whose hotlines the advice gives (VN, FR, GB, US; default $NOTALONE_COUNTRY, else VN)",
    )


@functools.cache
def _detector(country: str | None) -> Detector:
    # one per country and process: scan asks for it at every chunk, and a detector keeps
    # caches (advice texts) worth keeping
    return Detector.default().for_country(country)


# --- check -------------------------------------------------------------------------------------
def run_check(args: argparse.Namespace) -> int:
    try:
        detector = _detector(args.country)
    except InputError as exc:
        return _fail(str(exc))
    try:
        if args.file:
            with open(args.file, "rb") as fh:
                raw = fh.read()
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                return _fail(f"{args.file}: not a JSON conversation: {exc}")
            conv = parse_conversation(obj)
            if args.lang:
                conv = Conversation(conv.id, conv.messages, args.lang, conv.child)
        elif args.text is not None:
            text = sys.stdin.read() if args.text == "-" else args.text
            conv = Conversation(None, (Message("sender", text),), args.lang)
        else:
            return _fail("give a TEXT, '-' for stdin, or --file conversation.json")
    except OSError as exc:
        return _fail(f"cannot read input: {exc}")
    except InputError as exc:
        return _fail(str(exc))
    result = detector.analyze(conv)
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render(result, conv, detector) + "\n")
    return 0


def render(result: Assessment, conv: Conversation, detector: Detector) -> str:
    """A readable verdict in the conversation's language."""
    ex = detector.explainer
    lang = result.lang

    def label(key: str, default: str) -> str:
        return ex.pack_text(lang, "labels", key) or default

    lines = [f"{label('verdict', 'Verdict')}: {result.summary}  (risk {result.risk:.2f})"]
    if result.first_alert_at is not None:
        lines.append(f"{label('first_alert', 'First alert at message')}: #{result.first_alert_at}")
    if result.evidence:
        lines.append("")
        lines.append(label("evidence", "Evidence") + ":")
        for ev, why in zip(result.evidence, result.explanations, strict=True):
            speaker = f"[{ev.message}] {ev.speaker}"
            lines.append(f"  - {speaker}: {why}  ({ev.score:.2f})")
    if result.indicators:
        lines.append("")
        lines.append(label("indicators", "Indicators") + ":")
        for ind in result.indicators:
            lines.append(f"  - [{ind.message}] {ind.kind}: {ind.value} -> {ind.normalized}")
    if result.advice:
        lines.append("")
        lines.append(label("advice", "What to do now") + ":")
        lines.extend(f"  * {a}" for a in result.advice)
    return "\n".join(lines)


# --- scan --------------------------------------------------------------------------------------
def _analyze_chunk(chunk: list[Conversation], country: str | None = None) -> list[str]:
    detector = _detector(country)
    return [json.dumps(detector.analyze(c).to_dict(), ensure_ascii=False) for c in chunk]


def _chunks(stream: IO[bytes], errors: list[LineError]) -> Iterator[list[Conversation]]:
    chunk: list[Conversation] = []
    for _, item, _ in read_jsonl(stream):
        if isinstance(item, LineError):
            errors.append(item)
            sys.stderr.write(f"line {item.line}: {item.message}\n")
            continue
        chunk.append(item)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_scan(args: argparse.Namespace) -> int:
    try:
        _detector(args.country)  # an unknown country fails before any input is read
    except InputError as exc:
        return _fail(str(exc))
    analyze = functools.partial(_analyze_chunk, country=args.country)
    try:
        source: IO[bytes] = sys.stdin.buffer if args.input == "-" else open(args.input, "rb")  # noqa: SIM115 - closed in the finally below
    except OSError as exc:
        return _fail(f"cannot read {args.input}: {exc}")
    try:
        sink: IO[str] = (
            sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
        )
    except OSError as exc:
        return _fail(f"cannot write {args.output}: {exc}")
    errors: list[LineError] = []
    progress = Progress(enabled=not args.no_progress and sys.stderr.isatty())
    try:
        chunks = _chunks(source, errors)
        if args.jobs > 1:
            with ProcessPoolExecutor(max_workers=args.jobs) as pool:
                for lines in pool.map(analyze, chunks):
                    _write(sink, lines, progress)
        else:
            for chunk in chunks:
                _write(sink, analyze(chunk), progress)
    finally:
        progress.close()
        if sink is not sys.stdout:
            sink.close()
        if source is not sys.stdin.buffer:
            source.close()
    if errors:
        sys.stderr.write(f"{len(errors)} invalid line(s) skipped; the others were scanned\n")
    return 1 if errors and args.strict else 0


def _write(sink: IO[str], lines: list[str], progress: Progress) -> None:
    sink.write("\n".join(lines) + "\n")
    progress.advance(len(lines))


class Progress:
    """A one-line counter on stderr, drawn only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.done = 0

    def advance(self, n: int) -> None:
        self.done += n
        if self.enabled:
            sys.stderr.write(f"\rscanned {self.done:,} conversations")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.done:
            sys.stderr.write("\n")


def _fail(message: str) -> int:
    sys.stderr.write(f"notalone: {message}\n")
    return 2
