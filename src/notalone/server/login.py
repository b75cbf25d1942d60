"""Password sign-in with lock-out after repeated failures, and browser sessions."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from notalone.server import audit
from notalone.server.models import LoginAttempt, User, WebSession, utcnow
from notalone.server.security import (
    hash_password,
    keyed_hash,
    needs_rehash,
    new_secret,
    secret_hash,
    verify_password,
)
from notalone.server.settings import Settings


class Outcome(StrEnum):
    ok = "ok"
    failed = "failed"
    locked = "locked"


@dataclass(frozen=True)
class LoginResult:
    outcome: Outcome
    session_secret: str | None = None
    user_id: int | None = None


def normalise_email(email: str) -> str:
    return email.strip().lower()


def is_locked(session: Session, settings: Settings, account_key: str) -> bool:
    """Locked when the last ``login_max_failures`` attempts in the window all failed."""
    since = utcnow() - dt.timedelta(seconds=settings.login_lockout_seconds)
    last_success = session.execute(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.account_key == account_key, LoginAttempt.succeeded.is_(True)
        )
    ).scalar_one_or_none()
    if last_success is not None and last_success > since:
        since = last_success
    failures = session.execute(
        select(func.count()).where(
            LoginAttempt.account_key == account_key,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at > since,
        )
    ).scalar_one()
    return int(failures) >= settings.login_max_failures


def attempt_login(
    session: Session, settings: Settings, email: str, password: str, ip: str
) -> LoginResult:
    """Check the password; record the attempt; open a session on success. Commits."""
    email = normalise_email(email)
    account_key = keyed_hash(settings.secret_key, "email:" + email)
    ip_key = keyed_hash(settings.secret_key, "ip:" + ip)
    if is_locked(session, settings, account_key):
        return LoginResult(Outcome.locked)
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else None, password)
    ok = ok and user is not None and user.is_active
    session.add(LoginAttempt(account_key=account_key, ip_key=ip_key, succeeded=ok))
    if not ok or user is None:
        session.flush()
        if is_locked(session, settings, account_key):
            audit.record(
                session,
                "login.lockout",
                actor_user_id=user.id if user else None,
                target_type="user" if user else None,
                target_id=user.id if user else None,
            )
        session.commit()
        return LoginResult(Outcome.failed)
    prune(session, settings)
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    secret = new_secret("s_")
    session.add(
        WebSession(
            user_id=user.id,
            token_hash=secret_hash(secret),
            csrf_token=secrets.token_urlsafe(24),
            expires_at=utcnow() + dt.timedelta(seconds=settings.session_max_age_seconds),
        )
    )
    audit.record(session, "login", actor_user_id=user.id, target_type="user", target_id=user.id)
    session.commit()
    return LoginResult(Outcome.ok, secret, user.id)


def prune(session: Session, settings: Settings) -> None:
    """Forget login attempts that no longer count and sessions that ended a day ago."""
    now = utcnow()
    session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.at < now - dt.timedelta(seconds=2 * settings.login_lockout_seconds)
        )
    )
    session.execute(delete(WebSession).where(WebSession.expires_at < now - dt.timedelta(days=1)))


def logout(session: Session, session_id: int, user_id: int) -> None:
    row = session.get(WebSession, session_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(
            session, "logout", actor_user_id=user_id, target_type="user", target_id=user_id
        )
        session.commit()
