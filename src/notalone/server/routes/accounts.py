"""Users, young people, guardian links, API tokens and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from notalone.server import audit
from notalone.server.auth import (
    Principal,
    Scope,
    allowed_token_scopes,
    visible_user_ids,
    visible_youth_ids,
)
from notalone.server.deps import (
    AdminPrincipal,
    CurrentPrincipal,
    PageParams,
    RateLimited,
    SessionDep,
    SettingsDep,
    require_scope,
)
from notalone.server.models import (
    ApiToken,
    AuditEvent,
    GuardianLink,
    Membership,
    Role,
    User,
    utcnow,
)
from notalone.server.pagination import paginate
from notalone.server.problems import ProblemError
from notalone.server.routes.common import problems
from notalone.server.schemas import (
    AuditEventOut,
    AuditVerifyOut,
    GrantOut,
    GuardianLinkIn,
    GuardianLinkOut,
    MeOut,
    Page,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
)
from notalone.server.security import hash_password, new_secret, secret_hash

router = APIRouter(prefix="/api/v1", dependencies=[RateLimited])

UserReader = Annotated[Principal, Depends(require_scope(Scope.USERS_READ))]
UserWriter = Annotated[Principal, Depends(require_scope(Scope.USERS_WRITE))]
AuditReader = Annotated[Principal, Depends(require_scope(Scope.AUDIT_READ))]


@router.get("/me", tags=["accounts"], responses=problems(401, 429))
def me(session: SessionDep, principal: CurrentPrincipal) -> MeOut:
    """Who you are, your roles in each organisation, and what your credentials allow."""
    user = session.get(User, principal.user_id)
    if user is None:  # deleted between authentication and now
        raise ProblemError(401, "Your account no longer exists.")
    return MeOut(
        user=UserOut.model_validate(user),
        grants=[
            GrantOut(
                role=g.role,
                organisation_id=g.organisation_id,
                org_type=g.org_type,
                province_code=g.province_code,
            )
            for g in principal.grants
        ],
        scopes=sorted(principal.scopes if principal.scopes is not None else Scope.ALL),
        via="token" if principal.token_id is not None else "session",
        csrf_token=principal.csrf_token,
    )


@router.get("/users", tags=["accounts"], responses=problems(401, 403, 422, 429))
def list_users(session: SessionDep, principal: UserReader, page: PageParams) -> Page[UserOut]:
    """Users you may see: yourself, the young people in your care, members of the organisations
    you run (or, as school staff, your school); everyone for an admin."""
    stmt = select(User).order_by(User.id)
    visible = visible_user_ids(session, principal)
    if visible is not None:
        stmt = stmt.where(User.id.in_(visible))
    return paginate(session, stmt, *page, UserOut)


@router.post(
    "/users", status_code=201, tags=["accounts"], responses=problems(401, 403, 409, 422, 429)
)
def create_user(body: UserIn, session: SessionDep, principal: UserWriter) -> UserOut:
    """Create an account (admin, or an org admin who then adds it to their organisation)."""
    if not (principal.is_admin or Role.org_admin in principal.roles):
        raise ProblemError(403, "Only an admin or an org admin may create accounts.")
    user = User(
        email=body.email,
        display_name=body.display_name,
        password_hash=hash_password(body.password) if body.password else None,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise ProblemError(409, "An account with this e-mail already exists.") from exc
    audit.record(
        session,
        "user.create",
        actor_user_id=principal.user_id,
        target_type="user",
        target_id=user.id,
    )
    session.commit()
    return UserOut.model_validate(user)


@router.get("/users/{user_id}", tags=["accounts"], responses=problems(401, 403, 404, 429))
def get_user(user_id: int, session: SessionDep, principal: UserReader) -> UserOut:
    visible = visible_user_ids(session, principal)
    user = session.get(User, user_id)
    if user is None or (visible is not None and user.id not in visible):
        raise ProblemError(404, "No such user (or outside what you may see).")
    return UserOut.model_validate(user)


@router.get("/youth", tags=["accounts"], responses=problems(401, 403, 422, 429))
def list_youth(session: SessionDep, principal: UserReader, page: PageParams) -> Page[UserOut]:
    """The young people you may see: a guardian their linked young people, a teacher or
    counsellor the youth of their school, an org admin those of their organisation."""
    youth_ids = select(Membership.user_id).where(Membership.role == Role.youth.value)
    stmt = select(User).where(User.id.in_(youth_ids)).order_by(User.id)
    visible = visible_youth_ids(session, principal)
    if visible is not None:
        stmt = stmt.where(User.id.in_(visible))
    return paginate(session, stmt, *page, UserOut)


# --- guardian links ----------------------------------------------------------------------


def _link_visible(principal: Principal, link: GuardianLink, managed_users: set[int] | None) -> bool:
    if principal.is_admin:
        return True
    if principal.user_id in (link.guardian_id, link.youth_id):
        return True
    return managed_users is not None and link.youth_id in managed_users


def _org_admin_user_ids(session: SessionDep, principal: Principal) -> set[int]:
    orgs = principal.org_ids(Role.org_admin)
    if not orgs:
        return set()
    return set(
        session.execute(
            select(Membership.user_id).where(Membership.organisation_id.in_(orgs))
        ).scalars()
    )


@router.get("/guardian-links", tags=["accounts"], responses=problems(401, 403, 422, 429))
def list_guardian_links(
    session: SessionDep, principal: UserReader, page: PageParams
) -> Page[GuardianLinkOut]:
    """Links you are part of (guardian or young person), those of the organisations you run,
    or all for an admin."""
    stmt = select(GuardianLink).order_by(GuardianLink.id)
    if not principal.is_admin:
        managed = _org_admin_user_ids(session, principal)
        stmt = stmt.where(
            (GuardianLink.guardian_id == principal.user_id)
            | (GuardianLink.youth_id == principal.user_id)
            | GuardianLink.youth_id.in_(managed)
        )
    return paginate(session, stmt, *page, GuardianLinkOut)


def _has_role(session: SessionDep, user_id: int, role: Role) -> bool:
    return (
        session.execute(
            select(Membership.id).where(
                Membership.user_id == user_id, Membership.role == role.value
            )
        ).first()
        is not None
    )


@router.post(
    "/guardian-links",
    status_code=201,
    tags=["accounts"],
    responses=problems(401, 403, 409, 422, 429),
)
def create_guardian_link(
    body: GuardianLinkIn, session: SessionDep, principal: UserWriter
) -> GuardianLinkOut:
    """Link a guardian to a young person (admin, or an org admin of an organisation that both
    belong to)."""
    if not principal.is_admin:
        managed = _org_admin_user_ids(session, principal)
        if body.guardian_id not in managed or body.youth_id not in managed:
            raise ProblemError(403, "Both people must belong to an organisation you run.")
    if not _has_role(session, body.guardian_id, Role.guardian):
        raise ProblemError(422, "The first user is not a guardian.", title="Validation failed")
    if not _has_role(session, body.youth_id, Role.youth):
        raise ProblemError(422, "The second user is not a young person.", title="Validation failed")
    link = GuardianLink(guardian_id=body.guardian_id, youth_id=body.youth_id)
    session.add(link)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise ProblemError(409, "These two are already linked.") from exc
    audit.record(
        session,
        "guardian_link.create",
        actor_user_id=principal.user_id,
        target_type="guardian_link",
        target_id=link.id,
        details={"guardian": link.guardian_id, "youth": link.youth_id},
    )
    session.commit()
    return GuardianLinkOut.model_validate(link)


@router.delete(
    "/guardian-links/{link_id}",
    status_code=204,
    response_class=Response,
    tags=["accounts"],
    responses=problems(401, 403, 404, 429),
)
def delete_guardian_link(link_id: int, session: SessionDep, principal: UserWriter) -> Response:
    link = session.get(GuardianLink, link_id)
    managed = None if principal.is_admin else _org_admin_user_ids(session, principal)
    if link is None or not _link_visible(principal, link, managed):
        raise ProblemError(404, "No such link.")
    if not (principal.is_admin or (managed is not None and link.youth_id in managed)):
        raise ProblemError(403, "Only an admin or an org admin of the young person may unlink.")
    details = {"guardian": link.guardian_id, "youth": link.youth_id}
    session.delete(link)
    audit.record(
        session,
        "guardian_link.delete",
        actor_user_id=principal.user_id,
        target_type="guardian_link",
        target_id=link_id,
        details=details,
    )
    session.commit()
    return Response(status_code=204)


# --- API tokens --------------------------------------------------------------------------


@router.get("/tokens", tags=["tokens"], responses=problems(401, 422, 429))
def list_tokens(
    session: SessionDep, principal: CurrentPrincipal, page: PageParams
) -> Page[TokenOut]:
    """Your API tokens (every token for an admin). Secrets are never shown again."""
    stmt = select(ApiToken).order_by(ApiToken.id)
    if not principal.is_admin:
        stmt = stmt.where(ApiToken.user_id == principal.user_id)
    return paginate(session, stmt, *page, TokenOut)


@router.post("/tokens", status_code=201, tags=["tokens"], responses=problems(401, 403, 422, 429))
def create_token(
    body: TokenIn, session: SessionDep, principal: CurrentPrincipal, settings: SettingsDep
) -> TokenCreated:
    """Create an API token for yourself, with scopes your roles allow. Only from a signed-in
    browser session: a token cannot mint tokens."""
    if principal.token_id is not None:
        raise ProblemError(403, "API tokens cannot create tokens; sign in to create one.")
    unknown = set(body.scopes) - Scope.ALL
    if unknown:
        raise ProblemError(422, f"Unknown scopes: {sorted(unknown)}.", title="Validation failed")
    refused = set(body.scopes) - allowed_token_scopes(principal)
    if refused:
        raise ProblemError(403, f"Your roles do not allow the scopes {sorted(refused)}.")
    secret = new_secret()
    days = body.expires_in_days or settings.token_max_age_days
    token = ApiToken(
        user_id=principal.user_id,
        name=body.name,
        prefix=secret[:10],
        token_hash=secret_hash(secret),
        scopes=sorted(set(body.scopes)),
        expires_at=utcnow() + dt.timedelta(days=min(days, settings.token_max_age_days)),
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        "token.create",
        actor_user_id=principal.user_id,
        target_type="api_token",
        target_id=token.id,
        details={"scopes": token.scopes},
    )
    session.commit()
    return TokenCreated(**TokenOut.model_validate(token).model_dump(), token=secret)


@router.delete(
    "/tokens/{token_id}",
    status_code=204,
    response_class=Response,
    tags=["tokens"],
    responses=problems(401, 404, 429),
)
def revoke_token(token_id: int, session: SessionDep, principal: CurrentPrincipal) -> Response:
    """Revoke a token (yours, or any for an admin). It stops working at once."""
    token = session.get(ApiToken, token_id)
    if token is None or not (principal.is_admin or token.user_id == principal.user_id):
        raise ProblemError(404, "No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session,
            "token.revoke",
            actor_user_id=principal.user_id,
            target_type="api_token",
            target_id=token.id,
        )
        session.commit()
    return Response(status_code=204)


# --- audit log ---------------------------------------------------------------------------


@router.get("/audit", tags=["audit"], responses=problems(401, 403, 422, 429))
def list_audit(
    session: SessionDep, principal: AuditReader, _admin: AdminPrincipal, page: PageParams
) -> Page[AuditEventOut]:
    """The audit log, newest first (admins only)."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    return paginate(session, stmt, *page, AuditEventOut)


@router.get("/audit/verify", tags=["audit"], responses=problems(401, 403, 429))
def verify_audit(
    session: SessionDep, principal: AuditReader, _admin: AdminPrincipal
) -> AuditVerifyOut:
    """Recompute the hash chain of the audit log (admins only)."""
    report = audit.verify_chain(session)
    return AuditVerifyOut(ok=report.ok, events=report.events, first_bad_id=report.first_bad_id)
