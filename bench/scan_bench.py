"""Scan throughput, peak memory and per-message cost at conversation length 10 vs 1,000.

Run: `.venv/bin/python bench/scan_bench.py` (the same as `notalone bench`). Figures go to
docs/benchmarks.md under "Detection engine".
"""

from __future__ import annotations

import sys

from notalone.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["bench", *sys.argv[1:]]))
