"""The ``notalone`` command: a thin adapter over ``notalone.detect`` (and the service)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from notalone import __version__

# Faces that live in their own modules add their subcommands through register(subparsers).
_PLUGINS = (
    "notalone.scancli",
    "notalone.benchmark",
    "notalone.evalcli",
    "notalone.server.cli",
    "notalone.registry.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="notalone",
        description="Detect online kidnapping, grooming, sextortion and fraud against the young.",
    )
    parser.add_argument("--version", action="version", version=f"notalone {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _PLUGINS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise
            continue  # an optional face that is not installed
        register: Callable[[Any], None] = module.register
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return code


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
