"""App factory for ASGI servers: ``uvicorn --factory notalone.server.asgi:app_from_environment``."""

from __future__ import annotations

from fastapi import FastAPI

from notalone.server.app import create_app
from notalone.server.observability import configure_logging
from notalone.server.settings import Settings


def app_from_environment() -> FastAPI:
    """Build the app from ``NOTALONE_*`` variables (migrations are applied by ``serve``)."""
    settings = Settings()
    configure_logging(settings.log_level, json_logs=settings.log_json)
    return create_app(settings, preload_detector=True)
