"""The scam-indicator registry's API: lookups, reports, disputes, moderation and exports.

Lookups and reports are open to anyone (rate-limited like the rest); moderation is for
investigators and admins; exports of confirmed indicators for investigators, platforms and
admins. Answers never carry who reported.
"""

from __future__ import annotations

import datetime as dt
import functools
import urllib.parse
from typing import Annotated, Any, Literal, get_args

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, select
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Send
from starlette.types import Scope as ASGIScope

from notalone.detect.indicators import IndicatorError, extract_indicators
from notalone.registry import service as reg
from notalone.registry.exports import export_chunks
from notalone.registry.models import IndicatorDispute, RegistryIndicator
from notalone.server.auth import Principal, Scope
from notalone.server.deps import (
    CurrentPrincipal,
    PageParams,
    SessionDep,
    client_ip,
    enforce_rate_limit,
    optional_principal,
)
from notalone.server.models import Role
from notalone.server.pagination import paginate
from notalone.server.problems import ProblemError, problem_response
from notalone.server.routes.common import problems
from notalone.server.schemas import Page
from notalone.server.security import keyed_hash
from notalone.server.services import Services

router = APIRouter(prefix="/api/v1/indicators", tags=["indicators"])

SCOPE_MODERATE = "indicators:moderate"
SCOPE_EXPORT = "indicators:export"
MAX_BATCH = 1_000
MAX_EXTRACT_CHARS = 100_000

Kind = Literal["phone", "bank_account", "url", "domain", "handle", "email", "crypto_wallet"]
Lang = Literal["vi", "en"]


# --- shapes --------------------------------------------------------------------------------


class WarningOut(BaseModel):
    type: str
    detail: str
    brand: str | None = None


class AnswerOut(BaseModel):
    kind: str
    normalized: str
    status: Literal["unknown", "reported", "confirmed_scam", "disputed", "cleared", "trusted"]
    reporters: int = Field(description="independent reporters (each person or source once)")
    first_seen: str | None
    last_seen: str | None
    categories: list[str]
    official: str | None = Field(description="the official brand or service, when it is one")
    warnings: list[WarningOut]
    dispute_open: bool
    advice: str


class LookupItem(BaseModel):
    value: str = Field(max_length=4096)
    kind: Kind | None = None


class BatchLookupIn(BaseModel):
    values: list[str | LookupItem] = Field(max_length=MAX_BATCH)
    lang: Lang = "vi"


class BatchItemOut(BaseModel):
    index: int
    value: str
    result: AnswerOut | None = None
    error: str | None = None


class BatchLookupOut(BaseModel):
    results: list[BatchItemOut]


class ExtractIn(BaseModel):
    text: str = Field(max_length=MAX_EXTRACT_CHARS)
    lang: Lang = "vi"


class ExtractItemOut(BaseModel):
    kind: str
    value: str
    start: int
    end: int
    result: AnswerOut


class ExtractOut(BaseModel):
    indicators: list[ExtractItemOut]


class ReportIn(BaseModel):
    value: str = Field(min_length=1, max_length=4096)
    kind: Kind | None = None
    category: Literal[reg.REPORT_CATEGORIES] = "fraud"  # type: ignore[valid-type]
    text: str = Field(default="", max_length=5_000)
    evidence: list[str] = Field(default_factory=list, max_length=10)
    lang: Lang = "vi"


class ReportOut(BaseModel):
    counted: bool = Field(description="false when you had already reported it (counts once)")
    result: AnswerOut


class DisputeIn(BaseModel):
    value: str = Field(min_length=1, max_length=4096)
    kind: Kind | None = None
    statement: str = Field(min_length=1, max_length=5_000)
    contact: str = Field(default="", max_length=254)


class DisputeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    indicator_id: int
    state: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None = None
    resolution: str = ""


class DisputeDetailOut(DisputeOut):
    statement: str
    contact: str


class ResolveIn(BaseModel):
    decision: Literal["accept", "reject"]
    reason: str = Field(min_length=1, max_length=1_000)


