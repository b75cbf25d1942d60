"""A cache of compiled patterns, so that a process does not compile 5,000 phrases at start-up.

Compiling the lexicons' phrases into regexes, anchors and gates takes about two seconds, the
same two seconds in every `notalone check`, every `scan` process and every service worker. The
result depends only on the knowledge files and on the compiler's own code, so it is kept in one
file per version of both: the key hashes every file under the knowledge root, the source of the
modules that compile and match, and the Python version. A changed phrase, a changed compiler or
another Python gives another key, so a stale entry is never read; an unreadable or unwritable
cache only costs the two seconds. The file holds plain values only (strings, numbers, tuples,
frozensets, dicts; no code, never pickle) in `marshal`, Python's own format for them: the
patterns come back as they were built, without the garbage a JSON tree leaves in the memory
of a process that must stay under 200 MB. It is written atomically.

The directory is ``$NOTALONE_CACHE_DIR``, else ``$XDG_CACHE_HOME/notalone``, else
``~/.cache/notalone``; ``NOTALONE_CACHE_DIR=off`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from notalone.detect.recognizers import Pattern

FORMAT = 2
KEEP = 4  # cache files kept per directory (other checkouts, other versions), newest first
# The modules whose code decides what a phrase compiles to (and how a Pattern is read).
_COMPILER_MODULES = ("phrases.py", "lexicon.py", "normalize.py", "recognizers.py", __file__)


def cache_dir() -> Path | None:
    explicit = os.environ.get("NOTALONE_CACHE_DIR")
    if explicit is not None:
        return None if explicit.strip().lower() in ("", "off", "0", "none") else Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "notalone"


def knowledge_key(root: Path) -> str:
    """A digest of every knowledge file under ``root`` and of the compiler's code."""
    digest = hashlib.sha256(f"{FORMAT}:{sys.version_info[:2]}".encode())
    here = Path(__file__).resolve().parent
    for name in _COMPILER_MODULES:
        path = here / Path(name).name
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".npz"):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:32]


def encode(p: Pattern) -> tuple[Any, ...]:
    """A pattern as a tuple of plain values (strings, numbers, frozensets, tuples, dicts)."""
    return (
        p.expression,
        p.anchors,
        p.score,
        p.source,
        p.index,
        p.requires,
        p.first,
        p.needles,
        p.needs,
        tuple(dict(m) for m in p.accents),
        p.parts,
        p.within,
        p.starts,
    )


def decode(d: tuple[Any, ...]) -> Pattern:
    expression, anchors, score, source, index, requires, first, needles = d[:8]
    needs, accents, parts, within, starts = d[8:]
    return Pattern(
        expression,
        anchors,
        score,
        source,
        index,
        requires=requires,
        first=first,
        needles=needles,
        needs=needs,
        accents=accents,
        parts=parts,
        within=within,
        starts=starts,
    )


class PatternCache:
    """Compiled patterns of one knowledge root, by pattern file (and frame kind)."""

    def __init__(self, root: Path, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else cache_dir()
        self.path: Path | None = None
        self._entries: dict[str, Any] = {}  # as read; each is dropped once decoded
        self._used: dict[str, tuple[list[Pattern], list[str]]] = {}  # what this load returned
        self._changed = False
        if self.directory is None:
            return
        try:
            self.path = self.directory / f"patterns-{knowledge_key(root)}.marshal"
            if self.path.exists():
                doc = marshal.loads(self.path.read_bytes())
                if isinstance(doc, dict) and doc.get("format") == FORMAT:
                    self._entries = doc.get("entries", {})
        except (OSError, ValueError, EOFError, TypeError):
            self._entries = {}

    def compiled(
        self, name: str, vocabulary: set[str], compile_all: Callable[[set[str]], list[Pattern]]
    ) -> list[Pattern]:
        """The patterns of ``name`` (and the words they add to ``vocabulary``), from the cache
        or from ``compile_all`` (which adds its words to the set it is given)."""
        hit = self._entries.pop(name, None)
        if hit is not None:
            try:
                patterns = [decode(d) for d in hit["patterns"]]
                words = [str(w) for w in hit["vocabulary"]]
            except (KeyError, TypeError, ValueError):  # another layout: compile
                patterns = None
            if patterns is not None:
                vocabulary.update(words)
                self._used[name] = (patterns, words)
                return patterns
        found: set[str] = set()
        patterns = compile_all(found)
        vocabulary.update(found)
        self._used[name] = (patterns, sorted(found))
        self._changed = True
        return patterns

    def save(self) -> None:
        if not self._changed or self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".patterns-", suffix=".tmp")
        except OSError:
            return  # a read-only home: compile every time
        try:
            with os.fdopen(fd, "wb") as fh:
                entries = {
                    name: {"patterns": tuple(encode(p) for p in patterns), "vocabulary": words}
                    for name, (patterns, words) in self._used.items()
                }
                marshal.dump({"format": FORMAT, "entries": entries}, fh)
            os.replace(tmp, self.path)  # atomic: a concurrent reader sees old or new, whole
            self._changed = False
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            return
        self._prune()

    def _prune(self) -> None:
        """Every edit of the knowledge writes a new file: keep the newest few."""
        if self.path is None:
            return
        try:
            files = sorted(
                self.path.parent.glob("patterns-*.marshal"),
                key=lambda p: p.stat().st_mtime,
                reverse=True,
            )
            for old in files[KEEP:]:
                old.unlink(missing_ok=True)
        except OSError:
            pass
