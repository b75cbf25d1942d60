"""RFC 9457 problem details for every error the service returns."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://notalone.vn/problems/"

log = logging.getLogger("notalone.server")


class ProblemError(Exception):
    """Raise to answer with a problem+json body."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        title: str | None = None,
        type_: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title or str(status))
        self.status = status
        self.detail = detail
        self.title = title
        self.type_ = type_
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    type_: str | None = None,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + type_ if type_ else "about:blank",
        "title": title or _phrase(status),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


_TYPES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "request-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "rate-limited",
}


def _pointer(loc: Sequence[int | str]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        where, parts = parts[0], parts[1:]
    else:
        where = "body"
    return where + ":/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def validation_problem(errors: Sequence[Any]) -> JSONResponse:
    """422 (or 400 for malformed JSON) listing each failing field, never echoing the input."""
    if any(isinstance(e, Mapping) and e.get("type") == "json_invalid" for e in errors):
        return problem_response(
            400,
            "The request body is not valid JSON.",
            title="Malformed JSON",
            type_="malformed-json",
        )
    items = [
        {
            "pointer": _pointer(e.get("loc", ())),
            "detail": str(e.get("msg", "invalid")),
            "type": str(e.get("type", "invalid")),
        }
        for e in errors
        if isinstance(e, Mapping)
    ]
    return problem_response(
        422,
        "The request does not match the expected shape.",
        title="Validation failed",
        type_="validation-error",
        extra={"errors": items},
    )


async def _problem_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        exc.status,
        exc.detail,
        title=exc.title,
        type_=exc.type_ or _TYPES.get(exc.status),
        headers=exc.headers,
        extra=exc.extra,
    )


async def _http_exception_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail: str | None = exc.detail if isinstance(exc.detail, str) else None
    if detail == _phrase(exc.status_code):
        detail = None
    return problem_response(
        exc.status_code,
        detail,
        type_=_TYPES.get(exc.status_code),
        headers=exc.headers,
    )


async def _validation_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return validation_problem(exc.errors())


async def _unhandled_handler(_request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", extra={"error_type": type(exc).__name__})
    return problem_response(500, "An unexpected error happened; it has been logged.")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _problem_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(Exception, _unhandled_handler)
