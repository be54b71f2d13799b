"""The default answer engine: grounded, exact and cited, with no LLM.

``Engine.ask`` reads what the question asks (engine.analysis), narrows the plans it names,
refuses when the plans cannot answer (evidence, not a score threshold), builds the answer in
the form the question wants (engine.compose), then checks every number, date and agency name
against the clauses it cites (engine.verify) before anything is returned.
"""
from __future__ import annotations

import datetime as dt
import re
import time
from functools import cached_property

from index.store import PlanIndex
from index.types import Filters
from ingest.text import fold
from ingest.types import Clause, Document
from settings import REPO, Settings

from . import compose, dates
from .agencies import AgencyDirectory
from .analysis import Question, analyse
from .analysis import language as analyse_language
from .bridge import chinese_terms
from .evidence import best_sentence, content_tokens
from .llm import LLMWriter, chat_model_from_env
from .types import Answer, Citation
from .verify import check

MAX_QUESTION_CHARS = 500
RELATED_K = 3


class QuestionError(ValueError):
    """A question the engine cannot take (empty, too long); the message says why."""


def refusal_sentences() -> dict[str, str]:
    """The one fixed refusal sentence per answer language (prompts/refusal.txt)."""
    lines = (REPO / "prompts" / "refusal.txt").read_text("utf-8").splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


REFUSAL = refusal_sentences()


class Engine:
    """Answers questions from one loaded index."""

    def __init__(self, index: PlanIndex, settings: Settings, today: dt.date | None = None, chat_model=None):
        self.index = index
        self.settings = settings
        self.today = today or dt.date.today()
        self.agencies = AgencyDirectory(index.clauses)
        chat_model = chat_model if chat_model is not None else chat_model_from_env()
        self.writer = LLMWriter(chat_model, REFUSAL) if chat_model is not None else None

    @cached_property
    def _corpus_text(self) -> str:
        return fold("\n".join(d.text for d in self.index.documents.values()))

    def ask(self, question: str, filters: Filters = Filters()) -> Answer:
        """A grounded answer to ``question`` (QuestionError for unusable input)."""
        start = time.perf_counter()
        question = _check_question(question)
        q = analyse(question)
        docs = self._scope(q, filters)
        scoped = Filters(plans=tuple(d.doc_id for d in docs)) if docs else filters
        reason = self._refusal_reason(q, docs)
        draft = compose.Draft.refuse(reason) if reason else self._build(q, scoped, docs)
        answer = self._finish(q, draft, scoped)
        if self.writer is not None:
            answer = self.writer.rewrite(answer, set(self.agencies.names))
        answer.latency_ms = (time.perf_counter() - start) * 1000
        return answer

    def stream(self, question: str, filters: Filters = Filters()):
        """The answer as events a chat UI can render as they come: ``text`` deltas (line by
        line, already verified), then ``citations``, then ``done`` with the Answer."""
        answer = self.ask(question, filters)
        for line in answer.text.splitlines(keepends=True):
            yield {"type": "text", "delta": line}
        yield {"type": "citations", "citations": [c.to_dict() | {"n": c.n} for c in answer.citations],
               "related": [{"title": c.title, "clause": c.path} for c in answer.related]}
        yield {"type": "done", "answer": answer}

    def search(self, text: str, filters: Filters, k: int = 8):
        """Hybrid retrieval within the filters. An English question is searched twice, as
        asked and as its Chinese terms (plus its numbers), and the two rankings are fused."""
        hits = self.index.search(text, k=k, filters=filters)
        terms = self._bridge(text) if analyse_language(text) == "en" else ""
        if not terms:
            return hits
        chinese = self.index.search(" ".join([terms, *re.findall(r"\d+", text)]), k=k, filters=filters)
        return _fuse_hits([hits, chinese], k)

    def phrases(self, q: Question) -> list[str]:
        """Whole terms to find verbatim in evidence (an English question's Chinese terms)."""
        return self._bridge(q.text).split() if q.lang == "en" else []

    @cached_property
    def _pinyin_regions(self) -> dict[str, str]:
        """changping → 昌平区, for every district plan in the index (computed once)."""
        return {alias: fold(doc.region or "") for doc in self.index.documents.values()
                for alias in compose.region_aliases(doc) if alias.isascii()}

    def _bridge(self, text: str) -> str:
        return chinese_terms(text, self._pinyin_regions)

    def _build(self, q: Question, filters: Filters, docs: list[Document]) -> compose.Draft:
        if q.kind == "time":
            return dates.time_answer(self, q, docs)
        names = self.agencies.mentioned(q.folded) or self.agencies.informal(q.folded)
        if names and q.kind in ("responsibility_agency", "general", "comparison") and _asks_tasks(q):
            return compose.agency_tasks(self, q, names)
        if q.kind == "responsibility_task":
            return compose.task_agencies(self, q, filters)
        if q.kind == "comparison":
            return compose.comparison(self, q, docs, filters)
        if q.kind == "eligibility":
            return compose.eligibility(self, q, filters)
        if q.kind == "clause" and (found := compose.clause_by_path(self, q, docs)):
            return found
        return compose.extractive(self, q, filters)

    def _scope(self, q: Question, filters: Filters) -> list[Document]:
        """Plans the question names (by period, region or level), within the user's filters."""
        docs = [d for d in self.index.documents.values() if filters.allows(d)]
        named = [d for d in docs if _names_plan(q, d)]
        if re.search(r"市级|北京市层面|全市|市里|市一级|city", q.folded.lower()) and not named:
            named = [d for d in docs if d.level == "city"]
        return named

    def _refusal_reason(self, q: Question, docs: list[Document]) -> str | None:
        """Why the plans cannot answer, decided before retrieval (None: try to answer)."""
        if q.asks_actual and not q.figures:
            return "asks for actual results; the plans state targets"
        covered = [y for d in self.index.documents.values() for y in (d.period_start, d.period_end) if y]
        if q.periods and not docs:
            return f"no plan for the period {q.periods[0][0]}–{q.periods[0][1]} in the corpus"
        if covered and q.kind != "time" and any(y > max(covered) or y < min(covered) - 1 for y in q.years):
            return "asks about years no plan in the corpus covers"
        for place in compose.places(q.folded):
            if place not in self._corpus_text:
                return f"{place} is not covered by any plan in the corpus"
            if re.search(re.escape(place) + r"(?!政府)(自己|本身|区级|区里)?.{0,10}(行动计划|行动方案|发展规划)", q.folded) and not any(
                    place in fold(d.region or "") or place in fold(d.title) for d in self.index.documents.values()):
                return f"no plan of {place} in the corpus"
        return None

    def _finish(self, q: Question, draft: compose.Draft, filters: Filters) -> Answer:
        """Number the citations, verify every sentence, and attach contexts or related clauses."""
        lang = "en" if q.lang == "en" else "zh"
        contexts = draft.contexts or [h.clause for h in self.search(q.text, filters)]
        if draft.refusal:
            related = [h.clause for h in self.search(q.text, filters, k=RELATED_K)]
            return Answer(q.text, REFUSAL[lang], True, "refusal", [], contexts, related=related,
                          settings_hash=self.settings.hash(), lang=q.lang, failed_checks=[draft.refusal])
        numbered: dict[tuple[str, str], Citation] = {}
        checked = []
        for sentence, cites in draft.sentences:
            marks = []
            for clause, quote in cites:
                cite = numbered.setdefault((clause.clause_id, quote), Citation(len(numbered) + 1, clause, quote))
                marks.append(f"[{cite.n}]")
            checked.append((sentence + "".join(dict.fromkeys(marks)), [c.text for c, _ in cites]))
        kept, failures = check(checked, q.text, set(self.agencies.names))
        if not kept or not numbered:
            related = [h.clause for h in self.search(q.text, filters, k=RELATED_K)]
            return Answer(q.text, REFUSAL[lang], True, "refusal", [], contexts, related=related,
                          settings_hash=self.settings.hash(), lang=q.lang,
                          failed_checks=failures or ["no supported sentence"])
        text = "\n".join(kept)
        used = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
        citations = [c for c in numbered.values() if c.n in used]
        if q.lang == "zh-Hant":
            text = compose.to_traditional(text)
        return Answer(q.text, text, False, draft.kind, citations, contexts,
                      settings_hash=self.settings.hash(), lang=q.lang, failed_checks=failures)

    def question_tokens(self, q: Question) -> set[str]:
        """Content tokens of the question (English: of its Chinese terms)."""
        return content_tokens(self._bridge(q.text) if q.lang == "en" else q.folded)

    def pick(self, q: Question, clause: Clause, want_number: bool) -> tuple[str, float]:
        """Best sentence of ``clause`` for ``q``."""
        return best_sentence(self.question_tokens(q), clause, want_number)


