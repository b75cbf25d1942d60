"""The compiled-pattern cache gives exactly what compiling gives, and never a stale entry."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from notalone.detect.lexicon import data_root, load_knowledge
from notalone.detect.pattern_cache import KEEP, PatternCache, knowledge_key


def _patterns(root: Path) -> dict[str, list[object]]:
    knowledge = load_knowledge.__wrapped__(str(root))
    return {
        r.id: list(r.patterns)
        for pack in knowledge.packs.values()
        for r in (*pack.recognizers, *pack.frames)
    } | {"vocabulary": sorted(knowledge.vocabulary)}


def test_cached_knowledge_is_the_compiled_knowledge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTALONE_CACHE_DIR", "off")
    compiled = _patterns(data_root())
    monkeypatch.setenv("NOTALONE_CACHE_DIR", str(tmp_path))
    first = _patterns(data_root())  # compiles and writes the cache
    assert len(list(tmp_path.glob("patterns-*.marshal"))) == 1
    second = _patterns(data_root())  # reads it
    assert first == compiled
    assert second == compiled


def test_a_changed_phrase_changes_the_key(tmp_path: Path) -> None:
    root = tmp_path / "data"
    shutil.copytree(data_root(), root, ignore=shutil.ignore_patterns("*.npz"))
    before = knowledge_key(root)
    target = root / "lexicons" / "en" / "secrecy_demand.yaml"
    target.write_text(target.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert knowledge_key(root) != before


def test_a_damaged_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTALONE_CACHE_DIR", str(tmp_path))
    cache = PatternCache(data_root())
    assert cache.path is not None
    cache.path.write_text("{not json", encoding="utf-8")
    monkeypatch.setenv("NOTALONE_CACHE_DIR", "off")
    compiled = _patterns(data_root())
    monkeypatch.setenv("NOTALONE_CACHE_DIR", str(tmp_path))
    assert _patterns(data_root()) == compiled


def test_off_writes_nothing_and_old_files_are_pruned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTALONE_CACHE_DIR", "off")
    assert PatternCache(data_root()).path is None
    for n in range(KEEP + 3):
        old = tmp_path / f"patterns-old{n}.marshal"
        old.write_text("{}", encoding="utf-8")
        os.utime(old, (1_000_000 + n, 1_000_000 + n))  # long ago
    monkeypatch.setenv("NOTALONE_CACHE_DIR", str(tmp_path))
    _patterns(data_root())
    files = list(tmp_path.glob("patterns-*.marshal"))
    assert len(files) == KEEP
    assert PatternCache(data_root()).path in files
