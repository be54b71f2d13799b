"""What a question asks for, read from its wording: its reading (kind), language, named
periods, dates, asserted figures and the kind of amount it wants.

The reading is scored, not taken from the first pattern that matches: every kind whose cues
(data/knowledge/lexicon.json) occur gets their weights, and the best total wins. Pure
functions over the folded question.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

from ingest.facts import figure_pattern, looks_like_year, unit_alternation
from ingest.text import cn_int, fold

from .knowledge import knowledge

RANGE_JOIN = "[-—–~～至到]"  # between the two ends of a period or a range
PERIOD_RE = re.compile(rf"(?<!\d)((?:19|20)\d{{2}})\s*{RANGE_JOIN}\s*((?:19|20)?\d{{2}})(?!\d)")
# "21-23那轮", "24到26年": a two-digit period names a plan when a plan word follows it, or
# when it stands in a list of such periods ("18-20和21-23这两轮", "计划（18-20、21-23）").
SHORT_PERIOD_RE = re.compile(rf"(?<![\d.])([1-4]\d)\s*{RANGE_JOIN}\s*([1-4]\d)(?![\d.])")
PLAN_AFTER_RE = re.compile(r"\s*(?:年|那|版|轮|计划|期|的|这)")
PLAN_BEFORE_RE = re.compile(r"(?:计划|方案|规划|版本|轮次?)[(（:：\s]*$")
LIST_GAP_RE = re.compile(r"\s*(?:[和与及跟、,，/]|以及)\s*")
DATE_YM_RE = re.compile(r"(?<!\d)((?:19|20)?\d{2})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")
# A question that names one clause ("第十七条", "三、（二）") asks about that clause, not about the
# plan's dates and numbers as a document.
NAMED_CLAUSE_RE = re.compile(r"第\s*[\d一二三四五六七八九十]+\s*[条项]|[一二三四五六七八九十]+、\s*[(（][一二三四五六七八九十]+[)）]")
CN_NUMBER_RE = re.compile(r"[零一二两三四五六七八九十百千]+")
MAGNITUDE_CHARS = "十百千万亿"
SPOKEN_RANGE_RE = re.compile(r"(?<![零一二两三四五六七八九十百千])([一二两三四五六七八九])([二三四五六七八九])")
# "三成": tenths, where 成 ends the word (not 三成本, 一成不变)
TENTHS_RE = re.compile(r"(?<![\d十百千])([一二两三四五六七八九])成(?=$|[^\u4e00-\u9fff]|左右|以上|以下|的|补|给)")
YEAR_RE = re.compile(r"(?<![\d.])(20\d{2}|19\d{2})(?![\d.]|\s*(?:亿|万|千|百|元|%|个|家|项|人|亩|平方))")  # not 2000亿
EN_GAP_WORDS = 8  # words between an English figure and the noun it counts ("50 newly approved Class II and III … devices")


FIGURE_UNITS = unit_alternation()
NUMBER_UNIT_RE = re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?)\s*({FIGURE_UNITS})")


@dataclasses.dataclass
class Question:
    """A question read for what it asks."""

    text: str
    folded: str
    lang: str                      # zh, zh-Hant or en
    kind: str                      # time, responsibility_task, …, figure, general
    quantity: str | None           # money, percent, area: an amount the evidence must state
    asks_actual: bool              # actual results, which plans do not contain
    periods: list[tuple[int, int]]
    years: list[int]
    date: dt.date | None           # a date the question asks about ("2022年5月")
    figures: list[tuple[str, str]]  # (number, unit) the question asserts
    premise: bool = False          # it asserts something and asks whether that is so
    scores: dict[str, float] = dataclasses.field(default_factory=dict)
    follows: frozenset[str] = frozenset()  # clauses the part before it cited: what the message is on

    @property
    def low(self) -> str:
        """The folded question in lower case (English cues)."""
        return self.folded.lower()


def analyse(question: str) -> Question:
    """Read ``question``."""
    k = knowledge()
    folded = as_plans_write(question)
    low = folded.lower()
    scores = readings(low)
    kind = max(scores, key=lambda name: scores[name]) if scores else "general"
    periods = []
    for a, b in PERIOD_RE.findall(folded):
        start, end = int(a), int(b) if len(b) == 4 else int(a[:2] + b)
        if start < end:
            periods.append((start, end))
    periods += [(2000 + int(m.group(1)), 2000 + int(m.group(2))) for m in short_periods(folded)]
    figures = [(m.group("low"), m.group("unit")) for m in figure_pattern().finditer(folded)
               if not looks_like_year(m.group("low"), m.group("unit"), m.group("before") or "")
               and not folded[:m.start()].endswith("第")]
    figures = figures or en_figures(low)
    premise = bool(k.has("premise", low)) and bool(figures or kind.startswith("responsibility"))
    return Question(text=question, folded=folded, lang=language(question), kind=kind,
                    quantity=_quantity(low), asks_actual=k.has("actual_results", low), periods=periods,
                    years=[int(y) for y in YEAR_RE.findall(folded)], date=_asked_date(folded),
                    figures=figures, premise=premise, scores=scores)


def short_periods(folded: str) -> list[re.Match]:
    """Two-digit periods that name plans: a plan word next to the list they stand in."""
    found = [m for m in SHORT_PERIOD_RE.finditer(folded) if int(m.group(1)) < int(m.group(2))]
    lists, current = [], []
    for m in found:  # runs of periods joined by 和/、/,
        if current and not LIST_GAP_RE.fullmatch(folded[current[-1].end():m.start()]):
            lists.append(current)
            current = []
        current.append(m)
    lists += [current] if current else []
    return [m for run in lists if PLAN_AFTER_RE.match(folded, run[-1].end()) or any(
        PLAN_AFTER_RE.match(folded, m.end()) for m in run) or PLAN_BEFORE_RE.search(folded[:run[0].start()])
        for m in run]


# "2018年出的那份计划" names a plan by the year it came out: its 出的 is no question about time.
ISSUED_PLAN_RE = re.compile(r"(?:19|20)?\d{2}\s*年?\s*(?:出|发|印发|发布|出台|制定)的\s*(?:那份|这份|那版|这版|那个|那轮)?\s*(?:计划|方案)?")


def readings(low: str) -> dict[str, float]:
    """Score of every reading whose cues occur: the weight times the number of distinct cues
    (outside the words that name a plan by its year)."""
    low = ISSUED_PLAN_RE.sub(" ", low)
    scores = {}
    for kind, spec in knowledge().intents_spec().items():
        hits = {m.group(0) for m in knowledge().pattern(f"intents.{kind}.cues").finditer(low)}
        if hits:
            scores[kind] = spec["weight"] * len(hits)
    if NAMED_CLAUSE_RE.search(low):
        scores.pop("time", None)
    return scores


def arabic_figures(folded: str) -> str:
    """Chinese numerals that count something written as digits, as plans write figures
    ("超五十亿元" → "超50亿元", "两家" → "2家"); other numerals ("三年行动", "十亿级") stay."""
    units = FIGURE_UNITS

    def digits(m: re.Match) -> str:
        if m.group(0) in ("一", "零") and folded[m.end():m.end() + 1] not in MAGNITUDE_CHARS:  # 一批, 零部件: words
            return m.group(0)
        import cn2an  # here, not above: its import costs ~0.1 s and most questions have no such numeral

        try:
            return str(cn2an.cn2an(m.group(0), "smart"))
        except (ValueError, KeyError):
            return m.group(0)
    folded = re.sub(rf"{SPOKEN_RANGE_RE.pattern}(?=\s*(?:{units})(?!级))", _spoken_range, folded)  # 两三个 → 2—3个
    folded = re.sub(rf"{CN_NUMBER_RE.pattern}(?=\s*(?:{units})(?!级))", digits, folded)
    # the low end of a range whose high end now has digits: "五到10家" → "5到10家"
    folded = re.sub(rf"{CN_NUMBER_RE.pattern}(?=\s*{RANGE_JOIN}\s*\d)", digits, folded)
    return TENTHS_RE.sub(lambda m: f"{cn_int(m.group(1))}0%", folded)  # "三成" → 30%


def _spoken_range(m: re.Match) -> str:
    """Two numerals side by side, the second one or two more, as a range ("两三" → 2—3, "三五" → 3—5)."""
    low, high = cn_int(m.group(1)), cn_int(m.group(2))
    return f"{low}—{high}" if 0 < high - low <= 2 else m.group(0)


def as_plans_write(text: str) -> str:
    """``text`` folded, with its figures written as the plans write them (两百万 → 200万,
    一半 → 50%, 500万平米 → 500万平方米)."""
    return _plan_units(arabic_figures(fold(text).strip()))


def _plan_units(folded: str) -> str:
    """Spoken measure words after a figure in the plans' units ("500万平米" → "500万平方米"),
    and figures said in words as the plans write them ("一半" → 50%, "五五开" → 5:5)."""
    for spoken, figure in knowledge().spoken_figures:
        folded = folded.replace(spoken, figure)
    for spoken, unit in knowledge().unit_variants:
        folded = re.sub(rf"(?<=[\d十百千万亿])\s*{re.escape(spoken)}", unit, folded)
    return folded


def _quantity(low: str) -> str | None:
    """The kind of amount asked for: an amount cue together with a noun of that kind."""
    k = knowledge()
    if not k.has("amount_ask", low):
        return None
    return next((name for name in k.quantities() if k.has(f"quantities.{name}.nouns", low)), None)


def language(text: str) -> str:
    """'en' for Latin-script questions, 'zh-Hant' when folding changes a character, else 'zh'."""
    cjk = re.findall(r"[\u3400-\u9fff]", text)
    latin = re.findall(r"[A-Za-z]", text)
    if len(latin) > 2 * len(cjk):
        return "en"
    folded = fold(text)
    changed = sum(1 for a, b in zip(text, folded) if a != b and re.match(r"[\u3400-\u9fff]", a))
    return "zh-Hant" if changed else "zh"


def en_figures(low: str) -> list[tuple[str, str]]:
    """(number, the plans' unit) of each figure an English question states: a number and the
    counted noun a few words after it (the lexicon's en_counted_nouns; anything else counted: 个)."""
    nouns = "|".join(re.escape(n) for n, _ in knowledge().en_counted_nouns)
    found = re.findall(rf"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:(?:[a-z-]+|[ivx]+)\s+){{0,{EN_GAP_WORDS}}}?({nouns})", low)
    return [(n, next(u for prefix, u in knowledge().en_counted_nouns if noun.startswith(prefix))) for n, noun in found
            if not re.fullmatch(r"(19|20)\d{2}", n)]


def evidence_pattern(quantity: str) -> str:
    """The regex an evidence sentence must match to state the asked kind of amount."""
    return knowledge().quantities()[quantity]["evidence"]


def _asked_date(folded: str) -> dt.date | None:
    """A concrete date in the question; a bare month means its first day."""
    m = DATE_YM_RE.search(folded)
    if not m:
        return None
    year = int(m.group(1)) if len(m.group(1)) == 4 else 2000 + int(m.group(1))
    try:
        return dt.date(year, int(m.group(2)), int(m.group(3) or 1))
    except ValueError:
        return None
