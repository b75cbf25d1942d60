"""Provinces, organisations and memberships: data-scoped reads, admin and org-admin writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from notalone.server import audit
from notalone.server.auth import (
    Principal,
    Scope,
    grantable_roles,
    may_manage_org,
    staff_org_ids,
    visible_organisation_ids,
)
from notalone.server.deps import PageParams, RateLimited, SessionDep, require_scope
from notalone.server.models import Membership, Organisation, OrgType, Province, Role, User
from notalone.server.pagination import paginate
from notalone.server.problems import ProblemError
from notalone.server.routes.common import problems
from notalone.server.schemas import (
    MembershipIn,
    MembershipOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    Page,
    ProvinceOut,
)

router = APIRouter(prefix="/api/v1", dependencies=[RateLimited])

OrgReader = Annotated[Principal, Depends(require_scope(Scope.ORGS_READ))]
OrgWriter = Annotated[Principal, Depends(require_scope(Scope.ORGS_WRITE))]

NOT_FOUND = "No such organisation (or it is outside what you may see)."


@router.get("/provinces", tags=["reference"], responses=problems(422, 429))
def list_provinces(session: SessionDep, page: PageParams) -> Page[ProvinceOut]:
    """Vietnam's 34 provincial-level units in force since 1 July 2025 (public)."""
    return paginate(session, select(Province).order_by(Province.code), *page, ProvinceOut)


def _visible_org(session: SessionDep, principal: Principal, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    visible = visible_organisation_ids(session, principal)
    if org is None or (visible is not None and org.id not in visible):
        raise ProblemError(404, NOT_FOUND)
    return org


@router.get("/organisations", tags=["organisations"], responses=problems(401, 403, 422, 429))
def list_organisations(
    session: SessionDep,
    principal: OrgReader,
    page: PageParams,
    type: Annotated[OrgType | None, Query(description="Only this type")] = None,
    province: Annotated[str | None, Query(max_length=8, description="Only this province")] = None,
) -> Page[OrganisationOut]:
    """Organisations you may see: your own; for an investigator, every one in their province;
    everything for an admin."""
    stmt = select(Organisation).order_by(Organisation.id)
    visible = visible_organisation_ids(session, principal)
    if visible is not None:
        stmt = stmt.where(Organisation.id.in_(visible))
    if type is not None:
        stmt = stmt.where(Organisation.type == type.value)
    if province is not None:
        stmt = stmt.where(Organisation.province_code == province)
    return paginate(session, stmt, *page, OrganisationOut)


def _check_province(session: SessionDep, code: str) -> None:
    if session.get(Province, code) is None:
        raise ProblemError(422, f"Unknown province code {code!r}.", title="Validation failed")


@router.post(
    "/organisations",
    status_code=201,
    tags=["organisations"],
    responses=problems(401, 403, 422, 429),
)
def create_organisation(
    body: OrganisationIn, session: SessionDep, principal: OrgWriter
) -> OrganisationOut:
    """Create an organisation (platform admins only)."""
    if not principal.is_admin:
        raise ProblemError(403, "Only a platform administrator may create organisations.")
    _check_province(session, body.province_code)
    org = Organisation(name=body.name, type=body.type.value, province_code=body.province_code)
    session.add(org)
    session.flush()
    audit.record(
        session,
        "organisation.create",
        actor_user_id=principal.user_id,
        target_type="organisation",
        target_id=org.id,
        details={"type": org.type, "province": org.province_code},
    )
    session.commit()
    return OrganisationOut.model_validate(org)


@router.get(
    "/organisations/{org_id}", tags=["organisations"], responses=problems(401, 403, 404, 429)
)
def get_organisation(org_id: int, session: SessionDep, principal: OrgReader) -> OrganisationOut:
    return OrganisationOut.model_validate(_visible_org(session, principal, org_id))


@router.patch(
    "/organisations/{org_id}",
    tags=["organisations"],
    responses=problems(401, 403, 404, 422, 429),
)
def update_organisation(
    org_id: int, body: OrganisationPatch, session: SessionDep, principal: OrgWriter
) -> OrganisationOut:
    """Rename an organisation or move it to another province (admin or its org admin)."""
    org = _visible_org(session, principal, org_id)
    if not may_manage_org(principal, org.id):
        raise ProblemError(403, "Only an admin or this organisation's org admin may change it.")
    if body.province_code is not None:
        _check_province(session, body.province_code)
        org.province_code = body.province_code
    if body.name is not None:
        org.name = body.name
    audit.record(
        session,
        "organisation.update",
        actor_user_id=principal.user_id,
        target_type="organisation",
        target_id=org.id,
        details={"fields": sorted(body.model_dump(exclude_none=True))},
    )
    session.commit()
    return OrganisationOut.model_validate(org)


def _may_see_members(principal: Principal, org: Organisation) -> bool:
    return principal.is_admin or org.id in staff_org_ids(principal)


@router.get(
    "/organisations/{org_id}/members",
    tags=["organisations"],
    responses=problems(401, 403, 404, 422, 429),
)
def list_members(
    org_id: int,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_scope(Scope.USERS_READ))],
    page: PageParams,
) -> Page[MembershipOut]:
    """Members of an organisation: for admins, its org admins and (schools) its teachers and
    counsellors."""
    org = _visible_org(session, principal, org_id)
    if not _may_see_members(principal, org):
        raise ProblemError(403, "You may not list this organisation's members.")
    stmt = select(Membership).where(Membership.organisation_id == org.id).order_by(Membership.id)
    return paginate(session, stmt, *page, MembershipOut)


