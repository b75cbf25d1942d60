"""Where the labelled corpora are and how they are read and split.

The public corpora are never copied into the repository: they are read from
``$NOTALONE_DATASETS`` or ``../shared/datasets`` next to the repository (or the working
directory). ``tests/data/holdout*.jsonl`` is never read here: it is for reporting only.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notalone.detect.evaluation import Label, assigned_split, label_of

REPO_ROOT = Path(__file__).resolve().parents[3]
PROJECT_DATA = REPO_ROOT / "tests" / "data"
# The project's own labelled data used for training: every tests/data/dev<round>[_<topic>].jsonl,
# in round order, so that a new round is picked up without a code change. A file marked
# "untuned" (dev9_untuned.jsonl) is kept out of training and tuning on purpose: like the
# holdout, it is only ever reported.
_ROUND_FILE = re.compile(r"dev(\d*)(?:_[^.]*)?\.jsonl")
REPORTED_ONLY = "untuned"


def project_train_files(project_dir: Path = PROJECT_DATA) -> list[Path]:
    """The project's training files that exist now, in round order (never holdout or untuned)."""
    rounds: list[tuple[int, str, Path]] = []
    for path in project_dir.glob("dev*.jsonl"):
        found = _ROUND_FILE.fullmatch(path.name)
        if found and path.is_file() and REPORTED_ONLY not in path.name:
            rounds.append((int(found.group(1) or 1), path.name, path))
    return [path for _, _, path in sorted(rounds)]


def datasets_dir(explicit: str | Path | None = None) -> Path | None:
    """The public corpora directory, or None when it is not on this machine."""
    candidates: list[Path] = []
    if explicit:
        candidates.append(Path(explicit))
    env = os.environ.get("NOTALONE_DATASETS")
    if env:
        candidates.append(Path(env))
    candidates += [
        REPO_ROOT.parent / "shared" / "datasets",
        Path.cwd().parent / "shared" / "datasets",
    ]
    for c in candidates:
        if (c / "conversations").is_dir():
            return c
    return None


def public_files(directory: Path) -> list[Path]:
    return sorted((directory / "conversations").glob("*.jsonl"))


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled conversation: its messages as (sender, text), the child, the label."""

    label: Label
    messages: tuple[tuple[str, str], ...]
    child: str | None
    file: str

    @property
    def split(self) -> str:
        return self.label.split or "train"


def read_examples(path: Path) -> Iterator[Example]:
    """Labelled conversations of one JSONL file (lines without a usable label are skipped)."""
    with path.open("rb") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            try:
                obj: Any = json.loads(raw)
                label = label_of(obj)
                msgs = tuple(
                    (str(m.get("from", "unknown")), str(m["text"]))
                    for m in obj["messages"]
                    if isinstance(m, dict) and isinstance(m.get("text"), str)
                )
            except (ValueError, KeyError, TypeError):
                continue
            child = obj.get("child")
            yield Example(label, msgs, None if child is None else str(child), path.name)


def split_name(obj: dict[str, Any]) -> str:
    return assigned_split(obj)
