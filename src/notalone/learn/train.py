"""``notalone train``: build the learned stage reproducibly.

Data: the ``train`` split of every file in ``../shared/datasets/conversations`` (files without a
split field are split deterministically by a hash of the id, one in five to dev) plus the
project's own labelled files (:func:`~notalone.learn.data.project_train_files`: every round
``dev<n>[_<topic>].jsonl`` under ``tests/data``; ``holdout`` and ``*untuned*`` are never read).

Choices are made on a validation part of train, never on dev: one public training conversation
in :data:`VALIDATION_SHARE` (by a hash of its id) is held back; the model is fitted on the rest
for every ``C`` in :data:`C_GRID`, the best ``C`` (mean validation ROC-AUC over the harmful
sources) is kept, the Platt calibration is fitted on the validation conversations, and the
final model is refitted on all training data with that ``C`` and that calibration. The public
``dev`` splits are only measured and reported.

Message labels: every message of a benign conversation is benign; in a harmful conversation the
messages of the speakers other than the young person (``child``) take the conversation's
label and the young person's own messages count as benign. Perverted-Justice conversations are
long (about 1,100 predator lines each), so at most :data:`MAX_MESSAGES_PER_CONVERSATION` lines
per conversation are sampled, with a seeded generator.

Everything random is seeded (:data:`SEED`): the same data gives the same model.
"""

from __future__ import annotations

import datetime as _dt
import math
import random
import sys
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from notalone.detect.evaluation import (
    binary_metrics,
    expected_calibration_error,
    recall_at_false_alarm,
    roc_auc,
)
from notalone.detect.learned import (
    FORMAT_VERSION,
    GRAM_SCALE,
    HASH_BITS,
    MODEL_DIR,
    TOP_K,
    WINDOW,
    FeatureRows,
    LearnedStage,
    feature_bucket,
    feature_scale,
    logit,
    message_features,
)
from notalone.learn.data import (
    PROJECT_DATA,
    REPO_ROOT,
    Example,
    datasets_dir,
    project_train_files,
    public_files,
    read_examples,
)

SEED = 20251001
MAX_MESSAGES_PER_CONVERSATION = 60
PROJECT_WEIGHT = 3.0  # the project's own, in-domain conversations count three times
POSITIVE_BALANCE = 1.0  # positives' total weight relative to negatives' total weight
# Perverted-Justice lines are chat style as much as grooming: at full share they teach the model
# that chatty English is harmful and cost UCI spam AUC 0.981 -> 0.965 on dev (PJ recall at 0.5%
# false alarms unchanged at 0.986).
SOURCE_SHARE = {"grooming_en_pj_predators.jsonl": 0.25}
MAX_BIGRAMS = 20_000  # strongest word-bigram weights kept (each costs look-up time; 50,000: +30%)
C = 2.0  # inverse L2 strength when no validation choice is made (fit_stage's default)
C_GRID = (1.0, 2.0, 4.0)  # candidates, chosen on the validation part of train
VALIDATION_SHARE = 5  # one public training conversation in five is held back for the choices
ALERT_THRESHOLD = 0.62  # the detector's "high" level: alerted when the calibrated risk reaches it


def _memo(fold: Callable[[str], str]) -> Callable[[str], str]:
    cache: dict[str, str] = {}

    def folded(text: str) -> str:
        out = cache.get(text)
        if out is None:
            out = cache[text] = fold(text)
        return out

    return folded


def folder() -> Callable[[str], str]:
    """The same folding the detector applies before its learned stage reads a message (with
    the vocabulary when the knowledge loads; links to platform pages read as their host)."""
    from notalone.detect.analyzer import model_text
    from notalone.detect.indicators import extract_indicators

    vocabulary: frozenset[str] = frozenset()
    try:
        from notalone.detect.lexicon import load_knowledge

        vocabulary = load_knowledge().vocabulary
    except Exception:  # the knowledge is being edited; folding without it is nearly the same
        vocabulary = frozenset()
    return lambda text: model_text(text, tuple(extract_indicators(text)), vocabulary)


@dataclass
class Dataset:
    examples: list[Example]
    files: list[str]


def collect(datasets: Path | None, project_dir: Path = PROJECT_DATA) -> Dataset:
    """Every labelled conversation; ``files`` names them relative to the datasets directory
    (public corpora) or to the repository (the project's own files), never absolutely."""
    examples: list[Example] = []
    files: list[str] = []
    if datasets is not None:
        for path in public_files(datasets):
            examples.extend(read_examples(path))
            files.append(path.relative_to(datasets).as_posix())
    for path in project_train_files(project_dir):
        for ex in read_examples(path):
            # the project's own file is training data as a whole, whatever its split says
            examples.append(
                Example(_with_split(ex, "train"), ex.messages, ex.child, "project:" + ex.file)
            )
        files.append(_relative_name(path))
    return Dataset(examples, files)


