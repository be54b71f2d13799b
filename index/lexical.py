"""BM25 over Chinese tokens (jieba), with bm25s building the index.

The corpus is tokenised once, when the index is built; bm25s stores its sparse score matrix
as plain numpy arrays plus JSON (never pickle), so loading reads no code.
"""
from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path

import numpy as np

from ingest.libcache import jieba_module
from ingest.text import fold

STOPWORDS = set("的 和 与 及 等 在 对 为 了 是 把 将 由 以 于 并 或 其 之 中 上 下 也 都 而 等等 有 有关 "
                "the of and a an to in for on is are what which how".split())
TOKEN_RE = re.compile(r"[\w\u3400-\u9fff]")
NONOCCURRENCE_METHODS = ("bm25l", "bm25+")  # bm25s variants that add a per-token constant
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
    """BM25 over pre-tokenised records, scored for all records at once.

    bm25s builds and writes the index (its sparse matrix of precomputed per-token scores, as
    plain numpy arrays plus JSON). Loading reads those files directly and scores with the same
    arithmetic as ``bm25s.BM25.get_scores`` (per query token, ``np.add.at`` of its column into
    a zero vector), so a query needs neither bm25s nor the scipy it imports (0.2-0.4 s at start).
    """

    def __init__(self, vocab: dict[str, int], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
                 num_docs: int, dtype: str = "float32", int_dtype: str = "int32", model=None):
        self.vocab = vocab
        self.data, self.indices, self.indptr = data, indices, indptr
        self.num_docs = num_docs
        self.dtype, self.int_dtype = np.dtype(dtype), np.dtype(int_dtype)
        self._model = model  # the bm25s model when built here (it writes the files)
        self._rarity: dict[str, float] = {}  # token → rarity, computed once

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> "BM25Index":
        """Index the records' tokens (already tokenised, once)."""
        import bm25s

        model = bm25s.BM25()
        model.index([tokens or ["∅"] for tokens in token_lists], show_progress=False)
        if model.method in model.methods_requiring_nonoccurrence:
            raise ValueError(f"BM25 variant {model.method} is not supported (it needs a non-occurrence array)")
        return cls(model.vocab_dict, model.scores["data"], model.scores["indices"], model.scores["indptr"],
                   model.scores["num_docs"], model.dtype, model.int_dtype, model)

    def save(self, folder: Path) -> None:
        """Write the arrays and vocabulary to ``folder`` (bm25s's files)."""
        if self._model is None:
            raise ValueError(f"this BM25 index was loaded, not built; rebuild it to write {folder}")
        self._model.save(str(folder))

    @classmethod
    def load(cls, folder: Path) -> "BM25Index":
        """Read an index written by ``save`` (numpy arrays without pickle, JSON)."""
        folder = Path(folder)
        params = json.loads((folder / "params.index.json").read_text("utf-8"))
        if params.get("method") in NONOCCURRENCE_METHODS:
            raise ValueError(f"{folder}: BM25 variant {params['method']} is not supported; rebuild the index")
        vocab = json.loads((folder / "vocab.index.json").read_text("utf-8"))
        arrays = [np.load(folder / f"{name}.csc.index.npy", allow_pickle=False) for name in ("data", "indices", "indptr")]
        return cls(vocab, *arrays, params["num_docs"], params.get("dtype", "float32"), params.get("int_dtype", "int32"))

    def rarity(self, token: str) -> float:
        """How rare a token is in the indexed records, 1.0 for one found in at most one record
        down towards 0 for one in all of them: log(1 + N/df) / log(1 + N). "问题" or "发展",
        in many clauses, say little about which clause a question is about."""
        if token not in self._rarity:
            i = self.vocab.get(token)
            df = 0 if i is None else int(self.indptr[i + 1] - self.indptr[i])
            self._rarity[token] = 1.0 if df <= 1 or self.num_docs <= 1 else \
                math.log1p(self.num_docs / df) / math.log1p(self.num_docs)
        return self._rarity[token]

    def scores(self, query: str) -> tuple[np.ndarray, float]:
        """BM25 score of every record, and the share of query tokens the index knows.

        The share weighs the lexical side in fusion: an English question against Chinese
        text matches only its digits, and that should not outvote the dense side.
        """
        tokens = tokenize(query)
        known = [t for t in tokens if t in self.vocab]
        if not known:
            return np.zeros(self.num_docs, dtype="float32"), 0.0
        return self._scores([self.vocab[t] for t in known]), len(known) / len(tokens)

    def _scores(self, token_ids: list[int]) -> np.ndarray:
        """bm25s's ``get_scores_from_ids`` for the lucene/robertson/atire variants: each token's
        column of precomputed scores added in query order (a repeated token counts again)."""
        ids = np.asarray(token_ids, dtype=self.int_dtype)
        starts, ends = self.indptr[ids], self.indptr[ids + 1]
        scores = np.zeros(self.num_docs, dtype=self.dtype)
        for start, end in zip(starts, ends):
            np.add.at(scores, self.indices[start:end], self.data[start:end])
        return scores
