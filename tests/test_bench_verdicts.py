"""bench/verdicts.py: per-file totals and the conversation-by-conversation diff of two runs."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType


def _verdicts() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "bench" / "verdicts.py"
    spec = importlib.util.spec_from_file_location("bench_verdicts", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


V = _verdicts()


def test_totals_count_alerts_on_time_false_alarms_and_categories() -> None:
    rows = [
        ("a.jsonl", "1", True, "fraud", 2, 1, "fraud"),  # on time, category right
        ("a.jsonl", "2", True, "grooming", 0, 3, "fraud"),  # late, category wrong
        ("a.jsonl", "3", True, "fraud", None, None, None),  # missed
        ("a.jsonl", "4", False, "benign", None, 0, "phishing"),  # false alarm
        ("a.jsonl", "5", False, "benign", None, None, None),
    ]
    t = V.totals(rows)["a.jsonl"]
    assert (t["harmful"], t["alerted"], t["on_time"], t["category"]) == (3, 2, 1, 1)
    assert (t["benign"], t["fa"]) == (2, 1)


def test_diff_names_only_the_conversations_whose_verdict_moved() -> None:
    before = [
        ["a", "1", True, "fraud", 2, 3, "fraud"],
        ["a", "2", False, "benign", None, None, None],
    ]
    after = [
        ["a", "1", True, "fraud", 2, 1, "fraud"],
        ["a", "2", False, "benign", None, None, None],
    ]
    changed = V.diff(before, after)
    assert "alert 3 -> 1" in changed and "\n" not in changed  # one line: conversation 1
    assert V.diff(before, before) == "no verdict changed"


def test_a_run_scans_labelled_files_and_saves_rows(tmp_path: Path) -> None:
    data = tmp_path / "x.jsonl"
    convs = [
        {
            "id": "k",
            "lang": "vi",
            "messages": [
                {
                    "from": "a",
                    "text": "Đây là cán bộ công an, em liên quan vụ rửa tiền, không được nói "
                    "với ai, ra nhà nghỉ thuê phòng một mình",
                }
            ],
            "label": {"category": "online_kidnapping", "must_alert_by": 0},
        },
        {
            "id": "b",
            "lang": "en",
            "messages": [{"from": "a", "text": "see you at practice tomorrow"}],
            "label": {"category": "benign", "must_alert_by": None},
        },
    ]
    data.write_text(
        "\n".join(json.dumps(c, ensure_ascii=False) for c in convs) + "\n", encoding="utf-8"
    )
    out = tmp_path / "rows.json"
    assert V.main([str(data), "--jobs", "1", "--out", str(out)]) == 0
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert [(r[1], r[5]) for r in rows] == [("k", 0), ("b", None)]
