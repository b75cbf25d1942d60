"""The scam-indicator registry's API: lookups, reports, disputes, moderation and exports.

Lookups and reports are open to anyone (rate-limited like the rest); moderation is for
investigators and admins; exports of confirmed indicators for investigators, platforms and
admins. Answers never carry who reported.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

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
from notalone.server.problems import ProblemError
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


def _lookup_one(services: Services, kind: str, normalized: str, lang: str) -> Response:
    bind = services.session_factory.kw.get("bind") or services.engine
    answer = reg.fast_lookup(bind, kind, normalized, lang=lang)
    # the answer's shape is AnswerOut by construction: serialise it once, without validation
    body = json.dumps(answer.to_dict(), ensure_ascii=False, separators=(",", ":"))
    return Response(body.encode(), media_type="application/json")


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
    k, n = _key(value, kind)
    # a single indexed read: cheaper on the event loop than a trip to the thread pool
    return _lookup_one(services, k, n, lang)


def _batch(services: Services, body: BatchLookupIn) -> BatchLookupOut:
    keys: list[tuple[str, str]] = []
    slots: list[tuple[int, str, str | None]] = []
    for index, item in enumerate(body.values):
        value, kind = (item, None) if isinstance(item, str) else (item.value, item.kind)
        try:
            keys.append(reg.key_of(value, kind))
            slots.append((index, value, None))
        except IndicatorError as exc:
            slots.append((index, value, str(exc)))
    with services.session_factory() as session:
        answers = iter(reg.lookup_many(session, keys, lang=body.lang))
    results = [
        BatchItemOut(index=i, value=v, error=err)
        if err is not None
        else BatchItemOut(
            index=i, value=v, result=AnswerOut.model_validate(next(answers).to_dict())
        )
        for i, v, err in slots
    ]
    return BatchLookupOut(results=results)


@router.post(
    "/lookup", response_model=BatchLookupOut, responses=problems(400, 401, 403, 413, 422, 429)
)
async def lookup_batch(body: BatchLookupIn, request: Request) -> Response:
    """Up to 1,000 values in one call (strings, or ``{"value", "kind"}``). A value that cannot
    be read gets an ``error`` with the reason; the others are answered. The call counts once
    against the rate limit per 100 values."""
    services, _ = await _admit(request, cost=max(1, len(body.values) // 100))
    return _json(await run_in_threadpool(_batch, services, body))


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
