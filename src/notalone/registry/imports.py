"""Imports: ``urls`` (one per line), ``csv`` and STIX 2.1 bundles, streamed in batches.

Bad lines are reported with their number and the reason and the good lines are kept; a line
longer than ``MAX_LINE_BYTES``, bytes that are not UTF-8 (mixed encodings) or a NUL byte reject
that line only. Each import source counts as one reporter per indicator: importing the same
list twice changes nothing but ``last_seen``.
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Final

from sqlalchemy import func, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from notalone.detect.indicators import IndicatorError
from notalone.server import audit
from notalone.server.models import utcnow

from .models import RegistryIndicator
from .service import REPORT_CATEGORIES, WEIGHT_IMPORT, key_of, static_facts

FORMATS: Final = ("urls", "csv", "stix")
MAX_LINE_BYTES: Final = 64 * 1024
MAX_STIX_BYTES: Final = 256 * 1024 * 1024
BATCH: Final = 20_000
CHUNK_LINES: Final = 5_000
KEPT_ERRORS: Final = 1_000
SOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,39}")

_T = RegistryIndicator.__table__


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (wrong encoding, not a STIX bundle...)."""


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    """Line number (1-based); for STIX, the position of the object in the bundle."""
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Record:
    line: int
    kind: str
    normalized: str
    category: str


@dataclass
class ImportSummary:
    source: str
    format: str
    lines: int = 0
    skipped: int = 0
    """Blank lines, comments and the CSV header."""
    accepted: int = 0
    rejected: int = 0
    new: int = 0
    duplicates: int = 0
    """Accepted lines whose indicator appeared earlier in the same batch."""
    seconds: float = 0.0
    errors: list[LineError] = field(default_factory=list)

    def error(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < KEPT_ERRORS:
            self.errors.append(LineError(line, reason))

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "lines": self.lines,
            "skipped": self.skipped,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "new": self.new,
            "duplicates": self.duplicates,
            "seconds": round(self.seconds, 3),
            "errors": [e.to_dict() for e in self.errors],
            "errors_not_shown": max(0, self.rejected - len(self.errors)),
        }


# --- reading lines --------------------------------------------------------------------------


def read_lines(stream: IO[bytes], max_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[int, bytes]]:
    """``(line number, raw bytes without the line end)``; a line longer than ``max_bytes`` is
    yielded as ``b""`` with a negative number so that the caller can reject it, and its rest
    is skipped without being held in memory."""
    number = 0
    while True:
        raw = stream.readline(max_bytes + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            while True:  # skip the rest of the long line in bounded chunks
                rest = stream.readline(1 << 16)
                if not rest or rest.endswith(b"\n"):
                    break
            yield -number, b""
            continue
        yield number, raw.rstrip(b"\r\n")


def decode_line(raw: bytes, number: int) -> str:
    """The line as text; raises ``ValueError`` with the reason."""
    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw:
        raise ValueError("NUL byte in the line (binary file, or UTF-16?)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"not UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}; "
            "mixed encodings? convert the file to UTF-8)"
        ) from None


def _check_file_start(stream: IO[bytes]) -> None:
    head = stream.peek(4)[:4] if hasattr(stream, "peek") else b""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError("the file is UTF-16: convert it to UTF-8")


# --- parsing lines --------------------------------------------------------------------------

_SPACE = re.compile(r"\s")
_PORT_OR_PATH = re.compile(r"[^/\s]+:\d{1,5}(?:/.*)?|[^/\s]+/.*")


def parse_url_line(text: str, category: str = "phishing") -> tuple[str, str] | None:
    """``(kind, normalized)`` of one line of a ``urls`` list, or ``None`` for a blank line or
    a ``#`` comment. A bare host is a domain (its registered domain), anything with a scheme,
    path or port a URL; a subdomain of an official domain is kept as a URL, never widened to the
    official domain. Raises ``IndicatorError`` with the reason."""
    line = text.strip()
    if not line or line.startswith(("#", "!", ";")):
        return None
    if _SPACE.search(line):
        raise IndicatorError("spaces inside the value")
    if "://" in line or _PORT_OR_PATH.fullmatch(line):
        return key_of(line if "://" in line else "http://" + line, "url")
    kind, normalized = key_of(line, "domain")
    if normalized != line.lower().rstrip(".").removeprefix("www."):
        official, _ = static_facts("domain", normalized)
        if official is not None:
            return key_of("http://" + line, "url")
    return kind, normalized


