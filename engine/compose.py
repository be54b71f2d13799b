"""Answer builders, one per kind of question. Each returns a Draft: sentences in the answer's
language, each with the (clause, quote) pairs that support it. Numbering and verification
happen afterwards (engine.core)."""
from __future__ import annotations

import dataclasses
import functools
import itertools
import re

from index.types import Filters
from ingest.text import fold
from ingest.text import cn_int
from ingest.types import Clause, Document, Fact
from ingest.facts import BASELINE_COLUMNS, extract, posseg

from . import claims, figures
from .agencies import parts_of
from .analysis import FIGURE_UNITS, MAGNITUDE_CHARS, Question, evidence_pattern
from .decompose import asks
from .evidence import content_tokens, has_figure, overlap, sentences, trim
from .knowledge import knowledge

Cites = list[tuple[Clause, str]]
GOAL_BONUS = 3.0  # a question about targets prefers the goals sections
FOLLOW_BONUS = 1.0  # a sentence of the clause the previous part cited: one shared word's worth
# "哪两个平台", "什么基地": the noun a list question asks for, which the answer must name
ASKED_NOUN_RE = re.compile(r"(?:哪|什么|啥)(?:些|(?:[一二两三四五六七八九十几]|\d{1,2})?(?:个|种|类|项|家|条|所|批))?([\u4e00-\u9fff]{2})(?:$|[？?，,。]|呢|吗)")
UNIT_LIST_RE = re.compile(r"(责任|牵头|配合)(单位|部门)")  # what a plan's task lists name
MAGNITUDES = {"十": "10", "百": "100", "千": "1000"}  # "超百亿的企业" names 超100亿元的企业
NOTICE_PENALTY = 2.0  # a cover notice's words (addressees' names) weigh this much less outside time questions
HEADING_WEIGHT = 0.5  # a question word in a clause's heading names its subject: half again its weight
POINTED_MIN = 4  # characters of a heading's words that point at its clause ("…那条")
POINTED_RE = re.compile(rf"([\u4e00-\u9fff]{{{POINTED_MIN},}})(?:那条|这条|那项|这项|那一条|这一条)")
HEADING_MATCH = 0.8  # share of a heading's bigrams a question must contain to name that clause
OFFER_MAX = 420  # an eligibility line longer than this keeps fewer sentences
# "27年底", "到27年", "27年目标": a year written with two digits where a duration cannot stand (not 10年内)
SHORT_YEAR_RE = re.compile(r"(?:(?<=到)|(?<=至)|(?<![\d.到至]))([1-4]\d)年(?=底|末|初|前|目标|的目标|要|达到|基期)")
COUNT_HOLE_RE = re.compile(r"(多少|(?<![哪好十数这那前近])几)\s*([\u4e00-\u9fff]{1,4})")  # the measure counted, and after it
NUMERAL = r"(?:\d|[一二两三四五六七八九十百千双])"
WHO_RE = re.compile(r"谁|哪个|哪家|哪一?位|\bwho\b|\bwhich\b")  # a part asking who, not claiming
NOT_A_RANK = r"(?<!排)(?<!列)(?<!居)(?<!排在)(?<!列在)"  # "排第一个的任务" ranks an agency in a list, names no task
GENERIC_MEASURE = "个"  # counts anything: an answer may count in another measure, or the noun directly
PATH_LEVEL_RE = re.compile(r"[^、）.．]+[、）.．]")  # the levels of a clause path: 二、 （二） 5.
QUANTITY_RANK = 0.6  # evidence stating the asked amount may rank this far below the best
LIST_BONUS = 3.0  # for the sentence that lists as many items as the set asked about has
POSTFIX_BOUNDS = ("以上", "以下", "以内", "左右", "上下")  # written after the figure: 10个以上
DESCRIBE_MAX = 240  # a clause this short is quoted whole when the question asks what it says
QUOTE_HITS = 4  # clauses searched for the sentence a claim quotes
LEAD_MAX = 3  # figures listed when a question names a topic several indicators contain
PLACE_SUFFIXES = "省市州区县"  # a word of three or more characters ending so names a place
PLACE_MIN_FREQ = 1000  # jieba dictionary frequency above which an ns tag is a real place


@dataclasses.dataclass
class Draft:
    """Sentences with their supporting quotes, or the reason to refuse."""

    kind: str
    sentences: list[tuple[str, Cites]] = dataclasses.field(default_factory=list)
    contexts: list[Clause] = dataclasses.field(default_factory=list)
    refusal: str | None = None
    verdicts: list[str] = dataclasses.field(default_factory=list)  # right / wrong / unstated / unsure
    notes: list[str] = dataclasses.field(default_factory=list)     # why a part was not answered

    @classmethod
    def refuse(cls, reason: str) -> "Draft":
        """A draft that says the plans cannot answer, and why (for the log)."""
        return cls("refusal", refusal=reason)

    def add_part(self, heading: str, part: "Draft", absent: str, label: str) -> bool:
        """One part of a compound or per-plan answer, under its heading; a part the plans
        cannot answer is said to be absent (``absent``) and its reason kept as a note.
        Whether the part was answered."""
        self.sentences.append((heading, []))
        if part.refusal:
            self.sentences.append((absent, []))
            self.notes.append(f"{label}: {part.refusal}")
            return False
        self.sentences.extend(part.sentences)
        self.contexts.extend(part.contexts)
        self.verdicts.extend(part.verdicts)
        return True


def _ref(clause: Clause, en: bool, piece: str = "") -> str:
    """《title》path; with the clause's heading when the quoted ``piece`` does not print it: the
    heading says what the clause is (脑科学与脑机接口占先), which is often what a comparison asks."""
    ref = knowledge().say("ref", "en" if en else "zh", title=clause.title, path=clause.path)
    heading = clause.heading.strip().rstrip("。.") if clause.kind == "clause" and clause.heading else ""
    if not piece or not heading or fold(heading) in fold(piece) or fold(heading) in fold(clause.path):
        return ref
    return ref + knowledge().say("ref_heading", "en" if en else "zh", heading=heading)


