"""``DatabaseIndicatorLookup``: the detector's :class:`IndicatorLookup`, backed by the registry."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from notalone.detect.indicators import RegistryVerdict

from .models import RegistryIndicator
from .service import public_status, split_categories, static_facts

_T = RegistryIndicator.__table__


class DatabaseIndicatorLookup:
    """Answers ``lookup(kind, normalized)`` from the registry tables, through sessions made by
    ``session_factory`` (e.g. ``make_session_factory(engine)`` or ``Services.session_factory``).

    Official numbers and domains are ``trusted`` without a query; unknown keys give ``None``
    (the detector then uses the indicator as plain evidence). Answers are cached for
    ``ttl`` seconds (``maxsize`` keys) so that a busy detector does not query per message.
    """

    def __init__(
        self, session_factory: Callable[[], Session], *, ttl: float = 30.0, maxsize: int = 10_000
    ) -> None:
        self._session_factory = session_factory
        self._ttl = ttl
        self._maxsize = maxsize
        self._cache: OrderedDict[tuple[str, str], tuple[float, RegistryVerdict | None]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def lookup(self, kind: str, normalized: str) -> RegistryVerdict | None:
        key = (kind, normalized)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and now - hit[0] < self._ttl:
                self._cache.move_to_end(key)
                return hit[1]
        verdict = self._query(kind, normalized)
        with self._lock:
            self._cache[key] = (now, verdict)
            self._cache.move_to_end(key)
            while len(self._cache) > self._maxsize:
                self._cache.popitem(last=False)
        return verdict

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def _query(self, kind: str, normalized: str) -> RegistryVerdict | None:
        official, _ = static_facts(kind, normalized)
        with self._session_factory() as session:
            row = session.execute(
                select(_T.c.status, _T.c.reporters, _T.c.weight, _T.c.categories).where(
                    _T.c.kind == kind, _T.c.normalized == normalized
                )
            ).first()
        if row is None:
            return RegistryVerdict("trusted") if official else None
        status = public_status(row.status, row.weight)
        if official and status in ("unknown", "reported", "cleared"):
            status = "trusted"
        if status == "unknown":
            return None
        return RegistryVerdict(status, row.reporters, split_categories(row.categories))
