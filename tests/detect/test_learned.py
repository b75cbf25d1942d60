"""The learned stage: a tiny deterministic model trained here on synthetic lines."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from notalone.detect import Detector, Message
from notalone.detect.learned import (
    CORROBORATE_FROM,
    CORROBORATION,
    FORMAT_VERSION,
    LEARNED_BASELINE,
    FeatureRows,
    LearnedStage,
    ModelFormatError,
    SpeakerAggregate,
    combine,
    combined_risk,
    corroborated,
    message_features,
    tokens,
)
from notalone.detect.normalize import normalize

pytest.importorskip("sklearn")

HARMFUL = [
    ("Chuyển tiền ngay vào tài khoản để chứng minh vô tội", "online_kidnapping"),
    ("Em phải thuê khách sạn một mình và không được nói với bố mẹ", "online_kidnapping"),
    ("cong an day, chuyen tien vao stk nay ngay", "online_kidnapping"),
    ("send me a photo of you in your underwear", "grooming"),
    ("don't tell your parents we talk, send a pic", "grooming"),
    ("gửi ảnh nóng cho anh đi em", "grooming"),
    ("WINNER! claim your prize now, call 09061701461", "fraud"),
    ("Bạn đã trúng thưởng 50tr, nhấn link để nhận quà", "fraud"),
    ("free entry to win cash, text WIN to 87121", "fraud"),
]
BENIGN = [
    "ăn cơm chưa em",
    "mai đi học nhớ mang sách nhé",
    "ok see you at the bus stop",
    "haha that game was fun",
    "mẹ ơi con về muộn một chút",
    "did you finish the homework",
    "tối nay đá bóng không",
    "can you send me the notes from class",
    "chúc mừng sinh nhật bạn",
]


def fold(text: str) -> str:
    return normalize(text).text


@pytest.fixture(scope="module")
def stage() -> LearnedStage:
    from notalone.learn.train import fit_stage

    texts = [t for t, _ in HARMFUL] + BENIGN
    labels = [1] * len(HARMFUL) + [0] * len(BENIGN)
    cats = [c for _, c in HARMFUL] + ["benign"] * len(BENIGN)
    return fit_stage(texts, labels, categories=cats, fold=fold, c=10.0)


def test_tokens_fold_digits_and_punctuation() -> None:
    assert tokens("call 0906,now!!") == ["call", "0000", "now"]
    feats, value = message_features("hi there")
    assert "w:hi" in feats and "g:<hi>" in feats and "b:hi there" in feats
    assert value == pytest.approx(1 / math.sqrt(2))


def test_harmful_ranks_above_benign(stage: LearnedStage) -> None:
    harmful = [stage.message_probability(fold(t)) for t, _ in HARMFUL]
    benign = [stage.message_probability(fold(t)) for t in BENIGN]
    assert min(harmful) > max(benign)
    assert stage.message_probability(fold("chuyển tiền ngay để chứng minh vô tội")) > 0.5


def test_diacritics_do_not_matter(stage: LearnedStage) -> None:
    with_marks = stage.message_probability(fold("Chuyển tiền ngay vào tài khoản"))
    without = stage.message_probability(fold("chuyen tien ngay vao tai khoan"))
    assert with_marks == pytest.approx(without)


def test_fast_path_equals_feature_sum(stage: LearnedStage) -> None:
    for text in ["gửi ảnh nóng cho anh đi em", "", "ok", "a" * 60 + " b", "call 0906 now!!"]:
        folded = fold(text)
        feats, value = message_features(folded)
        exact = stage.bias + value * sum(stage.weights.get(f, 0.0) for f in feats)
        assert stage.message_logit(folded) == pytest.approx(exact, abs=1e-9)


def test_category_head(stage: LearnedStage) -> None:
    assert set(stage.categories) == {"online_kidnapping", "grooming", "fraud"}
    assert stage.message_category(fold("send me a photo of you")) == "grooming"
    assert stage.message_category(fold("WINNER! claim your prize, text WIN")) == "fraud"


def test_save_load_round_trip_without_pickle(stage: LearnedStage, tmp_path: Path) -> None:
    stage.card = {"name": "tiny", "data": "synthetic"}
    npz, card = stage.save(tmp_path, "tiny")
    with np.load(npz, allow_pickle=False) as data:
        assert all(data[k].dtype != object for k in data.files)
    loaded = LearnedStage.load(tmp_path, "tiny")
    assert json.loads(card.read_text())["format_version"] == FORMAT_VERSION
    for text in ["chuyen tien ngay", "ăn cơm chưa"]:
        assert loaded.message_probability(fold(text)) == pytest.approx(
            stage.message_probability(fold(text)), abs=1e-5
        )
    assert loaded.categories == stage.categories
    assert (loaded.calib_a, loaded.calib_b, loaded.top_k) == (
        stage.calib_a,
        stage.calib_b,
        stage.top_k,
    )


def test_version_mismatch_fails_clearly(stage: LearnedStage, tmp_path: Path) -> None:
    _, card = stage.save(tmp_path, "old")
    doc = json.loads(card.read_text())
    doc["format_version"] = FORMAT_VERSION + 1
    card.write_text(json.dumps(doc))
    with pytest.raises(ModelFormatError, match="format version"):
        LearnedStage.load(tmp_path, "old")
    with pytest.raises(ModelFormatError, match="not found"):
        LearnedStage.load(tmp_path, "absent")
    (tmp_path / "broken.npz").write_bytes(b"not a zip")
    (tmp_path / "broken.json").write_text("{}")
    with pytest.raises(ModelFormatError):
        LearnedStage.load(tmp_path, "broken")


def test_speaker_aggregate_top_k_and_bounded() -> None:
    identity = LearnedStage(weights={}, bias=0.0)  # calibration a=1, b=0: the identity
    agg = SpeakerAggregate(identity, k=3, window=10)
    assert agg.update(0.9) == pytest.approx(0.9)  # fewer than k: mean of what was seen
    agg.update(0.1)
    assert agg.score == pytest.approx(0.5)
    for _ in range(3):
        agg.update(0.6)
    assert agg.score == pytest.approx((0.9 + 0.6 + 0.6) / 3)  # weak signals add up
    for _ in range(20):
        agg.update(0.05)
    assert len(agg._recent) == 10  # bounded
    assert agg.score == pytest.approx(0.05)  # old evidence left the window
    assert agg.count == 25


def test_aggregate_matches_brute_force() -> None:
    rng = np.random.default_rng(7)
    identity = LearnedStage(weights={}, bias=0.0)
    agg = SpeakerAggregate(identity, k=5, window=30)
    seen: list[float] = []
    for p in rng.random(500).tolist():
        agg.update(p)
        seen.append(p)
        window = seen[-30:]
        expected = sorted(window, reverse=True)[:5]
        assert agg.score == pytest.approx(sum(expected) / len(expected))


def test_combine() -> None:
    risk, parts = combine(0.0, 0.0)
    assert risk == 0.0 and parts == {"tactics": 0.0, "learned": 0.0}
    risk, parts = combine(0.7, 0.0)
    assert risk == pytest.approx(0.7) and parts["learned"] == 0.0
    risk, parts = combine(0.1, 0.5 / 0.9)  # too little tactic evidence to corroborate: noisy-or
    assert risk == pytest.approx(0.6)
    assert parts["tactics"] + parts["learned"] == pytest.approx(risk)
    assert parts["learned"] > parts["tactics"]
    risk, parts = combine(0.6, 0.005)  # the model reads it as ordinary text: noisy-or
    assert risk == pytest.approx(1 - 0.4 * 0.995)
    risk, parts = combine(0.6, 0.5)  # corroborated: the odds of 0.6 times (0.5 / 0.01) ** 0.8
    odds = 1.5 * (0.5 / LEARNED_BASELINE) ** CORROBORATION
    assert risk == pytest.approx(odds / (1 + odds))
    assert risk > 0.8
    assert parts == {"tactics": pytest.approx(0.6), "learned": pytest.approx(risk - 0.6)}


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_combined_risk_is_monotone(t1: float, t2: float, q1: float, q2: float) -> None:
    """More tactic evidence or a more harmful model reading never lowers the risk, and the
    risk is never below either part."""
    lo_t, hi_t = sorted((t1, t2))
    lo_q, hi_q = sorted((q1, q2))
    assert combined_risk(hi_t, hi_q) >= combined_risk(lo_t, lo_q) - 1e-12
    assert combined_risk(hi_t, lo_q) >= combined_risk(lo_t, lo_q) - 1e-12
    assert combined_risk(lo_t, hi_q) >= combined_risk(lo_t, lo_q) - 1e-12
    assert combined_risk(t1, q1) >= max(t1, q1) - 1e-12
    assert 0.0 <= combined_risk(t1, q1) <= 1.0


def test_corroboration_needs_partial_tactics() -> None:
    assert corroborated(CORROBORATE_FROM - 0.01, 0.9) == 0.0
    assert corroborated(0.5, LEARNED_BASELINE) == 0.0
    # a speaker with half the arc and a clearly harmful-looking reading reaches an alert
    assert corroborated(0.35, 0.05) >= 0.62  # noisy-or alone: 1 - 0.65 * 0.95 = 0.38
    assert combined_risk(0.35, 0.05) == pytest.approx(corroborated(0.35, 0.05))


def test_short_message_is_fast(stage: LearnedStage) -> None:
    folded = [
        fold(t) for t in ["ok em", "mai đi học nhé", "send me a pic now", "haha vui quá"] * 500
    ]
    for f in folded:
        stage.message_probability(f)
    start = time.perf_counter()
    for f in folded:
        stage.message_probability(f)
    per_message = (time.perf_counter() - start) / len(folded)
    assert per_message < 200e-6  # generous for loaded CI machines; bench/compare.py measures it


def test_bundled_model_loads() -> None:
    try:
        bundled = LearnedStage.load()
    except ModelFormatError as exc:
        pytest.skip(f"no bundled model: {exc}")
    assert bundled.card["format_version"] == FORMAT_VERSION
    assert bundled.message_probability(fold("WINNER!! claim your free prize, call now")) > 0.5


_STAGE = Detector.default().learned


@given(st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=60))
def test_the_speaker_aggregate_keeps_the_top_k_of_its_window(values: list[float]) -> None:
    from heapq import nlargest

    stage = _STAGE
    assert stage is not None
    agg = stage.new_aggregate()
    agg.k, agg.window = 3, 7
    for i, p in enumerate(values):
        agg.update(p)
        window = values[max(0, i + 1 - agg.window) : i + 1]
        assert agg._top == nlargest(agg.k, window)


def test_repeating_a_word_does_not_make_text_look_certain() -> None:
    from notalone.detect.detector import bundled_learned_stage

    stage = bundled_learned_stage()
    assert stage is not None
    once = stage.message_logit("a-b . c-d")
    many = stage.message_logit(" . ".join(["a-b . c-d"] * 40))
    # the forty-fold text weighs what three repeats weigh, not sqrt(40) times one
    assert many <= stage.message_logit(" . ".join(["a-b . c-d"] * 3)) + 1e-9
    assert abs(many - stage.bias) < 3 * abs(once - stage.bias) + 1e-9
    # text without heavy repetition is scored as before (the capped path is not taken)
    text = "chuyển tiền vào tài khoản này ngay để xác minh"
    assert stage.message_logit(text) == stage.message_logit(text + " ")


def test_a_platform_link_is_read_as_its_host() -> None:
    from notalone.detect.analyzer import model_text
    from notalone.detect.indicators import extract_indicators

    text = "m xem clip nay di tiktok.com/@hoangyen/video/7291827364 =))"
    assert (
        model_text(text, tuple(extract_indicators(text)), ()) == "m xem clip nay di tiktok.com =))"
    )
    scam = "ib t.me/vieclam_vip88 coc 200k"  # the channel is read as the platform's host too,
    assert "vieclam" not in model_text(scam, tuple(extract_indicators(scam)), ())
    odd = "vao vietcombank-xacminh.top/login ngay"  # a look-alike is read in full
    assert model_text(odd, tuple(extract_indicators(odd)), ()) == odd


@pytest.mark.parametrize(
    "text",
    [
        "m xem clip nay di tiktok.com/@hoangyen/video/7291827364",
        "LMAOO this is literally you before every exam 😭😭 tiktok.com/@st/video/7382115540981",
    ],
)
def test_a_friends_video_link_is_not_an_alert(text: str) -> None:
    # The video id read like a premium-rate number to the model (0.999 before): a post on a
    # platform is where, not what.
    state = Detector.default().new_conversation()
    assert state.add(Message("friend", text)).level in ("none", "low", "medium")


@pytest.mark.parametrize(
    "text",
    [
        "tk của mẹ: 0071000123456 vietcombank",  # a mother's account number, nothing asked
        "Sms my hp, 0168596707",
        "chúc mừng",
    ],
)
def test_a_few_words_of_style_alone_are_not_an_alert(text: str) -> None:
    # Each read 'critical' before: the model alone, on two to five words.
    state = Detector.default().new_conversation()
    assert state.add(Message("someone", text)).level in ("none", "low", "medium")


def test_feature_rows_find_each_name_in_its_row_and_nothing_else() -> None:
    names = ["g:<ab", "w:hello", "b:a b", "w:xin", "g:chào>"]
    rows = FeatureRows(names)
    assert len(rows) == 5 and list(rows) == names
    assert [rows[n] for n in names] == [0, 1, 2, 3, 4]
    assert "w:absent" not in rows and 3 not in rows
    assert rows.lookup(["w:xin", "w:absent", "g:<ab", "w:xin"]) == [3, 0, 3]
    assert FeatureRows().lookup(["w:xin"]) == []


def test_a_saved_and_reloaded_model_keeps_its_category_rows(tmp_path: Path) -> None:
    stage = LearnedStage.load()
    stage.save(tmp_path)
    again = LearnedStage.load(tmp_path)
    assert list(again.category_index) == list(stage.category_index)
    for text in ("send me a photo of you", "WINNER! claim your prize, text WIN"):
        assert again.message_category(text) == stage.message_category(text)