def _csv_columns(header: list[str]) -> dict[str, int]:
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    columns: dict[str, int] = {}
    for wanted, aliases in (
        ("value", ("value", "normalized", "indicator", "url", "domain")),
        ("kind", ("kind", "type")),
        ("category", ("category", "categories")),
    ):
        for alias in aliases:
            if alias in names:
                columns[wanted] = names.index(alias)
                break
    if "value" not in columns:
        raise ImportFileError("the CSV header needs a 'value' column (and optionally 'kind')")
    return columns


def parse_csv_line(
    text: str, columns: dict[str, int], default_category: str
) -> tuple[str, str, str] | None:
    """``(kind, normalized, category)`` of one CSV data line (``None`` when blank)."""
    if not text.strip():
        return None
    if '"' in text:
        try:
            cells = next(csv.reader([text]), [])
        except csv.Error as exc:
            raise IndicatorError(f"bad CSV: {exc}") from None
    else:  # no quoting: a plain split is the same, and much cheaper
        cells = text.split(",")
    if not cells:
        return None

    def cell(name: str) -> str:
        i = columns.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    value = cell("value")
    if not value:
        raise IndicatorError("empty value")
    kind = cell("kind").lower() or None
    category = (cell("category").split(",")[0].strip().lower()) or default_category
    if category not in REPORT_CATEGORIES:
        raise IndicatorError(f"unknown category {category!r}")
    k, n = key_of(value, kind)
    return k, n, category


# STIX patterns of one comparison, or several joined by OR: [url:value = 'http://x']
_STIX_CMP = re.compile(r"\s*\[?\s*([a-z0-9\-]+):([a-z_.]+)\s*=\s*'((?:[^'\\]|\\.)*)'\s*\]?\s*")
STIX_TYPES: Final = {
    "url": "url",
    "domain-name": "domain",
    "email-addr": "email",
    "x-notalone-phone": "phone",
    "x-notalone-bank-account": "bank_account",
    "x-notalone-handle": "handle",
    "x-notalone-crypto-wallet": "crypto_wallet",
}


def parse_stix_pattern(pattern: str) -> list[tuple[str, str]]:
    """``(kind, value)`` of each ``[type:value = '...']`` comparison of a STIX pattern."""
    out: list[tuple[str, str]] = []
    for part in re.split(r"\s+OR\s+", pattern.strip()):
        m = _STIX_CMP.fullmatch(part)
        if m is None or m.group(2) != "value":
            raise IndicatorError("unsupported STIX pattern (only [type:value = '...'] and OR)")
        kind = STIX_TYPES.get(m.group(1))
        if kind is None:
            raise IndicatorError(f"unsupported STIX object type {m.group(1)!r}")
        out.append((kind, re.sub(r"\\(.)", r"\1", m.group(3))))
    return out


# --- writing --------------------------------------------------------------------------------


def _upsert_sql(dialect: str) -> str:
    """One INSERT ... ON CONFLICT for both SQLite and PostgreSQL: each source counts once."""
    contains = "instr({a}, {b}) > 0" if dialect == "sqlite" else "strpos({a}, {b}) > 0"
    has_source = contains.format(a="indicators.sources", b="excluded.sources")
    has_category = contains.format(
        a="',' || indicators.categories || ','", b="',' || excluded.categories || ','"
    )
    return (
        " ON CONFLICT (kind, normalized) DO UPDATE SET"
        " last_seen = excluded.last_seen,"
        f" reporters = CASE WHEN {has_source} THEN indicators.reporters"
        " ELSE indicators.reporters + 1 END,"
        f" weight = CASE WHEN {has_source} THEN indicators.weight"
        " ELSE indicators.weight + excluded.weight END,"
        f" sources = CASE WHEN {has_source} THEN indicators.sources"
        " ELSE substr(indicators.sources || excluded.sources, 1, 1024) END,"
        " categories = CASE WHEN indicators.categories = '' THEN excluded.categories"
        f" WHEN {has_category} THEN indicators.categories"
        " ELSE substr(indicators.categories || ',' || excluded.categories, 1, 255) END"
    )


_COLUMNS = "kind, normalized, status, reporters, weight, categories, sources, first_seen, last_seen"


