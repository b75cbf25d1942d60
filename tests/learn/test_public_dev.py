"""The bundled learned stage on a public dev split (skipped when ../shared/datasets is absent)."""

from __future__ import annotations

import pytest

from notalone.detect.evaluation import roc_auc
from notalone.detect.learned import LearnedStage, ModelFormatError
from notalone.detect.normalize import normalize
from notalone.learn.data import datasets_dir, read_examples


@pytest.mark.datasets
def test_uci_dev_ranking() -> None:
    directory = datasets_dir()
    if directory is None:
        pytest.skip(
            "public corpora not found: set NOTALONE_DATASETS or put them in ../shared/datasets"
        )
    try:
        stage = LearnedStage.load()
    except ModelFormatError as exc:
        pytest.skip(f"no bundled model: {exc}")
    dev = [
        e
        for e in read_examples(directory / "conversations" / "sms_en_uci.jsonl")
        if e.split == "dev"
    ]
    y = [e.label.harmful for e in dev]
    scores = [stage.message_probability(normalize(e.messages[0][1]).text) for e in dev]
    auc = roc_auc(y, scores)
    assert auc is not None and auc > 0.95
