"""The registry's HTTP API on both databases: lookups, batch, extract, reports, moderation,
disputes, exports, problem+json errors."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from notalone.server.auth import CSRF_HEADER, SESSION_COOKIE
from tests.server.world import World, build_world

BASE = "/api/v1/indicators"


def _sign_in(client: TestClient, db: Session | World, role: str) -> dict[str, str]:
    world = db if isinstance(db, World) else build_world(db)
    secret, csrf = world.sessions[role]
    client.cookies.set(SESSION_COOKIE, secret)
    return {CSRF_HEADER: csrf}


def test_lookup_answers_with_kind_normalized_and_status(client: TestClient) -> None:
    r = client.get(f"{BASE}/lookup", params={"value": "0912 345 678"})
    assert r.status_code == 200
    body = r.json()
    assert (body["kind"], body["normalized"], body["status"]) == (
        "phone",
        "+84912345678",
        "unknown",
    )
    assert set(body) >= {"reporters", "first_seen", "last_seen", "categories", "warnings", "advice"}
    r = client.get(f"{BASE}/lookup", params={"value": "vietcombank.com.vn", "kind": "domain"})
    assert r.json()["status"] == "trusted"


def test_bad_values_are_problems_without_echo(client: TestClient) -> None:
    r = client.get(f"{BASE}/lookup", params={"value": "zz-secret-zz", "kind": "phone"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["title"] == "Invalid indicator"
    r = client.get(f"{BASE}/lookup", params={"value": "0912345678", "kind": "money"})
    assert r.status_code == 422 and "zz" not in r.text


def test_batch_lookup_up_to_1000_values(client: TestClient) -> None:
    values = [f"09{i:08d}" for i in range(999)] + [{"value": "garbage!!", "kind": "phone"}]
    r = client.post(f"{BASE}/lookup", json={"values": values})
    assert r.status_code == 200
    results = r.json()["results"]
    assert len(results) == 1000 and results[0]["result"]["normalized"] == "+84900000000"
    assert results[-1]["result"] is None and results[-1]["error"]
    r = client.post(f"{BASE}/lookup", json={"values": ["0912345678"] * 1001})
    assert r.status_code == 422


def test_extract_finds_and_looks_up(client: TestClient) -> None:
    text = "Liên hệ sđt 0912 345 678 hoặc vào vietcombank-xacminh.top/login để nhận quà"
    r = client.post(f"{BASE}/extract", json={"text": text})
    assert r.status_code == 200
    found = {(i["kind"], i["result"]["normalized"]): i for i in r.json()["indicators"]}
    assert ("phone", "+84912345678") in found
    domain = found[("domain", "vietcombank-xacminh.top")]["result"]
    assert domain["warnings"][0]["brand"] == "vietcombank"


def test_anonymous_reports_count_once_and_weigh_little(client: TestClient) -> None:
    body = {"value": "0912345699", "category": "online_kidnapping", "text": "giả công an"}
    r = client.post(f"{BASE}/reports", json=body)
    assert r.status_code == 201
    assert r.json()["counted"] is True
    assert (r.json()["result"]["status"], r.json()["result"]["reporters"]) == ("unknown", 1)
    r = client.post(f"{BASE}/reports", json=body)
    assert r.json()["counted"] is False and r.json()["result"]["reporters"] == 1


def test_signed_in_report_lists_the_number(client: TestClient, db: Session) -> None:
    headers = _sign_in(client, db, "teacher")
    r = client.post(f"{BASE}/reports", json={"value": "+84912345698"}, headers=headers)
    assert r.status_code == 201 and r.json()["result"]["status"] == "reported"
    assert "teacher" not in r.text


def test_reports_are_rate_limited(client: TestClient, app: object) -> None:
    from fastapi import FastAPI

    assert isinstance(app, FastAPI)
    app.state.services.settings = app.state.services.settings.model_copy(
        update={"rate_limit_ip": 3}
    )
    codes = [
        client.post(f"{BASE}/reports", json={"value": f"091234560{i}"}).status_code
        for i in range(5)
    ]
    assert codes[:3] == [201, 201, 201] and codes[3:] == [429, 429]


def test_moderation_dispute_and_export_flow(client: TestClient, db: Session) -> None:
    world = build_world(db)
    headers = _sign_in(client, world, "investigator")
    r = client.post(
        f"{BASE}/moderate",
        json={"value": "0912 345 697", "status": "confirmed_scam", "reason": "case 2026/17"},
        headers=headers,
    )
    assert r.status_code == 200 and r.json()["status"] == "confirmed_scam"
    indicator_id = r.json()["id"]
    r = client.post(
        f"{BASE}/moderate",
        json={"value": "1900 545 413", "status": "trusted", "reason": "bank hotline"},
        headers=headers,
    )
    assert r.status_code == 403  # only admins mark trusted
    client.cookies.clear()
    r = client.post(f"{BASE}/disputes", json={"value": "+84912345697", "statement": "It's mine"})
    assert r.status_code == 201
    dispute_id = r.json()["id"]
    assert client.get(f"{BASE}/lookup", params={"value": "0912345697"}).json()["dispute_open"]
    r = client.post(f"{BASE}/disputes", json={"value": "+84900000099", "statement": "x"})
    assert r.status_code == 404
    headers = _sign_in(client, world, "investigator")
    detail = client.get(f"{BASE}/{indicator_id}", headers=headers).json()
    assert detail["history"][0]["reason"] == "case 2026/17"
    assert detail["disputes"][0]["statement"] == "It's mine"
    exported = client.get(f"{BASE}/export", params={"format": "csv"}, headers=headers)
    assert exported.status_code == 200 and "+84912345697" in exported.text
    stix = json.loads(client.get(f"{BASE}/export?format=stix", headers=headers).text)
    assert any(
        o.get("pattern") == "[x-notalone-phone:value = '+84912345697']" for o in stix["objects"]
    )
    r = client.post(
        f"{BASE}/disputes/{dispute_id}/resolve",
        json={"decision": "accept", "reason": "owner verified at the station"},
        headers=headers,
    )
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    assert client.get(f"{BASE}/lookup?value=0912345697").json()["status"] == "cleared"
    r = client.post(
        f"{BASE}/disputes/{dispute_id}/resolve",
        json={"decision": "reject", "reason": "again"},
        headers=headers,
    )
    assert r.status_code == 409
    listing = client.get(f"{BASE}", params={"status": "cleared"}, headers=headers).json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == indicator_id
