"""The notalone HTTP service: API v1, accounts and roles, and the first web page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from notalone.server.app import create_app
    from notalone.server.settings import Settings

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the command line loads this package to register its
    # subcommands, and `notalone scan` must not pay for FastAPI and SQLAlchemy at start-up.
    if name == "create_app":
        from notalone.server.app import create_app

        return create_app
    if name == "Settings":
        from notalone.server.settings import Settings

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
