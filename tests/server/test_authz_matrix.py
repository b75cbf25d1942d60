"""Every route × every role: the allow/deny table of the service.

A route missing from ``TABLE`` fails the test, so a new route cannot ship without its row.
"Allowed" means a 2xx or 3xx answer; "denied" means 401, 403 or 404 (404 when even the
existence of the data is outside the caller's scope).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute, Route

from notalone.server.auth import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from notalone.server.services import Services
from tests.registry.helpers import listed_indicator, open_dispute
from tests.server.world import ROLES, World, build_world

ALL = frozenset({"anonymous", *ROLES})
SIGNED_IN = frozenset(ROLES)


@dataclass(frozen=True)
class Case:
    allow: frozenset[str]
    path: Callable[[World], str] = lambda w: ""
    json: Callable[[World], Any] | None = None
    form: Callable[[World], dict[str, str]] | None = None


def only(*roles: str) -> frozenset[str]:
    return frozenset(roles)


def _p(template: str) -> Callable[[World], str]:
    return lambda w: template


TABLE: dict[tuple[str, str], Case] = {
    ("GET", "/healthz"): Case(ALL, _p("/healthz")),
    ("GET", "/readyz"): Case(ALL, _p("/readyz")),
    ("GET", "/metrics"): Case(ALL, _p("/metrics")),
    ("GET", "/openapi.json"): Case(ALL, _p("/openapi.json")),
    ("GET", "/docs"): Case(ALL, _p("/docs")),
    ("GET", "/docs/oauth2-redirect"): Case(ALL, _p("/docs/oauth2-redirect")),
    ("GET", "/redoc"): Case(ALL, _p("/redoc")),
    ("POST", "/api/v1/analyze"): Case(
        ALL, _p("/api/v1/analyze"), json=lambda w: {"text": "chuyển tiền"}
    ),
    ("POST", "/api/v1/analyze/batch"): Case(
        ALL, _p("/api/v1/analyze/batch"), json=lambda w: {"items": [{"text": "a"}, {"text": "b"}]}
    ),
    ("GET", "/api/v1/provinces"): Case(ALL, _p("/api/v1/provinces")),
    ("GET", "/api/v1/organisations"): Case(SIGNED_IN, _p("/api/v1/organisations")),
    ("POST", "/api/v1/organisations"): Case(
        only("admin"),
        _p("/api/v1/organisations"),
        json=lambda w: {"name": "New school", "type": "school", "province_code": "01"},
    ),
    ("GET", "/api/v1/organisations/{org_id}"): Case(
        only("admin", "youth", "guardian", "teacher", "counsellor", "org_admin", "investigator"),
        lambda w: f"/api/v1/organisations/{w.org('school_a')}",
    ),
    ("PATCH", "/api/v1/organisations/{org_id}"): Case(
        only("admin", "org_admin"),
        lambda w: f"/api/v1/organisations/{w.org('school_a')}",
        json=lambda w: {"name": "Renamed"},
    ),
    ("GET", "/api/v1/organisations/{org_id}/members"): Case(
        only("admin", "org_admin", "teacher", "counsellor"),
        lambda w: f"/api/v1/organisations/{w.org('school_a')}/members",
    ),
    ("POST", "/api/v1/organisations/{org_id}/members"): Case(
        only("admin", "org_admin"),
        lambda w: f"/api/v1/organisations/{w.org('school_a')}/members",
        json=lambda w: {"user_id": w.user("youth_b"), "role": "youth"},
    ),
    ("DELETE", "/api/v1/organisations/{org_id}/members/{membership_id}"): Case(
        only("admin", "org_admin"),
        lambda w: (
            f"/api/v1/organisations/{w.org('school_a')}/members/"
            f"{w.memberships['youth2@school_a'].id}"
        ),
    ),
    ("GET", "/api/v1/me"): Case(SIGNED_IN, _p("/api/v1/me")),
    ("GET", "/api/v1/users"): Case(SIGNED_IN, _p("/api/v1/users")),
    ("POST", "/api/v1/users"): Case(
        only("admin", "org_admin"),
        _p("/api/v1/users"),
        json=lambda w: {"email": "new@example.test", "display_name": "New"},
    ),
    ("GET", "/api/v1/users/{user_id}"): Case(
        only("admin", "youth", "guardian", "teacher", "counsellor", "org_admin"),
        lambda w: f"/api/v1/users/{w.user('youth')}",
    ),
    ("GET", "/api/v1/youth"): Case(SIGNED_IN, _p("/api/v1/youth")),
    ("GET", "/api/v1/guardian-links"): Case(SIGNED_IN, _p("/api/v1/guardian-links")),
    ("POST", "/api/v1/guardian-links"): Case(
        only("admin", "org_admin"),
        _p("/api/v1/guardian-links"),
        json=lambda w: {"guardian_id": w.user("guardian"), "youth_id": w.user("youth2")},
    ),
    ("DELETE", "/api/v1/guardian-links/{link_id}"): Case(
        only("admin", "org_admin"),
        lambda w: f"/api/v1/guardian-links/{w.links['guardian-youth'].id}",
    ),
    ("GET", "/api/v1/tokens"): Case(SIGNED_IN, _p("/api/v1/tokens")),
    ("POST", "/api/v1/tokens"): Case(
        SIGNED_IN, _p("/api/v1/tokens"), json=lambda w: {"name": "t", "scopes": ["analyze"]}
    ),
    ("DELETE", "/api/v1/tokens/{token_id}"): Case(
        only("admin", "platform"), lambda w: f"/api/v1/tokens/{w.tokens['platform'].id}"
    ),
    ("GET", "/api/v1/audit"): Case(only("admin"), _p("/api/v1/audit")),
    ("GET", "/api/v1/audit/verify"): Case(only("admin"), _p("/api/v1/audit/verify")),
    ("GET", "/api/v1/indicators/lookup"): Case(
        ALL, _p("/api/v1/indicators/lookup?value=0912345678")
    ),
    ("POST", "/api/v1/indicators/lookup"): Case(
        ALL, _p("/api/v1/indicators/lookup"), json=lambda w: {"values": ["0912345678", "x.com"]}
    ),
    ("POST", "/api/v1/indicators/extract"): Case(
        ALL, _p("/api/v1/indicators/extract"), json=lambda w: {"text": "Gọi 0912345678"}
    ),
    ("POST", "/api/v1/indicators/reports"): Case(
        ALL, _p("/api/v1/indicators/reports"), json=lambda w: {"value": "0912345678"}
    ),
    ("POST", "/api/v1/indicators/disputes"): Case(
        ALL,
        _p("/api/v1/indicators/disputes"),
        json=lambda w: {"value": listed_indicator(w).normalized, "statement": "Mine"},
    ),
    ("GET", "/api/v1/indicators/disputes"): Case(
        only("admin", "investigator"), _p("/api/v1/indicators/disputes")
    ),
    ("POST", "/api/v1/indicators/disputes/{dispute_id}/resolve"): Case(
        only("admin", "investigator"),
        lambda w: f"/api/v1/indicators/disputes/{open_dispute(w).id}/resolve",
        json=lambda w: {"decision": "reject", "reason": "seen in 3 cases"},
    ),
    ("POST", "/api/v1/indicators/moderate"): Case(
        only("admin", "investigator"),
        _p("/api/v1/indicators/moderate"),
        json=lambda w: {"value": "0912345679", "status": "confirmed_scam", "reason": "case 1"},
    ),
    ("GET", "/api/v1/indicators"): Case(only("admin", "investigator"), _p("/api/v1/indicators")),
    ("GET", "/api/v1/indicators/export"): Case(
        only("admin", "investigator", "platform"), _p("/api/v1/indicators/export?format=stix")
    ),
    ("GET", "/api/v1/indicators/{indicator_id}"): Case(
        only("admin", "investigator"), lambda w: f"/api/v1/indicators/{listed_indicator(w).id}"
    ),
    ("GET", "/"): Case(ALL, _p("/")),
    ("POST", "/"): Case(ALL, _p("/"), form=lambda w: {"text": "Hãy chuyển tiền"}),
    ("GET", "/login"): Case(ALL, _p("/login")),
    ("POST", "/login"): Case(
        ALL, _p("/login"), form=lambda w: {"email": "login@example.test", "password": "x" * 12}
    ),
    ("POST", "/logout"): Case(ALL, _p("/logout"), form=lambda w: {}),
    ("GET", "/static/style.css"): Case(ALL, _p("/static/style.css")),
}

DENIED = {401, 403, 404}


def _flatten(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's included routers
        if included is not None:
            yield from _flatten(included.routes)
        else:
            yield route


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for route in _flatten(app.routes):
        assert isinstance(route, APIRoute | Route), f"unexpected route type {type(route)}"
        for method in route.methods or ():
            if method != "HEAD":
                out.add((method, route.path))
    return out


def test_every_route_has_a_row_in_the_table(app: FastAPI) -> None:
    routes = app_routes(app)
    assert routes - TABLE.keys() == set(), "routes without a row in the authorisation table"
    assert TABLE.keys() - routes == set(), "rows for routes that do not exist"


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize("route", sorted(TABLE), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_allows_exactly_the_roles_in_the_table(
    route: tuple[str, str],
    role: str,
    _shared_app: tuple[FastAPI, TestClient],
    shared_client: TestClient,
    db: Session,
) -> None:
    app, client = _shared_app[0], shared_client
    from tests.server.world import add_token

    world = build_world(db)
    add_token(db, world, "platform")
    services: Services = app.state.services
    case = TABLE[route]
    method, _ = route
    headers: dict[str, str] = {}
    if role != "anonymous":
        secret, csrf = world.sessions[role]
        client.cookies.set(SESSION_COOKIE, secret)
        headers[CSRF_HEADER] = csrf
    kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if case.json is not None:
        kwargs["json"] = case.json(world)
    if case.form is not None:
        token = services.csrf.new()
        client.cookies.set(CSRF_COOKIE, token)
        kwargs["data"] = {**case.form(world), "csrf_token": token}
        if route == ("POST", "/login"):
            _set_password(db, "login@example.test", "x" * 12)
    response = client.request(method, case.path(world), **kwargs)
    if role in case.allow:
        assert 200 <= response.status_code < 400, (role, response.status_code, response.text)
    else:
        assert response.status_code in DENIED, (role, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def _set_password(db: Session, email: str, password: str) -> None:
    from notalone.server.models import User
    from notalone.server.security import hash_password

    db.add(User(email=email, display_name="", password_hash=hash_password(password)))
    db.commit()
