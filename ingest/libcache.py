"""Tables derived from installed libraries, cached on disk so that a process starts fast.

* jieba: at start it reads its prefix dictionary from its own marshal cache (~0.7 s here), and
  ``import jieba.posseg`` parses the whole dict.txt into a word → tag table (~0.3-0.5 s; jieba
  has no cache for it). Both tables go into one pickle, written the first time they are built
  and read back in ~0.3 s with an unpickler that refuses every class (plain data only).
* pypinyin: importing it loads its phrase dictionary (~0.2-0.3 s) to read a few place names;
  their readings are kept in a JSON file, so pypinyin is imported only for a name not read before.

Each file is named by a hash of the library's files (version, size, date), so another version
makes another file. The values are the libraries' own, so every cut, tag and reading is what
the library gives without the cache. Files live in ``Settings.cache_dir``, are written to a
temporary name then renamed, and are safe to delete; an unwritable folder only costs time.
"""
from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import logging
import os
import pickle
import sys
import tempfile
import threading
from pathlib import Path

CACHE_VERSION = 1
_LOCK = threading.RLock()
_JIEBA: dict = {}
_PINYIN: dict[str, list[str]] = {}


def jieba_module():
    """The ``jieba`` module with its default dictionary loaded (from the cache when there is one)."""
    import jieba

    with _LOCK:
        if not jieba.dt.initialized:
            jieba.setLogLevel(logging.WARNING)
            tables = _jieba_tables()
            jieba.dt.FREQ, jieba.dt.total = tables["freq"], tables["total"]
            jieba.dt.initialized = True
    return jieba


def posseg_module():
    """``jieba.posseg`` with its word → tag table (from the cache when there is one)."""
    with _LOCK:
        jieba = jieba_module()
        if "jieba.posseg" not in sys.modules:
            tables = _jieba_tables()
            # posseg's import makes its tokenizer, which parses dict.txt: give it nothing to
            # parse, then hand it the same table read from the cache
            jieba.dt.get_dict_file = lambda: io.BytesIO(b"")
            try:
                import jieba.posseg
            finally:
                del jieba.dt.get_dict_file
            jieba.posseg.dt.word_tag_tab = tables["tags"]
        return sys.modules["jieba.posseg"]


def lazy_pinyin(text: str) -> list[str]:
    """``pypinyin.lazy_pinyin(text)``, remembered on disk (pypinyin imported on a miss only)."""
    with _LOCK:
        path = _cache_path("pinyin", "pypinyin", ("__init__.py", "phrases_dict.py", "pinyin_dict.py"), ".json")
        if not _PINYIN and path is not None:
            try:
                _PINYIN.update(json.loads(path.read_text("utf-8")))
            except (OSError, ValueError):
                pass
        if text not in _PINYIN:
            from pypinyin import lazy_pinyin as read

            _PINYIN[text] = read(text)
            if path is not None:
                _write(path, json.dumps(_PINYIN, ensure_ascii=False).encode())
        return list(_PINYIN[text])


def _jieba_tables() -> dict:
    """jieba's tables, from the cache file, or built by jieba's own loaders (and written there)."""
    if _JIEBA:
        return _JIEBA
    import jieba

    path = None if jieba.dt.dictionary is not None else (  # a custom dictionary: jieba's own loading
        _cache_path("jieba", "jieba", ("__init__.py", "dict.txt"), ".pickle"))
    if path is not None and path.is_file():
        try:
            with path.open("rb") as f:
                tables = _DataOnly(f).load()
            if isinstance(tables, dict) and tables.get("version") == CACHE_VERSION:
                _JIEBA.update(tables)
                return _JIEBA
        except (OSError, pickle.UnpicklingError, EOFError, ValueError):
            pass  # unreadable: rebuilt below
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    import jieba.posseg

    freq = jieba.dt.FREQ
    same = {word: word for word in freq}  # one string object per word, stored once in the file
    tags = {same.get(word, word): tag for word, tag in jieba.posseg.dt.word_tag_tab.items()}
    _JIEBA.update(version=CACHE_VERSION, freq=freq, total=jieba.dt.total, tags=tags)
    if path is not None:
        _write(path, pickle.dumps(dict(_JIEBA), protocol=pickle.HIGHEST_PROTOCOL))
    return _JIEBA


def _cache_path(name: str, package: str, files: tuple[str, ...], suffix: str) -> Path | None:
    """The cache file for the installed ``package``, named by its ``files``' sizes and dates
    (None when the package is not found), found without importing it."""
    from settings import Settings

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations)))
    key = [str(folder), str(CACHE_VERSION)]
    for file in files:
        try:
            stat = (folder / file).stat()
        except OSError:
            return None
        key.append(f"{file}:{stat.st_size}:{stat.st_mtime_ns}")
    return Settings.from_env().cache_dir / f"{name}-{hashlib.sha256('|'.join(key).encode()).hexdigest()[:16]}{suffix}"


def _write(path: Path, data: bytes) -> None:
    """``data`` into ``path`` through a temporary file and a rename (a reader never sees half)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache folder only costs the next start its time


class _DataOnly(pickle.Unpickler):
    """An unpickler that builds no class or function: dicts, lists, strings and numbers only."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"the jieba cache may hold only plain data, not {module}.{name}")
