"""Who is calling: API tokens (Bearer) and browser sessions, resolved into a ``Principal``.

Authorisation is data-scoped: the helpers here answer "which organisations / young people may
this principal see", and the routes filter their queries with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from notalone.server.models import (
    ApiToken,
    GuardianLink,
    Membership,
    Organisation,
    OrgType,
    Role,
    User,
    WebSession,
    utcnow,
)
from notalone.server.security import secret_hash

SESSION_COOKIE = "notalone_session"
CSRF_COOKIE = "notalone_csrf"
CSRF_HEADER = "x-csrf-token"


class Scope:
    """Scopes an API token can carry. A browser session holds every scope its roles allow."""

    ANALYZE = "analyze"
    ORGS_READ = "organisations:read"
    ORGS_WRITE = "organisations:write"
    USERS_READ = "users:read"
    USERS_WRITE = "users:write"
    AUDIT_READ = "audit:read"

    ALL: frozenset[str] = frozenset(
        {ANALYZE, ORGS_READ, ORGS_WRITE, USERS_READ, USERS_WRITE, AUDIT_READ}
    )


@dataclass(frozen=True)
class Grant:
    role: Role
    organisation_id: int | None
    org_type: OrgType | None
    province_code: str | None


@dataclass(frozen=True)
class Principal:
    user_id: int
    email: str
    grants: tuple[Grant, ...]
    scopes: frozenset[str] | None = None
    """Scopes of the API token used; ``None`` for a browser session (every scope)."""
    token_id: int | None = None
    session_id: int | None = None
    csrf_token: str | None = field(default=None, repr=False)

    @property
    def is_admin(self) -> bool:
        return any(g.role is Role.admin for g in self.grants)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(g.role for g in self.grants)

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    def org_ids(self, *roles: Role) -> set[int]:
        """Organisations where the principal holds one of ``roles`` (any role when none given)."""
        return {
            g.organisation_id
            for g in self.grants
            if g.organisation_id is not None and (not roles or g.role in roles)
        }

    def provinces(self, *roles: Role) -> set[str]:
        return {
            g.province_code
            for g in self.grants
            if g.province_code is not None and (not roles or g.role in roles)
        }

    def holds(self, role: Role, organisation_id: int) -> bool:
        return any(g.role is role and g.organisation_id == organisation_id for g in self.grants)


STAFF_ROLES = (Role.teacher, Role.counsellor, Role.org_admin)


def load_grants(session: Session, user_id: int) -> tuple[Grant, ...]:
    rows = session.execute(
        select(
            Membership.role,
            Membership.organisation_id,
            Organisation.type,
            Organisation.province_code,
        )
        .outerjoin(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user_id)
        .order_by(Membership.id)
    ).all()
    return tuple(
        Grant(
            Role(role),
            org_id,
            OrgType(org_type) if org_type is not None else None,
            province,
        )
        for role, org_id, org_type, province in rows
    )


def principal_from_token(session: Session, secret: str) -> Principal | None:
    """The principal behind a Bearer token, or None when unknown, revoked, expired or inactive."""
    token = session.execute(
        select(ApiToken).where(ApiToken.token_hash == secret_hash(secret))
    ).scalar_one_or_none()
    now = utcnow()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        token.last_used_at = now
        session.commit()
    return Principal(
        user_id=user.id,
        email=user.email,
        grants=load_grants(session, user.id),
        scopes=frozenset(token.scopes),
        token_id=token.id,
    )


def principal_from_session(session: Session, secret: str) -> Principal | None:
    row = session.execute(
        select(WebSession).where(WebSession.token_hash == secret_hash(secret))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return Principal(
        user_id=user.id,
        email=user.email,
        grants=load_grants(session, user.id),
        session_id=row.id,
        csrf_token=row.csrf_token,
    )


# --- data scopes -------------------------------------------------------------------------


def visible_organisation_ids(session: Session, principal: Principal) -> set[int] | None:
    """Organisations the principal may see; ``None`` means all (admin).

    Members see their own organisations; an investigator also sees every organisation in the
    province of their police unit.
    """
    if principal.is_admin:
        return None
    ids = principal.org_ids()
    provinces = principal.provinces(Role.investigator)
    if provinces:
        ids |= set(
            session.execute(
                select(Organisation.id).where(Organisation.province_code.in_(provinces))
            ).scalars()
        )
    return ids


def staff_org_ids(principal: Principal) -> set[int]:
    """Organisations whose members the principal may see: org admin anywhere, teacher and
    counsellor in a school."""
    return {
        g.organisation_id
        for g in principal.grants
        if g.organisation_id is not None
        and (
            g.role is Role.org_admin
            or (g.role in (Role.teacher, Role.counsellor) and g.org_type is OrgType.school)
        )
    }


def visible_youth_ids(session: Session, principal: Principal) -> set[int] | None:
    """Young people the principal may see; ``None`` means all (admin).

    A guardian sees the young people linked to them; a teacher or counsellor the youth of their
    school; an org admin the youth of their organisation; everyone sees themself.
    """
    if principal.is_admin:
        return None
    ids: set[int] = set()
    if Role.youth in principal.roles:
        ids.add(principal.user_id)
    if Role.guardian in principal.roles:
        ids |= set(
            session.execute(
                select(GuardianLink.youth_id).where(GuardianLink.guardian_id == principal.user_id)
            ).scalars()
        )
    orgs = staff_org_ids(principal)
    if orgs:
        ids |= set(
            session.execute(
                select(Membership.user_id).where(
                    Membership.organisation_id.in_(orgs), Membership.role == Role.youth.value
                )
            ).scalars()
        )
    return ids


def visible_user_ids(session: Session, principal: Principal) -> set[int] | None:
    """Users whose profile the principal may read: themself, visible youth, and the members of
    organisations they administer (or, as school staff, their colleagues)."""
    if principal.is_admin:
        return None
    youth = visible_youth_ids(session, principal) or set()
    ids = {principal.user_id} | youth
    orgs = staff_org_ids(principal)
    if orgs:
        ids |= set(
            session.execute(
                select(Membership.user_id).where(Membership.organisation_id.in_(orgs))
            ).scalars()
        )
    return ids


def may_manage_org(principal: Principal, organisation_id: int) -> bool:
    return principal.is_admin or principal.holds(Role.org_admin, organisation_id)


def grantable_roles(principal: Principal) -> Iterable[Role]:
    if principal.is_admin:
        return tuple(r for r in Role if r is not Role.admin)
    return tuple(r for r in Role if r not in (Role.admin, Role.platform))


def allowed_token_scopes(principal: Principal) -> frozenset[str]:
    """What a principal may put on a token it creates: never more than its roles allow."""
    scopes = {Scope.ANALYZE}
    if principal.grants:
        scopes |= {Scope.ORGS_READ, Scope.USERS_READ}
    if principal.is_admin or Role.org_admin in principal.roles:
        scopes |= {Scope.ORGS_WRITE, Scope.USERS_WRITE}
    if principal.is_admin:
        scopes.add(Scope.AUDIT_READ)
    return frozenset(scopes)
