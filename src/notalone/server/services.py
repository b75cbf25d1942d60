"""What one app instance holds: settings, database, limiter, metrics, detector, texts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from notalone.server.i18n import Catalogues
from notalone.server.observability import Metrics
from notalone.server.ratelimit import RateLimiter
from notalone.server.security import CsrfSigner
from notalone.server.settings import Settings


class AssessmentLike(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


class DetectorLike(Protocol):
    """The part of ``notalone.detect.Detector`` the service uses."""

    def analyze(self, conv: dict[str, Any]) -> AssessmentLike: ...

    def analyze_text(self, text: str, *, lang: str | None = None) -> AssessmentLike: ...


def load_default_detector() -> DetectorLike:
    from notalone.detect import Detector

    detector: DetectorLike = Detector.default()
    return detector


@dataclass
class Services:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    limiter: RateLimiter
    metrics: Metrics
    catalogues: Catalogues
    csrf: CsrfSigner
    detector_loader: Callable[[], DetectorLike] = load_default_detector
    _detector: DetectorLike | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def detector(self) -> DetectorLike:
        """The detector, loaded once on first use (knowledge files are read at that moment)."""
        detector = self._detector
        if detector is None:
            with self._lock:
                if self._detector is None:
                    self._detector = self._with_registry(self.detector_loader())
                detector = self._detector
        return detector

    def _with_registry(self, detector: DetectorLike) -> DetectorLike:
        """Let the detector consult the scam-indicator registry, when that capability is here:
        a confirmed scam number raises risk, an official sender lowers it."""
        with_lookup = getattr(detector, "with_lookup", None)
        if with_lookup is None:
            return detector
        try:
            from notalone.registry.lookup import DatabaseIndicatorLookup
        except ImportError:
            return detector
        wrapped: DetectorLike = with_lookup(DatabaseIndicatorLookup(self.session_factory))
        return wrapped

    def input_error_types(self) -> tuple[type[Exception], ...]:
        """Exceptions that mean "the conversation is malformed" (422), not a server fault."""
        try:
            from notalone.detect import InputError
        except ImportError:  # the detection library is absent: only ValueError applies
            return (ValueError,)
        return (InputError, ValueError)
