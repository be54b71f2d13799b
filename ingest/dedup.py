"""Near-duplicate plan documents, found by content alone.

Two sources are one plan when their titles (and so their plan periods) are the same, or when
the smaller one's character shingles are almost all contained in the larger one (a truncated PDF
extraction inside a full reprint, a GB18030 or Traditional copy of the same text) and their
titles do not name different plan periods. Partial copies that print different parts of one
plan (a gateway page with the header and goals, a reprint with the goals and the tasks) meet
through their title. File names never enter into it.
"""
from __future__ import annotations

SHINGLE = 8
CONTAINMENT = 0.8
TITLE_MIN = 8  # characters of a title specific enough to identify a plan by itself


def shingles(key: str) -> set[str]:
    """Character n-grams of a ``content_key`` text."""
    return {key[i: i + SHINGLE] for i in range(max(1, len(key) - SHINGLE + 1))}


def containment(a: set[str], b: set[str]) -> float:
    """Share of the smaller set found in the larger one."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / max(1, len(small))


def group_duplicates(keys: list[set[str]], periods: list[tuple | None],
                     titles: list[str] | None = None) -> list[list[int]]:
    """Indices grouped into duplicate clusters (single-link), each cluster in input order.
    ``titles`` are match keys of the printed titles ("" when a source prints none)."""
    titles = titles or [""] * len(keys)
    parent = list(range(len(keys)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            if periods[i] and periods[j] and periods[i] != periods[j]:
                continue  # a newer round of the same plan shares much wording but is another plan
            same_title = len(titles[i]) >= TITLE_MIN and titles[i] == titles[j]
            if same_title or containment(keys[i], keys[j]) >= CONTAINMENT:
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(keys)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())
