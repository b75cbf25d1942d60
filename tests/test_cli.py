"""The command line as a user meets it: check, scan, bad input, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from notalone.cli import main

KIDNAP = {
    "id": "k1",
    "messages": [
        {"from": "a", "text": "Tôi là cán bộ công an, em liên quan vụ án rửa tiền."},
        {
            "from": "a",
            "text": "Giữ bí mật, không được nói với bố mẹ. Thuê phòng khách sạn ở một mình "
            "và chuyển 50tr vào stk 0123456789 để xác minh.",
        },
    ],
}


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "notalone.cli", *args], input=stdin, capture_output=True, check=False
    )


def test_check_prints_a_readable_verdict_in_the_message_language() -> None:
    out = run("check", KIDNAP["messages"][1]["text"] + " " + KIDNAP["messages"][0]["text"])
    assert out.returncode == 0
    text = out.stdout.decode()
    assert "113" in text  # the advice names the police number
    assert "khách sạn" in text  # the evidence is quoted


def test_check_json_and_stdin(capsys: pytest.CaptureFixture[str]) -> None:
    out = run("check", "--json", "-", stdin="Chuyển tiền ngay".encode())
    result = json.loads(out.stdout)
    assert {"risk", "level", "category", "tactics", "indicators", "advice"} <= result.keys()


def test_check_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    conv = tmp_path / "c.json"
    conv.write_text(json.dumps(KIDNAP, ensure_ascii=False), encoding="utf-8")
    assert main(["check", "--file", str(conv), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["category"] == "online_kidnapping"


def test_check_rejects_a_broken_file_with_a_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff{not json")
    out = run("check", "--file", str(bad))
    assert out.returncode == 2
    assert b"not a JSON conversation" in out.stderr
    assert b"Traceback" not in out.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_scan_keeps_good_lines_and_names_bad_ones(tmp_path: Path, jobs: str) -> None:
    src = tmp_path / "in.jsonl"
    lines = [
        json.dumps(KIDNAP, ensure_ascii=False).encode(),
        b"not json",
        json.dumps({"id": "x", "messages": "nope"}).encode(),
        b"\xff\xfe{}",
        json.dumps({"id": "b1", "messages": [{"from": "t", "text": "Chào cả lớp"}]}).encode(),
    ]
    src.write_bytes(b"\n".join(lines) + b"\n")
    dst = tmp_path / "out.jsonl"
    out = run("scan", str(src), "-o", str(dst), "--jobs", jobs)
    assert out.returncode == 0
    results = [json.loads(x) for x in dst.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in results] == ["k1", "b1"]
    assert results[0]["level"] in ("high", "critical")
    err = out.stderr.decode()
    assert "line 2" in err and "line 3" in err and "line 4" in err
    assert "Traceback" not in err
    strict = run("scan", str(src), "-o", str(dst), "--strict")
    assert strict.returncode == 1


def test_scan_reads_stdin_and_writes_stdout() -> None:
    out = run("scan", stdin=json.dumps(KIDNAP).encode() + b"\n")
    assert out.returncode == 0
    result = json.loads(out.stdout)
    for t in result["tactics"]:
        assert KIDNAP["messages"][t["message"]]["text"][t["start"] : t["end"]] == t["text"]


def test_missing_input_file_is_a_clear_error() -> None:
    out = run("scan", "/nonexistent/file.jsonl")
    assert out.returncode == 2
    assert b"cannot read" in out.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_country_chooses_the_hotlines_of_the_advice(tmp_path: Path, jobs: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(KIDNAP, ensure_ascii=False) + "\n", encoding="utf-8")
    out = run("scan", str(source), "--country", "fr", "--jobs", jobs)
    assert out.returncode == 0, out.stderr
    advice = " ".join(json.loads(out.stdout)["advice"])
    assert "17" in advice and "113" not in advice
    text = run("check", "--country", "US", "--json", KIDNAP["messages"][1]["text"])
    assert "911" in " ".join(json.loads(text.stdout)["advice"])


def test_unknown_country_is_a_clear_error() -> None:
    for command in (["check", "hi"], ["scan", "-"]):
        out = run(*command, "--country", "ZZ", stdin=b"")
        assert out.returncode == 2
        assert b"unknown country 'ZZ'" in out.stderr and b"VN" in out.stderr
        assert b"Traceback" not in out.stderr
