"""Request and response shapes of API v1 (pydantic). Tables live in ``models.py``."""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from notalone.server.models import OrgType, Role

T = TypeVar("T")

Lang = Literal["vi", "en", "fr"]

MAX_TEXT_CHARS = 20_000
MAX_MESSAGES = 2_000
MAX_BATCH_ITEMS = 100


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items`` from ``offset``; ``next_offset`` is null on the last page."""

    items: list[T]
    total: int
    limit: int
    offset: int
    next_offset: int | None


# --- analysis ----------------------------------------------------------------------------


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    from_: str = Field(alias="from", min_length=1, max_length=200)
    text: str = Field(max_length=MAX_TEXT_CHARS)
    ts: str | int | float | None = None


class AnalyzeIn(BaseModel):
    """One message (``text``) or a whole conversation (``messages``). Unknown fields are ignored.

    Message texts are analysed in memory and never stored.
    """

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {"text": "Em ơi, chuyển tiền ngay kẻo bị bắt", "lang": "vi"},
                {
                    "id": "c1",
                    "lang": "vi",
                    "child": "em",
                    "messages": [
                        {"from": "x", "text": "Anh là công an, em đang bị điều tra"},
                        {"from": "em", "text": "Dạ"},
                    ],
                },
            ]
        },
    )

    text: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    id: str | None = Field(default=None, max_length=200)
    lang: Lang | None = None
    child: str | None = Field(default=None, max_length=200)
    messages: list[MessageIn] | None = Field(default=None, max_length=MAX_MESSAGES)

    @model_validator(mode="after")
    def _one_of_text_or_messages(self) -> AnalyzeIn:
        if (self.text is None) == (self.messages is None):
            raise ValueError("give either 'text' (one message) or 'messages' (a conversation)")
        return self

    def conversation(self) -> dict[str, Any]:
        conv: dict[str, Any] = {
            "messages": [
                {"from": m.from_, "text": m.text, **({"ts": m.ts} if m.ts is not None else {})}
                for m in self.messages or []
            ]
        }
        for key in ("id", "lang", "child"):
            value = getattr(self, key)
            if value is not None:
                conv[key] = value
        return conv


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    items: list[AnalyzeIn] = Field(min_length=1, max_length=MAX_BATCH_ITEMS)


class TacticOut(BaseModel):
    tactic: str
    message: int
    start: int
    end: int
    text: str
    score: float
    explanation: str
    recognizer: str | None = None
    speaker: str | None = None
    modifiers: list[str] = Field(default_factory=list)


class AssessmentOut(BaseModel):
    """The detector's assessment (see the detection library for the meaning of each field)."""

    model_config = ConfigDict(extra="allow")

    id: str | None = None
    risk: float
    level: str
    category: str | None = None
    first_alert_at: int | None = None
    tactics: list[TacticOut] = Field(default_factory=list)
    indicators: list[Any] = Field(default_factory=list)
    advice: list[Any] = Field(default_factory=list)
    lang: str | None = None
    summary: str = ""
    contributions: dict[str, float] = Field(default_factory=dict)


class BatchItemOut(BaseModel):
    index: int
    result: AssessmentOut


class BatchOut(BaseModel):
    results: list[BatchItemOut]


# --- health ------------------------------------------------------------------------------


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str]


# --- provinces and organisations ---------------------------------------------------------


class ProvinceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    name_ascii: str
    kind: str
    merged_from: list[str]


class OrganisationIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    type: OrgType
    province_code: str = Field(min_length=1, max_length=8)


class OrganisationPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    province_code: str | None = Field(default=None, min_length=1, max_length=8)


class OrganisationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    type: OrgType
    province_code: str
    created_at: dt.datetime


class MembershipIn(BaseModel):
    user_id: int
    role: Role


class MembershipOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    organisation_id: int | None
    role: Role
    created_at: dt.datetime


# --- users -------------------------------------------------------------------------------


class UserIn(BaseModel):
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    display_name: str = Field(default="", max_length=120)
    password: str | None = Field(default=None, min_length=10, max_length=1024)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    display_name: str
    is_active: bool
    created_at: dt.datetime


class GrantOut(BaseModel):
    role: Role
    organisation_id: int | None
    org_type: OrgType | None
    province_code: str | None


class MeOut(BaseModel):
    user: UserOut
    grants: list[GrantOut]
    scopes: list[str]
    via: Literal["session", "token"]
    csrf_token: str | None = Field(
        default=None,
        description="With a browser session: the value to send in X-CSRF-Token on API writes.",
    )


class GuardianLinkIn(BaseModel):
    guardian_id: int
    youth_id: int


class GuardianLinkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    guardian_id: int
    youth_id: int
    created_at: dt.datetime


# --- tokens ------------------------------------------------------------------------------


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    scopes: list[str] = Field(default_factory=lambda: ["analyze"], max_length=16)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret. Shown once: only its hash is stored.")


# --- audit -------------------------------------------------------------------------------


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    actor_user_id: int | None
    action: str
    target_type: str | None
    target_id: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


class AuditVerifyOut(BaseModel):
    ok: bool
    events: int
    first_bad_id: int | None
