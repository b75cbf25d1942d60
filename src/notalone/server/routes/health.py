"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from notalone.server.deps import ServicesDep
from notalone.server.schemas import Health, Readiness
from notalone.server.services import Services

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


def _database_ok(services: Services) -> bool:
    try:
        with services.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(services: ServicesDep) -> JSONResponse:
    """Ready to serve: the database answers (and Redis, when configured)."""
    checks = {"database": "ok" if await run_in_threadpool(_database_ok, services) else "failed"}
    if services.settings.redis_url:
        checks["redis"] = "ok" if await services.limiter.ping() else "failed"
    ok = all(v == "ok" for v in checks.values())
    body = Readiness(status="ok" if ok else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get("/metrics", response_class=Response)
async def metrics(services: ServicesDep) -> Response:
    """Prometheus metrics (text exposition format)."""
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)
