"""Figures bound to their indicators: finding the fact a question asks about (or asserts) in
the quantified-facts table (ingest.facts), and judging an asserted figure only against the
value bound to the same indicator.
"""
from __future__ import annotations

import dataclasses
import re

from ingest.facts import extract, figure_pattern, looks_like_year, unit_alternation
from ingest.text import fold
from ingest.types import Clause, Fact

from .knowledge import knowledge

SAME_INDICATOR = 0.6   # indicator score above which a fact measures what the question names
LEAD_MIN = 0.75        # a figure question gets a one-line lead only when this sure
FOCUS_MIN = 0.8        # … or when its indicator holds this share of the words before the asking word
DESCRIBED_BONUS = 0.5  # for a fact that states the figure the question describes its subject by
BOUND_WINDOW = 6       # characters before a claimed figure in which 最多/至少 still qualify it
WINDOW = 12            # characters around an asserted figure that may name its indicator
THRESHOLD_BONUS = 0.5   # the claim and the indicator define it by the same number (超100亿元的企业)
YEAR_BONUS = 0.01  # the value of the year a claim names, among one indicator's yearly values
CONTINUITY_BONUS = 0.15  # an indicator in the clause the message is on, over one named as well elsewhere
LOOSE_INDICATOR = 0.3  # a loosely named indicator binds only as the one figure of its unit in the best clauses
TYPO_WEIGHT = 0.8     # an indicator named abbreviated or with a character mistyped still binds
NEAR_MIN_CHARS = 4     # a claim's phrase this long may name an indicator by its characters in order
SCOPE_SHARE = 0.1      # of a scoped indicator's score, the share its scope (the sentence's condition) weighs
RANK_BONUS = 0.005     # among facts named alike, for the clause retrieval ranks first (less further down)
BOUND_SIDES = ("upper", "lower", "approx")  # the lexicon's qualifier_bounds
SHORT_INDICATOR = 3    # indicators of fewer bigrams than this are discounted (too generic)
YEAR_WORDS_RE = re.compile(r"(到|至|在)?(\d{4}|\d{2})年(底|末)?")  # "到2027年", "27年底": when, not what
# what follows a figure that describes what is asked about: 的, also after more figures joined
# to it ("破5亿和10亿的呢")
DESCRIBED_RE = re.compile(r"\s*(?:以上|以下|以内|左右)?\s*(?:[和与及、或跟]\s*\d[\d.]*\s*[十百千万亿]*[^\s，,。？?的\d]{0,3}?\s*(?:以上|以下|以内|左右)?\s*)*的")
UNIT_FAMILIES = [{"亿元", "亿"}, {"万元", "元", "万"}, {"个", "项", "款", "种"}, {"家", "所"}, {"天", "日", "工作日", "个工作日"},
                 {"个月", "月"}]


@dataclasses.dataclass
class Match:
    """A fact with the clause that states it and how well it fits the question."""

    fact: Fact
    clause: Clause
    score: float


def bigrams(text: str) -> set[str]:
    """Character bigrams of the letters, digits and CJK characters of ``text``."""
    t = re.sub(r"[^\w\u4e00-\u9fff]|\d", "", fold(text).lower())
    return {t[i:i + 2] for i in range(len(t) - 1)} or ({t} if t else set())


def indicator_score(indicator: str, phrases: list[str]) -> float:
    """How well a fact's indicator is named by any of the question's phrases: the share of
    the indicator's bigrams the phrase contains, plus a little for the phrase's share."""
    ind = bigrams(indicator)
    if not ind:
        return 0.0
    letters = re.sub(r"[^\w\u4e00-\u9fff]|\d", "", fold(indicator).lower())
    best = 0.0
    for phrase in phrases:
        grams = bigrams(phrase)
        shared = len(ind & grams)
        if shared:
            best = max(best, shared / len(ind) + 0.25 * shared / len(grams),  # abbreviated or mistyped (科创, 研究形):
                       TYPO_WEIGHT * _in_order(letters, fold(phrase).lower()) if shared >= 2 else 0.0)  # in order
    return best * min(1.0, len(ind) / SHORT_INDICATOR)


