"""Shared bits of the routers: the problem responses documented in OpenAPI."""

from __future__ import annotations

from typing import Any

PROBLEM_SCHEMA: dict[str, Any] = {
    "content": {
        "application/problem+json": {
            "schema": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                },
                "required": ["type", "title", "status"],
            }
        }
    }
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"description": "Problem details (RFC 9457)", **PROBLEM_SCHEMA} for code in codes}
