"""Crypto-currency wallet addresses: BTC (base58 and bech32), ETH/EVM, TRON."""

from __future__ import annotations

import hashlib
import re

from .types import IndicatorError

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

WALLET = re.compile(
    r"(?<![A-Za-z0-9])(?:bc1[02-9ac-hj-np-z]{11,71}|BC1[02-9AC-HJ-NP-Z]{11,71}"
    r"|[13][1-9A-HJ-NP-Za-km-z]{25,34}|0x[0-9a-fA-F]{40}|T[1-9A-HJ-NP-Za-km-z]{33})"
    r"(?![A-Za-z0-9])"
)
_PREFIX = re.compile(r"(BTC|ETH|TRON|TRX|EVM|USDT):", re.IGNORECASE)


def _b58decode(text: str) -> bytes | None:
    n = 0
    for c in text:
        i = _B58_INDEX.get(c)
        if i is None:
            return None
        n = n * 58 + i
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    pad = len(text) - len(text.lstrip("1"))
    return b"\x00" * pad + raw


def _b58check(text: str, versions: tuple[int, ...]) -> bool:
    raw = _b58decode(text)
    if raw is None or len(raw) != 25 or raw[0] not in versions:
        return False
    digest = hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()
    return digest[:4] == raw[-4:]


def _bech32_ok(text: str) -> bool:
    lower = text.lower()
    hrp, _, data = lower.rpartition("1")
    if hrp != "bc" or len(data) < 6:
        return False
    values = [_BECH32.find(c) for c in data]
    if -1 in values:
        return False
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk in (1, 0x2BC830A3)


def classify_wallet(text: str) -> str | None:
    """The normalised key ("BTC:bc1q...", "ETH:0x...", "TRON:T...") or None."""
    if text[:3].lower() == "bc1":
        return f"BTC:{text.lower()}" if _bech32_ok(text) else None
    if text.startswith("0x") and len(text) == 42:
        return f"ETH:{text.lower()}"
    if text.startswith("T") and len(text) == 34:
        return f"TRON:{text}" if _b58check(text, (0x41,)) else None
    if text[:1] in "13":
        return f"BTC:{text}" if _b58check(text, (0x00, 0x05)) else None
    return None


def find_wallets(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in WALLET.finditer(text):
        key = classify_wallet(m.group())
        if key is not None:
            out.append((m.start(), m.end(), key))
    return out


def normalize_wallet(value: str) -> str:
    text = value.strip()
    m = _PREFIX.match(text)
    if m:
        text = text[m.end() :].strip()
    if not WALLET.fullmatch(text):
        raise IndicatorError(f"not a BTC, ETH or TRON wallet address: {value!r}")
    key = classify_wallet(text)
    if key is None:
        raise IndicatorError(f"wallet address checksum is wrong: {value!r}")
    return key
