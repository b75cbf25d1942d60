"""Imports (urls, csv, stix): per-line errors and a summary, good lines kept, each source
counted once; exports round-trip; the ChongLuaDao list imports."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from notalone.detect.indicators import IndicatorError
from notalone.registry import service as reg
from notalone.registry.exports import csv_chunks, stix_chunks
from notalone.registry.imports import (
    MAX_LINE_BYTES,
    ImportFileError,
    decode_line,
    import_stream,
    parse_stix_pattern,
    parse_url_line,
    read_lines,
)
from notalone.registry.models import RegistryIndicator
from notalone.server.models import AuditEvent

CHONGLUADAO = (
    Path(__file__).resolve().parents[3] / "shared/datasets/indicators/chongluadao_urls.txt"
)


def _import(db: Session, data: bytes, fmt: str = "urls", source: str = "test", **kw: object):  # type: ignore[no-untyped-def]
    return import_stream(db, io.BufferedReader(io.BytesIO(data)), fmt=fmt, source=source, **kw)  # type: ignore[arg-type]


def test_bad_lines_are_reported_and_good_lines_kept(db: Session) -> None:
    lines = [
        b"# a comment",
        b"scam-one.top",
        b"",
        b"http://scam-two.xyz/login?x=1",
        b"not a domain",
        b"caf\xe9-latin1.com",  # Latin-1 in a UTF-8 file
        b"A" * (10 * 1024 * 1024),  # a 10 MB line
        b"sn99.cc:100",
        b"nul\x00byte.com",
        b"exa..mple.com",
        "bưu-điện-giả.vn".encode(),
    ]
    summary = _import(db, b"\n".join(lines) + b"\n")
    reasons = {e.line: e.reason for e in summary.errors}
    assert sorted(reasons) == [5, 6, 7, 9, 10]
    assert "spaces" in reasons[5]
    assert "not UTF-8" in reasons[6] and "0xe9" in reasons[6]
    assert f"longer than {MAX_LINE_BYTES}" in reasons[7]
    assert "NUL" in reasons[9]
    assert (summary.lines, summary.accepted, summary.rejected, summary.skipped) == (11, 4, 5, 2)
    assert summary.new == 4
    keys = {
        tuple(r) for r in db.execute(select(RegistryIndicator.kind, RegistryIndicator.normalized))
    }
    assert ("domain", "scam-one.top") in keys
    assert ("url", "https://scam-two.xyz/login") in keys
    assert ("url", "https://sn99.cc:100") in keys
    event = db.execute(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
    assert event.action == "indicator.import" and event.details["rejected"] == 5


def test_each_source_counts_once(db: Session) -> None:
    data = b"scam-three.top\nscam-three.top\n"
    first = _import(db, data, source="listA")
    assert (first.accepted, first.new, first.duplicates) == (2, 1, 1)
    _import(db, data, source="listA")
    answer = reg.lookup(db, "domain", "scam-three.top")
    assert (answer.status, answer.reporters) == ("reported", 1)
    _import(db, data, source="listB", category="gambling")
    answer = reg.lookup(db, "domain", "scam-three.top")
    assert answer.reporters == 2
    assert answer.categories == ("phishing", "gambling")


def test_import_never_widens_a_subdomain_of_an_official_domain(db: Session) -> None:
    _import(db, b"evil.vietcombank.com.vn\n")
    assert reg.lookup(db, "domain", "vietcombank.com.vn").status == "trusted"
    assert reg.lookup(db, "url", "https://evil.vietcombank.com.vn").reporters == 1


def test_csv_import(db: Session) -> None:
    data = (
        b"value,kind,category\n"
        b"0912 345 600,phone,fraud\n"
        b"84-912-345-600,,sextortion\n"
        b"VCB:0123456789,bank_account,\n"
        b"12,phone,fraud\n"
        b"scam.top,domain,nonsense\n"
        b'"unterminated,phone\n'
    )
    summary = _import(db, data, fmt="csv")
    assert (summary.accepted, summary.rejected, summary.skipped) == (3, 3, 1)
    assert [e.line for e in summary.errors] == [5, 6, 7]
    assert reg.lookup(db, "phone", "+84912345600").categories == ("fraud",)


def test_parallel_parsing_gives_the_same_summary(db: Session) -> None:
    lines = [f"scam-par-{i}.top" for i in range(12_000)]
    lines[7] = "not valid"
    lines[9_000] = "caf\xe9.com"
    data = "\n".join(lines).encode("latin-1")
    summary = _import(db, data, source="par", workers=2)
    assert (summary.lines, summary.accepted, summary.rejected) == (12_000, 11_998, 2)
    assert [e.line for e in summary.errors] == [8, 9_001]
    assert summary.new == 11_998


def test_csv_without_value_column_is_refused(db: Session) -> None:
    with pytest.raises(ImportFileError, match="value"):
        _import(db, b"foo,bar\n1,2\n", fmt="csv")


def test_utf16_files_are_refused_cleanly(db: Session) -> None:
    with pytest.raises(ImportFileError, match="UTF-16"):
        _import(db, "scam.top\n".encode("utf-16"))


def test_bad_arguments_are_refused(db: Session) -> None:
    with pytest.raises(ImportFileError, match="source"):
        _import(db, b"x.com\n", source="bad name!")
    with pytest.raises(ImportFileError, match="format"):
        _import(db, b"x.com\n", fmt="xml")


def _confirm(db: Session, kind: str, value: str) -> None:
    indicator, _ = reg.get_or_create(db, *reg.key_of(value, kind))
    reg.set_status(
        db, indicator, "confirmed_scam", reason="case", actor_user_id=None, is_admin=False
    )


def test_exports_hold_confirmed_indicators_only_and_stix_round_trips(db: Session) -> None:
    _confirm(db, "phone", "0912345601")
    _confirm(db, "url", "http://scam.top/it's")
    _confirm(db, "bank_account", "VCB:0123456780")
    _import(db, b"only-reported.top\n")
    csv_text = "".join(csv_chunks(db))
    assert (
        csv_text.splitlines()[0]
        == "kind,normalized,status,reporters,categories,first_seen,last_seen"
    )
    assert "+84912345601" in csv_text and "only-reported" not in csv_text
    bundle = json.loads("".join(stix_chunks(db)))
    assert bundle["type"] == "bundle"
    indicators = [o for o in bundle["objects"] if o["type"] == "indicator"]
    assert len(indicators) == 3
    assert all(o["spec_version"] == "2.1" and o["pattern_type"] == "stix" for o in indicators)
    # back in through the STIX importer, as another source
    summary = _import(db, json.dumps(bundle).encode(), fmt="stix", source="police")
    assert (summary.accepted, summary.rejected) == (3, 0)
    assert reg.lookup(db, "phone", "+84912345601").reporters == 1
    csv_again = _import(db, csv_text.encode(), fmt="csv", source="csvcopy")
    assert (csv_again.accepted, csv_again.rejected) == (3, 0)


def test_stix_errors_are_per_object(db: Session) -> None:
    bundle = {
        "type": "bundle",
        "id": "bundle--x",
        "objects": [
            {"type": "identity", "id": "identity--1"},
            {
                "type": "indicator",
                "pattern": "[url:value = 'http://bad-one.top/x']",
                "pattern_type": "stix",
            },
            {"type": "indicator", "pattern": "[file:hashes.MD5 = 'abc']", "pattern_type": "stix"},
            {
                "type": "indicator",
                "pattern": "[x-notalone-phone:value = '12']",
                "pattern_type": "stix",
            },
            {"type": "indicator", "pattern": "rule x {}", "pattern_type": "yara"},
        ],
    }
    summary = _import(db, json.dumps(bundle).encode(), fmt="stix")
    assert summary.accepted == 1
    assert [e.line for e in summary.errors] == [3, 4, 5]
    with pytest.raises(ImportFileError, match="JSON"):
        _import(db, b"{not json", fmt="stix")
    with pytest.raises(ImportFileError, match="bundle"):
        _import(db, b"[]", fmt="stix")


def test_stix_patterns() -> None:
    assert parse_stix_pattern(
        "[domain-name:value = 'a.com'] OR [url:value = 'http://b.com/\\'x']"
    ) == [
        ("domain", "a.com"),
        ("url", "http://b.com/'x"),
    ]
    with pytest.raises(IndicatorError):
        parse_stix_pattern("[ipv4-addr:value = '1.2.3.4']")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_url_line_parser_answers_or_explains_any_text(text: str) -> None:
    try:
        found = parse_url_line(text)
    except IndicatorError as exc:
        assert str(exc)
        return
    if found is not None:
        kind, normalized = found
        assert kind in ("url", "domain")
        assert parse_url_line(normalized) is not None  # a key reads back as a key


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=8, max_value=64))
def test_line_reader_and_decoder_never_crash(data: bytes, limit: int) -> None:
    total = 0
    for number, raw in read_lines(io.BytesIO(data), max_bytes=limit):
        total += 1
        assert abs(number) == total
        assert len(raw) <= limit
        try:
            decode_line(raw, number)
        except ValueError as exc:
            assert str(exc)
    assert total == data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.from_regex(r"scam[a-z0-9\-]{0,20}[a-z0-9]\.(com|vn|top|xyz|com\.vn)", fullmatch=True),
        max_size=20,
    )
)
def test_good_domains_always_import(domains: list[str]) -> None:
    for d in domains:
        try:
            assert parse_url_line(d) == ("domain", d)
        except IndicatorError as exc:  # a few names are themselves private public suffixes
            assert "public suffix" in str(exc)


@pytest.mark.datasets
@pytest.mark.skipif(not CHONGLUADAO.exists(), reason=f"dataset absent: {CHONGLUADAO}")
def test_chongluadao_list_imports(db: Session) -> None:
    with CHONGLUADAO.open("rb") as stream:
        summary = import_stream(db, stream, fmt="urls", source="chongluadao")  # type: ignore[arg-type]
    assert summary.lines > 20_000
    assert summary.accepted >= summary.lines * 0.99
    assert summary.rejected == len(summary.errors)
    assert summary.new > 10_000
    answer = reg.lookup(db, *reg.key_of("0011384.com"))
    assert (answer.status, answer.reporters, answer.categories) == ("reported", 1, ("phishing",))
