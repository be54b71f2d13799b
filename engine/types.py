"""What the answer engine returns: an answer with numbered citations to exact clauses."""
from __future__ import annotations

import dataclasses
from typing import Any

from ingest.types import Clause


@dataclasses.dataclass
class Citation:
    """[n] in the answer text: a clause and the sentence(s) quoted from it."""

    n: int
    clause: Clause
    quote: str

    def to_dict(self) -> dict[str, Any]:
        """The eval contract's citation shape."""
        return {"doc_id": self.clause.doc_id, "title": self.clause.title, "clause": self.clause.path,
                "quote": self.quote}


@dataclasses.dataclass
class Answer:
    """A grounded answer. ``related`` are shown after a refusal, never as the answer."""

    question: str
    text: str
    refused: bool
    kind: str
    citations: list[Citation]
    contexts: list[Clause]
    related: list[Clause] = dataclasses.field(default_factory=list)
    latency_ms: float = 0.0
    settings_hash: str = ""
    lang: str = "zh"
    failed_checks: list[str] = dataclasses.field(default_factory=list)

    def to_eval_json(self, qid: str) -> dict[str, Any]:
        """One line of the eval runner's output contract (README)."""
        return {"id": qid, "question": self.question, "answer": self.text, "refused": self.refused,
                "citations": [c.to_dict() for c in self.citations],
                "contexts": [{"doc_id": c.doc_id, "title": c.title, "clause": c.path, "text": c.text}
                             for c in self.contexts],
                "latency_ms": round(self.latency_ms, 1)}
