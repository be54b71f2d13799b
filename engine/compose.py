"""Answer builders, one per kind of question. Each returns a Draft: sentences in the answer's
language, each with the (clause, quote) pairs that support it. Numbering and verification
happen afterwards (engine.core)."""
from __future__ import annotations

import dataclasses
import functools
import re

from index.types import Filters
from ingest.text import fold
from ingest.types import Clause, Document

from .analysis import NUMBER_UNIT_RE, Question, evidence_pattern
from .evidence import content_tokens, has_figure, overlap, sentences, trim

Cites = list[tuple[Clause, str]]
TARGET_RE = re.compile(r"目标|指标|target|goal")  # a question about targets prefers the goals sections
GOAL_BONUS = 3.0
LIST_RE = re.compile(r"哪些|哪几|列了|列出|全部|所有|一共|包括|\blist\b|\bwhich\b|\ball\b")
OFFER_MAX = 420  # an eligibility line longer than this keeps fewer sentences
PLACE_MIN_FREQ = 1000  # jieba dictionary frequency above which an ns tag is a real place


@dataclasses.dataclass
class Draft:
    """Sentences with their supporting quotes, or the reason to refuse."""

    kind: str
    sentences: list[tuple[str, Cites]] = dataclasses.field(default_factory=list)
    contexts: list[Clause] = dataclasses.field(default_factory=list)
    refusal: str | None = None

    @classmethod
    def refuse(cls, reason: str) -> "Draft":
        """A draft that says the plans cannot answer, and why (for the log)."""
        return cls("refusal", refusal=reason)




def _ref(clause: Clause, en: bool) -> str:
    return f"《{clause.title}》{clause.path}" if not en else f"《{clause.title}》, clause {clause.path}"


def extractive(engine, q: Question, filters: Filters) -> Draft:
    """Figures, single clauses and general questions: the sentence that says it, as written."""
    hits = engine.search(q.text, filters)
    if not hits:
        return Draft.refuse("nothing retrieved")
    want_number = q.kind in ("figure", "table") or bool(q.figures) or q.quantity is not None
    en = q.lang == "en"
    ranked = _rank_sentences(engine, q, hits[:8], want_number)
    clause, sentence, score = ranked[0]
    if not en and score <= 0:
        return Draft.refuse("no retrieved sentence shares a content word with the question")
    if q.quantity and not re.search(evidence_pattern(q.quantity), fold(sentence)):
        return Draft.refuse(f"asks for {q.quantity}, and the best evidence states none")
    if clause.table and LIST_RE.search(q.folded):
        return _table_rows(engine, q, clause, hits)
    piece, sentence = _with_complement(engine, q, clause, sentence, score, ranked, want_number)
    correction = _premise_correction(q, clause, [c for c, _, _ in ranked[:3]], engine.question_tokens(q))
    draft = Draft("figure" if want_number else "clause", contexts=[h.clause for h in hits])
    if correction:
        asserted, actual = correction
        said = asserted if not en else re.match(r"[\d.]+", asserted).group(0)  # as the question put it
        lead = (f"No: the plan says {actual}, not {said}." if en else f"不对：计划写的是{actual}，不是{said}。")
        draft.sentences.append((lead, [(clause, sentence)]))
    body = (f"According to {_ref(clause, True)}: “{piece}”" if en else f"{_ref(clause, False)}：{piece}")
    draft.sentences.append((body, [(clause, sentence)]))
    second = next(((c, s, sc) for c, s, sc in ranked[1:3] if c.doc_id == clause.doc_id and c.path != clause.path
                   and sc >= score * 0.8 and want_number and re.search(r"\d", s)), None)
    if second:
        also, quote = _with_complement(engine, q, second[0], second[1], second[2], ranked, True)
        second = (second[0], quote)
        draft.sentences.append(((f"See also {_ref(second[0], True)}: “{also}”" if en
                                 else f"另见{_ref(second[0], False)}：{also}"), [second]))
    return draft


def _with_complement(engine, q: Question, clause: Clause, sentence: str, score: float, ranked,
                     want_number: bool) -> tuple[str, str]:
    """(piece, quote) of the best sentence, joined by a sentence of the same clause that covers
    question words the best one does not ("drugs and devices" answered in two sentences)."""
    tokens = engine.question_tokens(q)
    covered = _coverage(engine, q, sentence)
    extra = next((sn for c, sn, sc in ranked if c is clause and sn != sentence and sc > 0.5 * score
                  and (not want_number or has_figure(sn)) and _coverage(engine, q, sn) - covered), None)
    pair = sorted([sentence, extra], key=clause.text.find) if extra else [sentence]
    return "".join(_piece(clause, x, tokens, want_number) for x in pair), "".join(pair)


