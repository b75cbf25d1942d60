"""The lean path of ``GET /api/v1/indicators/lookup`` (``LookupFastPath``): the same answers,
errors, rate limits and logs as the full route, statuses never stale, on both databases."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from notalone.registry import service as reg
from notalone.registry.models import IndicatorReport, RegistryIndicator
from notalone.server.app import create_app
from notalone.server.auth import Scope
from notalone.server.routes.indicators import AnswerOut, LookupFastPath, _lean_params
from tests.server.conftest import make_settings
from tests.server.fakes import FakeDetector
from tests.server.world import add_token, build_world

BASE = "/api/v1/indicators"
VALUES = [
    ("0912 345 678", None),
    ("+84 912-345-678", "phone"),
    ("vietcombank.com.vn", "domain"),
    ("https://vietcombank-xacminh.top/login?x=1", None),
    ("http://bit.ly/abc", None),
    ("telegram:@vietcombank_support", None),
    ("VCB:0123456789", None),
    ("Scam@Example.COM", None),
    ("113", None),
    ("https://xn--vietcmbank-xyz.com/", None),
]


def _reference(session: Session, value: str, kind: str | None, lang: str = "vi") -> Any:
    """The answer through the ORM path (``reg.lookup``) and the response model."""
    k, n = reg.key_of(value, kind)
    return AnswerOut.model_validate(reg.lookup(session, k, n, lang=lang).to_dict()).model_dump(
        mode="json"
    )


class _Sentinel:
    """The rest of the app, recording whether the fast path let a request through."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls += 1
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def test_query_strings_the_full_route_would_refuse_are_left_to_it() -> None:
    assert _lean_params(b"value=0912345678") == ("0912345678", None, "vi")
    assert _lean_params(b"value=a&value=0912%20345%20678&kind=phone&lang=en") == (
        "0912 345 678",
        "phone",
        "en",
    )
    assert _lean_params(b"value=x+y") == ("x y", None, "vi")
    for bad in (
        b"",
        b"kind=phone",
        b"value=",
        b"value=" + b"1" * 4097,
        b"value=1&kind=money",
        b"value=1&kind=",
        b"value=1&lang=fr",
    ):
        assert _lean_params(bad) is None, bad


@pytest.mark.parametrize(
    ("method", "path", "query", "headers", "lean"),
    [
        ("GET", BASE + "/lookup", b"value=0912345678", [], True),
        ("GET", BASE + "/lookup", b"value=0912345678", [(b"authorization", b"Bearer x")], False),
        ("GET", BASE + "/lookup", b"value=0912345678", [(b"cookie", b"a=b")], False),
        ("GET", BASE + "/lookup", b"value=1&kind=nope", [], False),
        ("GET", BASE + "/lookup", b"", [], False),
        ("POST", BASE + "/lookup", b"value=0912345678", [], False),
        ("GET", BASE + "/lookup/", b"value=0912345678", [], False),
        ("GET", "/api/v1/analyze", b"value=0912345678", [], False),
    ],
)
def test_only_anonymous_well_formed_gets_take_the_lean_path(
    app: FastAPI, method: str, path: str, query: bytes, headers: list[Any], lean: bool
) -> None:
    import anyio

    rest = _Sentinel()
    middleware = LookupFastPath(rest)
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "headers": headers,
        "app": app,
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 443),
        "scheme": "https",
        "root_path": "",
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    anyio.run(middleware, scope, receive, send)
    assert rest.calls == (0 if lean else 1)
    if lean:
        assert sent[0]["status"] == 200
        assert scope["route"].path == BASE + "/lookup"


def test_lean_answers_equal_the_orm_answers(client: TestClient, db: Session) -> None:
    reg.get_or_create(db, "phone", "+84912345678")
    indicator, _ = reg.get_or_create(db, "bank_account", "VCB:0123456789")
    reg.set_status(
        db, indicator, "confirmed_scam", reason="case 1", actor_user_id=None, is_admin=True
    )
    reg.file_dispute(db, "bank_account", "VCB:0123456789", statement="mine", user_id=None)
    db.commit()
    for value, kind in VALUES:
        for lang in ("vi", "en"):
            params = {"value": value, "lang": lang} | ({"kind": kind} if kind else {})
            r = client.get(f"{BASE}/lookup", params=params)
            assert r.status_code == 200, (value, r.text)
            assert r.headers["content-type"] == "application/json"
            assert r.json() == _reference(db, value, kind, lang), value
    answer = client.get(f"{BASE}/lookup", params={"value": "VCB 0123 456 789"}).json()
    assert (answer["status"], answer["dispute_open"]) == ("confirmed_scam", True)


