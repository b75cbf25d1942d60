"""``python -m notalone.server serve|db upgrade|admin create-user`` (same as ``notalone ...``)."""

from __future__ import annotations

import argparse
import sys

from notalone.server.cli import register


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m notalone.server")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
