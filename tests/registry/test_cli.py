"""``notalone indicators lookup|import|export`` on the same database as ``notalone serve``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notalone.cli import main


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NOTALONE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("NOTALONE_LOG_JSON", "true")
    monkeypatch.delenv("NOTALONE_DATABASE_URL", raising=False)
    monkeypatch.delenv("NOTALONE_SECRET_KEY", raising=False)
    monkeypatch.delenv("NOTALONE_ENVIRONMENT", raising=False)
    return tmp_path


def test_import_lookup_export(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listing = data_dir / "list.txt"
    listing.write_bytes(b"scam-cli.top\nnot valid\nhttp://scam-cli.xyz/a\n")
    code = main(
        ["indicators", "import", str(listing), "--format", "urls", "--source", "t", "--json"]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["accepted"], summary["rejected"]) == (2, 1)
    assert summary["errors"][0]["line"] == 2

    assert main(["indicators", "lookup", "scam-cli.top", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["kind"], answer["normalized"], answer["status"]) == (
        "domain",
        "scam-cli.top",
        "reported",
    )
    assert main(["indicators", "lookup", "0912 345 678", "--kind", "phone"]) == 0
    assert "+84912345678: unknown" in capsys.readouterr().out
    assert main(["indicators", "lookup", "12", "--kind", "phone"]) == 2
    assert "error:" in capsys.readouterr().err

    out = data_dir / "out.json"
    assert main(["indicators", "export", "--format", "stix", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["type"] == "bundle"
    assert main(["indicators", "export", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("kind,normalized,status")


def test_import_errors_are_clean(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["indicators", "import", str(data_dir / "missing.txt"), "--format", "urls",
                 "--source", "t"]) == 2  # fmt: skip
    assert "cannot read" in capsys.readouterr().err
    bad = data_dir / "u16.txt"
    bad.write_bytes("x.com\n".encode("utf-16"))
    assert main(["indicators", "import", str(bad), "--format", "urls", "--source", "t"]) == 2
    assert "UTF-16" in capsys.readouterr().err
