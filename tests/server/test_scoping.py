"""Data-scoped authorisation: what each role sees in the lists."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.server.world import World, add_token, build_world


def _get(client: TestClient, db: Session, world: World, role: str, path: str) -> list[int]:
    token = add_token(db, world, role)
    r = client.get(path, headers={"Authorization": f"Bearer {token}"}, params={"limit": 200})
    assert r.status_code == 200, r.text
    return sorted(item["id"] for item in r.json()["items"])


def test_a_teacher_sees_only_the_youth_of_their_school(
    shared_client: TestClient, db: Session
) -> None:
    w = build_world(db)
    assert _get(shared_client, db, w, "teacher", "/api/v1/youth") == sorted(
        [w.user("youth"), w.user("youth2")]
    )


def test_a_guardian_sees_only_their_linked_young_people(
    shared_client: TestClient, db: Session
) -> None:
    w = build_world(db)
    assert _get(shared_client, db, w, "guardian", "/api/v1/youth") == [w.user("youth")]


def test_an_investigator_sees_the_organisations_of_their_province_only(
    shared_client: TestClient, db: Session
) -> None:
    w = build_world(db)
    seen = _get(shared_client, db, w, "investigator", "/api/v1/organisations")
    assert seen == sorted(o.id for o in w.orgs.values() if o.province_code == "01")
    assert w.org("school_b") not in seen
    assert _get(shared_client, db, w, "investigator", "/api/v1/youth") == []


def test_an_admin_sees_everything(shared_client: TestClient, db: Session) -> None:
    w = build_world(db)
    assert set(_get(shared_client, db, w, "admin", "/api/v1/organisations")) >= {
        o.id for o in w.orgs.values()
    }
    assert set(_get(shared_client, db, w, "admin", "/api/v1/youth")) >= {
        w.user("youth"),
        w.user("youth2"),
        w.user("youth_b"),
    }


def test_a_youth_sees_only_themself_and_their_own_organisations(
    shared_client: TestClient, db: Session
) -> None:
    w = build_world(db)
    assert _get(shared_client, db, w, "youth", "/api/v1/youth") == [w.user("youth")]
    assert _get(shared_client, db, w, "youth", "/api/v1/users") == [w.user("youth")]
    assert _get(shared_client, db, w, "youth", "/api/v1/organisations") == sorted(
        [w.org("school_a"), w.org("family_a")]
    )


def test_an_org_admin_cannot_reach_another_school(shared_client: TestClient, db: Session) -> None:
    w = build_world(db)
    token = add_token(db, w, "org_admin")
    auth = {"Authorization": f"Bearer {token}"}
    assert (
        shared_client.get(f"/api/v1/organisations/{w.org('school_b')}", headers=auth).status_code
        == 404
    )
    r = shared_client.patch(
        f"/api/v1/organisations/{w.org('school_b')}", json={"name": "x"}, headers=auth
    )
    assert r.status_code == 404
    assert shared_client.get(f"/api/v1/users/{w.user('youth_b')}", headers=auth).status_code == 404


def test_an_org_admin_cannot_grant_admin_or_platform(
    shared_client: TestClient, db: Session
) -> None:
    w = build_world(db)
    token = add_token(db, w, "org_admin")
    for role in ("admin", "platform"):
        r = shared_client.post(
            f"/api/v1/organisations/{w.org('school_a')}/members",
            json={"user_id": w.user("other"), "role": role},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code in {403, 422}, r.text


def test_lists_are_paginated(shared_client: TestClient) -> None:
    first = shared_client.get("/api/v1/provinces", params={"limit": 10}).json()
    assert first["total"] == 34 and len(first["items"]) == 10 and first["next_offset"] == 10
    last = shared_client.get("/api/v1/provinces", params={"limit": 10, "offset": 30}).json()
    assert len(last["items"]) == 4 and last["next_offset"] is None
    codes = [p["code"] for p in first["items"]]
    assert codes == sorted(codes)
