"""Social-network handles: "@name" next to a platform name, and profile links."""

from __future__ import annotations

import re

from ._text import strip_accents, word_alternation
from .phones import parse_phone
from .types import IndicatorError

PLATFORM_ALIASES: dict[str, tuple[str, ...]] = {
    "telegram": ("telegram", "tele", "tg", "tlg", "telegam", "tê lê"),
    "zalo": ("zalo", "zl", "za lô"),
    "facebook": ("facebook", "fb", "face", "phây", "phay", "messenger", "mess", "fanpage"),
    "tiktok": ("tiktok", "tik tok", "tóp tóp"),
    "instagram": ("instagram", "insta", "ig", "in tư"),
    "discord": ("discord",),
    "snapchat": ("snapchat", "snap"),
    "twitter": ("twitter", "x.com"),
    "whatsapp": ("whatsapp", "whats app"),
    "viber": ("viber",),
    "line": ("line app",),
    "threads": ("threads",),
    "wechat": ("wechat",),
    "kakaotalk": ("kakaotalk", "kakao"),
    "skype": ("skype",),
}
_ALIAS_TO_PLATFORM = {
    re.sub(r"\W", "", strip_accents(a).lower()): p
    for p, aliases in PLATFORM_ALIASES.items()
    for a in aliases
}

PLATFORM_WORD = re.compile(
    word_alternation([a for aliases in PLATFORM_ALIASES.values() for a in aliases]),
    re.IGNORECASE,
)
AT_HANDLE = re.compile(r"(?<![\w.@])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,62}[A-Za-z0-9_])?)")
_KEY = re.compile(r"([a-z]+):(@[a-z0-9_.]{1,64}|id:\d{1,20}|\+?\d{3,17})")
_NAME = re.compile(r"(?=[.]*[A-Za-z0-9_])[A-Za-z0-9_.]{1,64}")  # not dots alone


def platform_of(word: str) -> str | None:
    return _ALIAS_TO_PLATFORM.get(re.sub(r"\W", "", strip_accents(word).lower()))


def handle_key(platform: str, name: str) -> str:
    return f"{platform}:@{name.lower().strip('.')}"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_FB_RESERVED = _words(
    "share sharer sharer.php groups watch photo photo.php photos events login login.php "
    "story.php permalink.php dialog marketplace reel reels help policies privacy settings "
    "pages gaming hashtag stories home.php profile.php people public search notifications "
    "messages friends l.php plugins ads business legal terms tr video.php videos"
)
_IG_RESERVED = _words("p reel reels explore stories accounts direct tv about legal")
_TG_RESERVED = _words("joinchat addstickers addemoji share s c proxy socks iv login")