def extractive(engine, q: Question, filters: Filters, docs: list[Document] = ()) -> Draft:
    """Figures, single clauses and general questions: the sentence that says it, as written.
    A question that asserts a figure gets a verdict first, judged against the same indicator."""
    hits = engine.search(q.text, filters)
    if not hits:
        return Draft.refuse("nothing retrieved")
    want_number = q.kind in ("figure", "table") or bool(q.figures) or q.quantity is not None
    en = q.lang == "en"
    if q.premise and q.figures and not _askers_own(q):
        return premise_verdict(engine, q, hits, docs, filters)
    ranked = _rank_sentences(engine, q, hits[:8], want_number)
    clause, sentence, score = ranked[0]
    leads = _fact_lead(engine, q, hits, docs) if want_number else []
    lead_clauses = [c for _, cites in leads for c, _ in cites]
    taken = engine.phrases(q) if q.lang != "en" else []
    if lead_clauses and taken and not any(p in fold(c.text) for c in lead_clauses for p in taken) \
            and any(p in fold(sentence) for p in taken):  # the words taken from another clause name it
        leads, lead_clauses = [], []
    if lead_clauses and clause not in lead_clauses:  # quote where the bound figure is stated
        clause = lead_clauses[0]
        sentence = next((s for s in sentences(clause) if fold(leads[0][1][0][1]) in fold(s)), clause.text)
        score = max(score, 1.0)
    row = _baseline_row(engine, q, hits) if want_number else None
    if row:  # "基数几家 目标几家": the table row holds the base year's value beside the target
        clause, sentence, score = row, sentences(row)[0], max(score, 1.0)
        if not knowledge().has("target_words", q.low):
            leads = []  # "现在有几家": the target is no answer to what there is now
    if not en and score <= 0:
        return Draft.refuse("no retrieved sentence shares a content word with the question")
    if q.quantity and not re.search(evidence_pattern(q.quantity), fold(sentence)):
        stating = _stating(ranked, score, evidence_pattern(q.quantity))
        if not stating:  # the asked kind of amount, in evidence nearly as good as the best
            return Draft.refuse(f"asks for {q.quantity}, and the best evidence states none")
        clause, sentence, score = stating
    kind = next((name for name in knowledge().answer_kinds() if knowledge().has(f"answer_kinds.{name}.asks", q.low)), None)
    naming = knowledge().answer_kinds()[kind]["evidence"] if kind else None
    if naming and not re.search(naming, fold(sentence)):
        stating = _stating(ranked, score, naming, clause)
        if not stating:  # "具体建在哪个区" of a clause that names the centre and no place
            return Draft.refuse(f"asks for a {kind}, and the best evidence names none")
        clause, sentence, score = stating
    counted = _counted(q) if not leads and knowledge().has("number_ask", q.low) else None
    if counted and not counted(sentence, clause):
        stating = next(((c, s, sc) for c, s, sc in ranked[1:] if c is clause and counted(s, c)), None) \
            or _counting_section(engine, q, ranked, score, counted)
        if not stating:  # "母基金规模多大" of a clause that names the fund and no amount
            return Draft.refuse("asks for a number, and the best evidence states none")
        clause, sentence, score = stating
    noun = ASKED_NOUN_RE.search(q.folded)
    if noun and noun.group(1) not in fold(sentence):  # "提到了哪两个平台": a sentence that names 平台
        clause, sentence, score = next(((c, s, sc) for c, s, sc in ranked if c.base_id == clause.base_id
                                        and noun.group(1) in fold(s)), (clause, sentence, score))
    if clause.table and knowledge().has("list_ask", q.low):
        return _table_rows(engine, q, clause, hits)
    whole = sentence
    piece, sentence = _with_complement(engine, q, clause, sentence, score, ranked, want_number)
    if noun and noun.group(1) not in fold(piece) and noun.group(1) in fold(whole):
        piece = sentence = whole  # trimmed to the words it shares, it lost what is asked for
    draft = Draft("figure" if want_number else "clause", contexts=[h.clause for h in hits])
    claimed = not q.figures and knowledge().has("premise", q.low)
    judged = claims.stated_otherwise(engine, q, clause, whole, [h.clause for h in hits[:3]]) if claimed else None
    if claimed and not judged and (quoted := claims.misquoted(engine, q, [h.clause for h in hits[:QUOTE_HITS]])):
        return _misquote(q, quoted, hits)
    if judged:  # "是区发改委负责解释的吧", "是按月做的吧": the verdict first
        verdict, said, by = judged
        draft.verdicts.append(verdict)
        draft.sentences.append((said, [(by, sentence if by is clause else by.text)]))
    draft.sentences.extend(leads)
    lang = "en" if en else "zh"
    draft.sentences.append((knowledge().say("according", lang, ref=_ref(clause, en, piece), piece=piece), [(clause, sentence)]))
    second = next(((c, s, sc) for c, s, sc in ranked[1:3] if c.doc_id == clause.doc_id and c.path != clause.path
                   and sc >= score * 0.8 and want_number and re.search(r"\d", s)), None)
    if second:
        also, quote = _with_complement(engine, q, second[0], second[1], second[2], ranked, True)
        second = (second[0], quote)
        draft.sentences.append((knowledge().say("see_also", lang, ref=_ref(second[0], en), piece=also), [second]))
    return draft


