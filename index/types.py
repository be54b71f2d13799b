"""Retrieval types: a hit, the metadata filters, and the index errors the CLIs show as is."""
from __future__ import annotations

import dataclasses
import datetime as dt

from ingest.text import match_key
from ingest.types import Clause, Document


class PlanIndexError(Exception):
    """Base of index errors; the message says what is wrong and how to fix it."""


class IndexMissing(PlanIndexError):
    """No usable index at the configured folder."""


class IndexMismatch(PlanIndexError):
    """The index was built with settings that differ from the current ones."""


class StoreUnreachable(PlanIndexError):
    """The vector store's server (PostgreSQL) cannot be reached or lacks pgvector."""


class IndexBusy(PlanIndexError):
    """Another writer held the index for longer than the wait allowed."""


class IndexWriteError(PlanIndexError):
    """The index's folder could not be written; ``problem`` and ``fix`` name no path, for the app."""

    def __init__(self, folder, problem: str, fix: str):
        super().__init__(f"cannot write the index in {folder}: {problem}; {fix}. The index is unchanged")
        self.problem = problem
        self.fix = fix


@dataclasses.dataclass
class Hit:
    """A retrieved clause with its fused score and the rank each retriever gave it."""

    clause: Clause
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None


@dataclasses.dataclass(frozen=True)
class Filters:
    """Metadata filters, applied inside retrieval (not after display)."""

    plans: tuple[str, ...] = ()        # doc_id prefixes or words of the title (any may match)
    region: str | None = None          # 北京市 / 通州区 / 昌平区 (Traditional also works)
    years: tuple[int, int] | None = None  # plans whose period overlaps [from, to]
    in_force_on: dt.date | None = None

    def allows(self, doc: Document) -> bool:
        """Whether records of ``doc`` may be returned."""
        if self.plans and not any(_plan_matches(key, doc) for key in self.plans):
            return False
        if self.region and match_key(self.region) not in match_key(doc.region or ""):
            return False
        if self.years and doc.period_start is not None:
            low, high = self.years
            if doc.period_end < low or doc.period_start > high:
                return False
        return self.in_force_on is None or doc.in_force(self.in_force_on)

    @property
    def active(self) -> bool:
        """True when any filter is set."""
        return bool(self.plans or self.region or self.years or self.in_force_on)


def _plan_matches(key: str, doc: Document) -> bool:
    return doc.doc_id.startswith(key) or match_key(key) in match_key(doc.title)