def test_lean_and_full_route_answer_byte_for_byte_alike(client: TestClient, db: Session) -> None:
    world = build_world(db)
    token = add_token(db, world, "teacher")
    for value, kind in VALUES:
        params = {"value": value} | ({"kind": kind} if kind else {})
        lean = client.get(f"{BASE}/lookup", params=params)
        full = client.get(
            f"{BASE}/lookup", params=params, headers={"Authorization": f"Bearer {token}"}
        )
        assert (lean.status_code, lean.content) == (full.status_code, full.content)


def test_token_without_the_analyze_scope_is_still_refused(client: TestClient, db: Session) -> None:
    world = build_world(db)
    token = add_token(db, world, "platform", scopes=frozenset({Scope.ORGS_READ}))
    r = client.get(
        f"{BASE}/lookup",
        params={"value": "0912345678"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 403
    r = client.get(
        f"{BASE}/lookup", params={"value": "0912345678"}, headers={"Authorization": "Bearer nope"}
    )
    assert r.status_code == 401


def test_bad_input_gets_the_same_problems(client: TestClient) -> None:
    r = client.get(f"{BASE}/lookup", params={"value": "zz-secret-zz", "kind": "phone"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["title"] == "Invalid indicator"
    assert r.json()["type"].endswith("/invalid-indicator")
    again = client.get(f"{BASE}/lookup", params={"value": "zz-secret-zz", "kind": "phone"})
    assert again.content == r.content  # the refusal is memoised, not changed
    for params in (
        {},
        {"value": ""},
        {"value": "1" * 4097},
        {"value": "0912345678", "kind": "money"},
        {"value": "0912345678", "lang": "fr"},
    ):
        r = client.get(f"{BASE}/lookup", params=params)
        assert r.status_code == 422, params
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["errors"][0]["pointer"].startswith("query:/"), params
    for value in ("\x00", "%%%", "ʕ•ᴥ•ʔ", "1" * 4096, "http://", "@", "+"):
        r = client.get(f"{BASE}/lookup", params={"value": value})
        assert r.status_code in (200, 422), value
    r = client.get(f"{BASE}/lookup?value=%ff%fe")  # not UTF-8 once unquoted
    assert r.status_code in (200, 422)


def test_lean_lookups_are_rate_limited(client: TestClient, app: FastAPI) -> None:
    app.state.services.settings = app.state.services.settings.model_copy(
        update={"rate_limit_ip": 3}
    )
    codes = [
        client.get(f"{BASE}/lookup", params={"value": f"091234560{i}"}).status_code
        for i in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    r = client.get(f"{BASE}/lookup", params={"value": "0912345600"})
    assert r.headers["content-type"] == "application/problem+json"
    assert int(r.headers["retry-after"]) >= 1 and r.json()["status"] == 429


def test_lean_lookups_are_counted_and_logged_without_the_value(
    client: TestClient, app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="notalone.server.access"):
        r = client.get(f"{BASE}/lookup", params={"value": "0987 654 321"})
    assert r.status_code == 200 and r.headers["x-request-id"]
    records = [rec for rec in caplog.records if rec.name == "notalone.server.access"]
    assert [(rec.route, rec.status) for rec in records] == [(f"{BASE}/lookup", 200)]  # type: ignore[attr-defined]
    for rec in records:
        # every text the record carries (timings and thread ids are numbers, and a request id
        # is random hex that holds "987" about once in 150 runs: the value's forms are checked)
        texts = [rec.getMessage(), *(v for v in vars(rec).values() if isinstance(v, str))]
        forms = ("0987 654 321", "0987654321", "987654321", "987 654 321", "84987654321")
        assert not any(f in t for f in forms for t in texts), texts
    metrics = app.state.services.metrics
    value = metrics.registry.get_sample_value(
        "notalone_http_requests_total",
        {"method": "GET", "route": f"{BASE}/lookup", "status": "200"},
    )
    assert value == 1.0


@pytest.fixture
def committed_client(engine: Engine) -> Iterator[tuple[TestClient, Engine]]:
    """An app on the real engine (no test transaction): lookups go through ``LookupReader``'s
    own autocommit connection, changes through the pooled sessions."""
    app = create_app(make_settings(), engine=engine, detector_loader=FakeDetector)
    with TestClient(app, base_url="https://testserver") as c:
        yield c, engine


def test_a_report_or_moderation_is_visible_at_once(
    committed_client: tuple[TestClient, Engine],
) -> None:
    client, engine = committed_client
    phone = f"+8491{secrets.randbelow(10**7):07d}"
    try:
        assert client.get(f"{BASE}/lookup", params={"value": phone}).json()["status"] == "unknown"
        r = client.post(f"{BASE}/reports", json={"value": phone, "category": "fraud"})
        assert r.status_code == 201
        answer = client.get(f"{BASE}/lookup", params={"value": phone}).json()
        assert (answer["status"], answer["reporters"]) == ("unknown", 1)  # one anonymous: 0.25
        with Session(engine) as session:
            indicator, _ = reg.get_or_create(session, "phone", phone)
            reg.set_status(
                session, indicator, "confirmed_scam", reason="t", actor_user_id=None, is_admin=True
            )
            session.commit()
        answer = client.get(f"{BASE}/lookup", params={"value": phone}).json()
        assert answer["status"] == "confirmed_scam"
        with Session(engine) as session:
            indicator, _ = reg.get_or_create(session, "phone", phone)
            reg.set_status(
                session, indicator, "cleared", reason="t", actor_user_id=None, is_admin=True
            )
            session.commit()
        assert client.get(f"{BASE}/lookup", params={"value": phone}).json()["status"] == "cleared"
    finally:
        with Session(engine) as session:
            ids = [
                i.id
                for i in session.query(RegistryIndicator).filter_by(kind="phone", normalized=phone)
            ]
            session.execute(delete(IndicatorReport).where(IndicatorReport.indicator_id.in_(ids)))
            session.execute(delete(RegistryIndicator).where(RegistryIndicator.id.in_(ids)))
            session.commit()


def test_the_reader_reconnects_after_losing_its_connection(engine: Engine) -> None:
    reader = reg.LookupReader(engine)
    try:
        assert reader.lookup("phone", "+84912345678").status == "unknown"
        reader._local.conn.close()  # the database went away under it
        assert reader.lookup("phone", "+84912345678").status == "unknown"
        assert reader.lookup("domain", "vietcombank.com.vn").status == "trusted"
    finally:
        reader.close()
    assert reader._open == []


def test_batch_answer_is_byte_for_byte_the_models_answer(client: TestClient, db: Session) -> None:
    from notalone.server.routes.indicators import BatchItemOut, BatchLookupOut

    indicator, _ = reg.get_or_create(db, "domain", "vietcombank-xacminh.top")
    reg.set_status(db, indicator, "confirmed_scam", reason="t", actor_user_id=None, is_admin=True)
    db.commit()
    values: list[Any] = [v for v, _ in VALUES]
    values += ["vietcombank-xacminh.top", "garbage!!", {"value": "0912345678", "kind": "email"}]
    values += ['quote " and \\ and \x01 and đ']
    r = client.post(f"{BASE}/lookup", json={"values": values, "lang": "en"})
    assert r.status_code == 200
    items = []
    for i, item in enumerate(values):
        value, kind = (item, None) if isinstance(item, str) else (item["value"], item["kind"])
        try:
            k, n = reg.key_of(value, kind)
        except ValueError as exc:
            items.append(BatchItemOut(index=i, value=value, error=str(exc)))
            continue
        answer = AnswerOut.model_validate(reg.lookup(db, k, n, lang="en").to_dict())
        items.append(BatchItemOut(index=i, value=value, result=answer))
    assert r.content == BatchLookupOut(results=items).model_dump_json().encode()
    assert r.json()["results"][len(VALUES)]["result"]["status"] == "confirmed_scam"


@pytest.mark.postgres
def test_async_reader_coalesces_and_answers_like_one_query_per_key(
    postgres_engine: Engine,
) -> None:
    import asyncio

    phones = [f"+8491{secrets.randbelow(10**7):07d}" for _ in range(3)]
    with Session(postgres_engine) as session:
        for phone in phones[:2]:
            reg.get_or_create(session, "phone", phone)
        indicator, _ = reg.get_or_create(session, "phone", phones[1])
        reg.set_status(session, indicator, "confirmed_scam", reason="t", actor_user_id=None,
                       is_admin=True)  # fmt: skip
        session.commit()
    keys = [("phone", p) for p in phones] + [("domain", "vietcombank.com.vn")]
    keys += [("phone", f"+8498{i:07d}") for i in range(596)]  # 600 keys: two reads of <= 500

    async def run() -> tuple[list[reg.Answer], int]:
        reader = reg.AsyncLookupReader(postgres_engine)
        reads = 0
        read = reader._read

        async def counted(batch: list[tuple[str, str]]) -> Any:
            nonlocal reads
            reads += 1
            return await read(batch)

        reader._read = counted  # type: ignore[method-assign]
        try:
            return list(await asyncio.gather(*(reader.lookup(k, n) for k, n in keys))), reads
        finally:
            await reader.aclose()

    try:
        answers, reads = asyncio.run(run())
        assert reads == 2
        sync = reg.LookupReader(postgres_engine)
        try:
            assert answers == [sync.lookup(k, n) for k, n in keys]
        finally:
            sync.close()
        assert [a.status for a in answers[:4]] == [
            "unknown",
            "confirmed_scam",
            "unknown",
            "trusted",
        ]
    finally:
        with Session(postgres_engine) as session:
            session.execute(
                delete(RegistryIndicator).where(RegistryIndicator.normalized.in_(phones))
            )
            session.commit()