class ModerateIn(BaseModel):
    value: str = Field(min_length=1, max_length=4096)
    kind: Kind | None = None
    status: Literal["reported", "confirmed_scam", "disputed", "cleared", "trusted"]
    reason: str = Field(min_length=1, max_length=1_000)


class IndicatorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    normalized: str
    status: str
    reporters: int
    weight: float
    categories: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    status_changed_at: dt.datetime | None = None


class ReportEntryOut(BaseModel):
    """A report as moderators see it: never who sent it."""

    model_config = ConfigDict(from_attributes=True)

    reporter_type: str
    weight: float
    category: str
    text: str
    evidence: list[Any]
    created_at: dt.datetime


class StatusChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: str | None
    to_status: str
    actor_user_id: int | None
    reason: str
    at: dt.datetime


class IndicatorDetailOut(BaseModel):
    indicator: IndicatorOut
    reports: list[ReportEntryOut]
    history: list[StatusChangeOut]
    disputes: list[DisputeDetailOut]


# --- helpers -------------------------------------------------------------------------------


async def _admit(request: Request, cost: int = 1) -> tuple[Services, Principal | None]:
    """The caller (anonymous allowed), within the rate limit, with the analyze scope."""
    services: Services = request.app.state.services
    principal = await optional_principal(request)
    await enforce_rate_limit(request, principal, cost=cost)
    if principal is not None and not principal.has_scope(Scope.ANALYZE):
        raise ProblemError(403, "The API token lacks the 'analyze' scope.")
    return services, principal


def _invalid(detail: str) -> ProblemError:
    return ProblemError(422, detail, title="Invalid indicator", type_="invalid-indicator")


def _key(value: str, kind: str | None) -> tuple[str, str]:
    try:
        return reg.key_of(value, kind)
    except IndicatorError as exc:
        raise _invalid(str(exc)) from exc


def _json(model: BaseModel) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


def _is_moderator(principal: Principal) -> bool:
    return principal.is_admin or Role.investigator in principal.roles


async def require_moderator(principal: CurrentPrincipal) -> Principal:
    if not _is_moderator(principal):
        raise ProblemError(403, "Only investigators and admins moderate the registry.")
    if not principal.has_scope(SCOPE_MODERATE):
        raise ProblemError(
            403, f"The API token lacks the '{SCOPE_MODERATE}' scope.", type_="insufficient-scope"
        )
    return principal


Moderator = Annotated[Principal, Depends(require_moderator)]


async def require_exporter(principal: CurrentPrincipal) -> Principal:
    if not (_is_moderator(principal) or Role.platform in principal.roles):
        raise ProblemError(403, "Exports are for investigators, platforms and admins.")
    if not principal.has_scope(SCOPE_EXPORT):
        raise ProblemError(
            403, f"The API token lacks the '{SCOPE_EXPORT}' scope.", type_="insufficient-scope"
        )
    return principal


Exporter = Annotated[Principal, Depends(require_exporter)]


async def _limited(request: Request) -> None:
    await enforce_rate_limit(request, await optional_principal(request))


Limited = Depends(_limited)


# --- lookups -------------------------------------------------------------------------------


_KEY_CACHE_MAX_CHARS = 256


@functools.lru_cache(maxsize=65_536)
def _cached_key(value: str, kind: str | None) -> tuple[str, str] | str:
    """``reg.key_of`` of a short value, or the reason it is refused, memoised: normalising
    depends on the value and the bundled data files only, never on the database, so a cached
    key cannot go stale (at most 65,536 values of at most 256 characters, a few MB)."""
    try:
        return reg.key_of(value, kind)
    except IndicatorError as exc:
        return str(exc)


def _key_or_reason(value: str, kind: str | None) -> tuple[str, str] | str:
    if len(value) > _KEY_CACHE_MAX_CHARS:
        try:
            return reg.key_of(value, kind)
        except IndicatorError as exc:
            return str(exc)
    return _cached_key(value, kind)