def _counted(q: Question):
    """What a sentence must hold to answer "how many": a numeral before the measure word the
    question counts with ("几年" → 3年/三年, "几大集群" → 五大, "一核几城" → 一城, "多少平方公里"
    → 8平方公里; "几个发动机" also → 双发动机), or, when it counts with none, any figure.
    Measure words an answer states otherwise (奖多少钱 → 50万元) ask for any figure."""
    k = knowledge()
    measures, nouns = [], []
    for m in COUNT_HOLE_RE.finditer(q.folded):
        unit = re.match(rf"(?:{k.pattern('asked_measures').pattern}|{FIGURE_UNITS})", m.group(2))
        if not unit and m.group(1) != "几":
            continue  # "多少企业": a number of what it names, in any measure
        measure = unit.group(0) if unit else m.group(2)[0]
        if k.has("uncounted_measures", measure) or measure in MAGNITUDE_CHARS:
            continue  # "几千亿": a figure of any size
        noun = m.group(2)[len(measure):]
        if measure == GENERIC_MEASURE:  # "几个标杆企业" → 2-3家, "几个发动机" → 双发动机
            nouns += [noun[:2]] if len(noun) >= 2 else []
            continue
        measures += next((sorted(f) for f in figures.UNIT_FAMILIES if measure in f), [measure])
    if not measures and not nouns:
        return lambda text, clause=None: has_figure(text)
    counted = re.compile(rf"{NUMERAL}[\d.,]*[{MAGNITUDE_CHARS}]*\s*(?:{'|'.join(map(re.escape, sorted(set(measures), key=len, reverse=True)))})") \
        if measures else None
    named = re.compile(rf"{NUMERAL}\s*(?:{'|'.join(map(re.escape, nouns))})") if nouns else None

    def states(text: str, clause: Clause | None = None) -> bool:
        folded = fold(text)
        if named and named.search(folded):
            return True
        if clause is not None and clause.table or not counted:
            return has_figure(text)  # a table row's unit is a column; "几个" counts in any measure
        return bool(counted.search(folded))
    return states


def _counting_section(engine, q: Question, ranked, score: float, counted):
    """(clause, heading, score) when the heading of a section above a well-ranked clause counts
    what is asked and names it ("三、实施5个重点工程" above 三、（一）1., "打造五大特色产业集群"):
    plans often state a count only in the section's heading."""
    tokens = engine.question_tokens(q)
    for c, _, sc in ranked:
        levels = PATH_LEVEL_RE.findall(c.path)
        if sc < score * QUANTITY_RANK or c.kind != "clause" or len(levels) != len(c.heading_path):
            continue
        for depth, heading in enumerate(c.heading_path[:-1], 1):
            if counted(heading) and overlap(tokens, heading) > 0:  # cited as the section it heads
                section = dataclasses.replace(c, path="".join(levels[:depth]), heading=heading,
                                              heading_path=c.heading_path[:depth], text=heading, facts=[])
                return section, heading, sc
    return None


def _stating(ranked, score: float, pattern: str, clause: Clause | None = None):
    """The next-best (clause, sentence, score) that matches ``pattern``, nearly as good as the
    best (QUANTITY_RANK) and, when ``clause`` is given, of that clause; None if there is none."""
    return next(((c, s, sc) for c, s, sc in ranked[1:] if (clause is None or c is clause)
                 and sc >= score * QUANTITY_RANK and re.search(pattern, fold(s))), None)


def _baseline_row(engine, q: Question, hits) -> Clause | None:
    """The targets-table row a question asks the base-year value of (基数, 现状: a column the
    facts table leaves out, for it is no target), when the row's indicator is the one named."""
    if not knowledge().has("baseline_ask", q.low):
        return None
    named = [q.folded, engine.in_plan_words(q.folded)]
    rows = [h.clause for h in hits if h.clause.table
            and any(BASELINE_COLUMNS.search(fold(c)) for c in h.clause.table.get("columns", []))]
    scored = [(max(figures.indicator_score(f.indicator, named) for f in r.facts), r) for r in rows if r.facts]
    best = max(scored, key=lambda sr: sr[0], default=(0.0, None))
    return best[1] if best[0] >= figures.SAME_INDICATOR else None


def _fact_lead(engine, q: Question, hits, docs: list[Document]) -> list:
    """'新增上市企业：25家' when the facts table binds a figure to what the question names: the
    best-named fact anywhere in the plans in scope; else every fact (up to LEAD_MAX) whose
    indicator contains all the question's topic words ("创新药这块目标" → each 创新药 figure)."""
    lang = "en" if q.lang == "en" else "zh"
    in_scope = {d.doc_id for d in docs} or {h.clause.doc_id for h in hits[:1]}
    pool = engine.index.records(doc_ids=in_scope)
    plans = "".join(engine.plans.mentions(q.folded))  # "2021那版", "2018版": a year that names a plan
    year = next((y for y in reversed(q.years) if not any(y in period for period in q.periods) and str(y) not in plans), None)
    short = SHORT_YEAR_RE.findall(q.folded)  # "27年目标多少家": a target year written short
    year = year or (2000 + int(short[-1]) if short else None)
    match = figures.asked(pool, fold(engine.plans.strip(q.folded)), [q.folded] + engine.phrases(q), year,
                          lambda f: _fits(q, f), q.figures, q.follows)
    if match:
        found = [match]
    else:
        topic = [t for t in engine.question_tokens(q) if len(t) >= 2 and not knowledge().has("target_words", t)
                 ] if lang == "zh" else []
        rank = {h.clause.clause_id: n for n, h in enumerate(hits)}
        found = [figures.Match(f, c, 0.0) for c in pool for f in c.facts
                 if topic and all(t in fold(f.indicator) for t in topic) and _fits(q, f)]
        found = sorted({(m.fact.indicator, m.fact.value): m for m in found}.values(),
                       key=lambda m: rank.get(m.clause.clause_id, len(rank)))[:LEAD_MAX]
    return [(knowledge().say("fact_lead", lang, indicator=m.fact.indicator, value=m.fact.stated()),
             [(m.clause, m.fact.text)]) for m in found]


def embedded_premise(engine, q: Question, filters: Filters, docs: list[Document]) -> Draft | None:
    """The correction of a figure a question states as a fact while asking something else
    ("既然要建50个X，钱从哪来？", "哪份计划规定X增加到30%？"): when the plans bind another value
    to the same indicator, or, for a figure the question attributes to the plans ("计划说每家
    奖励1000万，找谁兑现？"), when they state none; for a claim that asks nothing, whatever
    the verdict. A figure that describes what is asked about is no claim, nor is an
    enterprise's own figure in an eligibility question."""
    if not q.figures or q.premise or not figures.stated_as_fact(q.folded):
        return None
    claimed = figures.attributed(q.folded, asks)
    if (q.kind == "eligibility" or _askers_own(q)) and not claimed:
        return None
    check = premise_verdict(engine, q, engine.search(q.text, filters), docs, filters, loose=False)
    unstated = claimed and check.verdicts and set(check.verdicts) == {"unstated"}
    if not asks(q.text) and "unsure" not in check.verdicts:
        return check  # a claim split off the question it came with: its verdict is the answer
    return check if "wrong" in check.verdicts or unstated else None


