"""``notalone bench``: throughput, peak memory and per-message cost of the scan path.

Figures are reproducible with one command (``notalone bench`` or ``make bench``); they go to
docs/benchmarks.md. The corpus mixes short chat messages from the public corpora in
../shared/datasets when present (Vietnamese and English), else the project's own test data.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from notalone.detect import Detector, Message

SOURCES = (
    "benign_vi_vsmec.jsonl",
    "benign_vi_vsfc.jsonl",
    "benign_en_nus_sms.jsonl",
    "sms_en_uci.jsonl",
    "sms_vi_uci_mt.jsonl",
    "grooming_en_pj_predators.jsonl",
)


def register(sub: Any) -> None:
    bench = sub.add_parser("bench", help="measure scan speed and memory")
    bench.add_argument("--messages", type=int, default=200_000, help="corpus size (messages)")
    bench.add_argument(
        "--datasets", default=os.environ.get("NOTALONE_DATASETS", "../shared/datasets")
    )
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")
    bench.set_defaults(func=run_bench)


def message_pool(datasets: Path, limit: int, seed: int = 7) -> list[str]:
    texts: list[str] = []
    for name in SOURCES:
        path = datasets / "conversations" / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                obj = json.loads(line)
                texts.extend(m["text"] for m in obj["messages"][:50])
    if not texts:
        for path in sorted(Path("tests/data").glob("*.jsonl")):
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    texts.extend(m["text"] for m in json.loads(line)["messages"])
    if not texts:
        raise SystemExit("no corpus: neither ../shared/datasets nor tests/data is present")
    rng = random.Random(seed)
    rng.shuffle(texts)
    while len(texts) < limit:
        texts.extend(texts[: limit - len(texts)])
    return texts[:limit]


def conversations(texts: list[str], length: int) -> Iterator[dict[str, Any]]:
    for n, start in enumerate(range(0, len(texts), length)):
        chunk = texts[start : start + length]
        yield {
            "id": f"b{n}",
            "messages": [{"from": "ab"[i % 2], "text": t} for i, t in enumerate(chunk)],
        }


def per_message_cost(
    detector: Detector, texts: list[str], lengths: tuple[int, ...], total: int, rounds: int = 5
) -> dict[int, float]:
    """Seconds per message for each conversation length, measured in alternating rounds so
    that a busy machine slows every length alike (the ratio is the figure that matters)."""
    spent = dict.fromkeys(lengths, 0.0)
    pool = texts[:total]
    size = len(pool) // rounds
    for r in range(rounds):
        part = pool[r * size : (r + 1) * size]
        for length in lengths:
            start = time.perf_counter()
            for base in range(0, len(part), length):
                state = detector.new_conversation()
                for i, text in enumerate(part[base : base + length]):
                    state.add(Message("ab"[i % 2], text))
            spent[length] += time.perf_counter() - start
    return {length: spent[length] / (size * rounds) for length in lengths}


def _timed_scan(corpus: Path, jobs: int) -> tuple[float, float, float] | None:
    """(wall seconds, CPU seconds, peak RSS MB) of `notalone scan` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "notalone.cli",
            "scan",
            str(corpus),
            "-o",
            os.devnull,
            "--jobs",
            str(jobs),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        sys.stderr.write(proc.stderr)
        return None
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of children is the largest child so far: the first run (jobs=1) is measured
    # first, so its figure is its own.
    return wall, cpu, after.ru_maxrss / 1024


def run_bench(args: argparse.Namespace) -> int:
    texts = message_pool(Path(args.datasets), args.messages)
    detector = Detector.default()
    for text in texts[:2000]:  # warm caches (lru of advice, regex compilation is at load)
        detector.analyze_text(text)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        with corpus.open("w", encoding="utf-8") as fh:
            for conv in conversations(texts, 10):
                fh.write(json.dumps(conv, ensure_ascii=False) + "\n")
        runs = {jobs: _timed_scan(corpus, jobs) for jobs in (1, 2)}
    if any(r is None for r in runs.values()):
        return 1
    total = min(len(texts), 50_000)
    costs = per_message_cost(detector, texts, (10, 1000), total)
    cost_10, cost_1000 = costs[10], costs[1000]
    one, two = runs[1], runs[2]
    assert one is not None and two is not None
    figures = {
        "messages": len(texts),
        "scan_messages_per_s": round(len(texts) / one[0]),
        "scan_wall_s": round(one[0], 2),
        "scan_cpu_s": round(one[1], 2),
        "scan_peak_rss_mb": round(one[2], 1),
        "scan_jobs2_messages_per_s": round(len(texts) / two[0]),
        "jobs2_over_jobs1": round(one[0] / two[0], 2),
        "state_add_us_len10": round(cost_10 * 1e6, 2),
        "state_add_us_len1000": round(cost_1000 * 1e6, 2),
        "len1000_over_len10": round(cost_1000 / cost_10, 3),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
    }
    if args.json:
        sys.stdout.write(json.dumps(figures) + "\n")
    else:
        for k, v in figures.items():
            sys.stdout.write(f"{k:24} {v}\n")
    return 0
