"""A small world of organisations and people, one per role, for authorisation tests."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from notalone.server.auth import Scope
from notalone.server.models import (
    ApiToken,
    GuardianLink,
    Membership,
    Organisation,
    User,
    WebSession,
    utcnow,
)
from notalone.server.security import new_secret, secret_hash

ROLES = (
    "youth",
    "guardian",
    "teacher",
    "counsellor",
    "investigator",
    "organiser",
    "org_admin",
    "platform",
    "admin",
)


@dataclass
class World:
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    memberships: dict[str, Membership] = field(default_factory=dict)
    links: dict[str, GuardianLink] = field(default_factory=dict)
    tokens: dict[str, ApiToken] = field(default_factory=dict)
    sessions: dict[str, tuple[str, str]] = field(default_factory=dict)
    """role -> (session cookie secret, CSRF token)"""

    def org(self, name: str) -> int:
        return self.orgs[name].id

    def user(self, name: str) -> int:
        return self.users[name].id


def _user(session: Session, world: World, name: str) -> User:
    user = User(email=f"{name}@example.test", display_name=name)
    session.add(user)
    session.flush()
    world.users[name] = user
    return user


def _member(
    session: Session, world: World, key: str, user: str, org: str | None, role: str
) -> None:
    m = Membership(
        user_id=world.user(user),
        organisation_id=world.org(org) if org else None,
        role=role,
    )
    session.add(m)
    session.flush()
    world.memberships[key] = m


def build_world(session: Session) -> World:
    """Province 01 (Hà Nội): school_a, family_a, police_a, campaign_a, platform_a.
    Province 79 (TP HCM): school_b, police_b. One user per role, plus youth2 (school_a, not
    linked) and youth_b (school_b)."""
    w = World()
    for name, type_, province in [
        ("school_a", "school", "01"),
        ("family_a", "family", "01"),
        ("police_a", "police_unit", "01"),
        ("campaign_a", "campaign", "01"),
        ("platform_a", "platform", "01"),
        ("school_b", "school", "79"),
        ("police_b", "police_unit", "79"),
    ]:
        org = Organisation(name=name, type=type_, province_code=province)
        session.add(org)
        session.flush()
        w.orgs[name] = org
    for name in (*ROLES, "youth2", "youth_b", "other"):
        _user(session, w, name)
    _member(session, w, "youth@school_a", "youth", "school_a", "youth")
    _member(session, w, "youth@family_a", "youth", "family_a", "youth")
    _member(session, w, "youth2@school_a", "youth2", "school_a", "youth")
    _member(session, w, "youth_b@school_b", "youth_b", "school_b", "youth")
    _member(session, w, "guardian@family_a", "guardian", "family_a", "guardian")
    _member(session, w, "guardian@school_a", "guardian", "school_a", "guardian")
    _member(session, w, "teacher@school_a", "teacher", "school_a", "teacher")
    _member(session, w, "counsellor@school_a", "counsellor", "school_a", "counsellor")
    _member(session, w, "investigator@police_a", "investigator", "police_a", "investigator")
    _member(session, w, "organiser@campaign_a", "organiser", "campaign_a", "organiser")
    _member(session, w, "org_admin@school_a", "org_admin", "school_a", "org_admin")
    _member(session, w, "platform@platform_a", "platform", "platform_a", "platform")
    _member(session, w, "admin", "admin", None, "admin")
    link = GuardianLink(guardian_id=w.user("guardian"), youth_id=w.user("youth"))
    session.add(link)
    session.flush()
    w.links["guardian-youth"] = link
    for role in ROLES:
        secret = new_secret("s_")
        csrf = secrets.token_urlsafe(16)
        session.add(
            WebSession(
                user_id=w.user(role),
                token_hash=secret_hash(secret),
                csrf_token=csrf,
                expires_at=utcnow() + dt.timedelta(hours=1),
            )
        )
        w.sessions[role] = (secret, csrf)
    session.commit()
    return w


def add_token(
    session: Session, world: World, owner: str, scopes: frozenset[str] = Scope.ALL, **kw: object
) -> str:
    secret = new_secret()
    token = ApiToken(
        user_id=world.user(owner),
        name=f"{owner} token",
        prefix=secret[:10],
        token_hash=secret_hash(secret),
        scopes=sorted(scopes),
        **kw,
    )
    session.add(token)
    session.commit()
    world.tokens[owner] = token
    return secret
