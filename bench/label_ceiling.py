"""How well can any text classifier do on a public corpus's dev split? An upper bound.

For every dev conversation, a lookup "oracle" predicts the majority label of all conversations
(train and dev, the dev item itself included) whose text is the same after lower-casing and
removing punctuation. No classifier that reads only the text can beat it: identical texts get
identical predictions, so where a text carries both labels one of them is always wrong. The
Vietnamese machine translation of UCI SMS shows why its F1 target cannot be met: the translation
cut many spam messages down to a fragment ("CẤP BÁCH!", "Xin chào.") that also translates ham.

Run: ``python bench/label_ceiling.py [--datasets DIR]``; figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

_NOT_WORD = re.compile(r"\W+")


def text_key(obj: dict[str, object]) -> str:
    messages = obj.get("messages") or []
    text = " ".join(str(m.get("text", "")) for m in messages if isinstance(m, dict))
    return _NOT_WORD.sub(" ", text.lower()).strip()


def ceiling(path: Path) -> dict[str, float | int] | None:
    # (text key, harmful, split) of every conversation: each key is computed once
    rows = []
    for line in path.open(encoding="utf-8"):
        obj = json.loads(line)
        label = obj["label"]
        rows.append((text_key(obj), label["category"] != "benign", label.get("split")))
    counts: dict[str, Counter[bool]] = defaultdict(Counter)
    for key, truth, _ in rows:
        counts[key][truth] += 1
    dev = [(key, truth) for key, truth, split in rows if split == "dev"]
    harmful = [key for key, truth in dev if truth]
    if not dev or not harmful or len(harmful) == len(dev):
        return None
    tp = fp = fn = both = short = 0
    for key, truth in dev:
        seen = counts[key]
        guess = seen[True] > seen[False]
        tp += guess and truth
        fp += guess and not truth
        fn += truth and not guess
        both += len(seen) == 2
        short += truth and len(key.split()) <= 4
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "dev": len(dev),
        "dev_harmful": len(harmful),
        "harmful_of_at_most_4_words": short,
        "dev_texts_with_both_labels": both,
        "oracle_f1": round(f1, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="../shared/datasets")
    args = parser.parse_args()
    folder = Path(args.datasets) / "conversations"
    if not folder.is_dir():
        raise SystemExit(f"no corpora at {folder}: set --datasets")
    print(
        "| corpus | dev | dev harmful | harmful of <= 4 words | dev texts seen with both labels "
        "| oracle F1 (upper bound) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for path in sorted(folder.glob("*.jsonl")):
        found = ceiling(path)
        if found is not None:
            print(f"| {path.stem} | " + " | ".join(str(v) for v in found.values()) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