def named_score(fact: Fact, phrases: list[str]) -> float:
    """How well the phrases name a fact's indicator, read as its scope and its core: the
    words the fact's own piece of text states (单个项目 of "单个项目最高不超过500万元") and the
    condition the sentence opened with (当年完成…5000万元以上的文旅项目). A claim that names
    the core fully binds even when it leaves the scope out (SCOPE_SHARE of the score is the
    scope's); otherwise the whole indicator is matched as one."""
    whole = indicator_score(fact.indicator, phrases)
    core = _core(fact)
    if not core or core == fold(fact.indicator):
        return whole
    scope, own = bigrams(fold(fact.indicator)[: -len(core)]), bigrams(core)
    rest = [bigrams(p) - own for p in phrases]  # what the claim says besides the core …
    named = max((len(r & scope) / len(r) for r in rest if r), default=0.0)  # … that the scope says too
    return max(whole, (1 - SCOPE_SHARE) * indicator_score(core, phrases) + SCOPE_SHARE * named)


def _core(fact: Fact) -> str:
    """The longest end of a fact's indicator that its own piece of text prints (folded)."""
    indicator = fold(fact.indicator)
    text = re.sub(r"[^\w\u4e00-\u9fff]", "", fold(fact.text))
    for start in range(len(indicator)):
        if indicator[start:] in text:
            return indicator[start:]
    return ""


def stated_as_fact(folded_question: str) -> bool:
    """Whether the question states a figure as a fact: one that counts or measures something
    ("要建50个研究型病房，这个数…", "培育100家企业的理由", "增加到30%是哪份文件"), rather than
    describing what is asked about ("年销售50亿元以上的企业有几家": the figure modifies 的…)."""
    for m in _figures(folded_question):
        rest = folded_question[m.end():]
        if re.match(rf"\s*\S{{0,4}}?(?:{knowledge().pattern('plan_words').pattern})", rest):
            continue  # "两个区级计划": a count of the plans asked about
        if re.search(r"[哪这那前后头首]\s*$", folded_question[: m.start()]):
            continue  # "哪两种模式", "这三家": a count the question points with
        if knowledge().pattern("set_ask").search(re.split(r"[，,。；;]", rest)[0]):
            continue  # "四个辅助领域是哪些": the size of the set asked for
        if knowledge().pattern("threshold_words").search(folded_question[max(0, m.start() - 2): m.start()] + (
                m.group("before") or "")) and knowledge().pattern("number_ask").search(re.split(r"[，,。；;？?]", rest)[0]):
            continue  # "营收首次破5亿奖多少": the threshold of what is asked
        if not DESCRIBED_RE.match(rest) and not re.match(r"\s*(?:多少|几)", rest):
            return True
    return False


def attributed(folded_question: str, asks) -> bool:
    """Whether the question attributes a figure it states to the plans ("某区那版说每家奖励
    1000万", "计划要求…不少于10个", "the plan aims for 12 parks") before it asks (``asks`` tells
    a text that asks): a claim to be checked even when the question goes on to ask something
    else. Words after the question ("…多少家？并说目标是100家") claim nothing."""
    claim = knowledge().pattern("attribution")
    return any(claim.search(folded_question[: m.start()]) and not asks(folded_question[: m.start()])
               for m in _figures(folded_question))


def _figures(folded_question: str):
    """The figures a question states, years aside."""
    return (m for m in figure_pattern().finditer(folded_question)
            if not looks_like_year(m.group("low"), m.group("unit"), m.group("before") or ""))


def same_unit(a: str, b: str) -> bool:
    """Units that measure the same thing (亿 and 亿元, 个 and 项)."""
    return a == b or any(a in f and b in f for f in UNIT_FAMILIES)


