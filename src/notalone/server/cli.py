"""``notalone serve``, ``notalone db upgrade`` and ``notalone admin create-user``.

``notalone.cli`` calls :func:`register` to add these subcommands to its parser.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from notalone.server.settings import Settings


def _settings() -> Settings:
    """Settings from the environment; in development with no secret set, a random secret is
    kept in the data dir so that sessions survive restarts without a known default."""
    # Imported here: the command line imports this module to list its subcommands, and
    # `notalone scan` must not pay for the service's dependencies at start-up.
    from notalone.server.settings import DEFAULT_SECRET_KEY, Settings

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.secret_key == DEFAULT_SECRET_KEY:
        path = settings.data_dir / "secret_key"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
        settings = settings.model_copy(update={"secret_key": path.read_text().strip()})
    return settings


def prepare_database(settings: Settings) -> None:
    """Apply migrations and load the seed content (idempotent)."""
    from notalone.server.db import make_engine, make_session_factory
    from notalone.server.migrate import upgrade
    from notalone.server.seed import seed_provinces

    engine = make_engine(settings.effective_database_url)
    try:
        upgrade(engine)
        with make_session_factory(engine)() as session:
            seed_provinces(session)
            session.commit()
    finally:
        engine.dispose()


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from notalone.server.app import create_app
    from notalone.server.observability import configure_logging

    settings = _settings()
    configure_logging(settings.log_level, json_logs=settings.log_json)
    prepare_database(settings)
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": "warning",
        "log_config": None,  # keep the JSON handlers set by configure_logging
        "access_log": False,
        "proxy_headers": settings.trust_forwarded_for,
        "server_header": False,
    }
    if args.workers > 1:
        # Each worker builds its app from the environment; hand the secret over through it.
        os.environ["NOTALONE_SECRET_KEY"] = settings.secret_key
        os.environ["NOTALONE_DATA_DIR"] = str(settings.data_dir)
        uvicorn.run(
            "notalone.server.asgi:app_from_environment",
            factory=True,
            workers=args.workers,
            **options,
        )
    else:
        uvicorn.run(create_app(settings, preload_detector=True), **options)
    return 0


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    settings = _settings()
    prepare_database(settings)
    print("database is up to date", file=sys.stderr)
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return Path(args.password_file).read_text(encoding="utf-8").rstrip("\r\n")


def cmd_create_user(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from notalone.server import audit
    from notalone.server.db import make_engine, make_session_factory
    from notalone.server.models import Membership, Role, User
    from notalone.server.security import MIN_PASSWORD_LENGTH, hash_password

    try:
        password = _read_password(args)
    except OSError as exc:
        print(f"error: cannot read the password: {exc.strerror}", file=sys.stderr)
        return 2
    if len(password) < MIN_PASSWORD_LENGTH:
        print(
            f"error: the password needs at least {MIN_PASSWORD_LENGTH} characters", file=sys.stderr
        )
        return 2
    email = args.email.strip().lower()
    if "@" not in email:
        print("error: --email is not an e-mail address", file=sys.stderr)
        return 2
    settings = _settings()
    prepare_database(settings)
    engine = make_engine(settings.effective_database_url)
    try:
        with make_session_factory(engine)() as session:
            user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
            created = user is None
            if user is None:
                user = User(email=email, display_name=args.name or "")
                session.add(user)
            user.password_hash = hash_password(password)
            user.is_active = True
            session.flush()
            if args.role == Role.admin.value:
                has = session.execute(
                    select(Membership).where(
                        Membership.user_id == user.id, Membership.role == Role.admin.value
                    )
                ).scalar_one_or_none()
                if has is None:
                    session.add(Membership(user_id=user.id, organisation_id=None, role="admin"))
            audit.record(
                session,
                "user.create" if created else "user.update",
                actor_user_id=None,
                target_type="user",
                target_id=user.id,
                details={"via": "cli", "role": args.role},
            )
            session.commit()
            print(f"{'created' if created else 'updated'} user {user.id} ({args.role})")
    finally:
        engine.dispose()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``serve``, ``db`` and ``admin`` to the CLI."""
    serve = subparsers.add_parser("serve", help="run the HTTP service (migrates and seeds first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (default 1; with more, set NOTALONE_REDIS_URL so that rate "
        "limits are shared)",
    )
    serve.set_defaults(func=cmd_serve)

    db = subparsers.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="apply migrations and load seed content")
    up.set_defaults(func=cmd_db_upgrade)

    admin = subparsers.add_parser("admin", help="account administration")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    create = admin_sub.add_parser("create-user", help="create (or reset) a user; bootstraps admins")
    create.add_argument("--email", required=True)
    create.add_argument("--name", default="")
    group = create.add_mutually_exclusive_group(required=True)
    group.add_argument("--password-file", help="read the password from the first line of a file")
    group.add_argument("--password-stdin", action="store_true", help="read it from standard input")
    create.add_argument("--role", choices=["admin"], default="admin")
    create.set_defaults(func=cmd_create_user)
