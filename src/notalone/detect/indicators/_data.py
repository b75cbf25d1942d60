"""Loading of the bundled data files (``notalone/data/indicators/*.yaml``), once each."""

from __future__ import annotations

import functools
import importlib.resources
from typing import Any

import yaml


@functools.cache
def load(name: str) -> dict[str, Any]:
    """Parse ``notalone/data/indicators/<name>.yaml``."""
    resource = (
        importlib.resources.files("notalone.data").joinpath("indicators").joinpath(f"{name}.yaml")
    )
    data = yaml.safe_load(resource.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise RuntimeError(f"indicator data file {name}.yaml is not a mapping")
    return data
