"""Which records contain a phrase verbatim, without reading every record.

An inverted index of character bigrams over the records' match keys, held as two sorted numpy
arrays (bigram code, row). A phrase of two or more characters can only occur in rows that
hold every one of its bigrams, so the rarest bigram's rows, narrowed by the next rarest, are
the candidates, and ``in`` confirms each one. At 100k clauses a query reads a few hundred rows
instead of looping over all of them in Python.
"""
from __future__ import annotations

import numpy as np

CODE_BITS = 21  # a Unicode code point fits in 21 bits, so a bigram fits in 42


class PhraseIndex:
    """Rows whose key contains a phrase (keys are already folded by the caller)."""

    def __init__(self, keys: list[str]):
        self.keys = keys
        lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
        points = np.frombuffer("".join(keys).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        rows = np.repeat(np.arange(len(keys), dtype=np.int64), lengths)
        same_row = rows[:-1] == rows[1:]  # no bigram across two records
        grams = ((points[:-1] << CODE_BITS) | points[1:])[same_row]
        rows = rows[:-1][same_row]
        order = np.lexsort((rows, grams))
        grams, rows = grams[order], rows[order]
        first = np.ones(len(grams), dtype=bool)
        first[1:] = (grams[1:] != grams[:-1]) | (rows[1:] != rows[:-1])
        self.grams, self.rows = grams[first], rows[first].astype(np.int32)

    def rows_containing(self, phrase: str) -> np.ndarray:
        """Sorted rows whose key contains ``phrase`` (two characters or more)."""
        if len(phrase) < 2:
            raise ValueError(f"phrase {phrase!r} is shorter than the index's two-character grams")
        postings = sorted((self._posting(phrase[i:i + 2]) for i in range(len(phrase) - 1)), key=len)
        candidates = postings[0]
        if len(postings) > 1 and len(candidates) > 64:
            candidates = np.intersect1d(candidates, postings[1], assume_unique=True)
        return np.array([r for r in candidates.tolist() if phrase in self.keys[r]], dtype=np.int64)

    def _posting(self, gram: str) -> np.ndarray:
        code = (ord(gram[0]) << CODE_BITS) | ord(gram[1])
        lo, hi = np.searchsorted(self.grams, [code, code + 1])
        return self.rows[lo:hi]
