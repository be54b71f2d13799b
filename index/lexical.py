"""BM25 over Chinese tokens (jieba), with bm25s doing the scoring.

The corpus is tokenised once, when the index is built; bm25s stores its sparse score matrix
as plain numpy arrays plus JSON (never pickle), so loading reads no code.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np

from ingest.libcache import jieba_module
from ingest.text import fold

STOPWORDS = set("的 和 与 及 等 在 对 为 了 是 把 将 由 以 于 并 或 其 之 中 上 下 也 都 而 等等 有 有关 "
                "the of and a an to in for on is are what which how".split())
TOKEN_RE = re.compile(r"[\w\u3400-\u9fff]")
TOKEN_CACHE = 50_000  # tokenised texts kept (sentences of the plans, questions)


def _jieba():
    """jieba with its dictionary loaded (its tables read from a cache: ingest.libcache)."""
    return jieba_module()


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens of the folded text, without punctuation and stopwords."""
    return list(_tokens(text))


@functools.lru_cache(maxsize=TOKEN_CACHE)
def _tokens(text: str) -> tuple[str, ...]:
    """The clause sentences every answer reads are tokenised once, not once per question."""
    tokens = _jieba().lcut_for_search(fold(text).lower())
    return tuple(t for t in tokens if TOKEN_RE.search(t) and t.strip() and t not in STOPWORDS)


class BM25Index:
    """A bm25s index over pre-tokenised records, scored for all records at once."""

    def __init__(self, model):
        self._model = model

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> "BM25Index":
        """Index the records' tokens (already tokenised, once)."""
        import bm25s

        model = bm25s.BM25()
        model.index([tokens or ["∅"] for tokens in token_lists], show_progress=False)
        return cls(model)

    def save(self, folder: Path) -> None:
        """Write the arrays and vocabulary to ``folder``."""
        self._model.save(str(folder))

    @classmethod
    def load(cls, folder: Path) -> "BM25Index":
        """Read an index written by ``save`` (no pickle)."""
        import bm25s

        return cls(bm25s.BM25.load(str(folder), allow_pickle=False))

    def scores(self, query: str) -> tuple[np.ndarray, float]:
        """BM25 score of every record, and the share of query tokens the index knows.

        The share weighs the lexical side in fusion: an English question against Chinese
        text matches only its digits, and that should not outvote the dense side.
        """
        tokens = tokenize(query)
        known = [t for t in tokens if t in self._model.vocab_dict]
        if not known:
            return np.zeros(self._model.scores["num_docs"], dtype="float32"), 0.0
        return self._model.get_scores(known), len(known) / len(tokens)
