"""Sign-in, lock-out, sessions, CSRF, API tokens, scopes and the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from notalone.server import audit
from notalone.server.auth import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from notalone.server.models import ApiToken, AuditEvent, LoginAttempt, User, WebSession
from notalone.server.security import hash_password
from notalone.server.services import Services
from tests.server.world import add_token, build_world

PASSWORD = "correct horse battery"


def _user(db: Session, email: str = "teacher@example.test") -> User:
    user = User(email=email, display_name="T", password_hash=hash_password(PASSWORD))
    db.add(user)
    db.commit()
    return user


def _login(client: TestClient, email: str, password: str) -> int:
    client.get("/login")
    token = client.cookies.get(CSRF_COOKIE)
    r = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token or ""},
        follow_redirects=False,
    )
    return r.status_code


def test_sign_in_sets_a_secure_httponly_session_cookie(client: TestClient, db: Session) -> None:
    _user(db)
    client.get("/login")
    r = client.post(
        "/login",
        data={
            "email": " Teacher@Example.test ",
            "password": PASSWORD,
            "csrf_token": client.cookies.get(CSRF_COOKIE) or "",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    lowered = cookie.lower()
    assert "httponly" in lowered and "secure" in lowered and "samesite=lax" in lowered
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["via"] == "session"
    assert me.json()["csrf_token"]
    # the cookie holds a secret; the table only its hash
    secret = client.cookies.get(SESSION_COOKIE)
    assert secret
    assert db.execute(select(WebSession.token_hash)).scalars().all() != [secret]


def test_sign_in_without_the_csrf_token_is_refused(client: TestClient, db: Session) -> None:
    _user(db)
    client.get("/login")
    r = client.post("/login", data={"email": "teacher@example.test", "password": PASSWORD})
    assert r.status_code == 403
    assert client.cookies.get(SESSION_COOKIE) is None


def test_a_forged_csrf_cookie_is_refused(client: TestClient, db: Session) -> None:
    _user(db)
    client.cookies.set(CSRF_COOKIE, "forged")
    r = client.post(
        "/login",
        data={"email": "teacher@example.test", "password": PASSWORD, "csrf_token": "forged"},
    )
    assert r.status_code == 403


def test_wrong_password_is_401_and_recorded_without_the_email(
    client: TestClient, db: Session
) -> None:
    _user(db)
    assert _login(client, "teacher@example.test", "wrong password!") == 401
    attempts = db.execute(select(LoginAttempt)).scalars().all()
    assert len(attempts) == 1 and not attempts[0].succeeded
    assert "teacher" not in attempts[0].account_key


def test_after_five_failures_the_account_is_locked_even_with_the_right_password(
    client: TestClient, db: Session
) -> None:
    _user(db)
    for _ in range(5):
        assert _login(client, "teacher@example.test", "wrong password!") == 401
    assert _login(client, "teacher@example.test", PASSWORD) == 429
    actions = db.execute(select(AuditEvent.action)).scalars().all()
    assert "login.lockout" in actions
    # an unknown account locks the same way: lock-out does not reveal who has an account
    for _ in range(5):
        _login(client, "nobody@example.test", "whatever12345")
    assert _login(client, "nobody@example.test", "whatever12345") == 429


def test_lockout_ends_after_the_window(client: TestClient, db: Session, app: FastAPI) -> None:
    _user(db)
    for _ in range(5):
        _login(client, "teacher@example.test", "wrong password!")
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    for attempt in db.execute(select(LoginAttempt)).scalars():
        db.execute(
            text("UPDATE login_attempts SET at = :at WHERE id = :id"),
            {
                "at": old.replace(tzinfo=None) if db.get_bind().dialect.name == "sqlite" else old,
                "id": attempt.id,
            },
        )
    db.commit()
    assert _login(client, "teacher@example.test", PASSWORD) == 303


def test_logout_revokes_the_session(client: TestClient, db: Session) -> None:
    _user(db)
    assert _login(client, "teacher@example.test", PASSWORD) == 303
    secret = client.cookies.get(SESSION_COOKIE)
    client.get("/")
    r = client.post(
        "/logout",
        data={"csrf_token": client.cookies.get(CSRF_COOKIE) or ""},
        follow_redirects=False,
    )
    assert r.status_code == 303
    client.cookies.set(SESSION_COOKIE, secret or "")
    assert client.get("/api/v1/me").status_code == 401


def test_cookie_authenticated_api_writes_need_the_csrf_header(
    shared_client: TestClient, db: Session
) -> None:
    world = build_world(db)
    secret, csrf = world.sessions["admin"]
    shared_client.cookies.set(SESSION_COOKIE, secret)
    body = {"name": "t", "scopes": ["analyze"]}
    assert shared_client.post("/api/v1/tokens", json=body).status_code == 403
    assert (
        shared_client.post("/api/v1/tokens", json=body, headers={CSRF_HEADER: "x"}).status_code
        == 403
    )
    assert (
        shared_client.post("/api/v1/tokens", json=body, headers={CSRF_HEADER: csrf}).status_code
        == 201
    )


def test_token_lifecycle_create_list_use_revoke(shared_client: TestClient, db: Session) -> None:
    world = build_world(db)
    secret, csrf = world.sessions["platform"]
    shared_client.cookies.set(SESSION_COOKIE, secret)
    r = shared_client.post(
        "/api/v1/tokens",
        json={"name": "moderation bot", "scopes": ["analyze"], "expires_in_days": 30},
        headers={CSRF_HEADER: csrf},
    )
    assert r.status_code == 201, r.text
    created = r.json()
    token = created["token"]
    assert token.startswith("na_") and created["prefix"] == token[:10]
    stored = db.execute(select(ApiToken).where(ApiToken.id == created["id"])).scalar_one()
    assert stored.token_hash != token and token not in stored.token_hash
    listed = shared_client.get("/api/v1/tokens").json()
    assert listed["total"] == 1 and "token" not in listed["items"][0]
    shared_client.cookies.clear()
    auth = {"Authorization": f"Bearer {token}"}
    assert (
        shared_client.post("/api/v1/analyze", json={"text": "hi"}, headers=auth).status_code == 200
    )
    assert shared_client.get("/api/v1/me", headers=auth).json()["scopes"] == ["analyze"]
    # the token only has 'analyze': reading organisations is refused
    assert shared_client.get("/api/v1/organisations", headers=auth).status_code == 403
    # a token cannot mint tokens
    assert shared_client.post("/api/v1/tokens", json={"name": "x"}, headers=auth).status_code == 403
    assert shared_client.delete(f"/api/v1/tokens/{created['id']}", headers=auth).status_code == 204
    r = shared_client.post("/api/v1/analyze", json={"text": "hi"}, headers=auth)
    assert r.status_code == 401


def test_tokens_cannot_carry_more_than_the_roles_allow(
    shared_client: TestClient, db: Session
) -> None:
    world = build_world(db)
    secret, csrf = world.sessions["youth"]
    shared_client.cookies.set(SESSION_COOKIE, secret)
    r = shared_client.post(
        "/api/v1/tokens",
        json={"name": "x", "scopes": ["audit:read"]},
        headers={CSRF_HEADER: csrf},
    )
    assert r.status_code == 403
    r = shared_client.post(
        "/api/v1/tokens", json={"name": "x", "scopes": ["root"]}, headers={CSRF_HEADER: csrf}
    )
    assert r.status_code == 422


def test_an_expired_token_is_refused(shared_client: TestClient, db: Session) -> None:
    world = build_world(db)
    secret = add_token(
        db, world, "platform", expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    )
    r = shared_client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 401


def test_a_deactivated_users_token_is_refused(shared_client: TestClient, db: Session) -> None:
    world = build_world(db)
    secret = add_token(db, world, "platform")
    world.users["platform"].is_active = False
    db.commit()
    r = shared_client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 401


def test_writes_are_audited_in_a_verifiable_hash_chain(
    shared_client: TestClient, db: Session
) -> None:
    world = build_world(db)
    token = add_token(db, world, "admin")
    auth = {"Authorization": f"Bearer {token}"}
    r = shared_client.post(
        "/api/v1/organisations",
        json={"name": "THCS Nguyễn Du", "type": "school", "province_code": "79"},
        headers=auth,
    )
    assert r.status_code == 201
    org_id = r.json()["id"]
    r = shared_client.post(
        f"/api/v1/organisations/{org_id}/members",
        json={"user_id": world.user("teacher"), "role": "teacher"},
        headers=auth,
    )
    assert r.status_code == 201
    log = shared_client.get("/api/v1/audit", headers=auth).json()
    assert [e["action"] for e in log["items"][:2]] == ["membership.create", "organisation.create"]
    assert shared_client.get("/api/v1/audit/verify", headers=auth).json()["ok"] is True


def test_the_audit_log_refuses_updates_and_deletes(db: Session) -> None:
    audit.record(db, "test.event", actor_user_id=None, details={"n": 1})
    db.commit()
    with pytest.raises(DBAPIError), db.begin_nested():
        db.execute(text("UPDATE audit_events SET action = 'tampered'"))
    with pytest.raises(DBAPIError), db.begin_nested():
        db.execute(text("DELETE FROM audit_events"))
    assert audit.verify_chain(db).ok


def test_verify_chain_finds_a_forged_event(db: Session) -> None:
    first = audit.record(db, "a", actor_user_id=None)
    audit.record(db, "b", actor_user_id=None)
    db.flush()
    # forge in memory (the database forbids it): the recomputed hash no longer fits
    with db.no_autoflush:
        first.details = {"forged": True}
        report = audit.verify_chain(db)
    assert not report.ok and report.first_bad_id == first.id
    db.rollback()


def test_duplicate_membership_is_a_409_and_nothing_half_written(
    shared_client: TestClient, db: Session
) -> None:
    world = build_world(db)
    token = add_token(db, world, "admin")
    before = db.execute(select(AuditEvent.id)).scalars().all()
    r = shared_client.post(
        f"/api/v1/organisations/{world.org('school_a')}/members",
        json={"user_id": world.user("teacher"), "role": "teacher"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 409
    assert db.execute(select(AuditEvent.id)).scalars().all() == before


def test_services_hold_the_session_factory(app: FastAPI) -> None:
    services: Services = app.state.services
    assert services.settings.environment == "test"


def test_a_successful_sign_in_prunes_stale_attempts_and_sessions(
    client: TestClient, db: Session
) -> None:
    user = _user(db)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    db.add(LoginAttempt(account_key="k", ip_key="i", succeeded=False, at=long_ago))
    db.add(WebSession(user_id=user.id, token_hash="h" * 64, csrf_token="c", expires_at=long_ago))
    db.commit()
    assert _login(client, "teacher@example.test", PASSWORD) == 303
    db.expire_all()
    assert "k" not in db.execute(select(LoginAttempt.account_key)).scalars().all()
    assert "h" * 64 not in db.execute(select(WebSession.token_hash)).scalars().all()
