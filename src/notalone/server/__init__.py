"""The notalone HTTP service: API v1, accounts and roles, and the first web page."""

from __future__ import annotations

from notalone.server.app import create_app
from notalone.server.settings import Settings

__all__ = ["Settings", "create_app"]