def _askers_own(q: Question) -> bool:
    """Whether the figures are the asker's own ("公司营收正好10亿元整，算不算…"), not the plans'."""
    return knowledge().has("self_description", q.low) and not figures.attributed(q.folded, asks)


def _fits(q: Question, fact) -> bool:
    """Whether a fact is the kind of amount the question asks for: money, a share, an area
    (q.quantity), or the measure word it asks with ("多少条", "几家")."""
    stated = f"{fact.value}{fact.unit}"
    if q.quantity and not re.search(evidence_pattern(q.quantity), stated):
        return False
    unit = re.search(rf"(?:多少|几)\s*({FIGURE_UNITS}|{knowledge().pattern('asked_measures').pattern})", q.folded)
    return not unit or figures.same_unit(unit.group(1), fact.unit)


def premise_verdict(engine, q: Question, hits, docs: list[Document], filters: Filters, loose: bool = True) -> Draft:
    """对 / 不对，计划写的是… / 计划未写明: each asserted figure judged only against the value the
    plans bind to the same indicator, never against a neighbour in the same sentence (``loose``:
    also the one figure of its unit in the best clauses that the question names loosely)."""
    lang = "en" if q.lang == "en" else "zh"
    pool = engine.index.records(doc_ids={d.doc_id for d in docs or engine.allowed(filters)})
    draft = Draft("false_premise", contexts=[h.clause for h in hits])
    stated = figures.asserted(q.folded) if lang == "zh" else [
        (Fact("", "", n, float(n), float(n), u, None, n), [q.folded, *engine.phrases(q)]) for n, u in q.figures]
    for claim, phrases in stated:
        named = _claim_words(engine, _clip(claim.indicator))[1:] if claim.indicator else []  # "…说X要到": X, cleaned
        phrases = [w for p in phrases for w in _claim_words(engine, p)]
        nearest = match = figures.best(pool, phrases, claim.unit, q.follows, claim.year, [h.clause for h in hits])
        if (not match or match.score < figures.SAME_INDICATOR) and loose:
            match = figures.only_of_unit([h.clause for h in hits[:2]], phrases, claim)
        elif match and match.score < figures.SAME_INDICATOR:
            match = None
        if match and figures.other_measure(match.fact, phrases):
            match = nearest = None  # "出口量50万辆" judged by 产量: a verdict on another measure
        head = _english_head(q.text, claim.value) if lang == "en" else None
        if match and head and not claims.abbreviates(head, fold(match.fact.text)):
            match = None  # "a 100亿元 dedicated robotics fund": a figure of no fund is no verdict on it
        if not match and q.follows:  # a claim about the clause the message is on, loosely named
            match = figures.sole_of_unit([c for c in pool if c.base_id in q.follows], claim)
        bound = claim.qualifier if figures.bound_of(claim.qualifier) else ""  # "最多2家", as claimed
        said = (f"{claim.value}{claim.unit}{bound}" if bound in POSTFIX_BOUNDS else f"{bound}{claim.value}{claim.unit}"
                ) if lang == "zh" else claim.value
        elsewhere = _in_other_plan(engine, q, docs, phrases, claim) if not match else None
        if elsewhere:  # "X是18版提的吧？" of a figure another plan states
            fact, clause = elsewhere.fact, elsewhere.clause
            draft.verdicts.append("unstated")
            draft.sentences.append((knowledge().say("premise_other_plan", lang, ref=_ref(clause, lang == "en"),
                                                    indicator=fact.indicator, value=fact.stated(), asserted=said),
                                    [(clause, fact.text)]))
            continue
        if not match:
            name = next((p for p in named if len(re.findall(r"[\u4e00-\u9fff]", p)) >= 2), None) or max(
                (p for p in phrases[1:] if p), key=len, default=claim.indicator) if lang == "zh" else q.text
            draft.sentences.append((knowledge().say("premise_unstated", lang, indicator=_clip(name), asserted=said), []))
            if not loose and nearest and nearest.score >= figures.LOOSE_INDICATOR:  # named nearly: judge nothing
                draft.verdicts.append("unsure")
                _quote_fact(engine, q, draft, nearest, lang)
            else:
                draft.verdicts.append("unstated")
            continue
        if match.clause.table:  # the goals' own words ("突破800亿元") over a table cell ("800以上")
            match = figures.prose_of(match, pool)
        fact, clause = match.fact, match.clause
        key = "premise_right" if figures.holds(claim, fact) else "premise_wrong"
        draft.verdicts.append("right" if key == "premise_right" else "wrong")
        draft.sentences.append((knowledge().say(key, lang, indicator=fact.indicator, value=fact.stated(), asserted=said),
                                [(clause, fact.text)]))
        _quote_fact(engine, q, draft, match, lang)
        other = next((f for f in clause.facts if key == "premise_wrong" and f.value == claim.value
                      and figures.same_unit(f.unit, claim.unit) and f.indicator != fact.indicator), None)
        if other:  # "创新药的目标是75个吗": 75个 is the clause's figure for something else
            draft.sentences.append((knowledge().say("premise_value_is", lang, asserted=said, text=other.text),
                                    [(clause, other.text)]))
    if set(draft.verdicts) <= {"unstated", "unsure"} and lang == "zh" \
            and (quoted := claims.misquoted(engine, q, [h.clause for h in hits[:QUOTE_HITS]],
                                                 stated[0][0].unit if stated else None)):
        return _misquote(q, quoted, hits)  # "…十万人群队列": no indicator of that figure, a misquoted sentence
    return draft


def _misquote(q: Question, quoted, hits) -> Draft:
    """The verdict on a claim that misquotes a sentence, then that sentence, cited."""
    verdict, said, clause, sentence = quoted
    en = q.lang == "en"
    draft = Draft("false_premise", contexts=[h.clause for h in hits], verdicts=[verdict])
    draft.sentences.append((said, [(clause, sentence)]))
    draft.sentences.append((knowledge().say("according", "en" if en else "zh", ref=_ref(clause, en), piece=sentence),
                            [(clause, sentence)]))
    return draft


