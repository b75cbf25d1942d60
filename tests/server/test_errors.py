"""Bad input never yields a 500: every error is an RFC 9457 problem+json body."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notalone.server.ratelimit import MemoryRateLimiter
from tests.server.conftest import make_settings

PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert "type" in body
    return body


def test_when_route_is_unknown_then_404_problem(shared_client: TestClient) -> None:
    assert_problem(shared_client.get("/api/v1/nope"), 404)


def test_when_method_is_wrong_then_405_problem(shared_client: TestClient) -> None:
    assert_problem(shared_client.get("/api/v1/analyze"), 405)


def test_when_json_is_malformed_then_400_problem(shared_client: TestClient) -> None:
    r = shared_client.post(
        "/api/v1/analyze", content=b'{"text": "abc"', headers={"content-type": "application/json"}
    )
    body = assert_problem(r, 400)
    assert body["title"] == "Malformed JSON"


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"text": 5},
        {"text": ["a"]},
        {"messages": "hello"},
        {"messages": [{"text": "no sender"}]},
        {"messages": [{"from": "a", "text": None}]},
        {"text": "a", "messages": [{"from": "a", "text": "b"}]},
        {"text": "a", "lang": "xx"},
        {"text": "x" * 20_001},
        [],
        "just a string",
        None,
    ],
)
def test_when_body_has_wrong_shape_then_422_lists_the_fields(
    shared_client: TestClient, payload: Any
) -> None:
    r = shared_client.post("/api/v1/analyze", json=payload)
    body = assert_problem(r, 422)
    assert body["errors"], body
    assert all(e["pointer"].startswith("body") for e in body["errors"])


def test_when_validation_fails_then_the_input_is_not_echoed(shared_client: TestClient) -> None:
    secret = "my-private-message-text"
    r = shared_client.post("/api/v1/analyze", json={"text": secret, "lang": "xx"})
    assert_problem(r, 422)
    assert secret not in r.text


def test_when_unknown_fields_are_sent_then_they_are_ignored(shared_client: TestClient) -> None:
    r = shared_client.post(
        "/api/v1/analyze",
        json={
            "text": "chuyển tiền",
            "surprise": {"nested": [1, 2]},
            "messages_count": 3,
        },
    )
    assert r.status_code == 200, r.text


def test_when_conversation_is_empty_then_detector_input_error_is_422(
    shared_client: TestClient,
) -> None:
    body = assert_problem(shared_client.post("/api/v1/analyze", json={"messages": []}), 422)
    assert "at least one message" in body["detail"]


def test_when_body_is_over_the_limit_then_413(engine: Any) -> None:
    from notalone.server.app import create_app
    from tests.server.fakes import FakeDetector

    app = create_app(
        make_settings(max_body_bytes=2048), engine=engine, detector_loader=FakeDetector
    )
    with TestClient(app, base_url="https://testserver") as client:
        big = json.dumps({"text": "a" * 5000}).encode()
        assert_problem(
            client.post(
                "/api/v1/analyze", content=big, headers={"content-type": "application/json"}
            ),
            413,
        )

        def chunks() -> Any:
            for _ in range(10):
                yield b" " * 1000

        r = client.post(
            "/api/v1/analyze", content=chunks(), headers={"content-type": "application/json"}
        )
        assert_problem(r, 413)


def test_when_bearer_token_is_invalid_then_401_problem(shared_client: TestClient) -> None:
    r = shared_client.post(
        "/api/v1/analyze", json={"text": "hi"}, headers={"Authorization": "Bearer na_bogus"}
    )
    body = assert_problem(r, 401)
    assert "invalid_token" in r.headers["www-authenticate"]
    assert "unknown" in body["detail"]


@pytest.mark.parametrize(
    "header", ["Basic abc", "Bearer", "Bearer  ", "Token x", "Bearer " + "x" * 300]
)
def test_when_authorization_header_is_malformed_then_401(
    shared_client: TestClient, header: str
) -> None:
    assert_problem(
        shared_client.post(
            "/api/v1/analyze", json={"text": "hi"}, headers={"Authorization": header}
        ),
        401,
    )


def test_when_rate_limit_is_exceeded_then_429_with_retry_after(engine: Any) -> None:
    from notalone.server.app import create_app
    from tests.server.fakes import FakeDetector

    app = create_app(
        make_settings(rate_limit_ip=3),
        engine=engine,
        detector_loader=FakeDetector,
        limiter=MemoryRateLimiter(),
    )
    with TestClient(app, base_url="https://testserver") as client:
        for _ in range(3):
            assert client.post("/api/v1/analyze", json={"text": "hi"}).status_code == 200
        r = client.post("/api/v1/analyze", json={"text": "hi"})
        assert_problem(r, 429)
        assert int(r.headers["retry-after"]) >= 1
        # a batch counts each item
        r = client.post("/api/v1/analyze/batch", json={"items": [{"text": "a"}]})
        assert_problem(r, 429)


def test_when_pagination_is_out_of_range_then_422(shared_client: TestClient) -> None:
    assert_problem(shared_client.get("/api/v1/provinces?limit=0"), 422)
    assert_problem(shared_client.get("/api/v1/provinces?limit=1000"), 422)
    assert_problem(shared_client.get("/api/v1/provinces?offset=-1"), 422)
    assert_problem(shared_client.get("/api/v1/provinces?limit=abc"), 422)


def test_when_path_id_is_not_an_integer_then_4xx_problem(shared_client: TestClient) -> None:
    # authentication is checked first: anonymous callers learn nothing about the route
    assert_problem(shared_client.get("/api/v1/organisations/abc"), 401)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["text", "messages", "from", "lang", "id", "child", "ts", "items", "x"]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=json_values)
def test_any_json_body_gets_a_2xx_or_a_4xx_problem(shared_client: TestClient, payload: Any) -> None:
    for path in ("/api/v1/analyze", "/api/v1/analyze/batch"):
        r = shared_client.post(path, json=payload)
        assert r.status_code < 500
        if r.status_code >= 400:
            assert r.headers["content-type"].startswith(PROBLEM)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=200))
def test_any_bytes_body_gets_a_4xx_problem_or_a_result(
    shared_client: TestClient, raw: bytes
) -> None:
    r = shared_client.post(
        "/api/v1/analyze", content=raw, headers={"content-type": "application/json"}
    )
    assert r.status_code < 500


@pytest.mark.parametrize(
    "raw",
    [
        b'{"messages": [{"from": "a", "text": "b", "ts": Infinity}]}',
        b'{"messages": [{"from": "a", "text": "b", "ts": NaN}]}',
        b'{"text": "\\ud800"}',
        b'{"text": "a"}{"text": "b"}',
        b"\xff\xfe",
        b'{"text": "' + b"[" * 10_000 + b'"}',
        b"[" * 5_000,
    ],
)
def test_odd_json_never_breaks_the_server(shared_client: TestClient, raw: bytes) -> None:
    r = shared_client.post(
        "/api/v1/analyze", content=raw, headers={"content-type": "application/json"}
    )
    assert r.status_code < 500, r.text
