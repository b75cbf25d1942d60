"""The service over the real detection library (``notalone.detect``), not the fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from notalone.server.app import create_app
from tests.server.conftest import make_settings


@pytest.fixture(scope="module")
def real_client(sqlite_engine: Engine) -> Iterator[TestClient]:
    app = create_app(make_settings(), engine=sqlite_engine, preload_detector=True)
    with TestClient(app, base_url="https://testserver") as client:
        yield client


MESSAGES = [
    "Em ơi, anh là công an. Em phải chuyển tiền ngay vào tài khoản này "
    "và không được nói với bố mẹ.",
    "Send me a photo of you, nobody has to know. How old are you?",
    "Tu as gagné un iPhone ! Clique sur ce lien et donne ton mot de passe.",
    "",
    "😀" * 500,
    "c.h.u.y.e.n t.i.e.n",
]


@pytest.mark.parametrize("text", MESSAGES)
def test_real_detector_answers_every_message_with_exact_offsets(
    real_client: TestClient, text: str
) -> None:
    r = real_client.post("/api/v1/analyze", json={"text": text})
    assert r.status_code == 200, r.text
    body = r.json()
    for hit in body["tactics"]:
        assert text[hit["start"] : hit["end"]] == hit["text"]


def test_real_detector_flags_a_kidnapping_script(real_client: TestClient) -> None:
    r = real_client.post("/api/v1/analyze", json={"text": MESSAGES[0], "lang": "vi"})
    body = r.json()
    # how high is the detector's business; the service must pass a non-trivial verdict through
    assert body["level"] != "none", body
    assert body["tactics"]


def test_real_detector_rejects_a_malformed_conversation_with_422(real_client: TestClient) -> None:
    r = real_client.post("/api/v1/analyze", json={"messages": [{"text": "no sender"}]})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")


def test_real_detector_on_the_web_page(real_client: TestClient) -> None:
    page = real_client.get("/")
    token = real_client.cookies.get("notalone_csrf")
    assert page.status_code == 200 and token
    r = real_client.post("/", data={"text": MESSAGES[0], "csrf_token": token})
    assert r.status_code == 200
    assert "<mark>" in r.text
