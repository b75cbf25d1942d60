"""POST /api/v1/analyze and /analyze/batch: the detection contract over HTTP."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from notalone.server.auth import Scope
from tests.server.world import add_token, build_world

SECRET_TEXT = "Em phải chuyển tiền ngay, đừng nói với ai — mã 99812"


def test_one_message_gives_level_tactics_with_offsets_and_advice(shared_client: TestClient) -> None:
    r = shared_client.post("/api/v1/analyze", json={"text": SECRET_TEXT, "lang": "vi"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["level"] in {"none", "low", "medium", "high", "critical"}
    assert 0.0 <= body["risk"] <= 1.0
    for hit in body["tactics"]:
        assert SECRET_TEXT[hit["start"] : hit["end"]] == hit["text"]
    assert {h["tactic"] for h in body["tactics"]} >= {"money_demand", "secrecy_demand"}
    assert body["advice"]


def test_a_conversation_keeps_message_indexes(shared_client: TestClient) -> None:
    conv = {
        "id": "c-1",
        "lang": "vi",
        "child": "em",
        "messages": [
            {"from": "x", "text": "Chào em", "ts": "2025-01-01T10:00:00Z"},
            {"from": "em", "text": "Dạ"},
            {"from": "x", "text": "Anh là công an, gửi ảnh cho anh", "ts": 1735725600},
        ],
    }
    r = shared_client.post("/api/v1/analyze", json=conv)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == "c-1"
    assert {h["message"] for h in body["tactics"]} == {2}


def test_batch_returns_one_result_per_item_in_order(shared_client: TestClient) -> None:
    items = [
        {"text": "xin chào"},
        {"text": "chuyển tiền"},
        {"messages": [{"from": "a", "text": "gửi ảnh"}]},
    ]
    r = shared_client.post("/api/v1/analyze/batch", json={"items": items})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["index"] for x in results] == [0, 1, 2]
    assert results[0]["result"]["level"] == "none"
    assert results[1]["result"]["tactics"][0]["tactic"] == "money_demand"


def test_batch_with_a_bad_item_points_at_it(shared_client: TestClient) -> None:
    r = shared_client.post(
        "/api/v1/analyze/batch", json={"items": [{"text": "ok"}, {"messages": []}]}
    )
    assert r.status_code == 422
    assert r.json()["pointer"] == "body:/items/1"


def test_batch_size_is_bounded(shared_client: TestClient) -> None:
    r = shared_client.post("/api/v1/analyze/batch", json={"items": [{"text": "a"}] * 101})
    assert r.status_code == 422
    r = shared_client.post("/api/v1/analyze/batch", json={"items": []})
    assert r.status_code == 422


def test_message_texts_are_never_stored_nor_logged(
    shared_client: TestClient, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="notalone"):
        r = shared_client.post("/api/v1/analyze", json={"text": SECRET_TEXT})
        assert r.status_code == 200
        r = shared_client.post(
            "/api/v1/analyze/batch", json={"items": [{"text": SECRET_TEXT}, {"text": "x"}]}
        )
        assert r.status_code == 200
    for record in caplog.records:
        assert "99812" not in record.getMessage()
        assert all("99812" not in str(v) for v in vars(record).values())
    assert any(getattr(r, "route", None) == "/api/v1/analyze" for r in caplog.records)
    # nothing anywhere in the database holds the text
    bind = db.get_bind()
    for table in inspect(bind).get_table_names():
        for row in db.execute(text(f"SELECT * FROM {table}")).all():
            assert "99812" not in repr(tuple(row)), table


def test_a_token_without_the_analyze_scope_is_refused(
    shared_client: TestClient, db: Session
) -> None:
    world = build_world(db)
    secret = add_token(db, world, "platform", scopes=frozenset({Scope.ORGS_READ}))
    r = shared_client.post(
        "/api/v1/analyze", json={"text": "hi"}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert r.status_code == 403
    secret = add_token(db, world, "admin", scopes=frozenset({Scope.ANALYZE}))
    r = shared_client.post(
        "/api/v1/analyze", json={"text": "hi"}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert r.status_code == 200


def test_metrics_count_requests_by_route_template_and_level(shared_client: TestClient) -> None:
    shared_client.post("/api/v1/analyze", json={"text": "chuyển tiền"})
    shared_client.get("/api/v1/organisations/12345")
    metrics = shared_client.get("/metrics").text
    assert (
        'notalone_http_requests_total{method="POST",route="/api/v1/analyze",status="200"}'
        in metrics
    )
    assert 'route="/api/v1/organisations/{org_id}"' in metrics
    assert 'notalone_analyses_total{kind="message",level="high"}' in metrics


def test_openapi_documents_the_analyze_contract(shared_client: TestClient) -> None:
    spec = shared_client.get("/openapi.json").json()
    op = spec["paths"]["/api/v1/analyze"]["post"]
    assert "application/problem+json" in op["responses"]["422"]["content"]
    assert "/api/v1/analyze/batch" in spec["paths"]
