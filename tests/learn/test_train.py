"""Training: deterministic, reads only train splits and the project's dev file, never holdout."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

from notalone.detect.learned import LearnedStage
from notalone.learn.data import datasets_dir, read_examples
from notalone.learn.train import _balanced_weights, message_rows, train

SPAM = [
    "WINNER claim your free prize now call",
    "free entry win cash text WIN now",
    "Bạn đã trúng thưởng nhấn link nhận quà",
    "urgent your account won a prize claim now",
]
HAM = [
    "ok see you later",
    "ăn cơm chưa",
    "did you do the homework",
    "mai đi học nhé",
    "haha that was fun",
    "call me when you get home",
    "tối nay đá bóng không",
    "love you mum",
]


def write(path: Path, rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )


def conv(
    cid: str,
    texts: list[str],
    category: str,
    split: str | None,
    child: str | None = None,
    senders: list[str] | None = None,
) -> dict[str, object]:
    label: dict[str, object] = {"category": category, "must_alert_by": None, "source": "synthetic"}
    if split:
        label["split"] = split
    msgs = [{"from": (senders or ["a"] * len(texts))[i], "text": t} for i, t in enumerate(texts)]
    out: dict[str, object] = {"id": cid, "messages": msgs, "label": label}
    if child:
        out["child"] = child
    return out


@pytest.fixture
def corpora(tmp_path: Path) -> tuple[Path, Path]:
    ds = tmp_path / "datasets"
    rows = []
    for rep in range(6):
        split = "dev" if rep == 5 else "train"
        rows += [conv(f"s{rep}-{i}", [t], "fraud", split) for i, t in enumerate(SPAM)]
        rows += [conv(f"h{rep}-{i}", [t], "benign", split) for i, t in enumerate(HAM)]
    write(ds / "conversations" / "sms.jsonl", rows)
    project = tmp_path / "project"
    write(
        project / "dev.jsonl",
        [
            conv(
                "p1",
                ["gửi ảnh cho anh đi", "ok"],
                "grooming",
                "dev",
                child="u2",
                senders=["u1", "u2"],
            )
        ],
    )
    write(project / "holdout.jsonl", [conv("x", ["zzzholdoutword"], "fraud", "dev")])
    return ds, project


def test_train_is_reproducible_and_never_reads_holdout(
    corpora: tuple[Path, Path], tmp_path: Path
) -> None:
    ds, project = corpora
    log = io.StringIO()
    stage, card = train(ds, tmp_path / "m1" / "learned.npz", log=log, project_dir=project)
    text = log.getvalue()
    assert "data used" in text and "dev metrics" in text and "sms.jsonl" in text
    assert not any("zzzholdoutword" in k for k in stage.weights)
    assert "holdout" not in json.dumps(card["data"]["files"])
    again, _ = train(ds, tmp_path / "m2" / "learned.npz", log=io.StringIO(), project_dir=project)
    assert stage.weights == again.weights and stage.bias == again.bias
    loaded = LearnedStage.load(tmp_path / "m1")
    assert loaded.card["seed"] == card["seed"]
    assert loaded.message_probability(
        "winner claim your free prize now"
    ) > loaded.message_probability("ok see you later")


def test_message_rows_label_only_the_other_speaker(corpora: tuple[Path, Path]) -> None:
    import random

    _, project = corpora
    (ex,) = list(read_examples(project / "dev.jsonl"))
    assert message_rows(ex, random.Random(0)) == [("gửi ảnh cho anh đi", 1), ("ok", 0)]


def test_balanced_weights_give_each_harmful_source_the_same_mass() -> None:
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    groups = ["a", "a", "b", "b", "pj", "pj", "pj", "uci"]
    w = _balanced_weights(y, groups)
    assert w[4:7].sum() == pytest.approx(w[7])
    assert w[4:].sum() == pytest.approx(w[:4].sum())


def test_datasets_dir_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "conversations").mkdir()
    monkeypatch.setenv("NOTALONE_DATASETS", str(tmp_path))
    assert datasets_dir() is not None
    assert datasets_dir(tmp_path) == tmp_path


def test_project_files_include_the_rounds_and_never_the_reported_ones(tmp_path: Path) -> None:
    from notalone.learn.data import project_train_files

    for name in (
        "dev.jsonl",
        "dev2.jsonl",
        "dev3_vi.jsonl",
        "dev3_en.jsonl",
        "dev10_sexfraud.jsonl",
        "dev11_seg.jsonl",
        "dev12_vi.jsonl",
        "dev14_new.jsonl",  # a round nobody listed: picked up as it appears
        "holdout.jsonl",
        "dev9_untuned.jsonl",
        "dev21_untuned_vi.jsonl",
    ):
        (tmp_path / name).write_text("", encoding="utf-8")
    names = [p.name for p in project_train_files(tmp_path)]
    assert names == [
        "dev.jsonl",
        "dev2.jsonl",
        "dev3_en.jsonl",
        "dev3_vi.jsonl",
        "dev10_sexfraud.jsonl",
        "dev11_seg.jsonl",
        "dev12_vi.jsonl",
        "dev14_new.jsonl",
    ]


def test_card_names_data_files_relatively(corpora: tuple[Path, Path], tmp_path: Path) -> None:
    ds, project = corpora
    _, card = train(ds, tmp_path / "m" / "learned.npz", log=io.StringIO(), project_dir=project)
    files = card["data"]["files"]
    assert "conversations/sms.jsonl" in files
    assert not any(Path(f).is_absolute() for f in files)


def test_saved_artefact_is_byte_identical(corpora: tuple[Path, Path], tmp_path: Path) -> None:
    ds, project = corpora
    stage, _ = train(ds, tmp_path / "a" / "learned.npz", log=io.StringIO(), project_dir=project)
    stage.save(tmp_path / "b")
    assert (tmp_path / "a" / "learned.npz").read_bytes() == (
        tmp_path / "b" / "learned.npz"
    ).read_bytes()
    with np.load(tmp_path / "b" / "learned.npz", allow_pickle=False) as data:
        assert "weights" in data.files
