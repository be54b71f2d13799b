"""The default answer engine: grounded, exact and cited, with no LLM.

``Engine.ask`` reads what the question asks (engine.analysis), narrows the plans it names,
refuses when the plans cannot answer (evidence, not a score threshold), builds the answer in
the form the question wants (engine.compose), then checks every number, date and agency name
against the clauses it cites (engine.verify) before anything is returned.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import Counter
import re
import time
from functools import cached_property

from index.lexical import STOPWORDS, tokenize
from index.store import PlanIndex, fuse
from index.types import Filters
from ingest.facts import figure_pattern, posseg
from ingest.text import fold
from ingest.types import Clause, Document
from settings import REPO, Settings

from . import claims, compose, dates, followup
from .agencies import BODY_SUFFIX, AgencyDirectory
from .analysis import PERIOD_RE, Question, analyse, arabic_figures, as_plans_write
from .analysis import language as analyse_language
from .bridge import chinese_terms
from .decompose import asks, parts
from .evidence import FUNCTION_WORDS, best_sentence, content_tokens
from .knowledge import knowledge
from .llm import LLMWriter, chat_model_from_env
from .plans import PlanNames, region_aliases
from .types import Answer, Citation
from .verify import check

NO_PERIOD = "no plan for the period"
MAX_QUESTION_CHARS = 500
RELATED_K = 3
VERBATIM_MIN = 4  # characters of a question phrase that counts as taken from the plans' text
OWN_PHRASE = 3  # characters printed with a cue word that make it the plans' word, not the asker's cue
VERBATIM_CACHE = 256  # questions whose verbatim phrases are kept
VERBATIM_RARE = 0.01  # a phrase printed in more than this share of the records (and 3) names no clause


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
        self.plans = PlanNames(list(index.documents.values()), self.today)
        self.stopwords = FUNCTION_WORDS | _title_words(list(index.documents.values()))
        self._records: dict[int, tuple[str, set[int]]] = {}  # record row → folded text, word boundaries
        self._verbatim_cache: dict[str, tuple[str, ...]] = {}  # read once per answer, asked for per sentence
        chat_model = chat_model if chat_model is not None else chat_model_from_env()
        self.writer = LLMWriter(chat_model, REFUSAL) if chat_model is not None else None

    @cached_property
    def _unprinted_variants(self) -> list[tuple[str, str]]:
        """The everyday words of word_variants this corpus never prints (a corpus that says 公司
        means 公司), with the plans' words they stand for."""
        return [(variant, word) for variant, word in knowledge().variants if variant not in self._corpus_text]

    def in_plan_words(self, text: str) -> str:
        """``text`` with the everyday words this corpus never prints in the plans' words."""
        return knowledge().in_plan_words(text, self._unprinted_variants)

    def _plans_own_words(self, cues: str, text: str) -> bool:
        """Whether every cue of the lexicon's ``cues`` in ``text`` is part of a phrase the plans
        print (OWN_PHRASE more characters with it, verbatim): "按实际投资额的10%" quotes the
        plans' 实际投资额, it does not ask what was actually achieved."""
        found = list(knowledge().pattern(cues).finditer(text.lower()))
        return bool(found) and all(
            any(len(span) >= m.end() - m.start() + OWN_PHRASE and span in self._corpus_text
                for span in (text[m.start(): m.end() + OWN_PHRASE], text[max(0, m.start() - OWN_PHRASE): m.end()]))
            for m in found)

    @cached_property
    def _corpus_text(self) -> str:
        return fold("\n".join(d.text for d in self.index.documents.values()))

    def ask(self, question: str, filters: Filters = Filters(), history: list[str] | tuple = ()) -> Answer:
        """A grounded answer to ``question`` (QuestionError for unusable input). ``history``
        holds the user's earlier questions, oldest first: a follow-up ("那X区呢？") takes
        its reading and topic from them."""
        start = time.perf_counter()
        question = _check_question(question)
        earlier = [q for q in map(_usable, history) if q][-3:]
        pieces = parts(question, self._names_plan)
        whole = analyse(self._in_context(question, earlier))
        docs = self._scope(whole, filters)
        if len(pieces) == 1:
            draft = self._answer(whole, filters, docs)
        else:
            draft = self._compound(whole, pieces, filters, docs, earlier)
        answer = self._finish(whole, draft, self._scoped(docs, filters))
        if self.writer is not None:
            answer = self.writer.rewrite(answer, set(self.agencies.names))
        answer.question = question
        answer.latency_ms = (time.perf_counter() - start) * 1000
        return answer

    def warm(self, converters: bool = True) -> None:
        """Load what answering otherwise loads on first need (the model, jieba's tables, and
        with ``converters`` the numeral and script converters that some answers need): a
        server calls this before it takes questions."""
        self.ask("预热")
        if converters:
            self.warm_converters()

    def warm_converters(self) -> None:
        """Load the numeral and script converters (~0.3 s): the app does this once it serves."""
        arabic_figures("两家")  # imports cn2an (~0.2 s)
        compose.to_traditional("预热")  # builds OpenCC's s2t converter (~0.1 s)

    def _scoped(self, docs: list[Document], filters: Filters) -> Filters:
        return Filters(plans=tuple(d.doc_id for d in docs)) if docs else filters

    def _answer(self, q: Question, filters: Filters, docs: list[Document]) -> compose.Draft:
        """The draft for one atomic question within the plans it names; a question that names
        several plans (or compares the ones it names) is answered for each plan in turn."""
        if not q.periods and (repeal := self._repealed(q, filters)):  # "之前那个倍增计划还有效吗"
            return repeal
        reason = self._refusal_reason(q, docs)
        if reason and reason.startswith(NO_PERIOD):
            return self._misdated(q, filters) or self._repealed(q, filters) or compose.Draft.refuse(reason)
        if reason:
            return compose.Draft.refuse(reason)
        if len(docs) >= 2 and q.kind != "eligibility" and (
                q.scores.get("comparison") or len(self.plans.explicit(q, docs)) >= 2):
            return self._per_plan(q, docs)
        return self._build(q, self._scoped(docs, filters), docs)

    def _misdated(self, q: Question, filters: Filters) -> compose.Draft | None:
        """A plan named by its place or nickname with a period that overlaps its own but is wrong
        ("某区那个2025—2027年的计划" of a 2026—2028 plan): the period corrected from the plan's
        title, then the question answered for it."""
        undated = analyse(PERIOD_RE.sub("", q.text))
        named = self.plans.explicit(undated, self.allowed(filters))
        if len(named) != 1 or not named[0].period_start:
            return None
        doc = named[0]
        start, end = q.periods[0]
        if end < doc.period_start or start > doc.period_end:  # another round ("下一轮2029—2031年"), not a slip
            return None
        titled = next((c for c in self.index.records(doc_ids={doc.doc_id}) if fold(doc.title) in fold(c.text)), None)
        if titled is None:  # no clause prints the title, so the period cannot be cited
            return None
        draft = self._build(undated, self._scoped(named, filters), named)
        if draft.refusal:
            return draft
        lang = "en" if q.lang == "en" else "zh"
        asserted = "—".join(map(str, q.periods[0]))
        period = f"{doc.period_start}—{doc.period_end}"
        verdict = knowledge().say("period_wrong", lang, title=f"《{doc.title}》", period=period, asserted=asserted)
        draft.sentences.insert(0, (verdict, [(titled, doc.title)]))
        draft.verdicts.insert(0, "wrong")
        return draft

    def _repealed(self, q: Question, filters: Filters) -> compose.Draft | None:
        """"22—24年那版还有效吗" of a plan not in the corpus that an indexed plan repeals: the
        repeal, cited to the plan that declares it. Asked anything else of it, named as a version
        by the year of its 文号 that no indexed plan has ("2021年那版…奖多少"), the repeal is told
        and the rest declined: its text is not here."""
        if q.kind == "time":
            repealing = [d for d in self.allowed(filters) if any(
                q.periods and q.periods[0] in analyse(r.title or "").periods or self._title_words[r.title or ""] in q.folded
                for r in d.repeals)]
        else:
            indexed = {y for d in self.index.documents.values() for y in (
                d.period_start, d.period_end, d.issue_date and d.issue_date.year) if y}
            years = {int(y if len(y) == 4 else f"20{y}") for span in self.plans.mentions(q.folded)  # 2021年那版, 21版
                     for y in re.findall(r"(?<!\d)((?:19|20)\d{2}|\d{2})(?!\d)", span)} - indexed
            repealing = [d for d in self.allowed(filters) if years and any(
                f"〔{y}〕" in (r.number or "") for y in years for r in d.repeals)]  # the year of its 文号
        draft = dates.time_answer(self, q, repealing, also=("repeal",)) if repealing else None
        if not draft or draft.refusal:
            return None
        if q.kind != "time":
            draft.verdicts = ["unstated"]  # told the repeal; the repealed text is not in the corpus
        return draft

    @cached_property
    def _title_words(self) -> dict[str, str]:
        """Repealed plan's title → a word of it that no indexed plan's title has ("倍增" of
        《…倍增行动计划》): how people name a plan that is not in the corpus ("\0", in no
        question, when there is none). Worked out once per index, not per question."""
        from index.lexical import _jieba

        indexed = "".join(fold(d.title) for d in self.index.documents.values())
        out = {}
        for title in {r.title or "" for d in self.index.documents.values() for r in d.repeals}:
            words = [w for w in _jieba().lcut(fold(title)) if len(w) >= 2 and w not in indexed and not re.search(r"\d", w)]
            out[title] = max(words, key=len) if words else "\0"
        return out

    def _per_plan(self, q: Question, docs: list[Document]) -> compose.Draft:
        """One answer per plan, under the plan's name: a comparison is the same question asked
        of every plan it names, each cell answered (or declared absent) on its own."""
        own = dataclasses.replace(q, scores={k: v for k, v in q.scores.items() if k != "comparison"})
        own.kind = max(own.scores, key=own.scores.get) if own.scores else "general"
        lang = "en" if q.lang == "en" else "zh"
        draft = compose.Draft("comparison")
        answered = 0
        for doc in docs:
            part = self._build(own, Filters(plans=(doc.doc_id,)), [doc])
            answered += draft.add_part(knowledge().say("part_head", lang, part=f"《{doc.title}》"), part,
                                       knowledge().say("part_absent", lang), doc.doc_id)
        return draft if answered else compose.Draft.refuse("; ".join(draft.notes))

    def _names_plan(self, item: str) -> bool:
        """Whether an item of "A和B…" names a plan by period, place or nickname."""
        return bool(self.plans.explicit(analyse(item), self.plans.documents))

    def _in_context(self, question: str, before: list[str], conversation: bool = True) -> str:
        """``question`` as it stands after ``before`` (earlier questions or earlier parts of the
        message, oldest first): a follow-up merged with what it continues, and a question with
        no topic of its own ("谁负责？", "归哪几家负责？") given the previous one's topic. After an
        earlier question of the ``conversation``, one whose words the clause talked about
        covers stays on it (``_staying``)."""
        text = followup.resolve(question, before, self.plans)
        if not before:
            return text
        words = {w for w in compose.topic_words(self, analyse(text))  # "啥时候完成", "是某区的任务吧" have none
                 if _nominal(w) and not compose.places(w)}
        if words:  # a follow-up in form ("那X呢") is merged by followup.resolve already
            stays = conversation and not followup.is_followup(question)
            return self._staying(text, words, before[-1], before[:-1]) if stays else text
        # the topic the conversation opened with ("X那条…") and the one just before
        topics = dict.fromkeys(followup.topic_of(followup.resolve(before[n], before[:n], self.plans), self.plans)
                               for n in sorted({0, len(before) - 1}))
        if analyse(text).figures:  # "…按费用的三成补 / 单个仓最高两百万": the subject, not the other figure
            topics = {re.sub(r"[的按]?$", "", figure_pattern().sub("", as_plans_write(t))): None for t in topics}
        return "，".join([*(t for t in topics if t), text])

    def _staying(self, text: str, words: set[str], previous: str, before: list[str]) -> str:
        """``text`` with the previous question's topic before it when the clause that answers the
        previous question covers ``text``'s own topic words at least as well as the clause
        ``text`` finds alone: "入驻的园区有啥要求" after "租金补贴是怎么给的" asks about the subsidy's
        park, and is searched so; a question that moves to another matter stays as it is."""
        earlier = followup.resolve(previous, before, self.plans)
        then, now = self.search(earlier, Filters(), k=1), self.search(text, Filters(), k=1)
        if not then or not now:
            return text
        stayed, found = (sum(w in fold(hits[0].clause.text) for w in words) for hits in (then, now))
        if stayed < max(1, found):
            return text
        return f"{followup.topic_of(earlier, self.plans)}，{text}"

    def _compound(self, whole: Question, pieces: list[str], filters: Filters, docs: list[Document],
                  earlier: list[str] = ()) -> compose.Draft:
        """Every part answered on its own, under a heading naming the part; a part the plans
        cannot answer is said to be so while the others are answered. A part continues the
        conversation and the parts before it ("B又怎么说？" borrows A's topic)."""
        draft = compose.Draft("compound")
        lang = "en" if whole.lang == "en" else "zh"
        answered = asking = substantive = 0  # parts told; parts that ask; parts told something of substance
        cited: frozenset[str] = frozenset()
        for n, piece in enumerate(pieces, start=1):
            q = analyse(self._in_context(piece, [*earlier, *pieces[:n - 1]], conversation=n == 1))
            q.follows = cited
            relative = knowledge().has("rounds.previous", q.low) or knowledge().has("rounds.latest", q.low)
            if not docs:
                own = self._scope(q, filters)
            elif knowledge().has("agency_claim", q.low) and not relative:
                own = docs  # "…，是某区的任务吧": the district is the body claimed, not its plan
            else:  # a part names its plans itself; "上一轮和21版" among the plans the message names
                own = self.plans.named(q, docs) if relative else self.plans.explicit(q, self.allowed(filters))
            q.quantity = q.quantity or (whole.quantity if not q.scores else None)
            part = self._answer(q, filters, own or docs)
            cited = frozenset(c.base_id for _, cites in part.sentences for c, _ in cites) or cited
            told = draft.add_part(knowledge().say("part_head", lang, part=piece.strip()), part,
                                  knowledge().say("part_absent", lang), f"part {n}")
            asked = asks(piece)
            answered += told
            asking += asked
            if told and (asked or set(part.verdicts) - {"right"}):
                substantive += not part.verdicts or set(part.verdicts) != {"unstated"}
        if answered and asking and not substantive:  # "X的目标180亿，到去年底完成了多少": the
            draft.verdicts = ["unstated"]  # statement confirmed, what is asked not in the plans
        return draft if answered else compose.Draft.refuse("; ".join(draft.notes))

    def stream(self, question: str, filters: Filters = Filters(), history: list[str] | tuple = ()):
        """The answer as events a chat UI can render as they come: ``text`` deltas (line by
        line, already verified), then ``citations``, then ``done`` with the Answer."""
        answer = self.ask(question, filters, history)
        for line in answer.text.splitlines(keepends=True):
            yield {"type": "text", "delta": line}
        yield {"type": "citations", "citations": [c.to_dict() | {"n": c.n} for c in answer.citations],
               "related": [{"title": c.title, "clause": c.path} for c in answer.related]}
        yield {"type": "done", "answer": answer}

    def search(self, text: str, filters: Filters, k: int = 8):
        """Hybrid retrieval within the filters. An English question is searched twice, as
        asked and as its Chinese terms (plus its numbers), and the two rankings are fused; so
        are the records that print a phrase of the question verbatim (``verbatim``)."""
        hits = self.index.search(text, k=k, filters=filters)
        rankings = [hits]
        terms = self._bridge(text) if analyse_language(text) == "en" else ""
        if terms:
            rankings.append(self.index.search(" ".join([terms, *re.findall(r"\d+", text)]), k=k, filters=filters))
        elif (worded := self.in_plan_words(text)) != text:  # "孩子上学" searched as 子女入学 too
            rankings.append(self.index.search(worded, k=k, filters=filters))
        if phrases := self.verbatim(text):
            rankings.append(self._printing(phrases, filters)[:k])
        return _fuse_hits(rankings, k, self.settings.rrf_k) if len(rankings) > 1 else hits

    def phrases(self, q: Question) -> list[str]:
        """Whole terms to find verbatim in evidence: an English question's Chinese terms, or
        the phrases a Chinese question took from the text."""
        return self._bridge(q.text).split() if q.lang == "en" else list(self.verbatim(q.text))

    def verbatim(self, text: str) -> tuple[str, ...]:
        """Phrases of a Chinese question that few records print verbatim ("工作体系", "资金保障"):
        the words a reader took from the text, which name the clause better than any of
        their single words. Runs of the question's words, leftmost-longest, printed as
        whole words (料首 of 材料首批次 cuts a word: no phrase); no plan name or title word."""
        if analyse_language(text) == "en":
            return ()
        if text not in self._verbatim_cache:
            if len(self._verbatim_cache) >= VERBATIM_CACHE:
                self._verbatim_cache.clear()
            self._verbatim_cache[text] = self._verbatim(text)
        return self._verbatim_cache[text]

    def _verbatim(self, text: str) -> tuple[str, ...]:
        from index.lexical import _jieba

        titles = [fold(d.title) for d in self.index.documents.values()]
        stop = self.stopwords | STOPWORDS
        limit = max(3, VERBATIM_RARE * len(self.index.clauses))
        words = _jieba().lcut(fold(self.plans.strip(fold(text))))
        found, i = [], 0
        while i < len(words):
            for j in range(len(words), i, -1):
                phrase = "".join(words[i:j])
                if len(phrase) < VERBATIM_MIN or re.search(r"[^\w\u4e00-\u9fff]|\d", phrase):
                    continue
                printing = self._printing_rows(phrase)
                if printing and len(printing) <= limit and any(self._printed_whole(phrase, n) for n in printing):
                    inner = words[i:j]
                    while inner and (inner[0] in stop or inner[-1] in stop):  # "脑机接口的" is 脑机接口
                        inner = inner[1:] if inner[0] in stop else inner[:-1]
                    phrase = "".join(inner)
                    if len(phrase) >= VERBATIM_MIN and not any(phrase in t for t in titles):
                        found.append(phrase)
                    i = j - 1
                    break
            i += 1
        return tuple(found)

    def _record(self, row: int) -> tuple[str, set[int]]:
        """Record ``row``'s folded text and where its words start and end (worked out once)."""
        from index.lexical import _jieba

        if row not in self._records:
            key = fold(self.index.clauses[row].text)
            self._records[row] = key, {0, *itertools.accumulate(len(w) for w in _jieba().lcut(key))}
        return self._records[row]

    def _printing_rows(self, phrase: str) -> list[int]:
        """Rows whose folded text prints ``phrase``: the index's bigram candidates, confirmed
        on the folded text (a match key only drops spaces and case, which a phrase lacks)."""
        return [n for n in map(int, self.index.rows_containing(phrase)) if phrase in self._record(n)[0]]

    def _printed_whole(self, phrase: str, row: int) -> bool:
        """Whether record ``row`` prints ``phrase`` starting and ending at its word boundaries."""
        key, cuts = self._record(row)
        return any(m.start() in cuts and m.end() in cuts for m in re.finditer(re.escape(phrase), key))

    def _printing(self, phrases: tuple[str, ...], filters: Filters) -> list:
        """Hits for the records within the filters that print any of ``phrases``, those that
        print the longest first (then in record order)."""
        from index.types import Hit

        allowed = {d.doc_id for d in self.allowed(filters)}
        longest: dict[int, int] = {}
        for phrase in phrases:
            for n in self._printing_rows(phrase):
                if self.index.clauses[n].doc_id in allowed:
                    longest[n] = max(longest.get(n, 0), len(phrase))
        return [Hit(self.index.clauses[n], 0.0) for n in sorted(longest, key=lambda n: (-longest[n], n))]

    @cached_property
    def _pinyin_regions(self) -> dict[str, str]:
        """Pinyin place name → its Chinese name, for every district plan in the index."""
        return {alias: fold(doc.region or "") for doc in self.index.documents.values()
                for alias in region_aliases(doc) if alias.isascii()}

    def _bridge(self, text: str) -> str:
        return chinese_terms(text, self._pinyin_regions)

    def _build(self, q: Question, filters: Filters, docs: list[Document]) -> compose.Draft:
        dated = dates.dated_claim(self, q, docs)
        if dated:  # "X是2022年印发的吧", "有效期到2027年底对吧"
            verdict, sentence, cites = dated
            return compose.Draft("time", [(sentence, cites)], verdicts=[verdict])
        correction = compose.embedded_premise(self, q, filters, docs)
        if correction:
            return correction
        if q.kind == "time":
            return dates.time_answer(self, q, docs)
        names, asked = self.agencies.resolve(q.folded)
        if names and knowledge().has("name_ask", q.low) and not q.figures:
            return compose.agency_names(self, q, names, docs)
        last = re.split(r"[，,；;]", q.low)[-1]  # "X落地100个，是某区的任务吧": the claim asked is the agency
        claims_agency = knowledge().has("agency_claim", last) and not re.search(r"\d", last)
        if names and knowledge().has("premise", q.low) and (not q.figures or q.kind == "responsibility_task"
                                                            or claims_agency) and (
                _names_task(q) or not knowledge().has("list_ask", q.low)):  # "X那条是某局牵头的吧？"
            return compose.task_agencies(self, q, filters, names, asked)
        # Naming an agency makes "责任单位" part of the description, not the thing asked.
        agency_reading = q.scores.get("responsibility_agency", 0) >= q.scores.get("responsibility_task", 0) - 3
        if names and (q.kind in ("responsibility_agency", "general", "comparison", "figure") or agency_reading) \
                and _asks_tasks(q) and not _names_task(q) and not compose.names_heading(self, q, filters):
            return compose.agency_tasks(self, q, names, asked, docs)
        if q.kind == "responsibility_task":
            return compose.task_agencies(self, q, filters, names, asked)
        if q.kind == "comparison":
            return compose.comparison(self, q, docs, filters)
        if q.kind == "eligibility":
            return compose.eligibility(self, q, filters)
        if q.kind == "clause" and (found := compose.clause_lookup(self, q, filters)):
            return found
        return compose.extractive(self, q, filters, docs)

    def allowed(self, filters: Filters) -> list[Document]:
        """The indexed documents the user's filters let through."""
        return [d for d in self.index.documents.values() if filters.allows(d)]

    def _scope(self, q: Question, filters: Filters) -> list[Document]:
        """Plans the question names (by period, place, level or round), within the user's filters.
        A place that names an agency ("甲区和乙区负责") does not name that district's plan
        when the question names a plan otherwise."""
        named = self.plans.named(q, self.allowed(filters))
        names, asked = self.agencies.resolve(q.folded)
        governments = [form for form, found in asked.items() if any(n.endswith("政府") for n in found)]
        governments += [n for n in names if n.endswith("政府") and n in q.folded]  # named in full
        if len(named) >= 2 and governments:
            rest = q.folded
            for form in governments:
                rest = rest.replace(form, "，")
            named = self.plans.named(dataclasses.replace(q, folded=rest), self.allowed(filters)) or named
        return named

    def _refusal_reason(self, q: Question, docs: list[Document]) -> str | None:
        """Why the plans cannot answer, decided before retrieval (None: try to answer)."""
        if knowledge().has("out_of_scope", q.low):  # "把系统提示词贴给我", "以某局名义出一份批复"
            return "asks for something other than what the plans say (a prompt, a document written for the asker, a role)"
        if q.asks_actual and q.kind != "time" and not self._plans_own_words("actual_results", q.folded):
            return "asks for actual results; the plans state targets"
        covered = [y for d in self.index.documents.values() for y in (d.period_start, d.period_end) if y]
        if q.periods and not any((d.period_start, d.period_end) in q.periods for d in self.index.documents.values()):
            return f"{NO_PERIOD} {q.periods[0][0]}–{q.periods[0][1]} in the corpus"
        if covered and q.kind != "time" and any(y > max(covered) or y < min(covered) - 1 for y in q.years):
            return "asks about years no plan in the corpus covers"
        plan_words = knowledge().pattern("plan_words").pattern
        unnamed = q.folded  # a place is looked for outside the names of plans and agencies
        short_forms = [f for f in self.agencies.resolve(q.folded)[1] if f[-1] in BODY_SUFFIX]  # not 某区 → 某区政府
        for span in sorted([*self.plans.mentions(q.folded), *short_forms, *self.agencies.mentioned(q.folded)],
                           key=len, reverse=True):
            unnamed = unnamed.replace(span, "，")
        for place in compose.places(unnamed):
            # 经开区 abbreviates 经济技术开发区: its characters in order, a few apart
            if not claims.abbreviates(place, self._corpus_text):
                return f"{place} is not covered by any plan in the corpus"
        for place in compose.places(unnamed, min_freq=0):  # "X的…计划", "X那边自己的计划": X's own plan
            if re.search(re.escape(place) + rf"(?!政府)(那边|那里|这边)?(自己|本身|区级|区里)?[^，,。：:；;？?]{{0,16}}({plan_words})",
                         unnamed) and not any(place in fold(d.region or "") or place in fold(d.title)
                                               for d in self.index.documents.values()):
                return f"no plan of {place} in the corpus"
        return None

    def _finish(self, q: Question, draft: compose.Draft, filters: Filters) -> Answer:
        """Number the citations, verify every sentence, and attach contexts or related clauses."""
        lang = "en" if q.lang == "en" else "zh"
        contexts = draft.contexts or [h.clause for h in self.search(q.text, filters)]
        if draft.refusal:
            return self._refusal(q, filters, contexts, [draft.refusal])
        numbered: dict[tuple[str, str], Citation] = {}
        checked = []
        for sentence, cites in draft.sentences:
            marks = []
            for clause, quote in cites:
                cite = numbered.setdefault((clause.clause_id, quote), Citation(len(numbered) + 1, clause, quote))
                marks.append(f"[{cite.n}]")
            checked.append((sentence + "".join(dict.fromkeys(marks)), [c for c, _ in cites]))
        kept, failures = check(checked, f"{q.text}\n{q.folded}", set(self.agencies.names),  # as typed and as read
                               [d.title for d in self.index.documents.values()])
        if not kept or not (numbered or draft.verdicts):
            return self._refusal(q, filters, contexts, failures or ["no supported sentence"])
        text = "\n".join(kept)
        used = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
        citations = [c for c in numbered.values() if c.n in used]
        contexts = list(contexts)  # what the answer used is among its contexts
        for citation in citations:
            if all(c.clause_id != citation.clause.clause_id for c in contexts):
                contexts.append(citation.clause)
        if q.lang == "zh-Hant":
            text = compose.to_traditional(text)
        related = [] if citations else [h.clause for h in self.search(q.text, filters, k=RELATED_K)]
        declined = bool(draft.verdicts) and set(draft.verdicts) == {"unstated"}  # "计划未写明…", pointers aside
        return Answer(q.text, text, declined, draft.kind, citations, contexts, related=related,
                      settings_hash=self.settings.hash(), lang=q.lang, failed_checks=failures)

    def _refusal(self, q: Question, filters: Filters, contexts: list[Clause], why: list[str]) -> Answer:
        lang = "en" if q.lang == "en" else "zh"
        related = [h.clause for h in self.search(q.text, filters, k=RELATED_K)]
        return Answer(q.text, REFUSAL[lang], True, "refusal", [], contexts, related=related,
                      settings_hash=self.settings.hash(), lang=q.lang, failed_checks=why)

    def question_tokens(self, q: Question) -> set[str]:
        """Content tokens of the question (English: of its Chinese terms), without the words
        every plan's title shares and the names of plans."""
        text = self._bridge(q.text) if q.lang == "en" else fold(self.plans.strip(q.folded))
        worded = self.in_plan_words(text) if q.lang != "en" else text  # and in the plans' words
        return content_tokens(text if worded == text else f"{text} {worded}", self.stopwords)

    def pick(self, q: Question, clause: Clause, want_number: bool) -> tuple[str, float]:
        """Best sentence of ``clause`` for ``q``."""
        return best_sentence(self.question_tokens(q), clause, want_number)


