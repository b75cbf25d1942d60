"""The library stays a library: notalone.detect pulls in no web, database or worker code."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("fastapi", "starlette", "sqlalchemy", "alembic", "redis", "uvicorn", "notalone.server")


def test_detect_imports_no_service_code() -> None:
    code = (
        "import sys, notalone.detect, notalone.detect.indicators;"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} or m in {FORBIDDEN!r}];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