def _reader(request_app: Any, services: Services) -> Any:
    """What answers single lookups: the connection holding a test's transaction when the
    session factory is bound to one, else the app's reader: ``reg.AsyncLookupReader`` on
    PostgreSQL (coalesced reads that never block the loop), ``reg.LookupReader`` on SQLite
    (an in-process read of about 20 µs: cheaper inline than any hand-off)."""
    bind = services.session_factory.kw.get("bind") or services.engine
    if isinstance(bind, Connection):
        return bind
    reader: Any = getattr(request_app.state, "indicator_reader", None)
    if reader is None or reader.engine is not bind:
        if reader is not None:
            reader.close()
        if bind.dialect.name == "postgresql":
            reader = reg.AsyncLookupReader(bind)
        else:
            reader = reg.LookupReader(bind)
        request_app.state.indicator_reader = reader
    return reader


async def _answer_body(
    request_app: Any, services: Services, kind: str, normalized: str, lang: str
) -> bytes:
    reader = _reader(request_app, services)
    if isinstance(reader, Connection):
        answer = reg.fast_lookup(reader, kind, normalized, lang=lang)
    elif isinstance(reader, reg.AsyncLookupReader):
        answer = await reader.lookup(kind, normalized, lang=lang)
    else:
        answer = reader.lookup(kind, normalized, lang=lang)
    # the answer's shape is AnswerOut by construction: serialise it once, without validation
    return orjson.dumps(answer.to_dict())


@router.get("/lookup", response_model=AnswerOut, responses=problems(401, 403, 422, 429))
async def lookup(
    request: Request,
    value: Annotated[str, Query(min_length=1, max_length=4096, description="the value")],
    kind: Annotated[Kind | None, Query(description="the kind; detected when omitted")] = None,
    lang: Annotated[Lang, Query(description="language of the advice")] = "vi",
) -> Response:
    """What the registry knows about one phone number, bank account, link, handle, e-mail
    or wallet: status, independent reporters, first/last seen, categories, look-alike
    warnings and advice. Never who reported."""
    services, _ = await _admit(request)
    found = _key_or_reason(value, kind)
    if isinstance(found, str):
        raise _invalid(found)
    body = await _answer_body(request.app, services, found[0], found[1], lang)
    return Response(body, media_type="application/json")


def _batch_items(services: Services, body: BatchLookupIn) -> list[dict[str, Any]]:
    """The batch answer's items, as plain dicts in ``BatchItemOut``'s field order (the
    answers are ``AnswerOut``-shaped by construction: 1,000 model validations saved)."""
    keys: list[tuple[str, str]] = []
    slots: list[tuple[int, str, str | None]] = []
    for index, item in enumerate(body.values):
        value, kind = (item, None) if isinstance(item, str) else (item.value, item.kind)
        found = _key_or_reason(value, kind)
        if isinstance(found, str):
            slots.append((index, value, found))
        else:
            keys.append(found)
            slots.append((index, value, None))
    with services.session_factory() as session:
        answers = iter(reg.lookup_many(session, keys, lang=body.lang))
    return [
        {"index": i, "value": v, "result": None, "error": err}
        if err is not None
        else {"index": i, "value": v, "result": next(answers).to_dict(), "error": None}
        for i, v, err in slots
    ]


def _batch(services: Services, body: BatchLookupIn) -> bytes:
    items = _batch_items(services, body)
    try:
        return orjson.dumps({"results": items})
    except TypeError:  # not expected (JSON bodies hold no lone surrogates): the model's way
        return BatchLookupOut.model_validate({"results": items}).model_dump_json().encode()


