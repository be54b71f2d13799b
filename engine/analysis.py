"""What a question asks for, read from its wording: kind, language, named plans, agencies,
dates, figures and the kind of quantity it wants. Pure functions over the folded question."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

from ingest.text import fold

KIND_PATTERNS = [  # checked in order; the first that matches decides
    ("time", r"有效期|施行|生效|废止|印发|发布|哪天|何时|什么时候|日期|文号|到期|还有效|正在执行|参照哪|"
             r"规划期|覆盖哪|在实施|in force|valid|expire|issued|repeal|effective|which plan applies"),
    ("responsibility_task", r"责任单位|哪个部门|哪些部门|哪几个部门|哪些单位|哪几个单位|哪家单位|哪个单位|谁负责|谁来负责|由谁|"
                            r"牵头单位|负责单位|哪些机构|which agenc|who is responsible|responsible agenc"),
    ("responsibility_agency", r"负责哪些|负责什么|承担了?哪些|承担什么|牵头哪些|哪些任务|什么任务|职责|配合哪些|哪些工作|"
                              r"tasks? is .* responsible|responsible for which|what tasks"),
    ("comparison", r"对比|比较|相比|分别|两轮|两份|各自|差多少|有什么不同|有何不同|怎么比|变化|"
                   r"compare|comparison|versus|\bvs\b|differ"),
    ("eligibility", r"我们|我司|本公司|我公司|初创|能享受|可以申请|能申请|有什么支持|有哪些支持|有什么政策|"
                    r"扶持|能得到|we are|we're|our company|eligible|what support"),
    ("clause", r"讲了什么|说了什么|什么内容|哪些内容|讲的是|规定了什么|内容是|第[0-9一二三四五六七八九十]+[条项]|"
               r"what does .* (say|set out)|item \d+"),
]
ACTUAL_RE = re.compile(r"实际|已经完成|完成了|达到了|实现了|最终|执行完|执行结果|完成情况|actual|achieved|"
                       r"did .* (receive|get|reach)|received")
QUANTITY_KINDS = [  # (kind, question pattern, evidence pattern)
    ("money", r"多少钱|金额|资金|经费|补贴|补助|奖励|价格|租金|拨多少|how much (money|subsidy|funding)|subsid|fund",
     r"\d[\d.,]*\s*(万|亿)?元"),
    ("percent", r"比例|百分之|百分比|percent|rate|%", r"\d[\d.]*\s*%"),
    ("area", r"多少亩|面积|平方米|多大空间", r"\d[\d.]*\s*(亩|平方米|平方公里)"),
]
FIGURE_RE = re.compile(r"多少|几[家个项所]|目标|达到|规模|多大|how many|how much|target|number of")
PERIOD_RE = re.compile(r"(\d{4})\s*[-—–~～至到]\s*(\d{4})")
# Units a figure is written with in these plans; longer ones first so 亿元 is not read as 亿.
FIGURE_UNITS = "万平方米|平方米|亿元|万元|亿|元|亩|家|个|项|人|%|所|倍"
NUMBER_UNIT_RE = re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?)\s*({FIGURE_UNITS})")
# English counts carry their Chinese measure word, so a false premise in English can be checked too.
EN_UNITS = [("compan", "家"), ("firm", "家"), ("enterprise", "家"), ("hospital", "家"),
            ("billion yuan", "亿元"), ("mu", "亩"), ("%", "%")]  # anything else counted: 个
EN_FIGURE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:new |listed |additional |more |innovative |medical |listed )*"
                          r"(companies|company|firms?|enterprises?|hospitals?|wards?|drugs?|devices?|products?|"
                          r"platforms?|applications?|projects?|billion yuan|mu|%)")
DATE_YM_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")
YEAR_RE = re.compile(r"(?<!\d)(20\d{2}|19\d{2})(?!\d)")


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


def analyse(question: str) -> Question:
    """Read ``question``."""
    folded = fold(question).strip()
    low = folded.lower()
    kind = next((name for name, pattern in KIND_PATTERNS if re.search(pattern, low)), None)
    if kind is None:
        kind = "figure" if FIGURE_RE.search(low) else "general"
    quantity = next((name for name, pattern, _ in QUANTITY_KINDS if re.search(pattern, low)), None)
    periods = [(int(a), int(b)) for a, b in PERIOD_RE.findall(folded) if int(a) < int(b)]
    figures = NUMBER_UNIT_RE.findall(folded) or [(n, _en_unit(u)) for n, u in EN_FIGURE_RE.findall(low)]
    return Question(text=question, folded=folded, lang=language(question), kind=kind, quantity=quantity,
                    asks_actual=bool(ACTUAL_RE.search(low)), periods=periods,
                    years=[int(y) for y in YEAR_RE.findall(folded)], date=_asked_date(folded),
                    figures=figures)


def language(text: str) -> str:
    """'en' for Latin-script questions, 'zh-Hant' when folding changes a character, else 'zh'."""
    cjk = re.findall(r"[\u3400-\u9fff]", text)
    latin = re.findall(r"[A-Za-z]", text)
    if len(latin) > 2 * len(cjk):
        return "en"
    folded = fold(text)
    changed = sum(1 for a, b in zip(text, folded) if a != b and re.match(r"[\u3400-\u9fff]", a))
    return "zh-Hant" if changed else "zh"


def _en_unit(noun: str) -> str:
    """The Chinese measure word of an English counted noun (companies → 家)."""
    return next((unit for prefix, unit in EN_UNITS if noun.startswith(prefix)), "个")


def evidence_pattern(quantity: str) -> str:
    """The regex an evidence sentence must match to state the asked kind of amount."""
    return next(p for name, _, p in QUANTITY_KINDS if name == quantity)


def _asked_date(folded: str) -> dt.date | None:
    """A concrete date in the question; a bare month means its first day."""
    m = DATE_YM_RE.search(folded)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
    except ValueError:
        return None