class _Writer:
    """Buffers records and upserts them in batches at the driver level: ``executemany`` on
    SQLite, ``COPY`` into a temporary table and one ``INSERT ... SELECT`` on PostgreSQL (with
    ``synchronous_commit`` off for that transaction)."""

    def __init__(self, session: Session, source: str, summary: ImportSummary, batch: int) -> None:
        self.session = session
        self.summary = summary
        self.batch = batch
        self.buffer: dict[tuple[str, str], str] = {}
        self.dialect = session.get_bind().dialect.name
        self.token = f"|{source}|"
        if self.dialect == "sqlite":  # a large page cache keeps the key index in memory
            session.execute(sql_text("PRAGMA cache_size = -262144"))
        upsert = _upsert_sql(self.dialect)
        if self.dialect == "postgresql":
            self.sql = (
                f"INSERT INTO indicators ({_COLUMNS}) SELECT kind, normalized, 'reported', 1,"
                f" {WEIGHT_IMPORT!r}, categories, %s, %s, %s FROM _indicator_import" + upsert
            )
        else:
            self.sql = (
                f"INSERT INTO indicators ({_COLUMNS})"
                f" VALUES (?, ?, 'reported', 1, {WEIGHT_IMPORT!r}, ?, ?, ?, ?)" + upsert
            )

    def add(self, kind: str, normalized: str, category: str) -> None:
        key = (kind, normalized)
        if key in self.buffer:
            self.summary.duplicates += 1
            return
        self.buffer[key] = category
        if len(self.buffer) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        now = utcnow()
        dbapi = self.session.connection().connection.driver_connection
        assert dbapi is not None
        if self.dialect == "postgresql":
            with dbapi.cursor() as cur:
                # This batch's commit does not wait for the WAL flush (no risk of corruption:
                # after a crash the last batches may be missing, and re-running the import
                # adds them; an import source counts once per indicator anyway). On a busy
                # disk this more than halves the import time.
                cur.execute("SET LOCAL synchronous_commit = off")
                cur.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS _indicator_import"
                    " (kind text, normalized text, categories text)"
                )
                with cur.copy(
                    "COPY _indicator_import (kind, normalized, categories) FROM STDIN"
                ) as cp:
                    for (kind, normalized), category in self.buffer.items():
                        cp.write_row((kind, normalized, category))
                cur.execute(self.sql, (self.token, now, now))
                cur.execute("DELETE FROM _indicator_import")
        else:
            stamp = now.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
            cur = dbapi.cursor()
            try:
                cur.executemany(
                    self.sql,
                    [
                        (kind, normalized, category, self.token, stamp, stamp)
                        for (kind, normalized), category in self.buffer.items()
                    ],
                )
            finally:
                cur.close()
        self.session.commit()
        self.buffer.clear()


def _count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(_T)).scalar_one())


def import_stream(
    session: Session,
    stream: IO[bytes],
    *,
    fmt: str,
    source: str,
    category: str | None = None,
    actor_user_id: int | None = None,
    batch: int = BATCH,
    workers: int = 1,
    progress: Callable[[ImportSummary], None] | None = None,
) -> ImportSummary:
    """Import ``stream`` (binary) in ``fmt``; commits after each batch, and writes one audit
    event with the summary at the end. ``workers`` > 1 parses and normalises the lines of a
    ``urls`` or ``csv`` file in that many processes (large files)."""
    if fmt not in FORMATS:
        raise ImportFileError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if not SOURCE_NAME.fullmatch(source):
        raise ImportFileError(
            "the source name must be 1-40 letters, digits, '.', '_' or '-' (e.g. chongluadao)"
        )
    default_category = category or ("phishing" if fmt == "urls" else "other")
    if default_category not in REPORT_CATEGORIES:
        raise ImportFileError(f"unknown category {default_category!r}")
    started = time.perf_counter()
    summary = ImportSummary(source=source, format=fmt)
    before = _count(session)
    writer = _Writer(session, source, summary, batch)
    records = (
        _stix_records(stream, summary, default_category)
        if fmt == "stix"
        else _line_records(stream, fmt, summary, default_category, workers)
    )
    for kind, normalized, cat in records:
        summary.accepted += 1
        writer.add(kind, normalized, cat)
        if progress is not None and summary.accepted % 100_000 == 0:
            progress(summary)
    writer.flush()
    summary.new = _count(session) - before
    summary.seconds = time.perf_counter() - started
    audit.record(
        session,
        "indicator.import",
        actor_user_id=actor_user_id,
        target_type="indicator_source",
        target_id=source,
        details={
            "format": fmt,
            "lines": summary.lines,
            "accepted": summary.accepted,
            "rejected": summary.rejected,
            "new": summary.new,
        },
    )
    session.commit()
    return summary


Parsed = tuple[str, str, str] | str | None
"""A parsed data line: ``(kind, normalized, category)``, an error reason, or None (skipped)."""


def parse_data_line(
    fmt: str, columns: dict[str, int] | None, default_category: str, number: int, raw: bytes
) -> Parsed:
    """One data line of a ``urls`` or ``csv`` file (after the CSV header); never raises."""
    try:
        text = decode_line(raw, number)
        if fmt == "urls":
            found = parse_url_line(text, default_category)
            return None if found is None else (found[0], found[1], default_category)
        assert columns is not None
        return parse_csv_line(text, columns, default_category)
    except (ValueError, csv.Error) as exc:  # IndicatorError is a ValueError
        return str(exc) or type(exc).__name__


