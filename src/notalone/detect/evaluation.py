"""The evaluation harness: metrics from labelled conversations and scan results.

Inputs are plain values so any detector can be measured the same way: a :class:`Label` per
conversation (from its ``label`` field) and the scan result object (``Assessment.to_dict()``, or
any mapping with ``risk``, ``category`` and ``first_alert_at``). "Alerted" means
``first_alert_at is not None``.

Reported (see :func:`evaluate`):

* harmful-vs-benign precision, recall, F1, F0.5; false-alarm rate on benign; ROC-AUC of risk;
* per category precision/recall/F1 and the confusion matrix (true category x predicted, where
  "predicted" is the alert's category, ``benign`` when there is no alert);
* early warning: the share of harmful conversations with timing (``must_alert_by`` not null)
  alerted at or before ``must_alert_by``; the median delay in messages
  (``max(0, first_alert_at - must_alert_by)`` over those alerted); and the latency-weighted F1.

Latency-weighted F1 (Sadeque, Xu & Bethard, WSDM 2018, "Measuring the latency of depression
detection in social media", adopted by Losada & Crestani's eRisk as F-latency, a companion of
their ERDE):  ``F_latency = F1 * speed`` with
``speed = mean over true positives of (1 - penalty(delay))`` and
``penalty(delay) = 2 / (1 + exp(-p * delay)) - 1``. ``delay`` is the number of messages read
past the point an alert was due: ``first_alert_at - must_alert_by`` (clipped at 0) when the
source gives timing, else ``first_alert_at`` (messages read before deciding, Sadeque's k - 1).
``p`` follows the literature's rule: the penalty is 0.5 at the median number of messages of
the harmful conversations, ``p = ln 3 / (median_length - 1)`` (eRisk computed p = 0.0078 that
way for its corpus); it is clipped to a median length of at least 2 and reported with the
result. Sadeque et al. take the median over true positives; the mean used here (as the
project's spec asks) punishes a few very late alerts more.

Plots (``write_plots``) need matplotlib, imported only there.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

BENIGN = "benign"
CATEGORY_ORDER = ("online_kidnapping", "grooming", "sextortion", "fraud", "phishing", BENIGN)
DEV_SHARE = 5  # files without a split field: one conversation in 5 (by id hash) is dev


@dataclass(frozen=True, slots=True)
class Label:
    id: str
    category: str
    must_alert_by: int | None = None
    source: str = "unknown"
    lang: str = "unknown"
    split: str | None = None
    length: int = 0

    @property
    def harmful(self) -> bool:
        return self.category != BENIGN


def assigned_split(obj: Mapping[str, Any]) -> str:
    """The split of a labelled conversation: ``label.split`` when present, else a stable
    deterministic hold-out (CRC-32 of the id: one in :data:`DEV_SHARE` is ``dev``)."""
    label = obj.get("label")
    if isinstance(label, Mapping) and isinstance(label.get("split"), str):
        return str(label["split"])
    key = str(obj.get("id", ""))
    return "dev" if zlib.crc32(key.encode("utf-8")) % DEV_SHARE == 0 else "train"


def label_of(obj: Mapping[str, Any]) -> Label:
    """Read the ``label`` field of one conversation object (``ValueError`` when unusable)."""
    label = obj.get("label")
    if not isinstance(label, Mapping):
        raise ValueError("conversation has no 'label' object")
    category = label.get("category")
    if category is None:
        category = BENIGN
    if not isinstance(category, str):
        raise ValueError("label.category must be a string")
    due = label.get("must_alert_by")
    if due is not None and not isinstance(due, int):
        raise ValueError("label.must_alert_by must be an integer or null")
    messages = obj.get("messages")
    lang = obj.get("lang")
    return Label(
        id=str(obj.get("id", "")),
        category=category,
        must_alert_by=due,
        source=str(label.get("source", "unknown")),
        lang=lang if isinstance(lang, str) and lang else "unknown",
        split=assigned_split(obj),
        length=len(messages) if isinstance(messages, list) else 0,
    )


# -- basic metrics -------------------------------------------------------------------------


def _div(a: float, b: float) -> float | None:
    return a / b if b else None


def f_beta(precision: float | None, recall: float | None, beta: float) -> float | None:
    if precision is None or recall is None:
        return None
    b2 = beta * beta
    den = b2 * precision + recall
    return (1 + b2) * precision * recall / den if den else 0.0


def roc_auc(y_true: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve (Mann-Whitney, ties count half); None with one class only."""
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_s, return_index=True, return_counts=True)
    avg = first + (counts - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def binary_metrics(y_true: Sequence[bool], y_pred: Sequence[bool]) -> dict[str, Any]:
    tp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t and p)
    fp = sum(1 for t, p in zip(y_true, y_pred, strict=True) if not t and p)
    fn = sum(1 for t, p in zip(y_true, y_pred, strict=True) if t and not p)
    tn = len(y_true) - tp - fp - fn
    precision = _div(tp, tp + fp)
    recall = _div(tp, tp + fn)
    if precision is None and recall is not None:
        precision = 1.0 if fn == 0 else 0.0  # no alerts at all: nothing claimed, nothing wrong
    return {
        "n": len(y_true),
        "harmful": tp + fn,
        "benign": fp + tn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision,
        "recall": recall,
        "f1": f_beta(precision, recall, 1.0),
        "f0_5": f_beta(precision, recall, 0.5),
        "false_alarm_rate": _div(fp, fp + tn),
    }