@router.post(
    "/organisations/{org_id}/members",
    status_code=201,
    tags=["organisations"],
    responses=problems(401, 403, 404, 409, 422, 429),
)
def add_member(
    org_id: int,
    body: MembershipIn,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_scope(Scope.USERS_WRITE))],
) -> MembershipOut:
    """Give a user a role in this organisation (admin or its org admin)."""
    org = _visible_org(session, principal, org_id)
    if not may_manage_org(principal, org.id):
        raise ProblemError(403, "Only an admin or this organisation's org admin may add members.")
    if body.role not in grantable_roles(principal):
        raise ProblemError(403, f"You may not grant the role {body.role.value!r}.")
    if body.role is Role.investigator and org.type != OrgType.police_unit:
        raise ProblemError(422, "Investigators belong to a police unit.", title="Validation failed")
    if session.get(User, body.user_id) is None:
        raise ProblemError(422, "No such user.", title="Validation failed")
    membership = Membership(user_id=body.user_id, organisation_id=org.id, role=body.role.value)
    session.add(membership)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise ProblemError(409, "The user already holds this role here.") from exc
    audit.record(
        session,
        "membership.create",
        actor_user_id=principal.user_id,
        target_type="membership",
        target_id=membership.id,
        details={"organisation": org.id, "user": body.user_id, "role": body.role.value},
    )
    session.commit()
    return MembershipOut.model_validate(membership)


@router.delete(
    "/organisations/{org_id}/members/{membership_id}",
    status_code=204,
    response_class=Response,
    tags=["organisations"],
    responses=problems(401, 403, 404, 429),
)
def remove_member(
    org_id: int,
    membership_id: int,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_scope(Scope.USERS_WRITE))],
) -> Response:
    """Take a role away (admin or the organisation's org admin)."""
    org = _visible_org(session, principal, org_id)
    if not may_manage_org(principal, org.id):
        raise ProblemError(
            403, "Only an admin or this organisation's org admin may remove members."
        )
    membership = session.get(Membership, membership_id)
    if membership is None or membership.organisation_id != org.id:
        raise ProblemError(404, "No such membership in this organisation.")
    details = {"organisation": org.id, "user": membership.user_id, "role": membership.role}
    session.delete(membership)
    audit.record(
        session,
        "membership.delete",
        actor_user_id=principal.user_id,
        target_type="membership",
        target_id=membership_id,
        details=details,
    )
    session.commit()
    return Response(status_code=204)