def asserted(folded_question: str) -> list[tuple[Fact, list[str]]]:
    """Figures the question asserts, each with the phrases around it that may name its
    indicator (the question read by the same extractor as the plans)."""
    out = []
    found = [f for f in extract(folded_question) if not looks_like_year(f.value, f.unit, f.qualifier)]
    for i, fact in enumerate(found):
        if i + 1 < len(found) and found[i + 1].text == fact.text:
            continue  # "超100亿企业达13家": the first figure defines what the second one counts
        at = folded_question.find(fact.value)
        before = re.split(r"[，,。；;？?！!]", folded_question[max(0, at - WINDOW): at])[-1]
        if at - WINDOW > 0 and folded_question[at - WINDOW - 1].isdigit():
            before = re.sub(r"^\d+", "", before)  # not the tail of a number cut by the window
        after = re.split(r"[，,。；;？?！!]", folded_question[at + len(fact.value): at + len(fact.value) + WINDOW])[0]
        after = after[len(fact.unit):] if after.startswith(fact.unit) else after  # "个以上创新药" names 创新药
        after = re.sub(r"^(以上|以下|以内|左右|多)", "", after)
        bound = knowledge().pattern("qualifier_bounds.upper").findall(before[-BOUND_WINDOW:]) or \
            knowledge().pattern("qualifier_bounds.lower").findall(before[-BOUND_WINDOW:])
        if bound and not fact.qualifier:  # "最多落地2家": the bound is the claim's, a verb apart
            fact = dataclasses.replace(fact, qualifier=bound[-1])
        out.append((fact, [fact.indicator, before, after]))
    return out


def best(clauses: list[Clause], phrases: list[str], unit: str | None = None,
         follows: frozenset[str] = frozenset(), year: int | None = None, ranked: list[Clause] = ()) -> Match | None:
    """The fact of ``clauses`` whose indicator the phrases name best, among those measured in
    ``unit``'s family when one is given (2000亿 is never judged against a count of 家); None
    when nothing is named at all. A phrase whose characters the indicator holds in order
    (FOCUS_MIN) names it even when worded otherwise ("绩效评价的科创指标占比增加" names
    绩效评价中科技创新相关指标权重增加). Of indicators named alike, one in a clause the message
    is already on (``follows``) wins: "X是甲局牵头吧，单个项目最多给1000万？" is about X's 单个项目.
    Of a table's yearly values for one indicator, a claim's ``year`` picks that year's value
    (the year may also just name the plan: a preference, not a filter), and otherwise the last
    year's (the target) wins, never an interim year's. Of facts named equally well, the one in
    the clause retrieval ``ranked`` higher for the question wins."""
    found = None
    said = _threshold_numbers(" ".join(phrases))
    ranks = {c.base_id: n for n, c in reversed(list(enumerate(ranked)))}
    counts = knowledge().pattern("count_measures")
    for clause in clauses:
        for fact in clause.facts:
            if unit and not same_unit(fact.unit, unit) and not (counts.fullmatch(unit) and counts.fullmatch(fact.unit)):
                continue  # a count may be typed with another measure word (研究型医院20个 of 1-2家): its name decides
            defined = _threshold_numbers(fact.indicator)
            if said and defined and not said & defined:  # "超100亿元的企业" is not "超10亿元的企业"
                continue
            near = max((_in_order(p, fold(fact.indicator)) for p in phrases if len(p) >= NEAR_MIN_CHARS), default=0.0)
            score = named_score(fact, phrases) + (near if near >= FOCUS_MIN else 0.0) + (
                RANK_BONUS / (1 + ranks[clause.base_id]) if clause.base_id in ranks else 0.0) + (
                0.05 if unit and same_unit(fact.unit, unit) else 0.0) + (
                CONTINUITY_BONUS if clause.base_id in follows else 0.0) + (
                THRESHOLD_BONUS if said & defined else 0.0) + (YEAR_BONUS if year and fact.year == year else 0.0)
            if found is None or score > found.score or (
                    score == found.score and found.clause is clause and (fact.year or 0) > (found.fact.year or 0)):
                found = Match(fact, clause, score)
    return found if found and found.score > 0 else None


