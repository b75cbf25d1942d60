"""Capabilities plug in as modules with a ``router``, like the built-in routes."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from notalone.server.app import create_app
from notalone.server.deps import OptionalPrincipal, RateLimited
from tests.server.conftest import make_settings


@pytest.fixture
def extension_module() -> Iterator[types.ModuleType]:
    module = types.ModuleType("notalone_test_extension")
    router = APIRouter(prefix="/api/v1/hello", dependencies=[RateLimited])

    @router.get("")
    async def hello(principal: OptionalPrincipal) -> dict[str, bool]:
        return {"anonymous": principal is None}

    module.router = router  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]


def test_an_extension_named_in_the_settings_is_mounted(
    sqlite_engine: Engine, extension_module: types.ModuleType
) -> None:
    app = create_app(make_settings(extensions=[extension_module.__name__]), engine=sqlite_engine)
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/api/v1/hello").json() == {"anonymous": True}
        assert client.get("/api/v1/nothing").status_code == 404


def test_a_module_without_a_router_is_refused(sqlite_engine: Engine) -> None:
    with pytest.raises(TypeError, match="router"):
        create_app(make_settings(), engine=sqlite_engine, extensions=["notalone.server.security"])
