"""``serve`` end to end: a real server process on a free port, and the docs of the settings."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from notalone.server.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_serve_migrates_seeds_and_answers(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "NOTALONE_DATA_DIR": str(tmp_path / "var"),
        "NOTALONE_ENVIRONMENT": "development",
    }
    env.pop("NOTALONE_DATABASE_URL", None)
    env.pop("NOTALONE_REDIS_URL", None)
    env.pop("NOTALONE_SECRET_KEY", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "notalone.server", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=1) as r:
                    assert json.load(r)["status"] == "ok"
                    break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        request = urllib.request.Request(
            base + "/api/v1/analyze",
            data=json.dumps({"text": "Em chuyển tiền ngay cho anh, đừng nói với bố mẹ"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as r:
            assert json.load(r)["level"] in {"none", "low", "medium", "high", "critical"}
        with urllib.request.urlopen(base + "/api/v1/provinces?limit=1", timeout=5) as r:
            assert json.load(r)["total"] == 34
        with urllib.request.urlopen(base + "/", timeout=5) as r:
            assert "Kiểm tra" in r.read().decode()
        assert (tmp_path / "var" / "notalone.db").exists()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    # logs are JSON lines and hold no message text
    lines = [line for line in err.decode().splitlines() if line.startswith("{")]
    assert any(json.loads(line).get("route") == "/api/v1/analyze" for line in lines)
    assert "chuyển tiền" not in err.decode()


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"NOTALONE_{name.upper()}" not in doc]
    assert not missing
