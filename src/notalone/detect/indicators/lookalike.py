"""Official domains of protected brands and look-alikes of them."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from ._data import load
from ._text import strip_accents
from .links import idna_host, is_ip, psl, registered_domain, split_url, unicode_host
from .types import DomainAssessment, IndicatorError


@dataclass(frozen=True, slots=True)
class Brand:
    id: str
    kind: str
    domains: tuple[str, ...]
    keywords: tuple[str, ...]
    senders: tuple[str, ...]


@functools.cache
def brands() -> dict[str, Brand]:
    out: dict[str, Brand] = {}
    for row in load("brands")["brands"]:
        brand = Brand(
            id=str(row["id"]),
            kind=str(row["kind"]),
            domains=tuple(str(d).lower() for d in row["domains"]),
            keywords=tuple(str(k).lower() for k in row["keywords"]),
            senders=tuple(str(s) for s in row.get("senders", ())),
        )
        out[brand.id] = brand
    return out


@functools.cache
def _official_domains() -> dict[str, str]:
    index: dict[str, str] = {}
    for brand in brands().values():
        for domain in brand.domains:
            index.setdefault(domain, brand.id)
    return index


@functools.cache
def _official_suffixes() -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in load("brands")["official_suffixes"].items()}


@functools.cache
def _user_content() -> frozenset[str]:
    return frozenset(str(d).lower() for d in load("brands").get("user_content", ()))


def _host_and_parents(host: str, stop_at: str | None = None) -> Iterator[str]:
    """``host``, then each parent domain, up to and including ``stop_at`` (or the last label)."""
    node = host
    while True:
        yield node
        if node == stop_at or "." not in node:
            return
        node = node.split(".", 1)[1]


def user_content(host: str) -> bool:
    """Whether ``host`` (or a parent of it) is an official domain where anyone publishes."""
    hosts = _user_content()
    return any(node in hosts for node in _host_and_parents(host.lower().rstrip(".")))


@functools.cache
def shorteners() -> frozenset[str]:
    return frozenset(str(s).lower() for s in load("shorteners")["shorteners"])


@functools.cache
def _extra_words() -> tuple[str, ...]:
    words = {str(w).lower().replace("-", "") for w in load("brands")["extra_words"]}
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


@functools.cache
def _senders() -> dict[str, str]:
    return {_fold(s): b.id for b in brands().values() for s in b.senders}


def _fold(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", strip_accents(text).lower())


# India's registered SMS headers carry the operator and circle before the sender ID and, since
# 2025, the message type after it: "AX-HDFCBK", "VM-HDFCBK-S" are HDFC Bank's "HDFCBK".
_DLT_HEADER = re.compile(r"^[A-Za-z]{2}-([A-Za-z0-9]{3,9})(?:-[A-Za-z])?$")


def brand_for_sender(name: str) -> str | None:
    """The brand whose official SMS sender name this is ("VCB" -> "vietcombank")."""
    brand = _senders().get(_fold(name))
    if brand is None and (dlt := _DLT_HEADER.match(name.strip())) is not None:
        brand = _senders().get(_fold(dlt.group(1)))
    return brand


def brand_kind(brand_id: str) -> str | None:
    """bank | ewallet | government | police | telecom | app, or None for an unknown id."""
    brand = brands().get(brand_id)
    return brand.kind if brand is not None else None


@functools.cache
def _names() -> dict[str, str]:
    """Folded names a message may open with to speak as a brand: its sender names and its
    keywords of four letters or more ("auspost", "wellsfargo", "vietcombank")."""
    names = {k: b.id for b in brands().values() for k in b.keywords if len(k) >= 4}
    names.update(_senders())
    return names


_OPENING_WORD = re.compile(r"[0-9a-z]+")
_OPENING_END = re.compile(r"[:\]]")


def brand_in_opening(text: str) -> str | None:
    """The brand a message opens with as its signature ("AusPost: ...", "[Vietcombank] ...",
    "Wells Fargo Alert: ..."): one to three of the first four words before the colon or
    bracket that closes the signature. Without one, no brand speaks: "grab", "apple" and
    "target" are everyday words at the start of a sentence."""
    end = _OPENING_END.search(text, 1, 48)
    if end is None:
        return None
    words = _OPENING_WORD.findall(strip_accents(text[: end.start()]).lower())[:4]
    names = _names()
    for size in (3, 2, 1):
        for i in range(len(words) - size + 1):
            brand = names.get("".join(words[i : i + size]))
            if brand is not None:
                return brand
    return None


# Letters from other scripts that look like Latin ones, and digit/letter swaps.
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
        "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g", "һ": "h", "ӏ": "l", "ո": "n", "ս": "u",
        "ν": "v", "ο": "o", "α": "a", "ρ": "p", "τ": "t", "κ": "k", "ι": "i", "ԝ": "w",
        "ɑ": "a", "ı": "i", "ⅼ": "l", "в": "b", "м": "m", "н": "h", "т": "t", "к": "k",
        "ь": "b", "ɩ": "i", "ʀ": "r", "ᴠ": "v", "ɴ": "n", "ʙ": "b", "ᴄ": "c", "ᴋ": "k",
    }
)  # fmt: skip
_SWAPS = str.maketrans(
    {"0": "o", "1": "l", "i": "l", "|": "l", "!": "l", "3": "e", "4": "a", "5": "s",
     "7": "t", "8": "b", "9": "g", "6": "b", "2": "z", "@": "a", "$": "s"}
)  # fmt: skip


def _deconfuse(text: str) -> str:
    """NFKC, lower case, other-script look-alike letters to Latin, accents dropped."""
    return strip_accents(unicodedata.normalize("NFKC", text).lower().translate(_CONFUSABLES))


def skeleton(text: str) -> str:
    """A form in which look-alike spellings of a name collide ("vietc0mbank" ~ "vietcombank")."""
    s = _deconfuse(text).translate(_SWAPS)
    s = re.sub(r"[^a-z]", "", s)
    return s.replace("rn", "m").replace("vv", "w").replace("cl", "d")


@functools.cache
def _keywords() -> tuple[tuple[str, str, str], ...]:
    """(keyword, skeleton, brand id), longest first."""
    rows = [(kw, skeleton(kw), b.id) for b in brands().values() for kw in b.keywords]
    return tuple(sorted(rows, key=lambda r: (-len(r[0]), r[0])))


@functools.cache
def _extra_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    words = sorted(_extra_words(), key=len, reverse=True)
    alternation = "|".join(map(re.escape, words)) or "(?!)"
    return re.compile(f"(?:{alternation})"), re.compile(f"(?:{alternation})$")


@functools.lru_cache(maxsize=65536)
def _strip_extras(word: str) -> str:
    """Remove known extra words from both ends ("vcbonline" -> "vcb")."""
    prefix, suffix = _extra_patterns()
    while word:
        m = prefix.match(word)
        if m and m.end() < len(word):
            word = word[m.end() :]
            continue
        m = suffix.search(word)
        if m and m.start() > 0:
            word = word[: m.start()]
            continue
        break
    return word


_TOKEN_SPLIT = re.compile(r"[-_]+|(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def _match_name(compact: str, tokens: list[str], kw: str, stripped: str) -> bool:
    if len(kw) >= 6 and kw in compact:
        return True
    if len(kw) >= 3 and kw in tokens:
        return True
    return stripped == kw or any(_strip_extras(t) == kw for t in tokens if len(t) > len(kw))


_Index = tuple[dict[str, int], tuple[tuple[int, str], ...], dict[str, tuple[tuple[int, str], ...]]]
"""First position of each name, the (position, name) pairs of names of 6+ letters, and those
pairs by their first six letters."""


@functools.cache
def _keyword_index(column: int) -> _Index:
    """For the names (column 0) or their skeletons (column 1) of ``_keywords()``: the first
    position of each name, and the (position, name) pairs of names long enough to be matched
    inside a longer label. Pass 2 only uses skeletons of 3+ letters."""
    first: dict[str, int] = {}
    long_names: list[tuple[int, str]] = []
    for n, row in enumerate(_keywords()):
        name = row[column]
        if column == 1 and len(name) < 3:
            continue
        first.setdefault(name, n)
        if len(name) >= 6:
            long_names.append((n, name))
    return first, tuple(long_names), _by_prefix(tuple(long_names))


def _first_match(
    index: _Index,
    forms: list[tuple[str, list[str], str]],
) -> int | None:
    """The first position in ``_keywords()`` whose name ``_match_name`` accepts for one of
    ``forms`` ((compact, tokens, stripped)): the same answer as trying every name in order,
    with dictionary lookups instead of one call per name."""
    first, _, by_prefix = index
    best: int | None = None

    def consider(n: int | None) -> None:
        nonlocal best
        if n is not None and (best is None or n < best):
            best = n

    for compact, tokens, stripped in forms:
        for token in tokens:  # kw in tokens (3+ letters)
            if len(token) >= 3:
                consider(first.get(token))
            core = _strip_extras(token)  # a token is the name plus extra words
            if len(token) > len(core):
                consider(first.get(core))
        consider(first.get(stripped))
        consider(_first_inside(by_prefix, compact))  # kw inside the compact label
    return best


_PREFIX = 6
"""Names matched inside a longer label have at least this many letters."""


def _by_prefix(long_names: tuple[tuple[int, str], ...]) -> dict[str, tuple[tuple[int, str], ...]]:
    """The ``(position, name)`` pairs of names of 6+ letters by their first six letters."""
    out: dict[str, list[tuple[int, str]]] = {}
    for n, name in long_names:
        out.setdefault(name[:_PREFIX], []).append((n, name))
    return {k: tuple(v) for k, v in out.items()}


def _first_inside(by_prefix: dict[str, tuple[tuple[int, str], ...]], compact: str) -> int | None:
    """The smallest position of a name of 6+ letters found inside ``compact``: only names
    whose first six letters occur in ``compact`` are compared (one dictionary probe per
    offset instead of a substring search per name)."""
    best: int | None = None
    for i in range(len(compact) - _PREFIX + 1):
        for n, name in by_prefix.get(compact[i : i + _PREFIX], ()):
            if (best is None or n < best) and compact.startswith(name, i):
                best = n
    return best


def _first_inside_by_scan(long_names: tuple[tuple[int, str], ...], compact: str) -> int | None:
    """:func:`_first_inside` the plain way: every name in order (the tests' reference)."""
    for n, name in long_names:
        if name in compact:
            return n
    return None


def _deletions(word: str, depth: int = 2) -> set[str]:
    """``word`` with up to ``depth`` letters deleted (the symmetric-delete neighbourhood)."""
    if depth == 2:  # the case every look-up takes: each pair of positions once, not twice
        n = len(word)
        out = {word}
        out.update([word[:i] + word[i + 1 :] for i in range(n)])
        out.update(
            [word[:i] + word[i + 1 : j] + word[j + 1 :] for i in range(n) for j in range(i + 1, n)]
        )
        return out
    return _deletions_by_level(word, depth)


def _deletions_by_level(word: str, depth: int) -> set[str]:
    """:func:`_deletions` one level at a time (any depth; the reference the tests compare)."""
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


@functools.cache
def _deletion_index() -> dict[str, tuple[int, ...]]:
    """Deletion variant -> positions in ``_keywords()`` of long names it can come from."""
    index: dict[str, set[int]] = {}
    for n, (kw, skw, _) in enumerate(_keywords()):
        if len(kw) < 6:
            continue
        for target in {kw, skw}:
            for variant in _deletions(target):
                index.setdefault(variant, set()).add(n)
    return {k: tuple(sorted(v)) for k, v in index.items()}


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, returning ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _lookalike(labels: list[str], idn: bool) -> tuple[str, str] | None:
    """(brand id, reason) if one of the labels imitates a protected brand name."""
    return _lookalike_cached(tuple(labels), idn)


# Chat repeats the same few domains; the brand comparison is the costly part of a message.
@functools.lru_cache(maxsize=65536)
def _lookalike_cached(labels: tuple[str, ...], idn: bool) -> tuple[str, str] | None:
    forms = []
    for label in labels:
        plain = label.lower()
        tokens = [t for t in _TOKEN_SPLIT.split(plain) if t]
        compact = "".join(tokens)
        forms.append((plain, tokens, compact, _strip_extras(compact)))
    # 1. The brand name itself, possibly with extra words.
    if not idn:
        n = _first_match(_keyword_index(0), [(c, t, s) for _, t, c, s in forms])
        if n is not None:
            return _keywords()[n][2], "brand name in unofficial domain"
    # 2. Homoglyphs (other scripts, accents) and digit/letter swaps.
    skel_forms = []
    for plain, _, _, _ in forms:
        stokens = [skeleton(t) for t in re.split(r"[-_]+", plain) if t]
        scompact = "".join(stokens)
        skel_forms.append((stokens, scompact, _strip_extras(scompact)))
    n = _first_match(_keyword_index(1), [(c, t, s) for t, c, s in skel_forms])
    if n is not None:
        reason = (
            "homoglyph/IDN imitation of brand name" if idn else "digit/letter swap of brand name"
        )
        return _keywords()[n][2], reason
    # 3. Close spellings of long names: candidates come from a deletion index (SymSpell), so
    # only brand names that can be within two edits are compared at all.
    index = _deletion_index()
    for (_, _, compact, stripped), (_, scompact, sstripped) in zip(forms, skel_forms, strict=True):
        found: set[int] = set()
        for cand in {compact, stripped, scompact, sstripped}:
            if len(cand) >= 5:
                for variant in _deletions(cand) & index.keys():  # the intersection runs in C
                    found.update(index[variant])
        keywords = _keywords()
        for n in sorted(found):
            kw, skw, brand = keywords[n]
            for cand in {compact, stripped, scompact, sstripped}:
                if len(cand) < 5:
                    continue
                target = skw if cand in (scompact, sstripped) else kw
                d = _distance(cand, target, 2)
                if d == 0 or d > 2:
                    continue
                if d == 2 and len(kw) < 8:
                    # two edits from a short name reach everyday words ("already" is two
                    # edits from "airpay"): only long names are imitated that loosely
                    continue
                return brand, f"spelling close to brand name (edit distance {d})"
    return None


# An official-looking suffix inside the part of a host anyone can register ("qldt.edu-vn.site",
# "dichvucong-gov-vn.com", "evri.co-uk.help", "vcb.com.vn.xyz.top"): real ones only end a host.
_FAKE_SUFFIX = re.compile(
    r"(?:^|[.-])(gov|gouv|edu|com|co|org|net|ac)[.-](vn|uk|fr|au|sg|in|ph|ca|us)(?:[.-]|$)"
)


def _fake_suffix(sub: str) -> tuple[str, str] | None:
    m = _FAKE_SUFFIX.search(sub)
    if m is None:
        return None
    suffix = f"{m.group(1)}.{m.group(2)}"
    return suffix, f"imitates the official suffix .{suffix}"


def official_brand(host: str) -> str | None:
    """Brand id when ``host`` is an official domain or one of its subdomains."""
    h = host.lower().rstrip(".")
    reg = registered_domain(h)
    official = _official_domains()
    if reg is not None:
        # from the host up to (and including) the registered domain, never above it
        for node in _host_and_parents(h, reg):
            if node in official:
                return official[node]
    for suffix, brand in _official_suffixes().items():
        if h == suffix or h.endswith("." + suffix):
            return brand
    return None


def _spelled_out(labels: list[str], idn: bool) -> tuple[str, str] | None:
    """A brand spelled letter by letter across labels ("c.s.g.t-tracuu.online", "z.a.l.o-x.com",
    "s.h.o.p.e.e.vn"): runs of one-character labels are joined to the label that follows."""
    joined: list[str] = []
    run = ""
    for label in labels:
        if len(label) == 1:
            run += label
            continue
        # "m.example" stays as it is: one letter is a subdomain, not a spelling
        joined += [run + label] if len(run) >= 2 else [*run, label]
        run = ""
    joined += [run] if len(run) >= 2 else [*run]
    if joined == labels or not any(len(lab) >= 3 for lab in joined):
        return None
    found = _lookalike(joined, idn)
    return (found[0], "brand name spelled out with dots") if found else None


@functools.lru_cache(maxsize=16384)
def _assess_host(host: str) -> DomainAssessment:
    h = idna_host(host)
    if is_ip(h):
        return DomainAssessment(host=h, registered_domain=None, ip=True)
    reg = registered_domain(h)
    decoded = unicode_host(h)
    brand = official_brand(h)
    shortener = h in shorteners() or (reg is not None and reg in shorteners())
    if brand is not None or reg is None:
        return DomainAssessment(
            host=h,
            registered_domain=reg,
            official_brand=brand,
            shortener=shortener,
            unicode_host=decoded if decoded != h else None,
            user_content=brand is not None and user_content(h),
        )
    suffix = psl().publicsuffix(h) or ""
    sub = h[: len(h) - len(suffix)].rstrip(".") if suffix else h
    labels = [unicode_host(lab) for lab in sub.split(".") if lab and lab != "www"]
    idn = any(not lab.isascii() for lab in labels)
    found = _lookalike(labels, idn) or _fake_suffix(sub) or _spelled_out(labels, idn)
    return DomainAssessment(
        host=h,
        registered_domain=reg,
        lookalike_of=found[0] if found else None,
        reason=found[1] if found else None,
        shortener=shortener,
        unicode_host=decoded if decoded != h else None,
    )


def assess_domain(host_or_url: str) -> DomainAssessment:
    """Official brand, look-alike, shortener and APK flags of a host or URL (offline)."""
    text = host_or_url.strip()
    if not text:
        raise IndicatorError("empty host")
    looks_like_url = "/" in text or "@" in text or "?" in text or ":" in text
    parts = split_url(text if "://" in text or not looks_like_url else "https://" + text)
    host = parts.host if looks_like_url else text
    result = _assess_host(host)
    apk = parts.path.lower().endswith((".apk", ".xapk", ".apks")) if looks_like_url else False
    lookalike_of, reason = result.lookalike_of, result.reason
    if parts.userinfo and lookalike_of is None:
        # "https://vietcombank.com.vn@evil.top/": the part before "@" is not the host
        info = _lookalike([re.sub(r"[^\w\-]", "-", parts.userinfo)], not parts.userinfo.isascii())
        if info is not None or any(d in parts.userinfo.lower() for d in _official_domains()):
            lookalike_of = info[0] if info else "unknown"
            reason = "brand name before '@' hides the real host"
    if apk or (lookalike_of, reason) != (result.lookalike_of, result.reason):
        return DomainAssessment(
            host=result.host,
            registered_domain=result.registered_domain,
            official_brand=result.official_brand,
            lookalike_of=lookalike_of,
            reason=reason,
            shortener=result.shortener,
            apk=apk,
            ip=result.ip,
            unicode_host=result.unicode_host,
            user_content=result.user_content,
        )
    return result
