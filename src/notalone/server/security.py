"""Passwords (argon2), token secrets (stored as SHA-256), keyed hashes and CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeSerializer

TOKEN_PREFIX = "na_"

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("notalone-dummy-password-for-constant-time")

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; spends the same time when there is no hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_secret(prefix: str = TOKEN_PREFIX) -> str:
    """A new high-entropy secret (API token or session id)."""
    return prefix + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """Stored form of a high-entropy secret: its SHA-256 in hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def keyed_hash(key: str, value: str) -> str:
    """HMAC-SHA-256 of ``value``: lets us count by e-mail or IP without storing either."""
    return hmac.new(key.encode("utf-8"), value.encode("utf-8"), hashlib.sha256).hexdigest()


class CsrfSigner:
    """Double-submit CSRF tokens, signed so that a planted cookie is worthless."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeSerializer(secret_key, salt="notalone.csrf")

    def new(self) -> str:
        return self._serializer.dumps(secrets.token_urlsafe(16))

    def valid(self, token: str | None) -> bool:
        if not token:
            return False
        try:
            self._serializer.loads(token)
        except BadSignature:
            return False
        return True

    def matches(self, cookie: str | None, submitted: str | None) -> bool:
        return (
            self.valid(cookie)
            and submitted is not None
            and hmac.compare_digest(str(cookie), submitted)
        )