def _english_head(question: str, value: str) -> str | None:
    """The Chinese term of the noun an English claim's figure counts: the last word of the
    phrase after the figure ("100 … dedicated robotics fund" → 基金), when the glossary has it."""
    at = question.find(value)
    if at < 0:
        return None
    tail = re.split(r"[,?.;!]|\s(?:by|in|under|for|from|to|within|of the)\s", question[at + len(value):])[0]
    words = re.findall(r"[A-Za-z][A-Za-z-]*", re.sub(r"\([^)]*\)", " ", tail))
    words = [w for w in words if w.lower() not in ("billion", "million", "yuan", "rmb", "percent", "of")]
    return knowledge().glossary.get(words[-1].lower()) if words else None


def _quote_fact(engine, q: Question, draft: Draft, match, lang: str) -> None:
    """The sentence of the plan that states a matched fact, quoted and cited."""
    evidence = next((s for s in sentences(match.clause) if fold(match.fact.text) in fold(s)), match.fact.text)
    piece = trim(evidence, engine.question_tokens(q), True)
    draft.sentences.append((knowledge().say("according", lang, ref=_ref(match.clause, lang == "en"), piece=piece),
                            [(match.clause, evidence)]))


def _in_other_plan(engine, q: Question, docs: list[Document], phrases: list[str], claim):
    """For a claim put as a question about the plan it names ("…是18版提的吧？"): the fact
    another plan binds to the same indicator, if one does."""
    others = [d.doc_id for d in engine.index.documents.values() if d not in docs]
    if not (q.premise and docs and others):
        return None
    match = figures.best(engine.index.records(doc_ids=set(others)), phrases, claim.unit)
    return match if match and match.score >= figures.SAME_INDICATOR else None


def _claim_words(engine, phrase: str) -> list[str]:
    """What a claim's phrase says of the indicator: without the plan it names, the words
    attributing it to the plan (说, 规定), a year, qualifiers, target words and filler; also
    read in the plans' words: Latin abbreviations in Chinese (AI核心产业 → 人工智能核心产业),
    magnitudes in digits (超百亿 → 超100亿) and everyday variants (新上市公司 → 新上市企业)."""
    k = knowledge()
    text = k.pattern("question_noise").sub("", fold(engine.plans.strip(phrase)))
    text = figures.YEAR_WORDS_RE.sub("", k.pattern("attribution").sub("", text))
    text = re.sub(r"[的了要将把]", "", k.pattern("target_words").sub("", k.pattern("qualifiers").sub("", text)))
    expanded = re.sub(r"[A-Za-z]+", lambda m: k.glossary.get(m.group(0).lower(), m.group(0)), text)
    expanded = re.sub(r"(?<![\d十百千])([十百千])(?=[万亿])", lambda m: MAGNITUDES[m.group(1)], expanded)  # 超百亿
    expanded = k.in_plan_words(expanded)
    return list(dict.fromkeys([phrase, text, expanded]))  # as asked too: a place may belong to the indicator


def _clip(phrase: str) -> str:
    """An indicator as the question named it, without the plan's name and asking words: what
    follows the last asking or attributing word that leaves a name ("是不是规定了…出口量")."""
    k = knowledge()
    cuts = [m.end() for m in itertools.chain(k.pattern("ask_words").finditer(phrase), k.pattern("attribution").finditer(phrase))
            if len(re.findall(r"[\u4e00-\u9fff]", phrase[m.end():])) >= 2]
    phrase = re.sub(r"^[了里中]+", "", phrase[max(cuts, default=0):])
    return re.sub(r"^(说|要|是|有|的|计划|方案)+|(对吗|吗|吧|呢|是不是|对不对)$", "", phrase.strip()) or phrase


def _with_complement(engine, q: Question, clause: Clause, sentence: str, score: float, ranked,
                     want_number: bool) -> tuple[str, str]:
    """(piece, quote) of the best sentence, joined by a sentence of the same clause that covers
    question words the best one does not ("drugs and devices" answered in two sentences).
    A question that asks what a short clause says, not a figure, gets the whole clause."""
    if not want_number and not clause.table and len(clause.text) <= DESCRIBE_MAX:
        return clause.text, clause.text
    tokens = engine.question_tokens(q)
    covered = _coverage(engine, q, sentence)
    asked = figures.bigrams(engine.plans.strip(q.folded)) - figures.bigrams(sentence) if want_number else set()
    extra = next((sn for c, sn, sc in ranked if c is clause and sn != sentence and (not want_number or has_figure(sn))
                  and ((added := _coverage(engine, q, sn) - covered)
                       and (sc > 0.5 * score or any(len(t) >= 3 for t in added))  # a long word only it covers
                       or _names_figure(sn, asked))), None)  # "创新药和创新器械": a figure of the other
    pair = sorted([sentence, extra], key=clause.text.find) if extra else [sentence]
    return "".join(_piece(clause, x, tokens, want_number) for x in pair), "".join(pair)


def _names_figure(sentence: str, asked: set[str]) -> bool:
    """Whether a figure of the sentence is bound to an indicator holding some of the question's
    words the best sentence lacks (``asked``: character pairs)."""
    return bool(asked) and any(figures.bigrams(f.indicator) & asked for f in extract(sentence))


def _coverage(engine, q: Question, sentence: str) -> set[str]:
    """The question's words and phrases a sentence contains, a word also when the sentence
    spells it out (经开区 of 经济技术开发区)."""
    folded = fold(sentence)
    tokens = engine.question_tokens(q)
    shared = tokens & content_tokens(sentence)
    spelled = {t for t in tokens - shared if len(t) >= 3 and not t.isascii() and claims.abbreviates(t, folded)}
    return shared | spelled | {p for p in engine.phrases(q) if p in folded}


def _table_rows(engine, q: Question, row: Clause, hits) -> Draft:
    """'Which indicators does the table list': every row of the table the best hit belongs to."""
    rows = engine.index.table_rows(row.doc_id, row.table["caption"])
    en = q.lang == "en"
    draft = Draft("table", contexts=[h.clause for h in hits])
    draft.sentences.append((knowledge().say("table_lists", "en" if en else "zh", ref=_ref(row, en)), []))
    for clause in rows:
        draft.sentences.append((f"- {_piece(clause, clause.text, set(), True)}", [(clause, clause.text)]))
    return draft


