"""The evaluation harness: metrics on hand-made labels and results (no detector needed)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from notalone.detect.evaluation import (
    Label,
    Labelled,
    assigned_split,
    binary_metrics,
    early_warning,
    evaluate,
    expected_calibration_error,
    format_report,
    label_of,
    latency_p,
    latency_penalty,
    load_labelled,
    pr_curve,
    recall_at_false_alarm,
    roc_auc,
    windows,
)
from notalone.detect.types import Conversation, Message


def lab(cid: str, cat: str, due: int | None = None, length: int = 10, **kw: Any) -> Label:
    return Label(id=cid, category=cat, must_alert_by=due, length=length, **kw)


def res(risk: float, at: int | None, cat: str | None = None) -> dict[str, Any]:
    return {"risk": risk, "first_alert_at": at, "category": cat}


def test_binary_metrics_by_hand() -> None:
    m = binary_metrics(
        [True, True, True, False, False, False, False],
        [True, True, False, True, False, False, False],
    )
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (2, 1, 1, 3)
    assert m["precision"] == pytest.approx(2 / 3)
    assert m["recall"] == pytest.approx(2 / 3)
    assert m["f1"] == pytest.approx(2 / 3)
    assert m["false_alarm_rate"] == pytest.approx(0.25)
    p, r = 2 / 3, 2 / 3
    assert m["f0_5"] == pytest.approx(1.25 * p * r / (0.25 * p + r))


def test_f_half_weighs_precision() -> None:
    m = binary_metrics(
        [True] * 4 + [False] * 4, [True, False, False, False, False, False, False, False]
    )
    assert m["precision"] == 1.0 and m["recall"] == 0.25
    assert m["f0_5"] > m["f1"]


def test_roc_auc_matches_pair_counting() -> None:
    y = [True, False, True, False, True, False, False]
    s = [0.9, 0.8, 0.8, 0.1, 0.4, 0.4, 0.3]
    pairs = [
        (a, b)
        for a, ya in zip(s, y, strict=True)
        if ya
        for b, yb in zip(s, y, strict=True)
        if not yb
    ]
    expected = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a, b in pairs) / len(pairs)
    assert roc_auc(y, s) == pytest.approx(expected)
    assert roc_auc([True, True], [0.1, 0.2]) is None


def test_per_category_and_confusion() -> None:
    labels = [lab("a", "fraud"), lab("b", "grooming"), lab("c", "benign"), lab("d", "fraud")]
    results = [res(0.9, 0, "fraud"), res(0.9, 1, "fraud"), res(0.1, None), res(0.3, None)]
    report = evaluate(labels, results)
    cats = report["categories"]
    assert cats["labels"] == ["grooming", "fraud", "benign"]
    assert cats["matrix"] == [[0, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert cats["per_category"]["fraud"]["precision"] == pytest.approx(0.5)
    assert cats["per_category"]["fraud"]["recall"] == pytest.approx(0.5)
    assert report["category_accuracy_on_alerts"] == pytest.approx(0.5)


def test_early_warning_on_time_delay_and_latency_f1() -> None:
    labels = [
        lab("a", "grooming", 5, 20),
        lab("b", "grooming", 5, 20),
        lab("c", "fraud", 0, 1),
        lab("d", "grooming", 3, 20),
        lab("e", "benign", None, 20),
    ]
    results = [res(0.9, 4), res(0.9, 9), res(0.9, 0), res(0.1, None), res(0.0, None)]
    ew = early_warning(labels, results, f1=0.8, p=0.5)
    assert ew["timed"] == 4 and ew["on_time"] == 2
    assert ew["on_time_rate"] == pytest.approx(0.5)
    assert ew["median_delay"] == pytest.approx(0.0)  # delays 0, 4, 0
    speeds = [1.0, 1.0 - latency_penalty(4, 0.5), 1.0]
    assert ew["speed"] == pytest.approx(sum(speeds) / 3)
    assert ew["latency_f1"] == pytest.approx(0.8 * sum(speeds) / 3)


def test_latency_penalty_is_half_at_the_median_length() -> None:
    p = latency_p([11, 11, 11])
    assert latency_penalty(10, p) == pytest.approx(0.5)
    assert latency_penalty(0, p) == 0.0
    assert latency_penalty(10_000, p) == pytest.approx(1.0)
    assert math.isclose(latency_p([1]), math.log(3.0))


def test_breakdown_by_source_and_lang() -> None:
    labels = [
        lab("a", "fraud", source="s1", lang="vi"),
        lab("b", "benign", source="s1", lang="en"),
        lab("c", "benign", source="s2", lang="vi"),
    ]
    results = [res(0.9, 0, "fraud"), res(0.7, 0, "fraud"), res(0.1, None)]
    by_source = evaluate(labels, results, by="source")["by"]["groups"]
    assert by_source["s1"]["false_alarm_rate"] == 1.0
    assert by_source["s2"]["false_alarm_rate"] == 0.0
    by_lang = evaluate(labels, results, by="lang")["by"]["groups"]
    assert set(by_lang) == {"en", "vi"}
    with pytest.raises(ValueError):
        evaluate(labels, results, by="colour")


def test_calibration_error_and_curves() -> None:
    y = [True] * 8 + [False] * 2 + [False] * 10
    r = [0.85] * 10 + [0.05] * 10
    assert expected_calibration_error(y, r) == pytest.approx(0.5 * 0.05 + 0.5 * 0.05)
    precision, recall, thresholds = pr_curve([True, False, True], [0.9, 0.5, 0.2])
    assert recall[-1] == 1.0 and thresholds == [0.9, 0.5, 0.2]
    assert precision == pytest.approx([1.0, 0.5, 2 / 3])
    rec, thr = recall_at_false_alarm([True, True, False, False], [0.9, 0.4, 0.5, 0.1], 0.0)
    assert rec == 0.5 and thr == 0.5


def test_labels_and_splits(tmp_path: Path) -> None:
    obj = {
        "id": "x1",
        "lang": "vi",
        "messages": [{"from": "a", "text": "hi"}],
        "label": {"category": "fraud", "must_alert_by": 0, "source": "s", "split": "dev"},
    }
    label = label_of(obj)
    assert (label.category, label.must_alert_by, label.split, label.lang, label.length) == (
        "fraud",
        0,
        "dev",
        "vi",
        1,
    )
    no_split = {"id": "nus-1", "messages": [], "label": {"category": "benign"}}
    assert assigned_split(no_split) == assigned_split(dict(no_split))  # deterministic
    shares = [assigned_split({"id": f"id-{i}", "label": {}}) for i in range(2000)]
    assert 0.15 < shares.count("dev") / len(shares) < 0.25
    path = tmp_path / "l.jsonl"
    path.write_bytes(
        (
            json.dumps(obj) + "\n{not json\n" + json.dumps({"id": "n", "messages": []}) + "\n"
        ).encode()
        + b"\xff\xfe\n"
    )
    data = load_labelled([path, tmp_path / "missing.jsonl"])
    assert len(data.labels) == 1 and len(data.conversations) == 1
    assert len(data.problems) == 4  # bad JSON, no label, invalid UTF-8, missing file
    assert load_labelled([path], split="train").labels == []


def test_windows_cut_conversations_and_shift_the_due_message() -> None:
    def conv(cid: str, n: int) -> Conversation:
        return Conversation(cid, tuple(Message("a", f"m{i}") for i in range(n)))

    data = Labelled(
        [
            lab("h", "grooming", due=25, length=70),
            lab("b", "benign", length=12),
            lab("p", "grooming", length=3),
        ],
        [conv("h", 70), conv("b", 12), conv("p", 3)],
        [],
    )
    cut = windows(data, 20)
    ids = [label.id for label in cut.labels]
    # h: [0,20) ends before the due message -> dropped; [20,40) holds it; [40,60) due at once;
    # [60,70) is half a window -> kept (10 >= 20 / 2). b: [0,12), and [20..) does not exist.
    assert ids == ["h#20", "h#40", "h#60", "b#0", "p#0"]
    assert [label.must_alert_by for label in cut.labels] == [5, 0, 0, None, None]
    assert [len(c.messages) for c in cut.conversations] == [20, 20, 10, 12, 3]
    assert cut.conversations[0].messages[0].text == "m20"
    assert [c.id for c in cut.conversations] == ids
    with pytest.raises(ValueError):
        windows(data, 0)


def test_report_text_and_plots(tmp_path: Path) -> None:
    labels = [
        lab("a", "fraud", 0, 1, source="s"),
        lab("b", "benign", source="s"),
        lab("c", "grooming", 2),
    ]
    results = [res(0.9, 0, "fraud"), res(0.2, None), res(0.7, 5, "grooming")]
    report = evaluate(labels, results, by="source")
    text = format_report(report)
    assert "false-alarm rate" in text and "latency-weighted F1" in text and "by source" in text
    json.dumps(report)  # JSON-ready
    pytest.importorskip("matplotlib")
    from notalone.detect.evaluation import write_plots

    written = write_plots(tmp_path / "plots", labels, results)
    names = {p.name for p in written}
    assert {
        "reliability.png",
        "reliability.svg",
        "precision_recall.png",
        "precision_recall.svg",
    } <= names
    assert all(p.stat().st_size > 0 for p in written)
