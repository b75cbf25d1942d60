"""``extract_indicators``: every indicator in one chat message, with spans in the original text.

Cost model: one cheap regex decides whether the message can hold any indicator at all
(no digit, no "@", no "word.word" -> nothing to do); only then do the per-kind regexes
run, and phonenumbers is called only on digit runs shaped like a phone number.
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
import unicodedata
from collections.abc import Callable, Mapping

from ._text import strip_accents
from .banks import account_digits, banks, is_ewallet
from .crypto import find_wallets
from .emails import EMAIL, normalize_email
from .handles import find_at_handles, handle_from_url
from .links import (
    BARE_HOST,
    URL_WITH_SCHEME,
    known_tld,
    normalize_url,
    registered_domain,
    split_url,
    trim_url,
)
from .lookalike import assess_domain
from .money import find_money
from .phones import NUMBER_TOKEN, find_in_token, parse_phone
from .types import DomainAssessment, Indicator, IndicatorError, make_attrs

logger = logging.getLogger(__name__)

_TRIGGER = re.compile(r"[0-9@]|[^\W_]\.[^\W\d_]")
# Cheap test for a hidden dot: only then is ``DEFANGED`` tried ("chấm" only with its accents:
# "cham" without them is an everyday Vietnamese word).
_DEFANG_HINT = re.compile(
    r"[\[({]\s*(?:\.|dot|chấm)\s*[\])}]|[^\W_]\s+(?:\.|dot|chấm)\s+[^\W_]", re.I
)
# A link written so that nothing turns it into a link: "vcb-xacthuc . top", "x[.]com",
# "x (dot) com", "x chấm com". Bracketed dots are always deliberate; spaced ones only count
# when a label holds a hyphen or a digit (plain words around " . " are a sentence, not a host).
_DEFANG_SEP = r"(?:\s*[\[({]\s*(?:\.|dot|chấm)\s*[\])}]\s*|\s+\.\s+|\s+(?:dot|chấm)\s+)"
# a label may also hide its hyphens between spaces: "momo - xacthuc . vip"
_DEFANG_PART = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DEFANG_LABEL = rf"{_DEFANG_PART}(?:[ \t]+-[ \t]+{_DEFANG_PART}){{0,4}}"
_SPACED_HYPHEN = re.compile(r"[ \t]+-[ \t]+")
DEFANGED = re.compile(
    rf"(?<![\w.\-]){_DEFANG_LABEL}(?:{_DEFANG_SEP}{_DEFANG_LABEL})+(?![\w\-])(?:/[^\s]*)?",
    re.IGNORECASE,
)
_DEFANG_SPLIT = re.compile(_DEFANG_SEP, re.IGNORECASE)
_DOTWORD = re.compile(r"[^\W_]\.[^\W\d_]")
_DIGIT = re.compile(r"[0-9]")
# every phone, short code and account has a run of 3 digits, or is "+<digit>..."
_PHONE_GATE = re.compile(r"[0-9]{3}|\+ ?[0-9]")
_WINDOW = 40
_MAX_CANDIDATES = 2000  # per message and kind: bounds the work on hostile 1 MB input

_ACCOUNT_WORDS = (
    "stk", "số tk", "so tk", "số tài khoản", "tài khoản", "tk", "account", "acct", "acc",
    "a/c", "compte", "numéro de compte", "ck", "chuyển khoản", "chuyển tiền", "ctk", "chủ tk",
    "chủ tài khoản", "ngân hàng", "bank", "banque", "iban", "rib", "ví điện tử", "số ví",
)  # fmt: skip
_PHONE_WORDS = (
    "sđt", "sdt", "số điện thoại", "điện thoại", "đt", "đth", "gọi", "call", "phone", "tel",
    "hotline", "zalo", "liên hệ", "lh", "nhắn tin", "nhắn", "sms", "tổng đài", "đầu số",
    "viber", "whatsapp", "số máy", "alo", "telegram", "tele", "soạn tin", "gửi tin", "gửi đến",
    "téléphone", "tél", "appelle", "appelez", "numéro", "mobile", "contact", "di động",
)  # fmt: skip
_OTHER_WORDS = (
    "mã đơn", "mã đơn hàng", "đơn hàng", "vận đơn", "mã vận đơn", "order", "mã giao dịch",
    "mgd", "otp", "mã otp", "mã xác nhận", "mã xác thực", "code", "cccd", "cmnd", "căn cước",
    "mst", "mã số thuế", "serial", "seri", "imei", "tracking", "mã", "ref", "invoice",
    "hóa đơn", "hoá đơn", "id", "uid", "mã số", "mssv", "biển số", "commande",
    "password", "mật khẩu", "mk", "pin",
)  # fmt: skip
# Words before a date or a time ("ngày 12 05", "lúc 14 30"): they keep a short number from being
# read as a phone, never a whole phone number ("gọi ngay 0912345678": without accents "ngay",
# "at once", is spelled like "ngày").
_WHEN_WORDS = ("lúc", "ngày")
_WHEN_MAX_DIGITS = 8


@functools.lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", strip_accents(text).lower())


_WORD = re.compile(r"(?:[^\W\d_][\u0300-\u036f]*)+")
_MAX_PHRASE_WORDS = 5


def _key(text: str) -> str:
    return re.sub(r"[\W_]", "", unicodedata.normalize("NFC", text).lower())


def _phrase_words(phrase: str) -> list[str]:
    return [w for w in re.split(r"[\s/\-_.]+", phrase) if w]


@functools.cache
def _keywords() -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    """Context phrases by exact (accented) key and by accent-free key -> category, and
    the keys of every phrase's first word (a cheap filter)."""
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    firsts: set[str] = set()

    def put(phrase: str, cat: str) -> None:
        words = _phrase_words(phrase)
        if not words:
            return
        exact.setdefault("".join(_key(w) for w in words), cat)
        folded.setdefault("".join(_fold(w) for w in words), cat)
        firsts.add(_key(words[0]))
        firsts.add(_fold(words[0]))

    for words, cat in (
        (_ACCOUNT_WORDS, "account"),
        (_PHONE_WORDS, "phone"),
        (_OTHER_WORDS, "other"),
        (_WHEN_WORDS, "when"),
    ):
        for w in words:
            put(w, cat)
    for bank in banks().values():
        for alias in (*bank.aliases, bank.short_name):
            if len(_fold(alias)) >= 2:
                put(alias, "bank:" + bank.code)
    return exact, folded, frozenset(firsts)


