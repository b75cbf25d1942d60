"""Value types of the indicator library."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

KINDS: Final = (
    "phone",
    "bank_account",
    "url",
    "domain",
    "handle",
    "email",
    "crypto_wallet",
    "money",
)

_EMPTY: Mapping[str, str] = MappingProxyType({})


class IndicatorError(ValueError):
    """A value that cannot be normalised as the requested kind; the message says why."""


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator found in a text.

    ``value`` is exactly ``text[start:end]`` of the original text; ``normalized`` is the
    registry key (see :func:`notalone.detect.indicators.normalize`).
    """

    kind: str
    value: str
    normalized: str
    start: int
    end: int
    attrs: Mapping[str, str] = field(default_factory=lambda: _EMPTY, compare=False, hash=False)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "value": self.value,
            "normalized": self.normalized,
            "start": self.start,
            "end": self.end,
            "attrs": dict(self.attrs),
        }


def make_attrs(**items: str | None) -> Mapping[str, str]:
    """A read-only attrs mapping, dropping ``None`` values."""
    kept = {k: v for k, v in items.items() if v is not None}
    return MappingProxyType(kept) if kept else _EMPTY


@dataclass(frozen=True, slots=True)
class DomainAssessment:
    """What is known about a host without any network access."""

    host: str  # lower-case, IDNA (punycode) form
    registered_domain: str | None  # "example.com"; None for IPs and unknown TLDs
    official_brand: str | None = None  # brand id when the host is an official domain
    lookalike_of: str | None = None  # brand id imitated by an unofficial host
    reason: str | None = None  # why it looks like the brand
    shortener: bool = False
    apk: bool = False  # the URL points at an Android package
    ip: bool = False  # the host is a literal IP address
    unicode_host: str | None = None  # the decoded IDN form when it differs from ``host``
    # an official domain where anyone publishes (t.me/..., zalo.me/..., docs.google.com/...):
    # the link is no imitation, but it does not make the message the brand's own either
    user_content: bool = False

    @property
    def official(self) -> bool:
        return self.official_brand is not None


VERDICT_STATUSES: Final = (
    "unknown",
    "reported",
    "confirmed_scam",
    "disputed",
    "cleared",
    "trusted",
)


@dataclass(frozen=True, slots=True)
class RegistryVerdict:
    """What the scam-indicator registry knows about one normalised indicator."""

    status: str
    reporters: int = 0
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in VERDICT_STATUSES:
            raise ValueError(f"unknown registry status {self.status!r}")
        if self.reporters < 0:
            raise ValueError("reporters must be >= 0")