def _coverage(engine, q: Question, sentence: str) -> set[str]:
    """The question's words and phrases a sentence contains."""
    folded = fold(sentence)
    return (engine.question_tokens(q) & content_tokens(sentence)) | {p for p in engine.phrases(q) if p in folded}


def _table_rows(engine, q: Question, row: Clause, hits) -> Draft:
    """'Which indicators does the table list': every row of the table the best hit belongs to."""
    rows = [c for c in engine.index.clauses if c.doc_id == row.doc_id and c.table
            and c.table["caption"] == row.table["caption"]]
    en = q.lang == "en"
    draft = Draft("table", contexts=[h.clause for h in hits])
    draft.sentences.append(((f"{_ref(row, True)} lists:" if en else f"{_ref(row, False)}列出以下各项："), []))
    for clause in rows:
        draft.sentences.append((f"- {_piece(clause, clause.text, set(), True)}", [(clause, clause.text)]))
    return draft


def _rank_sentences(engine, q: Question, hits: list, want_number: bool):
    """(clause, sentence, score) best first. Sentences score by the question words they share,
    less a little for clauses neither retriever put near the top; English questions with no
    bridged terms are ranked by the dense model."""
    clauses = [h.clause for h in hits]
    if q.lang == "en" and not engine.question_tokens(q):
        candidates = [(c, s) for c in clauses[:3] for s in sentences(c)]
        vectors = engine.index.embeddings.encode([engine.settings.passage_prefix + s for _, s in candidates])
        query = engine.index.embeddings.embed_query(q.text)
        scores = vectors @ __import__("numpy").array(query, dtype="float32")
        order = sorted(range(len(candidates)), key=lambda i: -scores[i])
        return [(candidates[i][0], candidates[i][1], float(scores[i])) for i in order]
    tokens = engine.question_tokens(q)
    phrases = engine.phrases(q)
    ranked = []
    goals = want_number and bool(TARGET_RE.search(q.folded.lower()))
    for hit in hits:
        best_rank = min(hit.dense_rank or 99, hit.lexical_rank or 99, len(hits))
        in_goals = goals and (hit.clause.table is not None or any("目标" in h or "指标" in h for h in hit.clause.heading_path))
        for sentence in sentences(hit.clause):
            score = overlap(tokens, sentence) + (2.0 if want_number and has_figure(sentence) else 0.0)
            score += sum(min(len(p), 4) for p in phrases if p in fold(sentence))
            score += GOAL_BONUS if in_goals and has_figure(sentence) else 0.0
            ranked.append((hit.clause, sentence, score - 0.5 * (best_rank - 1)))
    return sorted(ranked, key=lambda r: -r[2])


def _piece(clause: Clause, sentence: str, tokens: set[str], want_number: bool) -> str:
    if clause.table:
        cols = clause.table["columns"]
        return "；".join(f"{c}：{v}" for c, v in zip(cols, clause.table["cells"]) if v and not re.match(r"序\s*号", c))
    return trim(sentence, tokens, want_number)


def _premise_correction(q: Question, clause: Clause, nearby: list[Clause],
                        tokens: set[str]) -> tuple[str, str] | None:
    """(asserted, actual) when the question asserts a figure the evidence contradicts: the
    evidence's figure of the same unit in the part that best matches the question."""
    for number, unit in q.figures:
        if any(re.search(rf"(?<![\d.]){re.escape(number)}\s*{re.escape(unit)}", fold(c.text)) for c in nearby):
            continue
        if clause.table:
            cells = dict(zip(clause.table["columns"], clause.table["cells"]))
            target = next((v for c, v in cells.items() if re.search(r"目标|指标值|数值", fold(c))), None)
            unit_cell = next((v for c, v in cells.items() if "单位" in fold(c)), "")
            if target and re.fullmatch(r"[\d.]+", target):  # cells as printed: value, then its unit
                return f"{number}{unit}", f"{target}（单位：{unit_cell}）" if unit_cell else target
            continue
        pieces = [p for p in re.split(r"[，,；;。\n]", clause.text) if p]
        candidates = [(overlap(tokens, p), m.group(0)) for p in pieces
                      for m in NUMBER_UNIT_RE.finditer(p) if m.group(2) == unit]
        if candidates:
            return f"{number}{unit}", max(candidates, key=lambda c: c[0])[1]
    return None


