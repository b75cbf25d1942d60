"""Verdicts of one code tree on labelled files, and what changed between two trees.

A change to the knowledge or the engine is judged by what it does to every verdict, not only to
the totals: this script runs the scan path (``Detector.analyze``) over labelled JSONL files,
prints per-file totals (harmful alerted; alerted at or before ``must_alert_by``, where a harmful
conversation without one counts once alerted; false alarms on benign; category right on
alerts), and saves one row per conversation so that two runs can be compared conversation by
conversation.

    python bench/verdicts.py tests/data/dev*.jsonl --out /tmp/now.json
    python bench/verdicts.py tests/data/dev*.jsonl --tree /tmp/base --out /tmp/base.json
    python bench/verdicts.py --diff /tmp/base.json /tmp/now.json

``--tree DIR`` imports ``notalone`` from ``DIR/src`` (a ``git worktree`` of another commit), so
the session-start code and the current code can be measured side by side on the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

Row = tuple[str, str, bool, str, "int | None", "int | None", "str | None"]
_detector: Any = None


def _start(tree: str | None) -> None:
    global _detector
    if tree:
        sys.path.insert(0, str(Path(tree) / "src"))
    from notalone.detect import Detector

    _detector = Detector.default()


def _verdicts(path: str) -> tuple[list[Row], list[str]]:
    """One file's verdicts, read by the project's own reader (bad lines are reported, the rest
    of the file is still scanned), with the tree this worker imported."""
    from notalone.detect.evaluation import load_labelled

    data = load_labelled([path])
    name = Path(path).name
    rows: list[Row] = []
    for label, conv in zip(data.labels, data.conversations, strict=True):
        result = _detector.analyze(conv)
        rows.append(
            (
                name,
                label.id,
                label.harmful,
                label.category,
                label.must_alert_by,
                result.first_alert_at,
                result.category,
            )
        )
    return rows, data.problems


def run(paths: Sequence[str], tree: str | None, jobs: int) -> tuple[list[Row], list[str]]:
    """Every file's verdicts (a file is one task: each worker reads with its own tree)."""
    if jobs == 1 and tree is None:
        # in this process: the tree is the one already importable
        _start(None)
        parts = [_verdicts(p) for p in paths]
    else:
        # not multiprocessing.Pool: when the knowledge fails to load in a worker, it starts
        # new workers forever; the executor fails at once and says so
        try:
            with ProcessPoolExecutor(jobs, initializer=_start, initargs=(tree,)) as pool:
                parts = list(pool.map(_verdicts, paths))
        except BrokenProcessPool as exc:
            raise SystemExit(f"a worker could not start (does the knowledge load?): {exc}") from exc
    return [r for rows, _ in parts for r in rows], [m for _, problems in parts for m in problems]


def totals(rows: Iterable[Row]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for name, _, harmful, category, due, first, got in rows:
        t = out.setdefault(
            name, dict.fromkeys(("harmful", "alerted", "on_time", "benign", "fa", "category"), 0)
        )
        if harmful:
            t["harmful"] += 1
            if first is not None:
                t["alerted"] += 1
                t["on_time"] += due is None or first <= due
                t["category"] += got == category
        else:
            t["benign"] += 1
            t["fa"] += first is not None
    return out


def report(rows: Sequence[Row]) -> str:
    per_file = totals(rows)
    every = totals(("all", *r[1:]) for r in rows)["all"] if rows else {}
    lines = [
        f"{name:36s} alerted {t['alerted']}/{t['harmful']}  on time {t['on_time']}  "
        f"false alarms {t['fa']}/{t['benign']}  category {t['category']}"
        for name, t in sorted(per_file.items())
    ]
    if every:
        lines.append(
            f"{'TOTAL':36s} alerted {every['alerted']}/{every['harmful']}  on time "
            f"{every['on_time']}  false alarms {every['fa']}/{every['benign']}  "
            f"category {every['category']}"
        )
    return "\n".join(lines)


def diff(before: Sequence[Sequence[Any]], after: Sequence[Sequence[Any]]) -> str:
    """The conversations whose first alert or category differs between two saved runs."""
    old = {(r[0], r[1]): r for r in before}
    lines = []
    for row in after:
        was = old.get((row[0], row[1]))
        if was is not None and tuple(was[5:7]) != tuple(row[5:7]):
            kind = "harmful" if row[2] else "benign"
            lines.append(
                f"{row[0]:32s} {row[1]:24s} {kind:7s} due {row[4]}: "
                f"alert {was[5]} -> {row[5]}, category {was[6]} -> {row[6]}"
            )
    return "\n".join(lines) or "no verdict changed"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="labelled JSONL files")
    parser.add_argument("--tree", help="import notalone from DIR/src (another commit's worktree)")
    parser.add_argument("--out", help="save one row per conversation (JSON) for --diff")
    parser.add_argument(
        "--diff", nargs=2, metavar=("BEFORE", "AFTER"), help="compare two saved runs"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    if args.diff:
        before, after = (json.loads(Path(p).read_text(encoding="utf-8")) for p in args.diff)
        print(diff(before, after))
        return 0
    if not args.files:
        parser.error("give labelled files, or --diff BEFORE AFTER")
    rows, problems = run(args.files, args.tree, max(1, args.jobs))
    for problem in problems:
        print(f"skipped {problem}", file=sys.stderr)
    print(report(rows))
    if args.out:
        Path(args.out).write_text(json.dumps(rows), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