def asked(clauses: list[Clause], question: str, phrases: list[str], year: int | None = None,
          fits=None, described: list[tuple[str, str]] = (), follows: frozenset[str] = frozenset()) -> Match | None:
    """The fact a figure question asks for, or None when no indicator is named well enough:
    named by the whole question (LEAD_MIN), or holding, in order, the characters of the words
    next to its asking word (FOCUS_MIN): "其中物流航线又是多少" asks for 物流航线, not 航线, and
    "新增几亩工业地" for 工业用地. Of the asked target year when the question names one, and of
    a unit ``fits`` accepts. A fact stated with the figures the question describes its subject
    by ("年销售规模超50亿元的企业有几家") is preferred."""
    focuses = [f for f in asked_phrases(question) if len(f) >= 2]
    found = None
    for clause in clauses:
        for fact in clause.facts:
            if fits and not fits(fact) or year and fact.year and fact.year != year:
                continue
            whole = indicator_score(fact.indicator, phrases)
            near = max((_in_order(f, fold(fact.indicator)) for f in focuses), default=0.0)
            same = any(re.search(rf"(?<![\d.]){re.escape(v)}(?![\d.])", fold(fact.text)) for v, _ in described
                       if v != fact.value)
            if whole < LEAD_MIN and near < FOCUS_MIN and not (same and whole >= LOOSE_INDICATOR):
                continue
            score = whole + near + (DESCRIBED_BONUS if same else 0.0) + (
                CONTINUITY_BONUS if clause.base_id in follows else 0.0)
            if found is None or score > found.score:
                found = Match(fact, clause, score)
    return prose_of(found, clauses) if found and found.clause.table else found


def other_measure(fact: Fact, phrases: list[str]) -> bool:
    """Whether the claim names another measure of the same sort as the fact's indicator: the
    last two characters of each end alike and differ (出口量 against 产量, 覆盖率 against
    配套率), neither side's ending is found, in order, in the other's words. A claim that
    names the indicator short (上市 for 上市挂牌企业) or by another sort of word (规模 for 产值)
    is not judged here."""
    tail = _tail(fact.indicator)
    own = [t for t in map(_tail, phrases) if len(t) == 2]
    if len(tail) < 2 or any(_in_order(tail, fold(p)) == 1.0 for p in phrases):
        return False
    named = fold(fact.indicator) + fold(fact.text)
    return any(t[-1] == tail[-1] and t != tail for t in own) and not any(_in_order(t, named) == 1.0 for t in own)


def _tail(text: str) -> str:
    """The last two CJK characters of ``text``: the ending of the noun an indicator measures."""
    return "".join(re.findall(r"[\u4e00-\u9fff]", fold(text))[-2:])


def _threshold_numbers(text: str) -> set[str]:
    """Numbers that define an indicator ("营业收入超100亿元的企业"), not years."""
    return {n for n in re.findall(r"\d+(?:\.\d+)?", text) if not re.fullmatch(r"(19|20)\d{2}", n)}


def _in_order(words: str, indicator: str) -> float:
    """The share of ``words``' characters that ``indicator`` holds in the same order (the
    longest common subsequence over the length of ``words``)."""
    a, b = words, indicator
    row = [0] * (len(b) + 1)
    for ch in a:
        previous = 0
        for j, other in enumerate(b, start=1):
            previous, row[j] = row[j], previous + 1 if ch == other else max(row[j], row[j - 1])
    return row[-1] / len(a) if a else 0.0


def prose_of(match: Match, clauses: list[Clause]) -> Match:
    """A table cell's figure as the plan's text states it, qualifier and all ("300" in the
    targets table, "300个左右" in the goals), when the text states the same value and year."""
    cell = match.fact
    for clause in clauses:
        for fact in [] if clause.table else clause.facts:
            if (fact.low, fact.high, fact.year) == (cell.low, cell.high, cell.year) and same_unit(fact.unit, cell.unit) \
                    and indicator_score(fact.indicator, [cell.indicator]) >= SAME_INDICATOR:
                return Match(fact, clause, match.score)
    return match


ASK_RE = re.compile(r"(?:又|还|要|将|能|可以|会|准备|打算|计划|目标|分别|各)?(?:整|搞|弄)?(?:是|为|有|达到|达|到)?"
                    r"(?:多少|几|多大|多高|多长|啥数|什么数|哪个数)")