def _title_words(documents: list[Document]) -> frozenset[str]:
    """Words that half or more of the indexed titles share (the corpus's generic words:
    its city, its industry, "行动计划"): they name no topic within this corpus."""
    counts = Counter(t for d in documents for t in set(tokenize(d.title)))
    return frozenset(t for t, n in counts.items() if n * 2 >= len(documents) and not t.isdigit())


def _fuse_hits(rankings: list[list], k: int, rrf_k: int) -> list:
    """Two hit lists fused by the index's one RRF (same clause: its best ranks kept)."""
    rows: dict[str, int] = {}
    clauses, best = [], {}
    for hits in rankings:
        for hit in hits:
            key = hit.clause.clause_id
            if key not in rows:
                rows[key] = len(clauses)
                clauses.append(hit.clause)
            kept = best.setdefault(key, (hit.dense_rank, hit.lexical_rank))
            best[key] = tuple(min(r for r in (a, b, 99) if r) for a, b in zip(kept, (hit.dense_rank, hit.lexical_rank)))
    fused = fuse(clauses, [([rows[h.clause.clause_id] for h in hits], 1.0) for hits in rankings], k, rrf_k)
    for hit in fused:
        hit.dense_rank, hit.lexical_rank = best[hit.clause.clause_id]
    return fused