def _relative_name(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return path.name


def is_validation(ex: Example) -> bool:
    """The public training conversations held back for the choices (never project files)."""
    if ex.split != "train" or ex.file.startswith("project:"):
        return False
    return zlib.crc32(("validation:" + ex.label.id).encode("utf-8")) % VALIDATION_SHARE == 0


def _with_split(ex: Example, split: str) -> Any:
    from dataclasses import replace

    return replace(ex.label, split=split)


def message_rows(ex: Example, rng: random.Random) -> list[tuple[str, int]]:
    """(text, label) for the messages of one training conversation."""
    rows = []
    harmful = ex.label.harmful
    for sender, text in ex.messages:
        positive = harmful and (ex.child is None or sender != ex.child)
        rows.append((text, int(positive)))
    if len(rows) > MAX_MESSAGES_PER_CONVERSATION:
        rows = rng.sample(rows, MAX_MESSAGES_PER_CONVERSATION)
    return rows


def _balanced_weights(y: Any, groups: Sequence[str]) -> Any:
    """Benign messages weigh 1 (the project's own :data:`PROJECT_WEIGHT`); every source of
    harmful messages gets the same total weight (times its :data:`SOURCE_SHARE`), and all
    harmful messages together weigh
    :data:`POSITIVE_BALANCE` times the benign ones, so the 20,000 sampled Perverted-Justice
    lines do not drown the 1,200 spam messages."""
    w = np.array([PROJECT_WEIGHT if g.startswith("project:") else 1.0 for g in groups])
    neg_total = float(w[y == 0].sum())
    # the project's own files, however many, are one source of harmful messages
    keys = np.asarray(["project:" if g.startswith("project:") else g for g in groups])
    pos_groups = sorted({str(g) for g, yv in zip(keys, y, strict=True) if yv})
    shares = {g: SOURCE_SHARE.get(g, 1.0) for g in pos_groups}
    total_share = sum(shares.values())
    for g in pos_groups:
        mask = (y == 1) & (keys == g)
        w[mask] = POSITIVE_BALANCE * neg_total * shares[g] / total_share / mask.sum()
    return w


def hashed_matrix(features: Sequence[tuple[list[str], float]]) -> Any:
    from scipy.sparse import csr_matrix  # type: ignore[import-untyped]

    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for feats, value in features:
        counts: dict[int, float] = defaultdict(float)
        for f in feats:
            counts[feature_bucket(f)] += feature_scale(f)
        indices.extend(counts)
        data.extend(c * value for c in counts.values())
        indptr.append(len(indices))
    return csr_matrix(
        (data, indices, indptr), shape=(len(features), 1 << HASH_BITS), dtype=np.float64
    )


def conversation_scores(
    stage: LearnedStage, ex: Example, fold: Callable[[str], str], threshold: float
) -> tuple[float, int | None]:
    """Highest calibrated per-speaker probability over the conversation and the first message
    index where it reached ``threshold`` (the detector's alert rule, learned stage alone)."""
    aggs: dict[str, Any] = {}
    best = 0.0
    first: int | None = None
    for i, (sender, text) in enumerate(ex.messages):
        if ex.child is not None and sender == ex.child:
            continue
        agg = aggs.get(sender)
        if agg is None:
            agg = aggs[sender] = stage.new_aggregate()
        q = agg.update(stage.message_probability(fold(text)))
        best = max(best, q)
        if first is None and q >= threshold:
            first = i
    return best, first


def raw_aggregates(stage: LearnedStage, ex: Example, fold: Callable[[str], str]) -> float:
    """Highest uncalibrated aggregate over the speakers (what calibration maps)."""
    aggs: dict[str, Any] = {}
    best = 0.0
    for sender, text in ex.messages:
        if ex.child is not None and sender == ex.child:
            continue
        agg = aggs.get(sender)
        if agg is None:
            agg = aggs[sender] = stage.new_aggregate()
        agg.update(stage.message_probability(fold(text)))
        best = max(best, agg.score)
    return best


def fit_platt(scores: Sequence[float], y: Sequence[int]) -> tuple[float, float]:
    """Platt scaling on logit(score): returns (a, b) with P = sigmoid(a * logit(s) + b)."""
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    x = np.array([[logit(s)] for s in scores])
    model = LogisticRegression(C=1e4, max_iter=1000)
    model.fit(x, np.asarray(y))
    return float(model.coef_[0][0]), float(model.intercept_[0])


def dev_metrics(
    stage: LearnedStage,
    dev: list[Example],
    fold: Callable[[str], str],
    threshold: float = ALERT_THRESHOLD,
) -> dict[str, Any]:
    by_source: dict[str, list[tuple[bool, float, bool]]] = defaultdict(list)
    for ex in dev:
        prob, first = conversation_scores(stage, ex, fold, threshold)
        by_source[ex.label.source].append((ex.label.harmful, prob, first is not None))
    out: dict[str, Any] = {}
    every: list[tuple[bool, float, bool]] = []
    for source in sorted(by_source):
        rows = by_source[source]
        every.extend(rows)
        out[source] = _summary(rows)
    out["all"] = _summary(every)
    # the Perverted-Justice target: predators vs ordinary SMS, at <= 0.5% false alarms
    pj = [r for s, rows in by_source.items() if "perverted" in s for r in rows]
    sms = by_source.get("nus-sms-corpus", [])
    if pj and sms:
        rows = pj + sms
        recall, thr = recall_at_false_alarm([r[0] for r in rows], [r[1] for r in rows], 0.005)
        out["pj_vs_nus"] = {
            **_summary(rows),
            "recall_at_0.5pct_false_alarms": recall,
            "threshold": thr,
        }
    return out


def _summary(rows: Sequence[tuple[bool, float, bool]]) -> dict[str, Any]:
    y = [r[0] for r in rows]
    m = binary_metrics(y, [r[2] for r in rows])
    return {
        "n": m["n"],
        "harmful": m["harmful"],
        "precision": m["precision"],
        "recall": m["recall"],
        "f1": m["f1"],
        "false_alarm_rate": m["false_alarm_rate"],
        "roc_auc": roc_auc(y, [r[1] for r in rows]),
        "ece": expected_calibration_error(y, [r[1] for r in rows]),
    }


def fit_stage(
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    categories: Sequence[str] | None = None,
    weights: Any = None,
    fold: Callable[[str], str] | None = None,
    c: float = C,
    log: TextIO | None = None,
) -> LearnedStage:
    """Fit the message model (and the category head when ``categories`` name at least two
    harmful categories) on hashed features; returns an uncalibrated :class:`LearnedStage`."""
    from sklearn.linear_model import LogisticRegression

    fold = fold or folder()
    y = np.asarray(labels, dtype=np.int64)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    w = w / w.mean()
    feats = [message_features(fold(t)) for t in texts]
    x = hashed_matrix(feats)
    cols = np.unique(x.indices)  # fit only on buckets that occur: much faster
    xs = x[:, cols]
    model = LogisticRegression(C=c, solver="liblinear", max_iter=300, random_state=SEED)
    model.fit(xs, y, sample_weight=w)
    coef = np.zeros(x.shape[1])
    coef[cols] = model.coef_[0]
    if log is not None:
        print(f"  message model: {len(y)} messages, {len(cols)} buckets", file=log)

    # export: every feature string seen in training, with its bucket's weight
    seen: set[str] = set()
    harmful_seen: set[str] = set()
    for (fs, _), yv in zip(feats, y, strict=True):
        seen.update(fs)
        if yv:
            harmful_seen.update(fs)
    # the n-grams' training value is folded into their exported weight
    table = {f: float(coef[feature_bucket(f)]) * feature_scale(f) for f in sorted(seen)}
    table = {f: v for f, v in table.items() if abs(v) >= 1e-3}
    # Bigram look-ups are the hot path's main cost (most miss): keep only the strongest.
    bigrams = sorted((f for f in table if f.startswith("b:")), key=lambda f: -abs(table[f]))
    for f in bigrams[MAX_BIGRAMS:]:
        del table[f]
    stage = LearnedStage(weights=table, bias=float(model.intercept_[0]), top_k=TOP_K, window=WINDOW)

    if categories is None:
        return stage
    rows = [i for i, yv in enumerate(y) if yv]
    cat_y = [categories[i] for i in rows]
    names = sorted(set(cat_y))
    if len(names) < 2:
        stage.categories = tuple(names)
        stage.category_matrix = np.zeros((0, len(names)), dtype=np.float32)
        stage.category_bias = np.zeros(len(names), dtype=np.float32)
        return stage
    xc = xs[rows]
    cm = LogisticRegression(C=c, solver="liblinear", max_iter=300, random_state=SEED)
    coefs_list, inter_list = [], []
    for name in names:  # one-vs-rest, each a small liblinear problem
        cm.fit(xc, np.asarray([int(v == name) for v in cat_y]))
        coefs_list.append(cm.coef_[0].copy())
        inter_list.append(float(cm.intercept_[0]))
    full = np.zeros((len(names), x.shape[1]))
    full[:, cols] = np.vstack(coefs_list)
    keys = sorted(harmful_seen)
    buckets = np.array([feature_bucket(k) for k in keys], dtype=np.int64)
    scales = np.array([feature_scale(k) for k in keys])
    matrix = (full[:, buckets].T * scales[:, None]).astype(np.float32)
    keep = np.abs(matrix).max(axis=1) >= 1e-2
    kept_keys = [k for k, ok in zip(keys, keep.tolist(), strict=True) if ok]
    stage.categories = tuple(names)
    stage.category_index = FeatureRows(kept_keys)
    stage.category_matrix = matrix[keep]
    stage.category_bias = np.asarray(inter_list, dtype=np.float32)
    if log is not None:
        print(f"  category head: {', '.join(names)} ({len(kept_keys)} features)", file=log)
    return stage


def training_rows(
    examples: Sequence[Example],
) -> tuple[list[str], list[int], list[str], list[str]]:
    """Texts, labels, source files and categories of the messages of ``examples``."""
    texts: list[str] = []
    labels: list[int] = []
    groups: list[str] = []
    cats: list[str] = []
    for ex in examples:
        rng = random.Random(SEED ^ zlib.crc32(ex.label.id.encode("utf-8")))
        for text, y in message_rows(ex, rng):
            texts.append(text)
            labels.append(y)
            groups.append(ex.file)
            cats.append(ex.label.category)
    return texts, labels, groups, cats


def validation_auc(
    stage: LearnedStage, examples: Sequence[Example], fold: Callable[[str], str]
) -> float:
    """Mean ROC-AUC over the harmful sources of the validation conversations (a harmful-only
    source is ranked against the benign-only sources pooled)."""
    scored: dict[str, list[tuple[bool, float]]] = defaultdict(list)
    for ex in examples:
        scored[ex.label.source].append((ex.label.harmful, raw_aggregates(stage, ex, fold)))
    benign_only = [r for rows in scored.values() if not any(h for h, _ in rows) for r in rows]
    aucs = []
    for rows in scored.values():
        n_harmful = sum(h for h, _ in rows)
        if n_harmful == 0:
            continue
        pool = rows if n_harmful < len(rows) else rows + benign_only
        auc = roc_auc([h for h, _ in pool], [p for _, p in pool])
        if auc is not None:
            aucs.append(auc)
    return float(np.mean(aucs)) if aucs else float("nan")


def train(
    datasets: str | Path | None = None,
    out: str | Path | None = None,
    *,
    log: TextIO = sys.stdout,
    project_dir: Path = PROJECT_DATA,
    c: float | None = None,
) -> tuple[LearnedStage, dict[str, Any]]:
    """Choose C and the calibration on validation, refit on all of train, evaluate on dev and
    save; returns the stage and its model card. ``c`` skips the choice of C."""
    started = time.perf_counter()
    directory = datasets_dir(datasets)
    if directory is None:
        print(
            "public corpora not found (set NOTALONE_DATASETS or use --datasets): "
            "training on the project's own data only",
            file=log,
        )
    data = collect(directory, project_dir)
    fold = _memo(folder())
    train_ex = [e for e in data.examples if e.split == "train"]
    dev_ex = [e for e in data.examples if e.split == "dev"]
    if not train_ex:
        raise SystemExit("no training data found")
    val_ex = [e for e in train_ex if is_validation(e)]
    fit_ex = [e for e in train_ex if not is_validation(e)]

    used: Counter[tuple[str, str, str]] = Counter()
    for ex in train_ex:
        used[(ex.file, "validation" if is_validation(ex) else "train", ex.label.category)] += 1
    for ex in dev_ex:
        used[(ex.file, "dev", ex.label.category)] += 1
    texts, labels, groups, row_category = training_rows(train_ex)
    y_arr = np.asarray(labels)
    print("data used (conversations):", file=log)
    for (file, split, cat), n in sorted(used.items()):
        print(f"  {file:<40} {split:<10} {cat:<18} {n:>7}", file=log)
    print(f"training messages: {len(texts)} ({int(y_arr.sum())} harmful)", file=log)

    # choices on the validation part of train: C, then the calibration (on all of it: the mix
    # of ordinary text and harm of the corpora, about 3.5% harmful, sets the prior)
    calib_ex = val_ex
    choosing = bool(calib_ex) and 0 < sum(e.label.harmful for e in calib_ex) < len(calib_ex)
    chosen, calibration = (c if c is not None else C), (1.0, 0.0)
    validation: dict[str, Any] = {}
    if choosing:
        f_texts, f_labels, f_groups, _ = training_rows(fit_ex)
        f_weights = _balanced_weights(np.asarray(f_labels), f_groups)
        best: tuple[float, float, LearnedStage] | None = None
        for cand in (c,) if c is not None else C_GRID:
            trial = fit_stage(f_texts, f_labels, weights=f_weights, fold=fold, c=cand)
            auc = validation_auc(trial, val_ex, fold)
            validation[f"C={cand:g}"] = auc
            print(f"  validation: C={cand:g} mean ROC-AUC {auc:.4f}", file=log)
            if best is None or auc > best[0]:
                best = (auc, cand, trial)
        assert best is not None
        chosen = best[1]
        scores = [raw_aggregates(best[2], e, fold) for e in calib_ex]
        calibration = fit_platt(scores, [int(e.label.harmful) for e in calib_ex])
        print(
            f"  chose C={chosen:g}; Platt a={calibration[0]:.3f} b={calibration[1]:.3f} on "
            f"{len(calib_ex)} validation conversations "
            f"[{time.perf_counter() - started:.0f} s]",
            file=log,
        )

    stage = fit_stage(
        texts,
        labels,
        categories=row_category,
        weights=_balanced_weights(y_arr, groups),
        fold=fold,
        c=chosen,
        log=log,
    )
    stage.calib_a, stage.calib_b = calibration
    print(f"fitted in {time.perf_counter() - started:.0f} s", file=log)
    report_ex = [e for e in dev_ex if not e.file.startswith("project:")] or dev_ex
    metrics = dev_metrics(stage, report_ex, fold) if report_ex else {}
    c = chosen

    stage.card = {
        "name": "notalone learned stage",
        "format_version": FORMAT_VERSION,
        "version": _dt.date.today().strftime("%Y.%m.%d"),
        "date": _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
        "seed": SEED,
        "model": {
            "kind": "logistic regression over hashed word, character 3-5-gram and word-bigram "
            "features of the folded text",
            "hash_bits": HASH_BITS,
            "C": c,
            "features": len(stage.weights),
            "category_features": len(stage.category_index),
            "categories": list(stage.categories),
            "aggregation": f"per speaker, mean of the top {TOP_K} message probabilities over the "
            f"last {WINDOW} messages",
            "gram_scale": GRAM_SCALE,
            "calibration": {
                "method": "platt",
                "a": stage.calib_a,
                "b": stage.calib_b,
                "fitted_on": "validation part of train (one public training conversation in "
                f"{VALIDATION_SHARE}, all sources pooled)",
            },
            "validation_mean_roc_auc": validation,
        },
        "data": {
            "files": data.files,
            "training_messages": len(texts),
            "training_harmful_messages": int(y_arr.sum()),
            "conversations": [
                {"file": f, "split": s, "category": cat, "n": n}
                for (f, s, cat), n in sorted(used.items())
            ],
            "note": "public files are relative to the datasets directory, the project's own to "
            "the repository; holdout files are never used; the project's own files are training "
            "data as a whole; dev splits are reported, never used for a choice",
        },
        "dev_metrics": metrics,
        "alert_threshold": ALERT_THRESHOLD,
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    target = Path(out) if out is not None else MODEL_DIR / "learned.npz"
    npz, card = stage.save(target.parent, target.stem)
    size = npz.stat().st_size / 1e6
    print(
        f"\ndev metrics (learned stage alone, alert at calibrated p >= {ALERT_THRESHOLD}):",
        file=log,
    )
    for name, m in metrics.items():
        extra = ""
        if "recall_at_0.5pct_false_alarms" in m:
            extra = f"  recall@0.5%FA {m['recall_at_0.5pct_false_alarms']:.3f}"
        print(
            f"  {name:<36} n={m['n']:<6} P={_f(m['precision'])} R={_f(m['recall'])} "
            f"F1={_f(m['f1'])} "
            f"FA={_f(m['false_alarm_rate'], 4)} AUC={_f(m['roc_auc'])} ECE={_f(m['ece'])}{extra}",
            file=log,
        )
    print(f"\nwrote {npz} ({size:.1f} MB) and {card}", file=log)
    return stage, stage.card


def _f(v: Any, digits: int = 3) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"