def _context_words(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
    """(start, end, category) of context phrases in ``text[start:end]``, longest first.

    Accent-aware: "má" is not "mã", but "ma" typed without accents is.
    """
    exact, folded, firsts = _keywords()
    words: list[tuple[int, int, str, str]] = []
    for m in _WORD.finditer(text, start, len(text) if end is None else end):
        w = m.group()
        k = unicodedata.normalize("NFC", w).lower() if not w.isascii() else w.lower()
        f = k if k.isascii() else _fold(k)
        words.append((m.start(), m.end(), k, f))
    out: list[tuple[int, int, str]] = []
    i = 0
    n = len(words)
    while i < n:
        if words[i][2] not in firsts and words[i][3] not in firsts:
            i += 1
            continue
        hit = None
        key = fold = ""
        keys: list[tuple[str, str]] = []
        for j in range(min(_MAX_PHRASE_WORDS, n - i)):
            key += words[i + j][2]
            fold += words[i + j][3]
            keys.append((key, fold))
        for size in range(len(keys), 0, -1):
            key, fold = keys[size - 1]
            cat = exact.get(key)
            if cat is None and key == fold:  # typed without accents: compare accent-free
                cat = folded.get(fold)
            if cat is not None:
                hit = (words[i][0], words[i + size - 1][1], cat, size)
                break
        if hit is None:
            i += 1
            continue
        out.append(hit[:3])
        i += hit[3]
    return out


class _Mask:
    """Which characters are already part of an indicator."""

    def __init__(self, size: int) -> None:
        self._bits = bytearray(size)

    def free(self, start: int, end: int) -> bool:
        return self._bits.find(1, start, end) == -1

    def take(self, start: int, end: int) -> None:
        self._bits[start:end] = b"\x01" * (end - start)


def _domain_attrs(
    a: DomainAssessment, apk: bool = False, defanged: bool = False
) -> Mapping[str, str]:
    return make_attrs(
        host=a.host,
        domain=a.registered_domain,
        official="1" if a.official_brand else None,
        brand=a.official_brand,
        user_content="1" if a.user_content else None,
        lookalike_of=a.lookalike_of,
        reason=a.reason,
        shortener="1" if a.shortener else None,
        apk="1" if apk else None,
        ip="1" if a.ip else None,
        idn=a.unicode_host,
        defanged="1" if defanged else None,
    )


class _Extractor:
    def __init__(self, text: str, region: str) -> None:
        self.text = text
        self.region = region
        self.out: list[Indicator] = []
        self.mask = _Mask(len(text))

    def add(self, kind: str, start: int, end: int, key: str, attrs: Mapping[str, str]) -> None:
        self.out.append(Indicator(kind, self.text[start:end], key, start, end, attrs))

    # -- links -------------------------------------------------------------------------
    def url(self, start: int, raw: str, scheme: bool) -> None:
        end = start + len(raw)
        parts = split_url(raw if scheme else "https://" + raw)
        try:
            key = normalize_url(raw)
            assessment = assess_domain(raw if scheme else "https://" + raw)
        except IndicatorError:
            return
        has_path = bool(parts.path.strip("/")) or bool(parts.query)
        if scheme or has_path:
            self.add("url", start, end, key, _domain_attrs(assessment, assessment.apk))
        # the host as its own "domain" indicator
        host_at = raw.find(parts.host, raw.find("@") + 1 if parts.userinfo else 0)
        if host_at != -1 and parts.host:
            dom_key = assessment.registered_domain or (assessment.host if assessment.ip else None)
            if dom_key:
                self.add(
                    "domain",
                    start + host_at,
                    start + host_at + len(parts.host),
                    dom_key,
                    _domain_attrs(assessment),
                )
        handle = handle_from_url(assessment.host, parts.path, parts.query, self.region)
        if handle is not None:
            self.add("handle", start, end, handle, make_attrs(platform=handle.split(":", 1)[0]))
        self.mask.take(start, end)

    def links(self) -> None:
        text = self.text
        if "://" in text:
            for n, m in enumerate(URL_WITH_SCHEME.finditer(text)):
                if n >= _MAX_CANDIDATES:
                    break
                self.url(m.start(), trim_url(m.group()), scheme=True)
        if "@" in text:
            self.emails()
        self.defanged()
        if not _DOTWORD.search(text):
            return
        for n, m in enumerate(BARE_HOST.finditer(text)):
            if n >= _MAX_CANDIDATES:
                break
            if not self.mask.free(m.start(), m.end()):
                continue
            raw = trim_url(m.group())
            host = raw.split("/", 1)[0].split(":", 1)[0]
            labels = host.split(".")
            tld = labels[-1]
            if not (tld.isascii() and (tld.isalpha() or tld.lower().startswith("xn--"))):
                continue
            if len(tld) < 2 or any(not lab or lab[0] == "-" or lab[-1] == "-" for lab in labels):
                continue
            if not known_tld(tld) or registered_domain(host) is None:
                continue
            self.url(m.start(), raw, scheme=False)

    def defanged(self) -> None:
        """Links whose dots are hidden (see ``DEFANGED``): the span is the text as written."""
        if not _DEFANG_HINT.search(self.text):
            return
        for n, m in enumerate(DEFANGED.finditer(self.text)):
            if n >= _MAX_CANDIDATES:
                break
            if not self.mask.free(m.start(), m.end()):
                continue
            written = m.group()
            host, slash, path = written.partition("/")
            labels = _DEFANG_SPLIT.split(host)
            bracketed = any(c in host for c in "[({")
            if not bracketed and not any(
                "-" in label or any(c.isdigit() for c in label) for label in labels[:-1]
            ):
                continue
            labels = [_SPACED_HYPHEN.sub("-", label) for label in labels]
            joined = ".".join(label.lower() for label in labels)
            tld = labels[-1]
            if not tld.isalpha() or not known_tld(tld) or registered_domain(joined) is None:
                continue
            raw = joined + slash + path
            try:
                key = normalize_url(raw)
                assessment = assess_domain("https://" + raw)
            except IndicatorError:
                continue
            if path.strip("/"):
                attrs = _domain_attrs(assessment, assessment.apk, defanged=True)
                self.add("url", m.start(), m.end(), key, attrs)
            dom_key = assessment.registered_domain
            if dom_key:
                end = m.start() + len(host.rstrip())
                self.add(
                    "domain", m.start(), end, dom_key, _domain_attrs(assessment, defanged=True)
                )
            self.mask.take(m.start(), m.end())

    def emails(self) -> None:
        for n, m in enumerate(EMAIL.finditer(self.text)):
            if n >= _MAX_CANDIDATES:
                break
            if not self.mask.free(m.start(), m.end()):
                continue
            try:
                key = normalize_email(m.group())
            except IndicatorError:
                continue
            domain = key.rpartition("@")[2]
            if registered_domain(domain) is None:
                continue
            try:
                a = assess_domain(domain)
            except IndicatorError:
                continue
            attrs = make_attrs(
                domain=a.registered_domain,
                official="1" if a.official_brand else None,
                brand=a.official_brand,
                lookalike_of=a.lookalike_of,
                reason=a.reason,
            )
            self.add("email", m.start(), m.end(), key, attrs)
            self.mask.take(m.start(), m.end())

    def handles(self) -> None:
        for start, end, key, platform in find_at_handles(self.text, _WINDOW)[:_MAX_CANDIDATES]:
            if self.mask.free(start, end):
                self.add("handle", start, end, key, make_attrs(platform=platform))
                self.mask.take(start, end)

    # -- digits ------------------------------------------------------------------------
    def wallets(self) -> None:
        for start, end, key in find_wallets(self.text)[:_MAX_CANDIDATES]:
            if self.mask.free(start, end):
                self.add("crypto_wallet", start, end, key, make_attrs(chain=key.split(":")[0]))
                self.mask.take(start, end)

    def money(self) -> None:
        for start, end, currency, amount in find_money(self.text)[:_MAX_CANDIDATES]:
            if self.mask.free(start, end):
                self.add("money", start, end, f"{currency}:{amount}", make_attrs(currency=currency))
                self.mask.take(start, end)

    def numbers(self) -> None:
        text = self.text
        tokens = []
        for m in NUMBER_TOKEN.finditer(text):
            if self.mask.free(m.start(), m.end()):
                tokens.append((m.start(), m.end()))
                if len(tokens) >= _MAX_CANDIDATES:
                    break
        if not tokens:
            return
        starts = [s for s, _ in tokens]
        # each context word is given to the nearest number; a word after the number counts less
        context: list[list[tuple[int, str, int]]] = [[] for _ in tokens]
        # only the text around the numbers is read for context words
        spans: list[list[int]] = []
        for s, e in tokens:
            lo, hi = max(0, s - _WINDOW - 1), e + _WINDOW + 1
            if spans and lo <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], hi)
            else:
                spans.append([lo, hi])
        found = [hit for lo, hi in spans for hit in _context_words(text, lo, hi)]
        for kw_start, kw_end, cat in found:
            best: tuple[int, int] | None = None
            i = bisect.bisect_left(starts, kw_end)
            if i < len(tokens) and tokens[i][0] - kw_end <= _WINDOW:
                best = (tokens[i][0] - kw_end, i)
            j = i - 1
            while j >= 0 and tokens[j][1] > kw_start:
                j -= 1
            if j >= 0 and kw_start - tokens[j][1] <= _WINDOW:
                eff = (kw_start - tokens[j][1]) * 2 + 3
                if best is None or eff < best[0]:
                    best = (eff, j)
            if best is not None:
                context[best[1]].append((best[0], cat, kw_start))
        for (start, end), ctx in zip(tokens, context, strict=True):
            self.number(start, end, sorted(ctx))

    def number(self, start: int, end: int, ctx: list[tuple[int, str, int]]) -> None:
        token = self.text[start:end]
        nearest: dict[str, int] = {}
        bank: str | None = None
        explicit_account = False
        for dist, cat, _ in ctx:
            group = "account" if cat.startswith("bank:") else cat
            nearest.setdefault(group, dist)
            if cat.startswith("bank:") and bank is None:
                bank = cat[5:]
            if cat == "account":
                explicit_account = True
        d_acc = nearest.get("account", 10**9)
        d_phone = nearest.get("phone", 10**9)
        d_other = nearest.get("other", 10**9)
        d_when = nearest.get("when", 10**9)
        if d_when < d_other and sum(c.isdigit() for c in token) <= _WHEN_MAX_DIGITS:
            d_other = d_when
        if d_acc < 10**9 and d_acc <= d_phone and d_acc <= d_other and "+" not in token:
            digits = account_digits(token)
            amount_like = re.fullmatch(r"[1-9]\d*000", digits or "") or re.fullmatch(
                r"\d{1,3}(?:[.,]\d{3})+", token
            )
            if digits and (explicit_account or not amount_like):
                code = bank or "UNKNOWN"
                phone_key = None
                try:
                    phone_key = parse_phone(digits, self.region)[0] if digits[0] == "0" else None
                except IndicatorError:
                    phone_key = None
                self.add(
                    "bank_account",
                    start,
                    end,
                    f"{code}:{digits}",
                    make_attrs(bank=code, phone=phone_key),
                )
                if phone_key and bank and is_ewallet(bank):
                    # an e-wallet account *is* the phone number
                    self.add(
                        "phone", start, end, phone_key, make_attrs(line_type="mobile", wallet=bank)
                    )
                return
        if d_other < d_phone:
            return
        found = False
        for s, e, key, line_type, service in find_in_token(token, self.region):
            found = True
            self.add(
                "phone", start + s, start + e, key, make_attrs(line_type=line_type, service=service)
            )
        if not found and d_phone < 10**9 and token.isdigit() and 3 <= len(token) <= 6:
            try:
                key, line_type, service = parse_phone(token, self.region)
            except IndicatorError:
                return
            self.add("phone", start, end, key, make_attrs(line_type=line_type, service=service))

    def run(self) -> list[Indicator]:
        text = self.text
        steps: list[Callable[[], None]] = [self.links]
        if "@" in text:
            steps.append(self.handles)
        if _DIGIT.search(text):
            steps += [self.wallets, self.money]
            if _PHONE_GATE.search(text):
                steps.append(self.numbers)
        for step in steps:
            try:
                step()
            except Exception:  # never let one extractor's bug lose the message
                logger.exception("indicator extractor %s failed", step.__name__)
        self.out.sort(key=lambda i: (i.start, -i.end, i.kind))
        return self.out


def extract_indicators(text: str, *, region: str = "VN") -> list[Indicator]:
    """Every phone, bank account, URL, domain, handle, e-mail, wallet and amount in ``text``.

    Sorted by start; ``value == text[start:end]``. Never raises. Spans of different kinds
    may overlap when one piece of text is several indicators (a URL, its domain and the
    handle of a profile link; an e-wallet account that is a phone number).
    """
    if not isinstance(text, str) or not text:
        return []
    if not _TRIGGER.search(text) and not _DEFANG_HINT.search(text):
        return []
    try:
        return _Extractor(text, region or "VN").run()
    except Exception:  # pragma: no cover - run() already guards each step
        logger.exception("indicator extraction failed")
        return []