def task_agencies(engine, q: Question, filters: Filters) -> Draft:
    """Task → all its 责任单位, from the parsed list of the task the question describes."""
    hits = engine.search(q.text, filters)
    tasks = [h.clause for h in hits[:5] if h.clause.agencies]
    if not tasks:  # not a task (e.g. who interprets the plan): answer from the text
        return extractive(engine, q, filters)
    clause = tasks[0]
    en = q.lang == "en"
    units = "、".join(f"“{a}”" for a in clause.agencies) if "、" in "".join(clause.agencies) else "、".join(clause.agencies)
    quote = re.search(r"[(（]\s*(责任|牵头)[^)）]*(?:[(（][^)）]*[)）][^)）]*)*[)）]", clause.text)
    text = (f"{_ref(clause, True)} “{clause.heading}” lists these responsible agencies: {units}"
            if en else f"{_ref(clause, False)}「{clause.heading}」的责任单位是：{units}。")
    return Draft("responsibility_task", [(text, [(clause, quote.group(0) if quote else clause.heading)])],
                 contexts=[h.clause for h in hits])


def agency_tasks(engine, q: Question, names: list[str]) -> Draft:
    """Agency → every task it is responsible for, grouped by plan, under each of its names."""
    by_name: dict[str, list[Clause]] = {}
    for name in names:
        by_name.update(engine.agencies.tasks_of(name))
    if not by_name:
        return Draft.refuse(f"no task lists {'、'.join(names)} as 责任单位")
    en = q.lang == "en"
    draft = Draft("responsibility_agency")
    aliases = list(by_name)
    if len(aliases) > 1:
        note = (f"{' / '.join(aliases)} are one agency under its former and later names."
                if en else f"{'、'.join(aliases)}是同一机构的前后名称。")
        draft.sentences.append((note, [(by_name[a][0], a) for a in aliases]))
    plans: dict[str, list[tuple[str, Clause]]] = {}
    for alias, clauses in by_name.items():
        for clause in clauses:
            plans.setdefault(clause.doc_id, []).append((alias, clause))
    for doc_id, items in plans.items():
        doc = engine.index.documents[doc_id]
        used = "、".join(dict.fromkeys(a for a, _ in items))
        head = (f"《{doc.title}》 (as {used}):" if en else f"《{doc.title}》（名称：{used}）：")
        draft.sentences.append((head, [(items[0][1], used)]))
        for _, clause in items:
            draft.sentences.append((f"- {clause.path} {clause.heading}", [(clause, clause.heading)]))
        draft.contexts.extend(c for _, c in items)
    return draft


def comparison(engine, q: Question, docs: list[Document], filters: Filters) -> Draft:
    """A figure or topic across plans: one cited cell per plan."""
    docs = docs if len(docs) >= 2 else [d for d in engine.index.documents.values() if filters.allows(d)]
    en = q.lang == "en"
    draft = Draft("comparison")
    rows = []
    topic = _topic(q)
    for doc in docs:
        hits = engine.search(topic, Filters(plans=(doc.doc_id,)), k=8)
        if not hits:
            continue
        ranked = _rank_sentences(engine, q, hits, True)
        clause, sentence, score = ranked[0]
        if score <= 0 and not en:
            continue
        piece, sentence = _with_complement(engine, q, clause, sentence, score, ranked, True)
        rows.append((doc, clause, sentence, piece))
        draft.contexts.extend(h.clause for h in hits[:2])
    if len(rows) < 2:
        return extractive(engine, q, filters)
    draft.sentences.append(("| plan | clause | what it says |\n|---|---|---|" if en else "| 计划 | 条款 | 内容 |\n|---|---|---|", []))
    for doc, clause, sentence, piece in rows:
        draft.sentences.append((f"| 《{doc.title}》 | {clause.path} | {piece} |", [(clause, sentence)]))
    return draft


def _topic(q: Question) -> str:
    """The comparison's subject without the plan names and comparison words."""
    text = re.sub(r"\d{4}\s*[-—–]\s*\d{4}\s*年?|\d{4}\s*年|两轮|两份|两版|分别|对比|比较|相比|各自|怎么比|有什么不同|差多少",
                  " ", q.folded)
    return text.strip() or q.folded


