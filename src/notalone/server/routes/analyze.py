"""``POST /api/v1/analyze`` and ``/analyze/batch``: anonymous allowed, texts never stored."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from notalone.server.auth import Principal, Scope
from notalone.server.deps import enforce_rate_limit, optional_principal
from notalone.server.problems import ProblemError
from notalone.server.routes.common import problems
from notalone.server.schemas import AnalyzeIn, AssessmentOut, BatchIn, BatchItemOut, BatchOut
from notalone.server.services import Services

router = APIRouter(prefix="/api/v1", tags=["analysis"])
# The hot path resolves the caller and the rate limit by direct calls rather than through
# FastAPI's dependency injection: the same checks, a fraction of the per-request overhead.

INLINE_CHARS = 4_000
"""Single messages up to this size are analysed on the event loop (fast); others in a thread."""


async def _admit(request: Request, cost: int) -> tuple[Services, Principal | None]:
    """Who is calling (anonymous is fine), within their rate limit, with the analyze scope."""
    services: Services = request.app.state.services
    principal = await optional_principal(request)
    await enforce_rate_limit(request, principal, cost=cost)
    if principal is not None and not principal.has_scope(Scope.ANALYZE):
        raise ProblemError(403, "The API token lacks the 'analyze' scope.")
    return services, principal


def _analyze_one(services: Services, body: AnalyzeIn) -> dict[str, Any]:
    detector = services.detector()
    if body.text is not None:
        result = detector.analyze_text(body.text, lang=body.lang)
    else:
        result = detector.analyze(body.conversation())
    return result.to_dict()


def _assess(services: Services, body: AnalyzeIn, kind: str) -> AssessmentOut:
    try:
        data = _analyze_one(services, body)
    except services.input_error_types() as exc:
        raise ProblemError(
            422, str(exc) or "The conversation is malformed.", title="Invalid conversation"
        ) from exc
    out = AssessmentOut.model_validate(data)
    services.metrics.analyses.labels(kind, out.level).inc()
    return out


def _is_small(body: AnalyzeIn) -> bool:
    return body.text is not None and len(body.text) <= INLINE_CHARS


def _json(model: AssessmentOut | BatchOut) -> Response:
    # The model is already validated: serialise it once, without FastAPI validating it again.
    return Response(model.model_dump_json(), media_type="application/json")


@router.post(
    "/analyze", response_model=AssessmentOut, responses=problems(400, 401, 403, 413, 422, 429)
)
async def analyze(body: AnalyzeIn, request: Request) -> Response:
    """Assess one message (``text``) or a whole conversation (``messages``).

    Anyone may call it without an account. The texts are analysed in memory and never stored
    or logged.
    """
    services, _ = await _admit(request, 1)
    kind = "message" if body.text is not None else "conversation"
    if _is_small(body):
        return _json(_assess(services, body, kind))
    return _json(await run_in_threadpool(_assess, services, body, kind))


def _assess_batch(services: Services, batch: BatchIn) -> BatchOut:
    results: list[BatchItemOut] = []
    for index, item in enumerate(batch.items):
        kind = "message" if item.text is not None else "conversation"
        try:
            results.append(BatchItemOut(index=index, result=_assess(services, item, kind)))
        except ProblemError as exc:
            exc.extra["pointer"] = f"body:/items/{index}"
            exc.detail = f"items[{index}]: {exc.detail}"
            raise
    return BatchOut(results=results)


@router.post(
    "/analyze/batch", response_model=BatchOut, responses=problems(400, 401, 403, 413, 422, 429)
)
async def analyze_batch(batch: BatchIn, request: Request) -> Response:
    """Assess up to 100 messages or conversations in one call (for platforms).

    Each item counts against the rate limit. A malformed item fails the whole batch (422, with
    a pointer to the item); nothing is stored either way.
    """
    services, _ = await _admit(request, len(batch.items))
    return _json(await run_in_threadpool(_assess_batch, services, batch))
