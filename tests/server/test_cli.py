"""The service's subcommands: serve, db upgrade, admin create-user."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from notalone.server.cli import register
from notalone.server.db import make_engine, make_session_factory
from notalone.server.models import Membership, Province, User
from notalone.server.security import verify_password


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="notalone")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NOTALONE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("NOTALONE_DATABASE_URL", raising=False)
    monkeypatch.delenv("NOTALONE_SECRET_KEY", raising=False)
    monkeypatch.setenv("NOTALONE_ENVIRONMENT", "development")
    return tmp_path / "var"


def test_serve_defaults() -> None:
    args = _parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)
    assert callable(args.func)


def test_db_upgrade_creates_the_data_dir_migrates_and_seeds(data_dir: Path) -> None:
    args = _parser().parse_args(["db", "upgrade"])
    assert args.func(args) == 0
    assert (data_dir / "notalone.db").exists()
    assert (data_dir / "secret_key").stat().st_mode & 0o077 == 0
    engine = make_engine(f"sqlite:///{data_dir / 'notalone.db'}")
    try:
        with make_session_factory(engine)() as s:
            assert len(s.execute(select(Province)).scalars().all()) == 34
    finally:
        engine.dispose()


def test_create_user_bootstraps_an_admin_from_a_file(data_dir: Path, tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_text("a long enough password\n")
    args = _parser().parse_args(
        [
            "admin",
            "create-user",
            "--email",
            "Admin@Example.test",
            "--password-file",
            str(pw),
            "--role",
            "admin",
        ]
    )
    assert args.func(args) == 0
    engine = make_engine(f"sqlite:///{data_dir / 'notalone.db'}")
    try:
        with make_session_factory(engine)() as s:
            user = s.execute(select(User)).scalar_one()
            assert user.email == "admin@example.test"
            assert verify_password(user.password_hash, "a long enough password")
            roles = s.execute(select(Membership.role)).scalars().all()
            assert roles == ["admin"]
    finally:
        engine.dispose()
    # again: resets the password, does not duplicate the role
    assert args.func(args) == 0


def test_create_user_reads_stdin_and_refuses_short_passwords(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = _parser().parse_args(
        ["admin", "create-user", "--email", "a@example.test", "--password-stdin"]
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert args.func(args) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("long enough secret\n"))
    assert args.func(args) == 0


def test_create_user_needs_a_password_source() -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args(["admin", "create-user", "--email", "a@b.c"])