def _fuse_hits(rankings: list[list], k: int) -> list:
    """Reciprocal-rank fusion of several hit lists (same clause: best ranks kept)."""
    merged: dict[str, object] = {}
    scores: dict[str, float] = {}
    for hits in rankings:
        for rank, hit in enumerate(hits, start=1):
            key = hit.clause.clause_id
            scores[key] = scores.get(key, 0.0) + 1.0 / (60 + rank)
            if key not in merged:
                merged[key] = hit
            else:
                kept = merged[key]
                kept.dense_rank = min(r for r in (kept.dense_rank, hit.dense_rank, 99) if r)
                kept.lexical_rank = min(r for r in (kept.lexical_rank, hit.lexical_rank, 99) if r)
    order = sorted(merged, key=lambda key: -scores[key])[:k]
    for key in order:
        merged[key].score = scores[key]
    return [merged[key] for key in order]


def _check_question(question: str) -> str:
    text = re.sub(r"<[^<>]{0,200}>", " ", question or "").strip()  # markup is not part of a question
    if not re.search(r"[\w\u3400-\u9fff]", text):
        raise QuestionError("the question is empty; type a question about the plans, e.g. 2023年新增上市企业目标是多少？")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(f"the question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}. "
                            "Ask one shorter question at a time.")
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)


def _asks_tasks(q: Question) -> bool:
    return bool(re.search(r"负责|承担|牵头|任务|职责|参与|配合|哪些工作|做哪些事|responsib|tasks?", q.folded.lower()))


def _names_plan(q: Question, doc: Document) -> bool:
    """Whether the question names this plan: its period, its region, or its first year + 版/计划."""
    if doc.period_start and (doc.period_start, doc.period_end) in q.periods:
        return True
    if not q.periods and doc.period_start in q.years and (re.search(r"版|轮", q.folded) or re.search(
            rf"{doc.period_start}\s*年?\s*(版|计划|那份|的计划)", q.folded)):
        return True
    if doc.level == "district" and doc.region:
        return any(alias in q.folded.lower() for alias in compose.region_aliases(doc))
    return False
