"""Settings: from NOTALONE_* variables; no default secret outside development."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from notalone.server.settings import DEFAULT_SECRET_KEY, Settings


def test_production_refuses_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTALONE_SECRET_KEY", raising=False)
    monkeypatch.setenv("NOTALONE_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="NOTALONE_SECRET_KEY"):
        Settings()


def test_development_accepts_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTALONE_SECRET_KEY", raising=False)
    monkeypatch.setenv("NOTALONE_ENVIRONMENT", "development")
    assert Settings().secret_key == DEFAULT_SECRET_KEY


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NOTALONE_ENVIRONMENT", "production")
    monkeypatch.setenv("NOTALONE_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("NOTALONE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NOTALONE_RATE_LIMIT_IP", "7")
    monkeypatch.delenv("NOTALONE_DATABASE_URL", raising=False)
    s = Settings()
    assert s.rate_limit_ip == 7
    assert s.effective_database_url == f"sqlite:///{tmp_path.resolve() / 'notalone.db'}"


def test_database_url_wins_over_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTALONE_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert Settings().effective_database_url == "postgresql+psycopg://u@h/db"


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(secret_key="short")