@router.post(
    "/lookup", response_model=BatchLookupOut, responses=problems(400, 401, 403, 413, 422, 429)
)
async def lookup_batch(body: BatchLookupIn, request: Request) -> Response:
    """Up to 1,000 values in one call (strings, or ``{"value", "kind"}``). A value that cannot
    be read gets an ``error`` with the reason; the others are answered. The call counts once
    against the rate limit per 100 values."""
    services, _ = await _admit(request, cost=max(1, len(body.values) // 100))
    content = await run_in_threadpool(_batch, services, body)
    return Response(content, media_type="application/json")


def _extract(services: Services, body: ExtractIn) -> ExtractOut:
    found = [i for i in extract_indicators(body.text) if i.kind in reg.LOOKUP_KINDS]
    keys = [(i.kind, i.normalized) for i in found]
    with services.session_factory() as session:
        answers = reg.lookup_many(session, keys, lang=body.lang)
    return ExtractOut(
        indicators=[
            ExtractItemOut(
                kind=i.kind,
                value=i.value,
                start=i.start,
                end=i.end,
                result=AnswerOut.model_validate(a.to_dict()),
            )
            for i, a in zip(found, answers, strict=True)
        ]
    )


@router.post(
    "/extract", response_model=ExtractOut, responses=problems(400, 401, 403, 413, 422, 429)
)
async def extract(body: ExtractIn, request: Request) -> Response:
    """Every phone number, account, link, handle, e-mail and wallet in a text, each looked up.
    The text is not stored."""
    services, _ = await _admit(request)
    return _json(await run_in_threadpool(_extract, services, body))


# --- reports and disputes ------------------------------------------------------------------


async def public_caller(request: Request) -> Principal | None:
    """Dependency: anyone (anonymous allowed), rate-limited, tokens need the analyze scope."""
    _, principal = await _admit(request)
    return principal


PublicCaller = Annotated[Principal | None, Depends(public_caller)]


@router.post(
    "/reports",
    status_code=201,
    response_model=ReportOut,
    responses=problems(400, 401, 403, 413, 422, 429),
)
def create_report(
    body: ReportIn, request: Request, session: SessionDep, principal: PublicCaller
) -> Response:
    """Report a scam phone number, account, link or handle. Anonymous reports are welcome
    (they weigh less until the source has a history); each reporter counts once."""
    services: Services = request.app.state.services
    kind, normalized = _key(body.value, body.kind)
    secret = services.settings.secret_key
    if principal is not None:
        key = keyed_hash(secret, f"user:{principal.user_id}")[:64]
        weight = reg.reporter_weight(session, key, signed_in=True, verified=bool(principal.grants))
        reporter = reg.Reporter(key, "user", principal.user_id, weight)
    else:
        key = keyed_hash(secret, f"ip:{client_ip(request, services.settings)}")[:64]
        weight = reg.reporter_weight(session, key, signed_in=False, verified=False)
        reporter = reg.Reporter(key, "anonymous", None, weight)
    outcome = reg.report(
        session,
        kind,
        normalized,
        reporter=reporter,
        category=body.category,
        text=body.text,
        evidence=body.evidence,
        lang=body.lang,
    )
    session.commit()
    out = ReportOut(
        counted=outcome.counted, result=AnswerOut.model_validate(outcome.answer.to_dict())
    )
    return Response(out.model_dump_json(), status_code=201, media_type="application/json")


@router.post(
    "/disputes",
    status_code=201,
    response_model=DisputeOut,
    responses=problems(400, 401, 403, 404, 413, 422, 429),
)
def file_dispute(body: DisputeIn, session: SessionDep, principal: PublicCaller) -> DisputeOut:
    """The owner of a wrongly listed number, account or site asks for a review; an
    investigator decides. The listing does not change before that."""
    kind, normalized = _key(body.value, body.kind)
    try:
        dispute = reg.file_dispute(
            session,
            kind,
            normalized,
            statement=body.statement,
            contact=body.contact,
            user_id=principal.user_id if principal else None,
        )
    except reg.NotFound as exc:
        raise ProblemError(404, str(exc)) from exc
    except reg.RegistryError as exc:
        raise ProblemError(422, str(exc), title="Validation failed") from exc
    session.commit()
    return DisputeOut.model_validate(dispute)


@router.get(
    "/disputes",
    dependencies=[Limited],
    responses=problems(401, 403, 422, 429),
)
def list_disputes(
    session: SessionDep,
    _principal: Moderator,
    page: PageParams,
    state: Annotated[Literal["open", "accepted", "rejected"] | None, Query()] = "open",
) -> Page[DisputeDetailOut]:
    """Disputes to review (investigators and admins), oldest first."""
    stmt = select(IndicatorDispute).order_by(IndicatorDispute.id)
    if state is not None:
        stmt = stmt.where(IndicatorDispute.state == state)
    return paginate(session, stmt, *page, DisputeDetailOut)


@router.post(
    "/disputes/{dispute_id}/resolve",
    dependencies=[Limited],
    responses=problems(401, 403, 404, 409, 422, 429),
)
def resolve_dispute(
    dispute_id: int, body: ResolveIn, session: SessionDep, principal: Moderator
) -> DisputeDetailOut:
    """Accept (the indicator is cleared) or reject a dispute, with the reason."""
    dispute = session.get(IndicatorDispute, dispute_id)
    if dispute is None:
        raise ProblemError(404, "No such dispute.")
    try:
        reg.resolve_dispute(
            session,
            dispute,
            accept=body.decision == "accept",
            reason=body.reason,
            actor_user_id=principal.user_id,
        )
    except reg.RegistryError as exc:
        raise ProblemError(409, str(exc)) from exc
    session.commit()
    return DisputeDetailOut.model_validate(dispute)


# --- moderation ----------------------------------------------------------------------------


@router.post(
    "/moderate",
    dependencies=[Limited],
    responses=problems(401, 403, 422, 429),
)
def moderate(body: ModerateIn, session: SessionDep, principal: Moderator) -> IndicatorOut:
    """Confirm, dispute, clear or reopen an indicator (investigators, admins), or mark an
    official one trusted (admins); the reason goes to the history and the audit log."""
    kind, normalized = _key(body.value, body.kind)
    indicator, _ = reg.get_or_create(session, kind, normalized)
    try:
        reg.set_status(
            session,
            indicator,
            body.status,
            reason=body.reason,
            actor_user_id=principal.user_id,
            is_admin=principal.is_admin,
        )
    except reg.RegistryError as exc:
        raise ProblemError(403 if body.status == "trusted" else 422, str(exc)) from exc
    session.commit()
    return IndicatorOut.model_validate(indicator)


@router.get("", dependencies=[Limited], responses=problems(401, 403, 422, 429))
def list_indicators(
    session: SessionDep,
    _principal: Moderator,
    page: PageParams,
    status: Annotated[
        Literal["reported", "confirmed_scam", "disputed", "cleared", "trusted"] | None, Query()
    ] = None,
    kind: Annotated[Kind | None, Query()] = None,
) -> Page[IndicatorOut]:
    """The registry for moderators, most recently seen first."""
    stmt = select(RegistryIndicator).order_by(
        RegistryIndicator.last_seen.desc(), RegistryIndicator.id.desc()
    )
    if status is not None:
        stmt = stmt.where(RegistryIndicator.status == status)
    if kind is not None:
        stmt = stmt.where(RegistryIndicator.kind == kind)
    return paginate(session, stmt, *page, IndicatorOut)


# --- exports -------------------------------------------------------------------------------


@router.get(
    "/export",
    dependencies=[Limited],
    responses={
        **problems(401, 403, 422, 429),
        200: {"content": {"text/csv": {}, "application/stix+json": {}}},
    },
    response_class=StreamingResponse,
)
def export(
    request: Request,
    _principal: Exporter,
    format: Annotated[
        Literal["csv", "stix"], Query(description="csv or stix (2.1 bundle)")
    ] = "csv",
) -> StreamingResponse:
    """Every confirmed scam indicator, for police and platforms, as CSV or a STIX 2.1 bundle."""
    services: Services = request.app.state.services
    session = services.session_factory()

    def chunks() -> Any:
        try:
            yield from export_chunks(session, format)
        finally:
            session.close()

    media = "text/csv; charset=utf-8" if format == "csv" else "application/stix+json;version=2.1"
    name = "notalone-confirmed." + ("csv" if format == "csv" else "json")
    return StreamingResponse(
        chunks(),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/{indicator_id}", dependencies=[Limited], responses=problems(401, 403, 404, 429))
def get_indicator(
    indicator_id: int, session: SessionDep, _principal: Moderator
) -> IndicatorDetailOut:
    """One indicator with its reports (never who sent them), status history and disputes."""
    try:
        d = reg.detail(session, indicator_id)
    except reg.NotFound as exc:
        raise ProblemError(404, "No such indicator.") from exc
    return IndicatorDetailOut(
        indicator=IndicatorOut.model_validate(d.indicator),
        reports=[ReportEntryOut.model_validate(r) for r in d.reports],
        history=[StatusChangeOut.model_validate(h) for h in d.history],
        disputes=[DisputeDetailOut.model_validate(x) for x in d.disputes],
    )


# --- the lean path of single lookups -------------------------------------------------------

LOOKUP_PATH = "/api/v1/indicators/lookup"
_KINDS = frozenset(get_args(Kind))
_LANGS = frozenset(get_args(Lang))
_JSON_HEADERS = [(b"content-type", b"application/json")]


def _lean_params(query_string: bytes) -> tuple[str, str | None, str] | None:
    """``(value, kind, lang)`` of a lookup's query string when FastAPI would accept it as
    is (same parsing as Starlette: latin-1, ``parse_qsl``, the last of repeated names wins);
    ``None`` for anything else, which the full route then answers (422 problem and all)."""
    params = dict(urllib.parse.parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
    value = params.get("value")
    if value is None or not 1 <= len(value) <= 4096:
        return None
    kind = params.get("kind")
    if kind is not None and kind not in _KINDS:
        return None
    lang = params.get("lang", "vi")
    if lang not in _LANGS:
        return None
    return value, kind, lang


class LookupFastPath:
    """ASGI middleware: answers anonymous ``GET /api/v1/indicators/lookup`` without FastAPI's
    routing, dependency resolution and query validation (most of a lookup's cost).

    It sits inside the observability and body-size middleware, so the request is still timed,
    counted under its route template and logged (method, route, status, duration: never the
    value looked up). Security is kept: the same per-client rate limit
    (:func:`enforce_rate_limit`), the same problem+json answers for a refused value (422) or
    too many requests (429). Everything it is not sure about goes on to the full route:
    requests with credentials (``Authorization`` or a cookie: the route checks them and the
    token's scope), other methods and paths, and query strings FastAPI would refuse (missing
    or over-long value, unknown kind or language), so those answers are exactly the route's.
    Statuses are read from the database on every request (never cached); only normalisation
    and the data-file facts (official domains, look-alikes), which cannot change while the
    process runs, are memoised.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._route: Any = None

    def _route_of(self) -> Any:
        if self._route is None:
            for route in router.routes:
                if getattr(route, "path", None) == LOOKUP_PATH and "GET" in getattr(
                    route, "methods", ()
                ):
                    self._route = route
                    break
        return self._route

    async def __call__(self, scope: ASGIScope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != LOOKUP_PATH
            or scope["method"] != "GET"
            or any(name in (b"authorization", b"cookie") for name, _ in scope["headers"])
        ):
            await self.app(scope, receive, send)
            return
        params = _lean_params(scope["query_string"])
        if params is None:
            await self.app(scope, receive, send)
            return
        value, kind, lang = params
        asgi_app = scope["app"]
        route = self._route_of()
        if route is not None:
            scope["route"] = route  # the route template for metrics and the access log
        services: Services = asgi_app.state.services
        request = Request(scope, receive)
        try:
            await enforce_rate_limit(request, None)
        except ProblemError as exc:
            response: Response = problem_response(
                exc.status, exc.detail, title=exc.title, type_="rate-limited", headers=exc.headers
            )
            await response(scope, receive, send)
            return
        found = _key_or_reason(value, kind)
        if isinstance(found, str):
            await problem_response(
                422, found, title="Invalid indicator", type_="invalid-indicator"
            )(scope, receive, send)
            return
        body = await _answer_body(asgi_app, services, found[0], found[1], lang)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