def handle_from_url(host: str, path: str, query: str, region: str = "VN") -> str | None:
    """The handle key of a profile link ("t.me/name" -> "telegram:@name"), or None."""
    h = host.lower()
    if h.startswith("www."):
        h = h[4:]
    segments = [s for s in path.split("/") if s]
    first = segments[0] if segments else ""
    if h in ("t.me", "telegram.me", "telegram.dog"):
        if (
            first
            and first.lower() not in _TG_RESERVED
            and _NAME.fullmatch(first)
            and first[0] != "+"
        ):
            return handle_key("telegram", first)
        return None
    if h in ("zalo.me", "chat.zalo.me"):
        if first and first.isdigit():
            try:
                return f"zalo:{parse_phone(first, region)[0]}"
            except IndicatorError:
                return None
        return None
    if h in ("wa.me", "api.whatsapp.com"):
        digits = first if first.isdigit() else ""
        if not digits:
            m = re.search(r"phone=(\d+)", query)
            digits = m.group(1) if m else ""
        if digits:
            try:
                return f"whatsapp:{parse_phone('+' + digits, region)[0]}"
            except IndicatorError:
                return None
        return None
    if h in ("facebook.com", "m.facebook.com", "web.facebook.com", "fb.com", "mbasic.facebook.com",
             "fb.me", "m.me", "messenger.com", "vi-vn.facebook.com"):  # fmt: skip
        if first.lower() == "profile.php":
            m = re.search(r"(?:^|&)id=(\d{1,20})", query)
            return f"facebook:id:{m.group(1)}" if m else None
        if first and first.lower() not in _FB_RESERVED and _NAME.fullmatch(first):
            return handle_key("facebook", first)
        return None
    if h in ("tiktok.com", "m.tiktok.com"):
        if first.startswith("@") and _NAME.fullmatch(first[1:]):
            return handle_key("tiktok", first[1:])
        return None
    if h in ("instagram.com", "instagr.am", "ig.me"):
        if h == "ig.me" and first == "m" and len(segments) > 1:
            first = segments[1]
        if first and first.lower() not in _IG_RESERVED and _NAME.fullmatch(first):
            return handle_key("instagram", first)
        return None
    if h in ("twitter.com", "x.com", "mobile.twitter.com"):
        if (
            first
            and _NAME.fullmatch(first)
            and first.lower() not in ("home", "i", "intent", "share")
        ):
            return handle_key("twitter", first)
        return None
    if (
        h == "snapchat.com"
        and first == "add"
        and len(segments) > 1
        and _NAME.fullmatch(segments[1])
    ):
        return handle_key("snapchat", segments[1])
    return None


def normalize_handle(value: str, region: str = "VN") -> str:
    """ "telegram:@Name", "tg @name", "@name (zalo)", "https://t.me/name" -> "telegram:@name"."""
    text = value.strip()
    key = _KEY.fullmatch(text.lower())
    if key:
        platform = platform_of(key.group(1)) or key.group(1)
        rest = key.group(2)
        if rest.startswith(("+", "0")) or rest.isdigit():
            if platform not in ("zalo", "whatsapp", "viber", "telegram", "facebook"):
                raise IndicatorError(f"{platform} handles are not phone numbers: {value!r}")
            return f"{platform}:{parse_phone(rest, region)[0]}"
        return f"{platform}:{rest.strip('.')}" if rest.startswith("@") else f"{platform}:{rest}"
    if "/" in text:
        from .links import split_url

        parts = split_url(text if "://" in text else "https://" + text)
        found = handle_from_url(parts.host, parts.path, parts.query, region)
        if found is None:
            raise IndicatorError(f"not a profile link: {value!r}")
        return found
    at = AT_HANDLE.search(text)
    word = PLATFORM_WORD.search(text)
    if at is None or word is None:
        raise IndicatorError(f"a handle needs '@name' and a platform: {value!r}")
    platform = platform_of(word.group())
    if platform is None:  # pragma: no cover - the regex is built from the alias table
        raise IndicatorError(f"unknown platform in {value!r}")
    return handle_key(platform, at.group(1))


def find_at_handles(text: str, window: int = 40) -> list[tuple[int, int, str, str]]:
    """``(start, end, key, platform)`` for each "@name" with a platform named nearby."""
    out: list[tuple[int, int, str, str]] = []
    ats = list(AT_HANDLE.finditer(text))
    if not ats:
        return out
    words = [(m.start(), m.end(), m.group()) for m in PLATFORM_WORD.finditer(text)]
    if not words:
        return out
    for at in ats:
        best: tuple[int, str] | None = None
        for ws, we, word in words:
            if we <= at.start():
                gap = at.start() - we
            elif ws >= at.end():
                gap = (ws - at.end()) * 2 + 2  # a platform named after the handle counts less
            else:
                continue
            if gap <= window and (best is None or gap < best[0]):
                platform = platform_of(word)
                if platform is not None:
                    best = (gap, platform)
        if best is not None:
            out.append((at.start(), at.end(), handle_key(best[1], at.group(1)), best[1]))
    return out
