"""The first page (``GET /``): paste a message, see the verdict. Server-rendered, no JavaScript."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from notalone.server.auth import CSRF_COOKIE, SESSION_COOKIE, Principal
from notalone.server.deps import (
    OptionalPrincipal,
    ServicesDep,
    client_ip,
    enforce_rate_limit,
)
from notalone.server.highlight import (
    Phrase,
    Segment,
    advice_texts,
    parse_pasted,
    segments,
    tactic_spans,
)
from notalone.server.i18n import LANGUAGES, pick_language
from notalone.server.login import Outcome, attempt_login, logout
from notalone.server.problems import ProblemError
from notalone.server.schemas import MAX_TEXT_CHARS
from notalone.server.services import Services

router = APIRouter(include_in_schema=False)

LANG_COOKIE = "notalone_lang"
LANGUAGE_LABELS = {"vi": "Tiếng Việt", "en": "English", "fr": "Français"}
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@functools.cache
def make_templates() -> Jinja2Templates:
    """The page templates (compiled once per process; autoescape on)."""
    env = Environment(
        loader=PackageLoader("notalone.server", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)


@dataclass(frozen=True)
class MessageView:
    speaker: str
    segments: list[Segment]


@dataclass(frozen=True)
class Verdict:
    level: str
    level_name: str
    level_explain: str
    is_conversation: bool
    messages: list[MessageView]
    phrases: list[Phrase]
    advice: list[str]


def _lang(request: Request, query: str | None, services: Services) -> str:
    return pick_language(
        query,
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
        services.settings.default_lang,
    )


def _csrf_token(request: Request, services: Services) -> str:
    cookie = request.cookies.get(CSRF_COOKIE)
    return cookie if cookie and services.csrf.valid(cookie) else services.csrf.new()


def _render(
    request: Request,
    services: Services,
    name: str,
    lang: str,
    principal: Principal | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    catalogues = services.catalogues
    csrf_token = _csrf_token(request, services)

    def t(key: str, **values: object) -> str:
        return catalogues.gettext(lang, key, **values)

    response = templates.TemplateResponse(
        request,
        name,
        {
            "t": t,
            "lang": lang,
            "languages": [(code, LANGUAGE_LABELS[code]) for code in LANGUAGES],
            "csrf_token": csrf_token,
            "principal": principal,
            "max_chars": MAX_TEXT_CHARS,
            **context,
        },
        status_code=status_code,
    )
    secure = services.settings.cookie_secure
    response.set_cookie(
        CSRF_COOKIE, csrf_token, httponly=True, secure=secure, samesite="strict", path="/"
    )
    response.set_cookie(
        LANG_COOKIE, lang, max_age=365 * 86400, secure=secure, samesite="lax", path="/"
    )
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


LangQuery = Annotated[str | None, Query(max_length=8, description="vi, en or fr")]


@router.get("/", response_class=HTMLResponse)
async def index(
    request: Request, services: ServicesDep, principal: OptionalPrincipal, lang: LangQuery = None
) -> HTMLResponse:
    return _render(
        request, services, "index.html", _lang(request, lang, services), principal, text=""
    )


def _verdict(services: Services, lang: str, raw: str) -> Verdict:
    pasted = parse_pasted(raw)
    detector = services.detector()
    if pasted.is_conversation:
        conv = {"messages": [{"from": s or "?", "text": m} for s, m in pasted.messages]}
        assessment = detector.analyze(conv).to_dict()
    else:
        assessment = detector.analyze_text(pasted.messages[0][1]).to_dict()
    level = str(assessment.get("level", "none"))
    services.metrics.analyses.labels("web", level).inc()
    texts = [m for _, m in pasted.messages]
    spans, phrases = tactic_spans(
        assessment, texts, lambda tactic: services.catalogues.tactic_name(lang, tactic)
    )
    return Verdict(
        level=level,
        level_name=services.catalogues.level_name(lang, level),
        level_explain=services.catalogues.level_explain(lang, level),
        is_conversation=pasted.is_conversation,
        messages=[
            MessageView(speaker, segments(text, spans[i]))
            for i, (speaker, text) in enumerate(pasted.messages)
        ],
        phrases=phrases,
        advice=advice_texts(assessment),
    )


@router.post("/", response_class=HTMLResponse)
async def check(
    request: Request,
    services: ServicesDep,
    principal: OptionalPrincipal,
    text: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form(max_length=512)] = "",
    lang: LangQuery = None,
) -> HTMLResponse:
    ui_lang = _lang(request, lang, services)
    catalogues = services.catalogues

    def page(
        status: int, notice: str | None = None, verdict: Verdict | None = None
    ) -> HTMLResponse:
        return _render(
            request,
            services,
            "index.html",
            ui_lang,
            principal,
            status,
            text=text,
            notice=notice,
            verdict=verdict,
        )

    if not services.csrf.matches(request.cookies.get(CSRF_COOKIE), csrf_token):
        return page(403, catalogues.gettext(ui_lang, "form.csrf"))
    try:
        await enforce_rate_limit(request, None)
    except ProblemError:
        return page(429, catalogues.gettext(ui_lang, "form.rate_limited"))
    if not text.strip():
        return page(422, catalogues.gettext(ui_lang, "form.empty"))
    if len(text) > MAX_TEXT_CHARS:
        return page(422, catalogues.gettext(ui_lang, "form.too_long", limit=MAX_TEXT_CHARS))
    try:
        verdict = await run_in_threadpool(_verdict, services, ui_lang, text)
    except services.input_error_types():
        return page(422, catalogues.gettext(ui_lang, "form.invalid"))
    except ImportError:
        return page(503, catalogues.gettext(ui_lang, "form.unavailable"))
    return page(200, verdict=verdict)


@router.get("/login", response_class=HTMLResponse)
async def login_form(
    request: Request, services: ServicesDep, principal: OptionalPrincipal, lang: LangQuery = None
) -> HTMLResponse:
    return _render(
        request, services, "login.html", _lang(request, lang, services), principal, email=""
    )


@router.post("/login", response_class=HTMLResponse)
async def login_submit(
    request: Request,
    services: ServicesDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=512)] = "",
) -> Response:
    lang = _lang(request, None, services)
    catalogues = services.catalogues

    def page(status: int, notice: str) -> HTMLResponse:
        return _render(
            request, services, "login.html", lang, None, status, email=email, notice=notice
        )

    if not services.csrf.matches(request.cookies.get(CSRF_COOKIE), csrf_token):
        return page(403, catalogues.gettext(lang, "form.csrf"))
    try:
        await enforce_rate_limit(request, None)
    except ProblemError:
        return page(429, catalogues.gettext(lang, "form.rate_limited"))
    ip = client_ip(request, services.settings)

    def run() -> Any:
        with services.session_factory() as session:
            return attempt_login(session, services.settings, email, password, ip)

    result = await run_in_threadpool(run)
    services.metrics.logins.labels(result.outcome.value).inc()
    if result.outcome is Outcome.locked:
        return page(429, catalogues.gettext(lang, "login.locked"))
    if result.outcome is Outcome.failed or result.session_secret is None:
        return page(401, catalogues.gettext(lang, "login.failed"))
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.session_secret,
        max_age=services.settings.session_max_age_seconds,
        httponly=True,
        secure=services.settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    return response


@router.post("/logout")
async def logout_submit(
    request: Request,
    services: ServicesDep,
    principal: OptionalPrincipal,
    csrf_token: Annotated[str, Form(max_length=512)] = "",
) -> Response:
    if not services.csrf.matches(request.cookies.get(CSRF_COOKIE), csrf_token):
        raise ProblemError(403, "The form expired; reload the page and try again.", type_="csrf")
    if principal is not None and principal.session_id is not None:
        session_id, user_id = principal.session_id, principal.user_id

        def run() -> None:
            with services.session_factory() as session:
                logout(session, session_id, user_id)

        await run_in_threadpool(run)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


_CSS = resources.files("notalone.server").joinpath("static", "style.css")


@router.get("/static/style.css")
async def stylesheet() -> Response:
    return Response(
        _CSS.read_text(encoding="utf-8"),
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=3600"},
    )
