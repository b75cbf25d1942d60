"""``notalone eval`` and ``notalone train``: measurement and training from the command line.

``register(subparsers)`` adds both subcommands to the main CLI's argparse sub-parsers; each
parser's ``func`` takes the parsed namespace and returns the exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

EXIT_OK = 0
EXIT_USAGE = 2


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "eval",
        help="measure the detector on labelled conversations",
        description="Run the scan path on labelled JSONL conversations and report precision, "
        "recall, F1, false alarms, ROC-AUC, per-category results and early warning.",
    )
    p.add_argument("files", nargs="+", metavar="FILE.jsonl", help="labelled conversations")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--by", choices=("source", "lang", "category"), help="add a breakdown")
    p.add_argument("--plots", metavar="DIR", help="write reliability and precision-recall plots")
    p.add_argument("--split", metavar="NAME", help="only conversations of this split (e.g. dev)")
    p.add_argument(
        "--windows",
        type=int,
        metavar="N",
        help="judge consecutive windows of N messages instead of whole conversations "
        "(as chat-segment benchmarks do)",
    )
    p.set_defaults(func=run_eval)

    t = subparsers.add_parser(
        "train",
        help="train the learned stage",
        description="Train the learned stage on the train splits of the public corpora and the "
        "project's tests/data/dev.jsonl (never holdout); prints the data used and dev metrics.",
    )
    t.add_argument(
        "--datasets",
        metavar="DIR",
        help="public corpora (default ../shared/datasets or $NOTALONE_DATASETS)",
    )
    t.add_argument(
        "--out",
        metavar="PATH",
        help="model path (default: the bundled src/notalone/data/models/learned.npz)",
    )
    t.set_defaults(func=run_train)


def run_eval(args: argparse.Namespace) -> int:
    from notalone.detect import Detector
    from notalone.detect.evaluation import (
        evaluate,
        format_report,
        load_labelled,
        windows,
        write_plots,
    )

    if args.windows is not None and args.windows < 1:
        print("notalone eval: --windows must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    data = load_labelled(args.files, args.split)
    if args.windows is not None:
        data = windows(data, args.windows)
    for problem in data.problems:
        print(f"notalone eval: skipped {problem}", file=sys.stderr)
    if not data.labels:
        print("notalone eval: no labelled conversations to evaluate", file=sys.stderr)
        return EXIT_USAGE
    detector = Detector.default()
    started = time.perf_counter()
    results = [detector.analyze(conv).to_dict() for conv in data.conversations]
    elapsed = time.perf_counter() - started
    report = evaluate(data.labels, results, by=args.by)
    n_messages = sum(len(c.messages) for c in data.conversations)
    report["run"] = {
        "files": list(args.files),
        "split": args.split,
        "messages": n_messages,
        "seconds": round(elapsed, 2),
        "skipped_lines": len(data.problems),
        "windows": args.windows,
    }
    if args.plots:
        written = write_plots(args.plots, data.labels, results)
        report["plots"] = [str(p) for p in written]
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(format_report(report))
        rate = n_messages / elapsed if elapsed > 0 else 0.0
        print(f"\n{n_messages} messages in {elapsed:.1f} s ({rate:,.0f} messages/s)")
        for path in report.get("plots", []):
            print(f"wrote {path}")
    return EXIT_OK


def run_train(args: argparse.Namespace) -> int:
    try:
        from notalone.learn.train import train
    except ImportError as exc:  # scikit-learn/scipy are training-time dependencies only
        print(
            f"notalone train: needs the dev extra (pip install -e '.[dev]'): {exc}", file=sys.stderr
        )
        return EXIT_USAGE
    train(args.datasets, args.out)
    return EXIT_OK