def per_category(labels: Sequence[Label], predicted: Sequence[str]) -> dict[str, Any]:
    """Precision/recall/F1 per category and the confusion matrix (rows: true, cols: predicted)."""
    present = {lab.category for lab in labels} | set(predicted)
    order = [c for c in CATEGORY_ORDER if c in present] + sorted(present - set(CATEGORY_ORDER))
    index = {c: i for i, c in enumerate(order)}
    matrix = [[0] * len(order) for _ in order]
    for lab, pred in zip(labels, predicted, strict=True):
        matrix[index[lab.category]][index[pred]] += 1
    out: dict[str, Any] = {}
    for c, i in index.items():
        tp = matrix[i][i]
        col = sum(row[i] for row in matrix)
        row_total = sum(matrix[i])
        p, r = _div(tp, col), _div(tp, row_total)
        out[c] = {"support": row_total, "precision": p, "recall": r, "f1": f_beta(p, r, 1.0)}
    return {"labels": order, "matrix": matrix, "per_category": out}


def latency_p(lengths: Iterable[int]) -> float:
    """p such that the latency penalty is 0.5 at the median conversation length (Sadeque et al.)."""
    values = sorted(lengths)
    median = float(np.median(values)) if values else 2.0
    return math.log(3.0) / (max(median, 2.0) - 1.0)


def latency_penalty(delay: float, p: float) -> float:
    return 2.0 / (1.0 + math.exp(-p * max(delay, 0.0))) - 1.0


def early_warning(
    labels: Sequence[Label],
    results: Sequence[Mapping[str, Any]],
    f1: float | None,
    p: float | None = None,
) -> dict[str, Any]:
    harmful = [(lab, res) for lab, res in zip(labels, results, strict=True) if lab.harmful]
    timed = [(lab, res) for lab, res in harmful if lab.must_alert_by is not None]
    on_time = 0
    delays: list[int] = []
    for lab, res in timed:
        at = res.get("first_alert_at")
        if at is None:
            continue
        assert lab.must_alert_by is not None
        if at <= lab.must_alert_by:
            on_time += 1
        delays.append(max(0, at - lab.must_alert_by))
    if p is None:
        p = latency_p(lab.length for lab, _ in harmful)
    speeds = []
    for lab, res in harmful:
        at = res.get("first_alert_at")
        if at is None:
            continue
        delay = at - lab.must_alert_by if lab.must_alert_by is not None else at
        speeds.append(1.0 - latency_penalty(delay, p))
    speed = float(np.mean(speeds)) if speeds else None
    return {
        "timed": len(timed),
        "on_time": on_time,
        "on_time_rate": _div(on_time, len(timed)),
        "median_delay": float(np.median(delays)) if delays else None,
        "latency_p": p,
        "speed": speed,
        "latency_f1": f1 * speed if f1 is not None and speed is not None else None,
    }