def asked_phrases(question: str) -> list[str]:
    """The words naming what a figure question asks for, on both sides of its (last) asking
    word: the clause before it ("起降点要建多少个") and the noun after it and its measure word
    ("新增几亩工业地"), without filler, target words and a follow-up's lead-in ("其中", "那")."""
    m = None
    for m in ASK_RE.finditer(question):  # the last ask: a merged follow-up ends with its own
        pass
    head = question[: m.start()] if m else question
    tail = question[m.end():] if m else ""
    noise = knowledge().pattern("question_noise")
    target = knowledge().pattern("target_words")

    plan = knowledge().pattern("plan_words")

    def tidy(clause: str) -> str:
        clause = plan.split(clause)[-1]  # "某市AI计划里2025年新建平台": what precedes 计划 names the plan
        clause = YEAR_WORDS_RE.sub("", target.sub("", noise.sub("", clause)))
        return re.sub(r"^(里|中|其中|那么|那|还有|另外|以及)+|的$|[？?。！!\s]", "", clause.strip())

    before = head
    for clause in reversed(re.split(r"[，,。；;？?！!：:、]", head)):  # the nearest clause that names something
        if len(re.findall(r"[\u4e00-\u9fff]", tidy(clause))) >= 2:
            before = clause
            break
    after = re.split(r"[，,。；;？?！!：:、]", tail)[0]
    measure = knowledge().pattern("measure_nouns").pattern
    after = re.sub(rf"^\s*(?:{unit_alternation()})?(?:{measure})?(?:的)?", "", after)
    after = re.sub(r"(是|有|呢|吗|啊|呀)+$", "", after)
    return [tidy(before), tidy(after)]

def only_of_unit(clauses: list[Clause], phrases: list[str], claim: Fact) -> Match | None:
    """The one fact of ``clauses`` measured in ``unit``'s family whose indicator the phrases
    name at least loosely, when no other figure of that unit (and of the claim's target year,
    if it names one) is named even half as well
    ("产业…1000亿" and 产业规模 800亿元 beside a firm's 10亿元 revenue); None when several
    are (a list of counts is never judged by a loose name)."""
    found = [Match(f, c, indicator_score(f.indicator, phrases)) for c in clauses for f in c.facts
             if same_unit(f.unit, claim.unit) and not (claim.year and f.year and f.year != claim.year)]
    found = list({(m.fact.text, m.fact.value): m for m in found}.values())
    named = [m for m in found if m.score >= LOOSE_INDICATOR]
    if len(named) != 1 or any(m.score > named[0].score / 2 for m in found if m is not named[0]):
        return None
    return named[0]


def sole_of_unit(clauses: list[Clause], claim: Fact) -> Match | None:
    """The one figure of the claim's unit family in ``clauses`` (the clause the conversation is
    on), whatever its name: "额度是5亿以内吗" after a part that cited the clause granting 10亿元."""
    found = {(f.text, f.value): Match(f, c, SAME_INDICATOR) for c in clauses for f in c.facts
             if same_unit(f.unit, claim.unit)}
    return next(iter(found.values())) if len(found) == 1 else None


def bound_of(qualifier: str) -> str | None:
    """'upper' (最多, 不超过), 'lower' (不少于, 超), 'approx' (左右, 约) or None, by the longest
    bound word in the qualifier (不少于 is a floor although it holds 少于)."""
    k = knowledge()
    found = [(len(w), side) for side in BOUND_SIDES for w in k.words(f"qualifier_bounds.{side}") if w in qualifier]
    return max(found)[1] if found else None


def holds(claim: Fact, fact: Fact) -> bool:
    """Whether an asserted figure agrees with the plan's value for the same indicator (a
    ceiling claimed for the plan's floor does not: 最多2家 against 不少于2家; nor does an
    approximation: 100个左右 against 100个以上). A claim without a bound agrees with any."""
    if not same_unit(claim.unit, fact.unit):
        return False
    bounds = {bound_of(claim.qualifier), bound_of(fact.qualifier)}
    if None not in bounds and len(bounds) == 2:
        return False
    if claim.low != claim.high or fact.low != fact.high:  # ranges must agree as ranges
        return (claim.low, claim.high) == (fact.low, fact.high)
    return claim.low == fact.low