def _rank_sentences(engine, q: Question, hits: list, want_number: bool):
    """(clause, sentence, score) best first. Sentences score by the question words they share,
    less a little for clauses neither retriever put near the top, plus a little in the clause
    the message is already on (the part before cited it); English questions with no
    bridged terms are ranked by the dense model."""
    clauses = [h.clause for h in hits]
    if q.lang == "en" and not engine.question_tokens(q):
        candidates = [(c, s) for c in clauses[:3] for s in sentences(c)]
        vectors = engine.index.embeddings.encode_cached([engine.settings.passage_prefix + s for _, s in candidates])
        query = engine.index.embeddings.embed_query(q.text)
        scores = vectors @ __import__("numpy").array(query, dtype="float32")
        order = sorted(range(len(candidates)), key=lambda i: -scores[i])
        return [(candidates[i][0], candidates[i][1], float(scores[i])) for i in order]
    tokens = engine.question_tokens(q)
    phrases = engine.phrases(q)
    ranked = []
    goals = want_number and knowledge().has("target_words", q.low)
    rarity = engine.index.bm25.rarity
    members = set_size(q)
    for hit in hits:
        best_rank = min(hit.dense_rank or 99, hit.lexical_rank or 99, len(hits))
        in_goals = goals and (hit.clause.table is not None or any(
            knowledge().has("goal_headings", h) for h in hit.clause.heading_path))
        subject = HEADING_WEIGHT * overlap(tokens, hit.clause.heading, rarity) if hit.clause.heading else 0.0
        if hit.clause.kind == "notice" and q.kind != "time":  # who sends it to whom: no answer but to when/who issued
            subject -= NOTICE_PENALTY
        for sentence in sentences(hit.clause):
            score = overlap(tokens, sentence, rarity) + subject + (2.0 if want_number and has_figure(sentence) else 0.0)
            score += sum(min(len(p), 4) for p in phrases if p in fold(sentence))
            score += GOAL_BONUS if in_goals and has_figure(sentence) else 0.0
            score += LIST_BONUS if members and listed(sentence) == members else 0.0
            score += LIST_BONUS if members and listed(sentence) == members and counts(sentence, members) else 0.0
            on = hit.clause.base_id in q.follows and score > 0  # the clause the message is on
            ranked.append((hit.clause, sentence, score - 0.5 * (best_rank - 1) + (FOLLOW_BONUS if on else 0.0)))
    return sorted(ranked, key=lambda r: -r[2])


def set_size(q: Question) -> int | None:
    """The size of the set whose members a question asks for ("四个辅助领域是哪些" → 4, "五大
    赛道呢" → 5), or None."""
    if not knowledge().has("set_ask", q.low):
        return None
    m = re.search(rf"(\d+)\s*(?:{knowledge().pattern('count_measures').pattern})|([一二两三四五六七八九十])大", q.folded)
    return (int(m.group(1)) if m.group(1) else cn_int(m.group(2))) if m else None


def counts(sentence: str, n: int) -> bool:
    """Whether a sentence states the count it lists ("…四大方向")."""
    return any(cn_int(m.group(1)) == n for m in re.finditer(r"([\d一二两三四五六七八九十]+)\s*[大个类项种条]", fold(sentence)))


def listed(sentence: str) -> int:
    """The number of items the longest 、-list of a sentence names (1 when it lists nothing)."""
    return max((len([i for i in piece.split("、") if i.strip()]) for piece in re.split(r"[，,；;：:。]", sentence)), default=1)


def _piece(clause: Clause, sentence: str, tokens: set[str], want_number: bool) -> str:
    if clause.table:
        cols = clause.table["columns"]
        return "；".join(f"{c}：{v}" for c, v in zip(cols, clause.table["cells"]) if v and not re.match(r"序\s*号", c))
    return trim(sentence, tokens, want_number)


def task_agencies(engine, q: Question, filters: Filters, names: list[str] = (),
                  asked: dict[str, list[str]] | None = None) -> Draft:
    """Task → all its 责任单位, from the parsed list of the task the question names (by number,
    path or heading) or describes; a claim about an agency gets its verdict first."""
    scoped = {d.doc_id for d in engine.allowed(filters)}
    if UNIT_LIST_RE.search(q.folded) and not any(c.agencies for c in engine.index.records(doc_ids=scoped)):
        return Draft.refuse("the plans asked about list no 责任单位 for their tasks")
    hits = engine.search(q.text, filters)
    named = _named_clauses(engine, q, filters, hits)
    tasks = [c for c in named if c.agencies] or [h.clause for h in hits[:5] if h.clause.agencies]
    if q.lang == "en" and not named and len(tasks) > 1:  # English is ranked by meaning: of the tasks,
        covered = [_coverage(engine, q, c.text) for c in tasks]  # the first printing a term the others lack
        telling = set().union(*covered) - set.intersection(*covered)
        tasks = [c for c, words in zip(tasks, covered) if words & telling] + \
            [c for c, words in zip(tasks, covered) if not words & telling]
    if not tasks or _names_agency_in_text(engine, q, hits, tasks[0], named):
        return extractive(engine, q, filters)  # not a task (who interprets the plan, where an office sits)
    clause = tasks[0]
    lang = "en" if q.lang == "en" else "zh"
    units = "、".join(f"“{a}”" for a in clause.agencies) if "、" in "".join(clause.agencies) else "、".join(clause.agencies)
    quote = re.search(r"[(（]\s*(责任|牵头)[^)）]*(?:[(（][^)）]*[)）][^)）]*)*[)）]", clause.text)
    cite = [(clause, quote.group(0) if quote else clause.heading)]
    draft = Draft("responsibility_task", contexts=[h.clause for h in hits])
    if not named and not topic_words(engine, q, asked):
        return Draft.refuse("the question names no task (\"who is responsible\" for what?)")
    if names and knowledge().has("premise", q.low):
        listed = {fold(p) for a in clause.agencies for p in {a, *a.split("、")}}
        said = {name: next((form for form, matched in (asked or {}).items() if name in matched), name)  # as typed
                for name in names}
        missing = [said[n] for n in names if not set(engine.agencies.family(n)) & listed]
        sep = ", " if lang == "en" else "、"
        lead = clause.agencies[0] if clause.agencies else ""
        led_by_other = [said[n] for n in names if lead and fold(lead) not in engine.agencies.family(n)
                        and not any(fold(p) in engine.agencies.family(n) for p in lead.split("、"))]
        if missing:  # every agency the claim names must be listed
            draft.verdicts.append("wrong")
            draft.sentences.append((knowledge().say("agency_wrong", lang, agency=sep.join(dict.fromkeys(missing))), cite))
        elif led_by_other and any(knowledge().has("lead_claim", part) and not WHO_RE.search(part)  # not "谁排第一"
                                  for part in re.split(r"[，,；;\s]", q.low)):  # "X牵头的吧": X listed, but not first
            draft.verdicts.append("wrong")
            draft.sentences.append((knowledge().say("agency_not_lead", lang, lead=lead,
                                                    agency=sep.join(dict.fromkeys(led_by_other))), cite))
        else:
            draft.verdicts.append("right")
            draft.sentences.append((knowledge().say("agency_right", lang, agency=sep.join(dict.fromkeys(said.values()))), cite))
    draft.sentences.append((knowledge().say("task_agencies", lang, ref=_ref(clause, lang == "en"),
                                            heading=clause.heading, units=units), cite))
    return draft