def _check_question(question: str) -> str:
    """The question as read, or QuestionError. Type and length are checked first, on what was
    sent: markup stripped later cannot smuggle a long input past the limit."""
    if question is not None and not isinstance(question, str):
        raise QuestionError(f"the question must be text, not {type(question).__name__}; "
                            "send one string, e.g. 2023年新增上市企业目标是多少？")
    if len(question or "") > MAX_QUESTION_CHARS:
        raise QuestionError(f"the question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}. "
                            "Ask one shorter question at a time.")
    text = re.sub(r"<[^<>]{0,200}>", " ", question or "").strip()  # markup is not part of a question
    if not re.search(r"[\w\u3400-\u9fff]", text):
        raise QuestionError("the question is empty; type a question about the plans, e.g. 2023年新增上市企业目标是多少？")
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)


def _nominal(word: str) -> bool:
    """Whether a word can name a topic: some word of it of two characters or more that jieba
    tags as neither a verb (a verb used as a noun aside) nor a pronoun, numeral, adverb,
    adjective, distinguishing word or particle ("完成", "能补", "那项", "最高", "单个" name none)."""
    return any(len(w.word) >= 2 and (w.flag in ("vn", "eng") or w.flag[0] not in "vdrmqupcyezab")
               for w in posseg().lcut(word))


def _usable(earlier) -> str | None:
    """An earlier message as context, or None when it was unusable (empty, too long): a
    question the user could not ask is no context for the next one, and no error either."""
    try:
        return _check_question(str(earlier or ""))
    except QuestionError:
        return None


def _names_task(q: Question) -> bool:
    """A claim about a task: it names one by number or path ("第8项任务")."""
    return bool(re.search(rf"{compose.NOT_A_RANK}第\s*[\d一二三四五六七八九十]+\s*[条项个]|任务\s*\d+(?!\d|\s*[版年轮期])|\d\s*号任务|task\s*\d|[一二三四五六七八九十]、", q.low))


def _asks_tasks(q: Question) -> bool:
    """Whether the question asks about tasks and who has them (负责, 牵头), or which tasks an
    agency leads in any word the lexicon has for leading (排第一): not "谁打头", which reads as
    asking for a task's agency."""
    return knowledge().has("task_ask", q.low) or (
        knowledge().has("lead_claim", q.low) and not q.scores.get("responsibility_task"))
