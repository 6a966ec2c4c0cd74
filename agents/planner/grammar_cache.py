"""The planner's grammar, loaded once per machine instead of once per process.

Building the offline planner's Earley parser takes three steps in lark: reading the grammar text
into a ``Grammar`` (lark parses its own EBNF with a LALR parser), compiling that into rules and
terminals, and the Earley parser's analysis of the rules. lark's own ``cache=`` option saves all
of it, but only for LALR parsers (``Lark(..., cache=True)`` refuses ``parser="earley"``, and
``Lark.save`` is LALR-only). What lark does cache for any parser (``cache_grammar``) is the first
step, the ``Grammar``, and ``Lark`` accepts a ``Grammar`` in place of the text: that is what is
cached here, pickled, in the user's cache folder (``platformdirs.user_cache_dir("labwright")``),
under a key made of the grammar text's hash, lark's version and Python's version, so a changed
grammar, another lark or another Python never reads a stale file. The other two steps run in
every process (there is no public way to save them for Earley).

A pickle runs code when loaded, so a cache file is used only if it is a regular file owned by
this user and writable by no one else, in a folder writable by no one else; anything unusable
(missing, foreign, corrupt) is ignored and the grammar is read from its text, as without a cache.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import stat
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: raised when what is stored changes shape
FORMAT = 1


def cache_file(text: str) -> Path | None:
    """Where the loaded form of this grammar text is cached (None: no cache folder here)."""
    import lark

    try:
        import platformdirs

        root = Path(platformdirs.user_cache_dir("labwright")) / "planner"
    except Exception:  # noqa: BLE001 - no cache folder: the grammar is read from its text
        return None
    key = hashlib.sha256(
        f"{FORMAT}|lark {lark.__version__}|python {sys.version_info[:3]}|".encode() + text.encode()
    ).hexdigest()[:32]
    return root / f"grammar-{key}.pickle"


def _private(path: Path) -> bool:
    """A regular file (or folder) owned by this user that no one else may write."""
    try:
        info = path.lstat()
    except OSError:
        return False
    kind_ok = stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)
    return kind_ok and info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read(path: Path) -> Any:
    from lark.load_grammar import Grammar

    if not (_private(path) and _private(path.parent)):
        return None
    try:
        with path.open("rb") as f:
            grammar = pickle.load(f)
    except Exception as exc:  # noqa: BLE001 - a corrupt or foreign file: read the text instead
        log.debug("planner grammar cache %s unusable: %s", path, exc)
        return None
    return grammar if isinstance(grammar, Grammar) else None


def _write(path: Path, grammar: Any) -> None:
    """Atomically (a temporary file renamed into place), private to this user; best effort."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _private(path.parent):
            return
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            pickle.dump(grammar, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:
        log.debug("planner grammar cache %s not written: %s", path, exc)


def loaded_grammar(text: str) -> Any:
    """lark's ``Grammar`` of ``text``, from the cache when it holds it; else loaded and cached.
    Returns ``text`` itself when there is no cache folder (``Lark`` takes either)."""
    from lark.load_grammar import load_grammar

    path = cache_file(text)
    if path is None:
        return text
    cached = _read(path) if path.exists() else None
    if cached is not None:
        return cached
    grammar, _used_files = load_grammar(text, "<planner grammar>", None, False)
    _write(path, grammar)
    return grammar