def _names_agency_in_text(engine, q: Question, hits, task: Clause, named: list[Clause]) -> bool:
    """Whether the best clause is no task but names an agency in its text, and covers the
    question at least as well as the first task: "办公室设在哪个局" is answered by the clause
    that says where the office sits, not by some task's 责任单位."""
    if named or not hits or hits[0].clause.agencies:
        return False
    best = hits[0].clause
    return bool(engine.agencies.mentioned(fold(best.text))) and \
        len(_coverage(engine, q, best.text)) > len(_coverage(engine, q, task.text))


def topic_words(engine, q: Question, asked: dict | None = None) -> set[str]:
    """The question's content words outside agency names, plan names and asking words: what a
    claim about an agency is a claim about ("规自委是不是负责单位" has none)."""
    k = knowledge()
    rest = q.low
    asked = engine.agencies.resolve(q.folded)[1] if asked is None else asked
    spans = [*asked, *engine.agencies.mentioned(q.folded), *engine.plans.mentions(q.folded)]
    for key in ["task_ask", "premise", "list_ask", *(f"intents.{kind}.cues" for kind in k.intents_spec())]:
        spans += [m.group(0) for m in k.pattern(key).finditer(q.low)]
    counted = rf"(?:{k.pattern('number_ask').pattern})\s*(?:{k.pattern('asked_measures').pattern}|{FIGURE_UNITS})"
    spans += re.findall(counted, q.low)  # "能补几年": what the answer counts in
    for span in sorted(spans, key=len, reverse=True):
        rest = rest.replace(span, " ")
    return {t for t in content_tokens(rest, engine.stopwords) if re.search(r"[\u4e00-\u9fff]{2}|[a-z]{3}", t)}


def agency_tasks(engine, q: Question, names: list[str], asked: dict[str, list[str]] = None,
                 docs: list[Document] = ()) -> Draft:
    """Agency → every task it is responsible for, grouped by plan, under each of its names
    (in the plans the question names, if it names any). A short form the question used is
    shown with the names it was looked up as."""
    by_name: dict[str, list[Clause]] = {}
    agency_of: dict[str, str] = {}  # each name the plans print → the agency asked about
    scope = {d.doc_id for d in docs}
    lead = knowledge().has("lead_claim", q.low)  # "X牵头的是哪几条": the tasks that list X first
    for name in names:
        for alias, clauses in engine.agencies.tasks_of(name).items():
            clauses = [c for c in clauses if (not scope or c.doc_id in scope)
                       and (not lead or c.agencies and alias in parts_of(c.agencies[0]))]
            if clauses:
                by_name[alias] = clauses
                agency_of.setdefault(alias, name)
    if not by_name:
        return Draft.refuse(f"no task lists {'、'.join(names)} {'first' if lead else ''} as 责任单位")
    en = q.lang == "en"
    lang = "en" if en else "zh"
    draft = Draft("responsibility_agency")
    if lead:
        draft.sentences.append((knowledge().say("lead_only", lang, names="、".join(by_name)),
                                [(clauses[0], alias) for alias, clauses in by_name.items()]))
    for form, matched in (asked or {}).items():
        listed = [m for m in matched if m in by_name]
        if listed:
            draft.sentences.append((knowledge().say("agency_matched", lang, asked=form, names="、".join(listed)),
                                    [(by_name[m][0], m) for m in listed]))
    for name in names:  # one agency under several names: said once; two agencies asked are two
        aliases = [a for a in by_name if agency_of[a] == name]
        if len(aliases) > 1:
            note = knowledge().say("same_agency", lang, names=(" / " if en else "、").join(aliases))
            draft.sentences.append((note, [(by_name[a][0], a) for a in aliases]))
    plans: dict[str, list[tuple[str, Clause]]] = {}
    for alias, clauses in by_name.items():
        for clause in clauses:
            plans.setdefault(clause.doc_id, []).append((alias, clause))
    for doc_id, items in plans.items():
        doc = engine.index.documents[doc_id]
        used = "、".join(dict.fromkeys(a for a, _ in items))
        head = knowledge().say("plan_names", lang, title=doc.title, names=used)
        draft.sentences.append((head, [(items[0][1], used)]))
        for clause in {c.clause_id: c for _, c in items}.values():  # a task listing two names asked is one line
            draft.sentences.append((f"- {clause.path} {clause.heading}", [(clause, clause.heading)]))
        draft.contexts.extend(c for _, c in items)
    return draft


