"""Service settings: read from the environment (prefix ``NOTALONE_``), never at import time."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "changethis-notalone-development-only"

Environment = Literal["development", "test", "production"]


class Settings(BaseSettings):
    """Everything the service can be told. ``Settings()`` reads ``NOTALONE_*`` variables."""

    model_config = SettingsConfigDict(env_prefix="NOTALONE_", extra="ignore")

    environment: Environment = "development"
    secret_key: str = DEFAULT_SECRET_KEY
    data_dir: Path = Path("var")
    database_url: str | None = None
    redis_url: str | None = None

    # Limits
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    rate_limit_window_seconds: int = Field(default=60, ge=1)
    rate_limit_ip: int = Field(default=120, ge=1)
    """Requests per window per client IP (anonymous and signed-in alike)."""
    rate_limit_token: int = Field(default=6_000, ge=1)
    """Requests per window per API token."""
    trust_forwarded_for: bool = False
    """Take the client IP from X-Forwarded-For (only behind a trusted reverse proxy)."""

    # Accounts
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_seconds: int = Field(default=900, ge=1)
    session_max_age_seconds: int = Field(default=12 * 3600, ge=60)
    cookie_secure: bool = True
    token_max_age_days: int = Field(default=365, ge=1)

    extensions: list[str] = Field(default_factory=list)
    """More modules with a ``router`` to mount, e.g. ``["notalone.registry.api"]`` (JSON)."""

    # Presentation
    default_lang: Literal["vi", "en", "fr"] = "vi"
    log_level: str = "INFO"
    log_json: bool = True

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment != "development" and self.secret_key == DEFAULT_SECRET_KEY:
            raise ValueError(
                "NOTALONE_SECRET_KEY must be set to a random value outside development "
                f"(environment is {self.environment!r})"
            )
        if len(self.secret_key) < 16:
            raise ValueError("NOTALONE_SECRET_KEY must be at least 16 characters long")
        return self

    @property
    def effective_database_url(self) -> str:
        """The database to use: ``NOTALONE_DATABASE_URL`` or SQLite in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'notalone.db').resolve()}"
