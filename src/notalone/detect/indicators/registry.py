"""The scam-indicator registry interface, and an in-memory implementation for tests and tools."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol, runtime_checkable

from .types import Indicator, RegistryVerdict


@runtime_checkable
class IndicatorLookup(Protocol):
    """What the detector asks the registry; the service implements it with a database."""

    def lookup(self, kind: str, normalized: str) -> RegistryVerdict | None: ...


class InMemoryRegistry:
    """A dict-backed :class:`IndicatorLookup`."""

    def __init__(self, entries: Mapping[tuple[str, str], RegistryVerdict] | None = None) -> None:
        self._entries: dict[tuple[str, str], RegistryVerdict] = dict(entries or {})

    def add(self, kind: str, normalized: str, verdict: RegistryVerdict) -> None:
        self._entries[(kind, normalized)] = verdict

    def lookup(self, kind: str, normalized: str) -> RegistryVerdict | None:
        return self._entries.get((kind, normalized))

    def __len__(self) -> int:
        return len(self._entries)


def lookup_all(
    indicators: Iterable[Indicator], registry: IndicatorLookup
) -> list[tuple[Indicator, RegistryVerdict]]:
    """The indicators the registry knows, each key asked once, in the order given."""
    cache: dict[tuple[str, str], RegistryVerdict | None] = {}
    out: list[tuple[Indicator, RegistryVerdict]] = []
    for ind in indicators:
        key = (ind.kind, ind.normalized)
        if key not in cache:
            cache[key] = registry.lookup(*key)
        verdict = cache[key]
        if verdict is not None:
            out.append((ind, verdict))
    return out