def eligibility(engine, q: Question, filters: Filters) -> Draft:
    """Support a described firm may get: relevant clauses grouped by plan, one line each."""
    hits = engine.search(q.text, filters, k=10)
    tokens = engine.question_tokens(q)
    en = q.lang == "en"
    draft = Draft("eligibility", contexts=[h.clause for h in hits])
    plans: dict[str, list[tuple[Clause, str]]] = {}
    for hit in hits:
        sentence, score = engine.pick(q, hit.clause, False)
        if (score > 0 or en) and hit.clause.kind in ("clause", "bullet") and len(plans.get(hit.clause.doc_id, [])) < 4:
            plans.setdefault(hit.clause.doc_id, []).append((hit.clause, sentence))
    if not plans:
        return Draft.refuse("no clause matches the firm's description")
    if q.quantity and not any(re.search(evidence_pattern(q.quantity), fold(s)) for items in plans.values()
                              for _, s in items):
        return Draft.refuse(f"asks for {q.quantity}, and no matching clause states one")
    for doc_id, items in plans.items():
        doc = engine.index.documents[doc_id]
        status = "" if doc.in_force(engine.today) else ("（已失效）" if not en else " (no longer in force)")
        draft.sentences.append((f"**《{doc.title}》**{status}", [(items[0][0], doc.title)]))
        for clause, sentence in items:
            offer = _offer(clause, sentence, tokens)
            draft.sentences.append((f"- {clause.path} {clause.heading}：{offer}", [(clause, offer)]))
    return draft


def _offer(clause: Clause, best: str, tokens: set[str]) -> str:
    """What a clause offers the firm: all of it when it is short enough to read in one line,
    else its sentences that share the firm's words, in order."""
    every = sentences(clause)
    for chosen in (every, [s for s in every if s == best or overlap(tokens, s) > 0]):
        if len("".join(chosen)) <= OFFER_MAX:
            return "".join(chosen)
    return trim(best, tokens, False)


def clause_by_path(engine, q: Question, docs: list[Document]) -> Draft | None:
    """'What does clause 8 / 三、（二）3. say': the clause's full text."""
    path = re.search(r"[一二三四五六七八九十]+、\s*[(（][一二三四五六七八九十]+[)）]\s*\d*\.?", q.folded)
    number = re.search(r"第\s*(\d+)\s*[条项]|任务\s*(\d+)|item\s*(\d+)|第([一二三四五六七八九十]+)[条项]", q.folded, re.I)
    candidates = [c for c in engine.index.clauses if c.chunk == 0 and (not docs or c.doc_id in {d.doc_id for d in docs})]
    if path:
        want = re.sub(r"\s", "", path.group(0)).replace("(", "（").replace(")", "）")
        matches = [c for c in candidates if c.path.startswith(want)]
    elif number:
        from ingest.text import cn_int

        n = next(int(g) if g.isdigit() else cn_int(g) for g in number.groups() if g)
        matches = [c for c in candidates if c.path.endswith(f"）{n}.")]
    else:
        return None
    if not matches:
        return None
    top = {h.clause.clause_id: i for i, h in enumerate(engine.search(q.text, Filters(plans=tuple(d.doc_id for d in docs))))}
    clause = min(matches, key=lambda c: top.get(c.clause_id, 99))
    en = q.lang == "en"
    text = f"{_ref(clause, en)}{' says' if en else '全文'}：{clause.text}"
    return Draft("clause", [(text, [(clause, clause.text)])], contexts=[clause])


@functools.lru_cache(maxsize=1)
def _posseg():
    import logging

    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


def places(folded: str) -> list[str]:
    """Place names in a question: words ending in 省/市/区/县 (朝阳区), and words jieba's
    dictionary tags as places that are common enough to trust the tag (深圳; its tag on
    rare words such as 扎根 is noise)."""
    import jieba

    found = []
    for word, flag in _posseg().lcut(folded):
        if (len(word) >= 3 and word[-1] in "省市区县") or (
                flag == "ns" and len(word) >= 2 and jieba.dt.FREQ.get(word, 0) >= PLACE_MIN_FREQ):
            found.append(word)
    return found


def region_aliases(doc: Document) -> list[str]:
    """Ways a question names a district plan: 昌平区, 昌平, changping; 通州 also by 副中心 in its title."""
    from pypinyin import lazy_pinyin

    region = fold(doc.region or "")
    short = re.sub(r"(区|县)$", "", region)
    aliases = [region, short, "".join(lazy_pinyin(short)).lower()]
    if "副中心" in fold(doc.title):
        aliases.append("副中心")
    return [a for a in aliases if len(a) >= 2]


def to_traditional(text: str) -> str:
    """The answer in the reader's script (quotes included: they are converted for reading)."""
    import opencc

    return opencc.OpenCC("s2t").convert(text)
