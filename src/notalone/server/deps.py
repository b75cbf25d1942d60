"""FastAPI dependencies and their ``Annotated`` aliases (``SessionDep``, ``CurrentPrincipal``)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from notalone.server.auth import (
    CSRF_HEADER,
    SESSION_COOKIE,
    Principal,
    principal_from_session,
    principal_from_token,
)
from notalone.server.problems import ProblemError
from notalone.server.security import keyed_hash
from notalone.server.services import Services
from notalone.server.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_services(request: Request) -> Services:
    return _services(request)


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_settings(services: ServicesDep) -> Settings:
    return services.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_db(request: Request) -> Iterator[Session]:
    """One session per request; whatever the route did not commit is rolled back."""
    factory: sessionmaker[Session] = _services(request).session_factory
    session = factory()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_db)]


def _lookup(
    factory: sessionmaker[Session], fn: Callable[[Session, str], Principal | None], secret: str
) -> Principal | None:
    with factory() as session:
        return fn(session, secret)


_UNAUTHORIZED_HEADERS = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


async def optional_principal(request: Request) -> Principal | None:
    """The caller, or None for anonymous use. A bad Bearer token is a 401, never anonymous."""
    if "principal" in request.scope.get("state", {}):
        cached: Principal | None = request.state.principal
        return cached
    services = _services(request)
    principal: Principal | None = None
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, credentials = authorization.partition(" ")
        credentials = credentials.strip()
        if scheme.lower() != "bearer" or not credentials or len(credentials) > 200:
            raise ProblemError(
                401, "Use 'Authorization: Bearer <token>'.", headers=_UNAUTHORIZED_HEADERS
            )
        principal = await run_in_threadpool(
            _lookup, services.session_factory, principal_from_token, credentials
        )
        if principal is None:
            raise ProblemError(
                401, "The API token is unknown, expired or revoked.", headers=_UNAUTHORIZED_HEADERS
            )
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie and len(cookie) <= 200:
            principal = await run_in_threadpool(
                _lookup, services.session_factory, principal_from_session, cookie
            )
            if (
                principal is not None
                and request.method not in SAFE_METHODS
                and request.url.path.startswith("/api/")
            ):
                sent = request.headers.get(CSRF_HEADER)
                if not sent or sent != principal.csrf_token:
                    raise ProblemError(
                        403,
                        f"A request signed in by cookie must carry the {CSRF_HEADER} header.",
                        title="CSRF check failed",
                        type_="csrf",
                    )
    request.state.principal = principal
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


async def require_principal(principal: OptionalPrincipal) -> Principal:
    if principal is None:
        raise ProblemError(
            401, "Sign in or send an API token.", headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]


def require_scope(scope: str) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A dependency: the caller must be signed in and, with a token, hold ``scope``."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_scope(scope):
            raise ProblemError(
                403, f"The API token lacks the '{scope}' scope.", type_="insufficient-scope"
            )
        return principal

    return check


async def require_admin(principal: CurrentPrincipal) -> Principal:
    if not principal.is_admin:
        raise ProblemError(403, "Only a platform administrator may do this.")
    return principal


AdminPrincipal = Annotated[Principal, Depends(require_admin)]


def client_ip(request: Request, settings: Settings) -> str:
    if settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


async def enforce_rate_limit(request: Request, principal: OptionalPrincipal, cost: int = 1) -> None:
    """Per-token limit for API tokens, per-IP limit otherwise; 429 with Retry-After."""
    services = _services(request)
    settings = services.settings
    if principal is not None and principal.token_id is not None:
        key, limit, scope = f"tok:{principal.token_id}", settings.rate_limit_token, "token"
    else:
        ip = client_ip(request, settings)
        key, limit, scope = (
            f"ip:{keyed_hash(settings.secret_key, ip)[:32]}",
            settings.rate_limit_ip,
            "ip",
        )
    decision = await services.limiter.hit(key, limit, settings.rate_limit_window_seconds, cost)
    if not decision.allowed:
        services.metrics.rate_limited.labels(scope).inc()
        raise ProblemError(
            429,
            f"Too many requests: at most {limit} per {settings.rate_limit_window_seconds} s "
            f"per {'token' if scope == 'token' else 'client'}.",
            title="Too Many Requests",
            headers={
                "Retry-After": str(max(1, decision.reset_after)),
                "RateLimit-Limit": str(limit),
                "RateLimit-Remaining": "0",
            },
        )


async def rate_limit(request: Request, principal: OptionalPrincipal) -> None:
    await enforce_rate_limit(request, principal)


RateLimited = Depends(rate_limit)


async def pagination(
    limit: Annotated[int, Query(ge=1, le=200, description="Page size")] = 50,
    offset: Annotated[int, Query(ge=0, description="Items to skip")] = 0,
) -> tuple[int, int]:
    return limit, offset


PageParams = Annotated[tuple[int, int], Depends(pagination)]
