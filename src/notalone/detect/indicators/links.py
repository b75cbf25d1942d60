"""URLs and domain names: finding them in text and normalising them."""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass

from publicsuffixlist import PublicSuffixList

from .types import IndicatorError

_URL_CHARS = r"[^\s<>\"'`{}|\\^\[\]]"
URL_WITH_SCHEME = re.compile(rf"(?<![\w])(?:https?|hxxps?|ftp)://{_URL_CHARS}+", re.IGNORECASE)
# Bare hosts ("www.x.com", "vcb-xacminh.top/login"): TLD checked afterwards in code.
BARE_HOST = re.compile(
    rf"(?<![\w.@\-/:])(?:[\w\-]++\.)+[\w\-]++(?::\d{{1,5}}(?!\d))?(?P<path>/{_URL_CHARS}*)?"
)
_TRAILING = ".,;:!?'\"»)…"


@functools.cache
def psl() -> PublicSuffixList:
    """The public suffix list bundled with ``publicsuffixlist`` (never fetched)."""
    return PublicSuffixList(accept_unknown=False)


@dataclass(frozen=True, slots=True)
class ParsedUrl:
    scheme: str
    userinfo: str
    host: str  # as written
    port: str
    path: str
    query: str


def trim_url(text: str) -> str:
    """Drop sentence punctuation glued to the end of a URL ("...login." or "(x.com/a)")."""
    while text and text[-1] in _TRAILING:
        if text[-1] == ")" and text.count("(") >= text.count(")"):
            break
        text = text[:-1]
    return text


def split_url(text: str) -> ParsedUrl:
    """A forgiving URL splitter (no exceptions on odd input, unlike ``urlsplit``)."""
    scheme = ""
    rest = text.strip()
    m = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*)://", rest)
    if m:
        scheme = m.group(1).lower()
        rest = rest[m.end() :]
    elif rest.startswith("//"):
        rest = rest[2:]
    cut = len(rest)
    for sep in "/?#":
        i = rest.find(sep)
        if i != -1:
            cut = min(cut, i)
    authority, tail = rest[:cut], rest[cut:]
    userinfo, _, hostport = authority.rpartition("@")
    host, port = hostport, ""
    pm = re.fullmatch(r"(.*):(\d{1,5})", hostport)
    if pm and not hostport.startswith("["):
        host, port = pm.group(1), pm.group(2)
    frag = tail.find("#")
    if frag != -1:
        tail = tail[:frag]
    path, _, query = tail.partition("?")
    return ParsedUrl(scheme, userinfo, host, port, path, query)


def idna_host(host: str) -> str:
    """Lower-case ASCII (punycode) form of a host name; raises IndicatorError."""
    h = host.strip().rstrip(".").lower()
    if not h:
        raise IndicatorError("empty host")
    if h.startswith("[") and h.endswith("]"):
        return h
    if h.isascii():
        if not re.fullmatch(r"[a-z0-9_\-.]+", h) or ".." in h:
            raise IndicatorError(f"bad host name {host!r}")
        return h
    try:
        labels = [lab.encode("idna").decode("ascii") for lab in h.split(".")]
    except (UnicodeError, ValueError) as exc:
        raise IndicatorError(f"bad international host name {host!r}") from exc
    return ".".join(labels)


def unicode_host(host: str) -> str:
    """Decoded form of a punycode host (best effort)."""
    labels = []
    for lab in host.split("."):
        if lab.startswith("xn--"):
            try:
                labels.append(lab.encode("ascii").decode("idna"))
                continue
            except (UnicodeError, ValueError):
                pass
        labels.append(lab)
    return ".".join(labels)


_IP_CHARS = re.compile(r"\[?[0-9a-fA-F:.%\w]*:[0-9a-fA-F:.%\w]*\]?|[0-9.]+")


def is_ip(host: str) -> bool:
    if not _IP_CHARS.fullmatch(host):  # most hosts: no exception raised and caught
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=16384)
def registered_domain(host: str) -> str | None:
    """ "www.vietcombank.com.vn" -> "vietcombank.com.vn"; None for IPs and unknown TLDs."""
    try:
        h = idna_host(host)
    except IndicatorError:
        return None
    if is_ip(h):
        return None
    result = psl().privatesuffix(h)
    return str(result) if result else None


@functools.lru_cache(maxsize=4096)
def known_tld(label: str) -> bool:
    return bool(psl().publicsuffix("x." + label.lower()))


def normalize_url(value: str) -> str:
    """ "HTTP://WWW.X.com/Path/?q=1#f" -> "https://www.x.com/Path".

    The scheme is folded to https (http and https are one key), the host lower-cased and
    IDNA-encoded, default ports, query, fragment and a trailing "/" dropped.
    """
    text = value.strip()
    if not text:
        raise IndicatorError("empty URL")
    parts = split_url(text if "://" in text else "https://" + text)
    if parts.scheme not in ("http", "https", "hxxp", "hxxps", "ftp"):
        raise IndicatorError(f"unsupported URL scheme {parts.scheme!r}")
    host = idna_host(parts.host)
    if not is_ip(host) and registered_domain(host) is None:
        raise IndicatorError(f"host {parts.host!r} has no known public suffix")
    port = "" if parts.port in ("", "80", "443") else ":" + parts.port
    path = re.sub(r"/+$", "", parts.path)
    return f"https://{host}{port}{path}"


def normalize_domain(value: str) -> str:
    """The registered domain of a host or URL ("https://a.b.example.com/x" -> "example.com")."""
    text = value.strip()
    host = split_url(text).host if ("/" in text or "@" in text) else text
    h = idna_host(host)
    if is_ip(h):
        return h
    reg = registered_domain(h)
    if reg is None:
        raise IndicatorError(f"{value!r} has no registered domain under a known public suffix")
    return reg