def agency_names(engine, q: Question, names: list[str], docs: list[Document]) -> Draft:
    """What an agency is called in each plan ("X部门在两轮计划里分别叫啥"): the names of its
    family (former and later names) each plan lists, cited to the tasks that list them."""
    family = list(dict.fromkeys(a for n in names for a in engine.agencies.family(n)))
    lang = "en" if q.lang == "en" else "zh"
    draft = Draft("responsibility_agency")
    used_anywhere = []
    for doc in docs or engine.index.documents.values():
        used = {a: [c for c in engine.agencies.tasks.get(a, []) if c.doc_id == doc.doc_id] for a in family}
        used = {a: cs for a, cs in used.items() if cs}
        if not used:
            continue
        used_anywhere += [a for a in used if a not in used_anywhere]
        head = knowledge().say("plan_names", lang, title=doc.title, names="、".join(used))
        draft.sentences.append((head.rstrip("：:") + ("." if lang == "en" else "。"),
                                [(cs[0], a) for a, cs in used.items()]))
        draft.contexts.extend(cs[0] for cs in used.values())
    if len(used_anywhere) > 1:
        note = knowledge().say("same_agency", lang, names=(" / " if lang == "en" else "、").join(used_anywhere))
        draft.sentences.append((note, []))
    return draft if draft.contexts else Draft.refuse(f"no plan in scope lists {'、'.join(names)}")


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


def clause_lookup(engine, q: Question, filters: Filters) -> Draft | None:
    """'What does clause 8 / 三、（二）3. / the task named X say': the clause's full text."""
    hits = engine.search(q.text, filters)
    named = _named_clauses(engine, q, filters, hits)
    if not named:  # the clause whose sentences cover the question best, of the top three
        top = [h for h in hits[:3] if h.clause.kind in ("clause", "bullet")]
        if not top:
            return None
        named = [_rank_sentences(engine, q, top, False)[0][0]]
    clause = named[0]
    text = engine.index.full_text(clause)
    lang = "en" if q.lang == "en" else "zh"
    return Draft("clause", [(knowledge().say("clause_full", lang, ref=_ref(clause, lang == "en"), text=text),
                             [(clause, text)])], contexts=[clause])


def names_heading(engine, q: Question, filters: Filters) -> bool:
    """Whether the question names a clause by its heading ("应用场景示范那条")."""
    return bool(_named_clauses(engine, q, filters, [], by_heading_only=True))


def _named_clauses(engine, q: Question, filters: Filters, hits, by_heading_only: bool = False) -> list[Clause]:
    """Clauses the question names: by path (三、（二）3.), by number (第8项, 任务8), or by a
    heading it contains nearly whole; best retrieval rank first."""
    path = re.search(r"[一二三四五六七八九十]+、?\s*[(（][一二三四五六七八九十]+[)）]\s*\d*\.?", q.folded)  # "二（一）3" too
    number = re.search(r"第\s*(\d+)\s*[条项个]|任务\s*(\d+)(?!\d|\s*[版年轮期])|(\d+)\s*号任务|item\s*(\d+)|task\s*(\d+)|"
                       rf"{NOT_A_RANK}第([一二三四五六七八九十]+)[条项个]", q.folded, re.I)
    candidates = engine.index.records(doc_ids={d.doc_id for d in engine.allowed(filters)}, first_chunks=True)
    if by_heading_only:
        path = number = None
    if path:
        want = re.sub(r"\s", "", path.group(0)).replace("(", "（").replace(")", "）")
        want = re.sub(r"^([一二三四五六七八九十]+)(?=（)", r"\1、", re.sub(r"(\d)$", r"\1.", want))
        matches = [c for c in candidates if c.path.startswith(want)]
    elif number:
        n = next(int(g) if g.isdigit() else cn_int(g) for g in number.groups() if g)
        matches = [c for c in candidates if re.search(rf"(^|[）)、]){n}\.$", c.path)]
    else:
        asked = figures.bigrams(q.folded)
        scored = [(max(len(g & asked) / len(g) for g in forms), c) for c in candidates if c.heading
                  and (forms := _heading_forms(c.heading))]
        scored += [(1.0, c) for c in _pointed(q, candidates)]
        top = max((s for s, _ in scored), default=0)
        matches = [c for s, c in scored if s >= HEADING_MATCH and s == top]
    rank = {h.clause.base_id: i for i, h in enumerate(hits)}
    return sorted(matches, key=lambda c: rank.get(c.base_id, 99))


def _pointed(q: Question, candidates: list[Clause]) -> list[Clause]:
    """The one clause whose heading holds the words pointed at ("…应用场景示范那条"): the
    longest tail of them, four characters or more, that some heading holds."""
    pointed = POINTED_RE.search(q.folded)
    words = pointed.group(1) if pointed else ""
    for size in range(len(words), POINTED_MIN - 1, -1):
        within = [c for c in candidates if c.heading and words[-size:] in fold(c.heading)]
        if within:
            return within if len(within) == 1 else []
    return []


def _heading_forms(heading: str) -> list[set[str]]:
    """Bigram sets a question may name a heading by: the whole heading, and its object without
    the leading verb ("做好资金保障" is "资金保障那部分"); each of three bigrams or more."""
    folded = fold(heading).rstrip("。.")
    return [g for g in (figures.bigrams(folded), figures.bigrams(folded[2:])) if len(g) >= 3]


def places(folded: str, min_freq: int = PLACE_MIN_FREQ) -> list[str]:
    """Place names in a question: words ending in 省/市/州/区/县 (朝阳区), and words jieba tags as
    places that are common enough to trust the tag (深圳; its tag on rare words such as 扎根 is
    noise). ``min_freq`` 0 trusts every tag, for text whose shape already says "place"."""
    import jieba

    found = []
    for word, flag in _tagged_words(folded):
        if (len(word) >= 3 and word[-1] in PLACE_SUFFIXES) or (
                flag == "ns" and len(word) >= 2 and jieba.dt.FREQ.get(word, 0) >= min_freq):
            found.append(word)
    return found


@functools.lru_cache(maxsize=256)
def _tagged_words(folded: str) -> tuple:
    """(word, part of speech) of a text, once per text: a question is searched for places twice."""
    return tuple((w.word, w.flag) for w in posseg().lcut(folded))


@functools.lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    """The answer in the reader's script (quotes included: they are converted for reading)."""
    return _s2t().convert(text)
