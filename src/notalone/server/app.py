"""``create_app(settings)``: builds the FastAPI application. Nothing is created at import time."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from notalone.detect.indicators import load_indicator_data
from notalone.server.db import make_engine, make_session_factory
from notalone.server.i18n import Catalogues
from notalone.server.observability import (
    BodySizeLimitMiddleware,
    Metrics,
    ObservabilityMiddleware,
)
from notalone.server.problems import install_problem_handlers
from notalone.server.ratelimit import RateLimiter, make_rate_limiter
from notalone.server.routes import web
from notalone.server.security import CsrfSigner
from notalone.server.services import DetectorLike, Services, load_default_detector
from notalone.server.settings import Settings

log = logging.getLogger("notalone.server")

BUILTIN_EXTENSIONS: tuple[str, ...] = (
    "notalone.server.routes.health",
    "notalone.server.routes.analyze",
    "notalone.server.routes.organisations",
    "notalone.server.routes.accounts",
    "notalone.server.routes.indicators",
    "notalone.server.routes.web",
)
"""Modules whose ``router`` (an ``APIRouter``) the app mounts. The capabilities of later issues
(registry, reports and cases, alerts, education) plug in the same way: a module with a
``router``, named in ``NOTALONE_EXTENSIONS`` or passed to ``create_app(extensions=...)``."""


def install_extension(app: FastAPI, name: str) -> None:
    """Mount the ``router`` of module ``name``; a clear error when it has none."""
    module = importlib.import_module(name)
    router = getattr(module, "router", None)
    if not isinstance(router, APIRouter):
        raise TypeError(f"extension {name!r} has no 'router' (a fastapi.APIRouter)")
    app.include_router(router)


DESCRIPTION = """\
notalone checks messages and conversations for the tactics of online kidnapping, grooming,
sextortion and fraud aimed at young people, and explains what it found.

* Anyone may call `POST /api/v1/analyze` without an account; texts are never stored.
* Platforms use API tokens (`Authorization: Bearer na_...`) with scopes.
* Every error is an RFC 9457 problem (`application/problem+json`).
* Every list is paginated with `limit` and `offset`.
"""


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    detector_loader: Callable[[], DetectorLike] | None = None,
    limiter: RateLimiter | None = None,
    preload_detector: bool = False,
    extensions: Sequence[str] = (),
) -> FastAPI:
    """Build the app from ``settings``.

    ``engine``, ``detector_loader`` and ``limiter`` may be handed in (tests do); otherwise they
    are made from the settings. The detector loads on first use, or at start-up with
    ``preload_detector``. ``extensions`` names more modules to mount (see
    ``BUILTIN_EXTENSIONS``).
    """
    owns_engine = engine is None
    engine = engine or make_engine(settings.effective_database_url)
    limiter = limiter or make_rate_limiter(settings.redis_url)
    services = Services(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        limiter=limiter,
        metrics=Metrics(),
        catalogues=Catalogues.load(),
        csrf=CsrfSigner(settings.secret_key),
        detector_loader=detector_loader or load_default_detector,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # the normalisers' data files (public-suffix list, banks...) load now, not during the
        # first lookup
        await run_in_threadpool(load_indicator_data)
        if preload_detector:
            await run_in_threadpool(services.detector)
        log.info("started", extra={"environment": settings.environment})
        try:
            yield
        finally:
            await services.limiter.close()
            reader = getattr(_app.state, "indicator_reader", None)
            if reader is not None:  # the registry's lookup connections (LookupFastPath)
                aclose = getattr(reader, "aclose", None)
                if aclose is not None:
                    await aclose()
                else:
                    reader.close()
            if owns_engine:
                services.engine.dispose()

    app = FastAPI(
        title="notalone",
        version="1.0.0",
        summary="Protecting children and young people from online kidnapping, grooming, "
        "sextortion and fraud",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.templates = web.make_templates()
    install_problem_handlers(app)
    names = dict.fromkeys((*BUILTIN_EXTENSIONS, *settings.extensions, *extensions))
    for name in names:
        install_extension(app, name)
    if "notalone.server.routes.indicators" in names:
        # Anonymous single lookups of the scam-indicator registry skip FastAPI's routing and
        # validation (thousands a second); innermost, so still timed, counted and logged.
        from notalone.server.routes.indicators import LookupFastPath

        app.add_middleware(LookupFastPath)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ObservabilityMiddleware, metrics=services.metrics)
    return app