def _alerted(res: Mapping[str, Any]) -> bool:
    return res.get("first_alert_at") is not None


def _predicted_category(res: Mapping[str, Any]) -> str:
    if not _alerted(res):
        return BENIGN
    cat = res.get("category")
    return str(cat) if cat else "unknown"


def evaluate(
    labels: Sequence[Label],
    results: Sequence[Mapping[str, Any]],
    *,
    by: str | None = None,
    latency: float | None = None,
) -> dict[str, Any]:
    """All metrics for one run; ``by`` (source, lang or category) adds a per-group breakdown."""
    if len(labels) != len(results):
        raise ValueError(f"{len(labels)} labels but {len(results)} results")
    y_true = [lab.harmful for lab in labels]
    y_pred = [_alerted(r) for r in results]
    risks = [float(r.get("risk", 0.0) or 0.0) for r in results]
    binary = binary_metrics(y_true, y_pred)
    binary["roc_auc"] = roc_auc(y_true, risks)
    report: dict[str, Any] = {
        "binary": binary,
        "categories": per_category(labels, [_predicted_category(r) for r in results]),
        "early_warning": early_warning(labels, results, binary["f1"], latency),
    }
    alerted_harmful = [
        (lab, r) for lab, r in zip(labels, results, strict=True) if lab.harmful and _alerted(r)
    ]
    report["category_accuracy_on_alerts"] = _div(
        sum(1 for lab, r in alerted_harmful if r.get("category") == lab.category),
        len(alerted_harmful),
    )
    if by is not None:
        report["by"] = {"key": by, "groups": breakdown(labels, results, by)}
    return report


def group_key(by: str) -> Callable[[Label], str]:
    if by not in ("source", "lang", "category"):
        raise ValueError(f"--by must be source, lang or category, not {by!r}")
    return lambda lab: str(getattr(lab, by))


def breakdown(
    labels: Sequence[Label], results: Sequence[Mapping[str, Any]], by: str
) -> dict[str, Any]:
    key = group_key(by)
    groups: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(key(lab), []).append(i)
    out: dict[str, Any] = {}
    for name in sorted(groups):
        idx = groups[name]
        labs = [labels[i] for i in idx]
        res = [results[i] for i in idx]
        m = binary_metrics([lab.harmful for lab in labs], [_alerted(r) for r in res])
        m["roc_auc"] = roc_auc(
            [lab.harmful for lab in labs], [float(r.get("risk", 0.0) or 0.0) for r in res]
        )
        ew = early_warning(labs, res, m["f1"])
        m["on_time_rate"] = ew["on_time_rate"]
        m["median_delay"] = ew["median_delay"]
        out[name] = m
    return out


# -- calibration and curves ----------------------------------------------------------------