def _parse_chunk(
    args: tuple[str, dict[str, int] | None, str, list[tuple[int, bytes]]],
) -> list[Parsed]:
    fmt, columns, default_category, lines = args
    return [parse_data_line(fmt, columns, default_category, n, raw) for n, raw in lines]


def _line_records(
    stream: IO[bytes], fmt: str, summary: ImportSummary, default_category: str, workers: int
) -> Iterator[tuple[str, str, str]]:
    """Records of a line-based file; with ``workers`` > 1 the lines are parsed and normalised
    in that many processes, in order, at most ``2 * workers`` chunks ahead of the writer."""
    _check_file_start(stream)
    columns: dict[str, int] | None = None
    lines = read_lines(stream)
    if fmt == "csv":  # the header: the first non-blank line
        for number, raw in lines:
            summary.lines += 1
            summary.skipped += 1
            if number < 0:
                raise ImportFileError(f"the CSV header is longer than {MAX_LINE_BYTES} bytes")
            text = decode_line(raw, number)
            if text.strip():
                columns = _csv_columns(next(csv.reader([text]), []))
                break
        if columns is None:
            return

    def chunks() -> Iterator[list[tuple[int, bytes]]]:
        chunk: list[tuple[int, bytes]] = []
        for number, raw in lines:
            summary.lines += 1
            if number < 0:
                summary.error(-number, f"line longer than {MAX_LINE_BYTES} bytes")
                continue
            chunk.append((number, raw))
            if len(chunk) >= CHUNK_LINES:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def emit(
        chunk: list[tuple[int, bytes]], parsed: list[Parsed]
    ) -> Iterator[tuple[str, str, str]]:
        for (number, _), result in zip(chunk, parsed, strict=True):
            if result is None:
                summary.skipped += 1
            elif isinstance(result, str):
                summary.error(number, result)
            else:
                yield result

    if workers <= 1:
        for chunk in chunks():
            yield from emit(chunk, _parse_chunk((fmt, columns, default_category, chunk)))
        return
    import multiprocessing as mp
    from collections import deque

    with mp.get_context("spawn").Pool(workers) as pool:
        pending: deque[tuple[list[tuple[int, bytes]], Any]] = deque()
        for chunk in chunks():
            pending.append(
                (chunk, pool.apply_async(_parse_chunk, ((fmt, columns, default_category, chunk),)))
            )
            if len(pending) >= 2 * workers:
                done, result = pending.popleft()
                yield from emit(done, result.get())
        while pending:
            done, result = pending.popleft()
            yield from emit(done, result.get())


def _stix_records(
    stream: IO[bytes], summary: ImportSummary, default_category: str
) -> Iterator[tuple[str, str, str]]:
    data = stream.read(MAX_STIX_BYTES + 1)
    if len(data) > MAX_STIX_BYTES:
        raise ImportFileError(f"the STIX bundle is larger than {MAX_STIX_BYTES} bytes")
    try:
        bundle = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"the STIX bundle is not UTF-8 (at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle":
        raise ImportFileError("not a STIX 2.1 bundle (type must be 'bundle')")
    objects = bundle.get("objects", [])
    if not isinstance(objects, list):
        raise ImportFileError("the bundle's 'objects' is not a list")
    for index, obj in enumerate(objects, start=1):
        summary.lines += 1
        if not isinstance(obj, dict) or obj.get("type") != "indicator":
            summary.skipped += 1
            continue
        try:
            pattern = obj.get("pattern")
            if obj.get("pattern_type", "stix") != "stix" or not isinstance(pattern, str):
                raise IndicatorError("only indicators with a STIX pattern are imported")
            if obj.get("revoked") is True:
                summary.skipped += 1
                continue
            labels = [str(x) for x in obj.get("labels", []) if str(x) in REPORT_CATEGORIES]
            cat = labels[0] if labels else default_category
            keys = [key_of(value, kind) for kind, value in parse_stix_pattern(pattern)]
        except (ValueError, TypeError) as exc:
            summary.error(index, str(exc))
            continue
        for kind, normalized in keys:
            yield kind, normalized, cat


def import_records(
    session: Session, records: Iterable[tuple[str, str, str]], *, source: str
) -> ImportSummary:
    """Upsert already-normalised ``(kind, normalized, category)`` triples (benchmarks, tools)."""
    summary = ImportSummary(source=source, format="records")
    writer = _Writer(session, source, summary, BATCH)
    for kind, normalized, category in records:
        summary.accepted += 1
        writer.add(kind, normalized, category)
    writer.flush()
    return summary
