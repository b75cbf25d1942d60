from __future__ import annotations

from fastapi.testclient import TestClient


def test_healthz_answers_ok(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_readyz_checks_the_database(client: TestClient) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["checks"]["database"] == "ok"


def test_analyze_one_message(client: TestClient) -> None:
    r = client.post("/api/v1/analyze", json={"text": "Em phải chuyển tiền ngay", "lang": "vi"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["level"] == "high"
    assert body["tactics"][0]["tactic"] == "money_demand"