def reliability(
    y_true: Sequence[bool], risks: Sequence[float], bins: int = 10
) -> list[dict[str, Any]]:
    """Per risk bin: mean predicted risk, observed harmful share, count."""
    y = np.asarray(y_true, dtype=np.float64)
    r = np.clip(np.asarray(risks, dtype=np.float64), 0.0, 1.0)
    which = np.minimum((r * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        mask = which == b
        n = int(mask.sum())
        out.append(
            {
                "lo": b / bins,
                "hi": (b + 1) / bins,
                "n": n,
                "mean_risk": float(r[mask].mean()) if n else None,
                "observed": float(y[mask].mean()) if n else None,
            }
        )
    return out


def expected_calibration_error(
    y_true: Sequence[bool], risks: Sequence[float], bins: int = 10
) -> float:
    total = len(y_true)
    if not total:
        return 0.0
    err = 0.0
    for b in reliability(y_true, risks, bins):
        if b["n"]:
            err += b["n"] / total * abs(b["mean_risk"] - b["observed"])
    return err


def pr_curve(
    y_true: Sequence[bool], scores: Sequence[float]
) -> tuple[list[float], list[float], list[float]]:
    """Precision, recall and threshold at every distinct score (highest first)."""
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    tps = np.cumsum(y)
    fps = np.cumsum(~y)
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1] if len(s) else np.array([], dtype=int)
    n_pos = max(int(y.sum()), 1)
    precision = tps[last] / np.maximum(tps[last] + fps[last], 1)
    recall = tps[last] / n_pos
    return precision.tolist(), recall.tolist(), s[last].tolist()


def recall_at_false_alarm(
    y_true: Sequence[bool], scores: Sequence[float], max_false_alarm: float
) -> tuple[float, float]:
    """Best recall with a threshold whose false-alarm rate stays <= max_false_alarm; returns
    (recall, threshold)."""
    y = np.asarray(y_true, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    neg = np.sort(s[~y])[::-1]
    allowed = math.floor(max_false_alarm * len(neg))
    # threshold strictly above the (allowed+1)-th highest benign score
    thr = float(neg[allowed]) if allowed < len(neg) else -math.inf
    recall = float((s[y] > thr).mean()) if y.any() else 0.0
    return recall, thr


def write_plots(
    directory: str | Path,
    labels: Sequence[Label],
    results: Sequence[Mapping[str, Any]],
    title: str = "",
) -> list[Path]:
    """Write reliability (calibration) and precision-recall plots as PNG and SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    y = [lab.harmful for lab in labels]
    risks = [float(r.get("risk", 0.0) or 0.0) for r in results]
    written: list[Path] = []

    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    bins = [b for b in reliability(y, risks) if b["n"]]
    ax.plot(
        [b["mean_risk"] for b in bins], [b["observed"] for b in bins], marker="o", label="notalone"
    )
    for b in bins:
        ax.annotate(
            str(b["n"]),
            (b["mean_risk"], b["observed"]),
            fontsize=7,
            xytext=(3, -9),
            textcoords="offset points",
        )
    ece = expected_calibration_error(y, risks)
    ax.set(
        xlabel="predicted risk",
        ylabel="observed share harmful",
        xlim=(0, 1),
        ylim=(0, 1),
        title=f"Reliability {title} (ECE {ece:.3f})".strip(),
    )
    ax.legend(loc="upper left")
    for ext in ("png", "svg"):
        path = out_dir / f"reliability.{ext}"
        fig.savefig(path, dpi=120, bbox_inches="tight")
        written.append(path)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 5))
    if any(y) and not all(y):
        precision, recall, _ = pr_curve(y, risks)
        ax.step(recall, precision, where="post", label=f"risk (AUC {roc_auc(y, risks) or 0:.3f})")
        ax.legend(loc="lower left")
    ax.set(
        xlabel="recall",
        ylabel="precision",
        xlim=(0, 1),
        ylim=(0, 1.02),
        title=f"Precision-recall {title}".strip(),
    )
    for ext in ("png", "svg"):
        path = out_dir / f"precision_recall.{ext}"
        fig.savefig(path, dpi=120, bbox_inches="tight")
        written.append(path)
    plt.close(fig)
    return written


# -- text report ---------------------------------------------------------------------------


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def format_report(report: Mapping[str, Any]) -> str:
    """A readable plain-text rendering of :func:`evaluate`'s result."""
    b = report["binary"]
    ew = report["early_warning"]
    lines = [
        f"conversations: {b['n']} ({b['harmful']} harmful, {b['benign']} benign)",
        f"harmful vs benign: precision {_fmt(b['precision'])}  recall {_fmt(b['recall'])}  "
        f"F1 {_fmt(b['f1'])}  F0.5 {_fmt(b['f0_5'])}",
        f"false-alarm rate on benign: {_fmt(b['false_alarm_rate'], 4)} ({b['fp']} of {b['benign']})"
        f"   ROC-AUC of risk: {_fmt(b['roc_auc'])}",
        f"early warning: {ew['on_time']}/{ew['timed']} alerted at or before must_alert_by "
        f"({_fmt(ew['on_time_rate'])}), median delay {_fmt(ew['median_delay'], 1)} messages, "
        f"latency-weighted F1 {_fmt(ew['latency_f1'])} "
        f"(speed {_fmt(ew['speed'])}, p {_fmt(ew['latency_p'], 4)})",
        f"category right on alerts: {_fmt(report.get('category_accuracy_on_alerts'))}",
        "",
        "per category        support  precision  recall  F1",
    ]
    cats = report["categories"]
    for c in cats["labels"]:
        m = cats["per_category"][c]
        lines.append(
            f"  {c:<18}{m['support']:>7}  {_fmt(m['precision']):>9}  "
            f"{_fmt(m['recall']):>6}  {_fmt(m['f1'])}"
        )
    lines += ["", "confusion (rows true, columns predicted):"]
    short = [c[:8] for c in cats["labels"]]
    lines.append("  " + " " * 18 + "".join(f"{s:>9}" for s in short))
    for c, row in zip(cats["labels"], cats["matrix"], strict=True):
        lines.append(f"  {c:<18}" + "".join(f"{v:>9}" for v in row))
    if "by" in report:
        lines += [
            "",
            f"by {report['by']['key']}:",
            f"  {'group':<32}{'n':>7}{'harmful':>8}{'prec':>7}{'recall':>7}{'F1':>7}"
            f"{'FA rate':>9}{'AUC':>7}{'on time':>8}",
        ]
        for name, m in report["by"]["groups"].items():
            lines.append(
                f"  {name:<32}{m['n']:>7}{m['harmful']:>8}{_fmt(m['precision']):>7}"
                f"{_fmt(m['recall']):>7}{_fmt(m['f1']):>7}{_fmt(m['false_alarm_rate'], 4):>9}"
                f"{_fmt(m['roc_auc']):>7}{_fmt(m['on_time_rate']):>8}"
            )
    return "\n".join(lines)


# -- reading labelled files ----------------------------------------------------------------


@dataclass
class Labelled:
    """Labelled conversations read from files, with the lines that could not be used."""

    labels: list[Label]
    conversations: list[Any]  # notalone.detect.types.Conversation
    problems: list[str]


def windows(data: Labelled, size: int) -> Labelled:
    """Cut every conversation into consecutive windows of ``size`` messages, as benchmarks of
    chat segments do (PAN-12 cuts a chat where it pauses): each window is judged on its own.

    A window of a harmful conversation that ends before the alert is due shows only what
    came before the harm and is dropped; the window that holds the due message keeps it
    (shifted); later windows are due at once. Windows without due timing keep none. A last
    window shorter than half of ``size`` is dropped, unless it is the whole conversation.
    """
    if size < 1:
        raise ValueError("window size must be at least 1")
    out = Labelled([], [], list(data.problems))
    for label, conv in zip(data.labels, data.conversations, strict=True):
        n = len(conv.messages)
        for start in range(0, max(n, 1), size):
            end = min(start + size, n)
            if start and end - start < size / 2:
                break
            due = label.must_alert_by
            if due is not None:
                if end <= due:
                    continue
                due = max(due - start, 0)
            out.labels.append(
                replace(label, id=f"{label.id}#{start}", must_alert_by=due, length=end - start)
            )
            out.conversations.append(
                replace(conv, id=f"{conv.id}#{start}", messages=conv.messages[start:end])
            )
    return out


def load_labelled(paths: Iterable[str | Path], split: str | None = None) -> Labelled:
    """Read labelled JSONL files; ``split`` keeps only that split (see :func:`assigned_split`).

    Bad lines and lines without a usable label are reported in ``problems`` (file:line: why),
    the rest of the file is still read.
    """
    from notalone.detect.parse import LineError, read_jsonl

    out = Labelled([], [], [])
    for path in paths:
        p = Path(path)
        try:
            fh = p.open("rb")
        except OSError as exc:
            out.problems.append(f"{p}: cannot open ({exc.strerror})")
            continue
        with fh:
            for number, conv, raw in read_jsonl(fh):
                if isinstance(conv, LineError):
                    out.problems.append(f"{p}:{number}: {conv.message}")
                    continue
                try:
                    label = label_of(raw)
                except ValueError as exc:
                    out.problems.append(f"{p}:{number}: {exc}")
                    continue
                if split is not None and label.split != split:
                    continue
                out.labels.append(label)
                out.conversations.append(conv)
    return out
