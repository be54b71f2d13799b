"""The quantified-facts table: every figure of a clause or table row, bound to the indicator it
measures ("上市挂牌企业" 超 20 家, target year 2028).

A pure function of a clause's text. The vocabulary (units, qualifiers, the leading verbs and
scope phrases that are not part of an indicator) is data: data/knowledge/lexicon.json.
"""
from __future__ import annotations

import functools
import json
import re

from settings import REPO

from .text import fold
from .types import TRAILING_QUALIFIERS, Fact

LEXICON = REPO / "data" / "knowledge" / "lexicon.json"
# A piece is the text between separators; a 、 inside “…” joins a name, it does not list.
PIECE_RE = re.compile(r"[^，,；;。：:\n、]+(?:、(?=[^“”]*”)[^，,；;。：:\n、]*)*")
YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
INDICATOR_MAX = 24
GRANT_VERBS = "给予|予以|给"  # the verb between a bound and the amount it grants ("最高给予500万元")
ROW_VALUE_COLUMNS = re.compile(r"目标|指标值|数值|\d{4}\s*年")
BASELINE_COLUMNS = re.compile(r"基数|基期|基准|现状|现值|实际|完成")  # what was, not a target


@functools.lru_cache(maxsize=1)
def _lexicon() -> dict:
    return json.loads(LEXICON.read_text("utf-8"))


def _alternation(words) -> str:
    """Escaped alternatives, longest first (亿元 before 亿)."""
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


def unit_alternation() -> str:
    """The figure units of the lexicon as one regex alternation, longest first."""
    return _alternation(_lexicon()["units"])


@functools.lru_cache(maxsize=1)
def _vocabulary() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(figure, stop before a figure, stop after it) patterns from the lexicon."""
    lexicon = _lexicon()
    units = unit_alternation()
    before = _alternation(q for q in lexicon["qualifiers"] if q not in TRAILING_QUALIFIERS)
    after = _alternation(TRAILING_QUALIFIERS)
    figure = re.compile(rf"(?P<before>(?:{before})\s*)?(?P<low>\d+(?:\.\d+)?)(?:\s*[-—–~～至到]\s*(?P<high>\d+(?:\.\d+)?))?"
                        rf"\s*(?P<unit>{units})(?P<after>{after})?")
    stop_after = re.compile("|".join(f"(?:{p})" for p in lexicon["figure_stop"]))
    stop_before = re.compile("|".join(f"(?:{p})" for p in [*lexicon["figure_stop"], *lexicon["figure_lead_verbs"]]))
    return figure, stop_before, stop_after


@functools.lru_cache(maxsize=1)
def _granted() -> re.Pattern:
    """A bound before the verb that grants the amount: "单个项目最高给予" → 最高."""
    leading = _alternation(q for q in _lexicon()["qualifiers"] if q not in TRAILING_QUALIFIERS)
    return re.compile(rf"({leading})\s*(?:{GRANT_VERBS})\s*$")


@functools.lru_cache(maxsize=1)
def _verb_end() -> re.Pattern:
    return re.compile(rf"(?:{_alternation(_lexicon()['figure_verbs'])})$")


@functools.lru_cache(maxsize=4096)
def _verbs_only(span: str) -> bool:
    """A span of verbs and conjunctions only ("引进和承接"), by their part of speech: a figure
    after verbs counts the noun after it, whatever the verbs."""
    from .libcache import posseg_module

    flags = [w.flag for w in posseg_module().lcut(span) if w.word.strip()]
    return bool(flags) and all(flag in ("v", "c", "d") for flag in flags)


def figure_pattern() -> re.Pattern:
    """The regex of a figure as plans write it: qualifier, number or range, unit, trailing qualifier."""
    return _vocabulary()[0]


def extract(text: str, table: dict | None = None, heading: str = "", default_year: int | None = None) -> list[Fact]:
    """Every figure in ``text`` (or in a table row) with the indicator it is bound to."""
    if table:
        return _row_facts(table, heading, default_year)
    figure, stop, stop_after = _vocabulary()
    facts: list[Fact] = []
    folded = fold(text)
    for piece_match in PIECE_RE.finditer(folded):
        piece = piece_match.group(0)
        offset = piece_match.start()
        years = YEAR_RE.findall(folded[:offset + len(piece)])
        year = int(years[-1]) if years else default_year
        found = [m for m in figure.finditer(piece) if not _is_year(piece, m)]
        previous_end = 0
        for i, m in enumerate(found):
            before = _clean(piece[previous_end:m.start()], stop)
            described = piece[previous_end:m.start()].lstrip().startswith("的")  # "50亿元以上的医药企业15家"
            if i and (len(before) <= 2 or described):  # "超100亿企业达6家": the earlier figure defines the indicator
                before = _clean(piece[:m.start()], stop)
            nxt = found[i + 1].start() if i + 1 < len(found) else len(piece)
            after = _clean(piece[m.end():nxt], stop_after)
            # "…细胞与基因治疗等70万平方米标准厂房": a list closed by 等 scopes the noun after the figure;
            # so does a verb ("试点建设1-2家智慧医院" counts 智慧医院)
            named_before = len(re.findall(r"[\u4e00-\u9fffA-Za-z]", before)) >= 2 and not (
                after and (before.endswith("等") or _verb_end().search(before)
                           or _verbs_only(before)))
            indicator = before if named_before else after or before
            if not indicator:
                continue
            qualifier = (m.group("before") or "").strip() + (m.group("after") or "")
            granted = _granted().search(piece[previous_end:m.start()])
            qualifier = qualifier or (granted.group(1) if granted else "")  # "最高给予500万元": 最高
            value = m.group("low") + (f"—{m.group('high')}" if m.group("high") else "")
            facts.append(Fact(indicator=indicator[-INDICATOR_MAX:], qualifier=qualifier, value=value,
                              low=float(m.group("low")), high=float(m.group("high") or m.group("low")),
                              unit=m.group("unit"), year=year,
                              text=text[offset: offset + len(piece)].strip()))
            previous_end = m.end()
    return facts


def _is_year(piece: str, m: re.Match) -> bool:
    """Not a quantity: a year (2023个 would be odd) or an ordinal (第8项)."""
    ordinal = m.start() > 0 and piece[m.start() - 1] == "第" and not m.group("before")
    return ordinal or looks_like_year(m.group("low"), m.group("unit"), m.group("before") or "")


def looks_like_year(value: str, unit: str, qualifier: str = "") -> bool:
    """A year-shaped number that is no amount: 2025 with a measure word may be a year (2025届),
    2000 with 亿/万/元/%/an area never is ("营收2000亿")."""
    return bool(re.fullmatch(r"(19|20)\d{2}", value)) and not qualifier and not re.match(r"[万亿元%亩平]", unit)


def _clean(span: str, stop: re.Pattern) -> str:
    """An indicator candidate without scope phrases, leading verbs, quotes and particles."""
    span = re.sub(r"[“”\"'‘’《》()（）]", "", span).strip()
    for _ in range(3):
        m = stop.match(span)
        if not m or not m.group(0):
            break
        span = span[m.end():].strip()
    qualifiers = _alternation(_lexicon()["qualifiers"])
    # "产业规模力争(突破800亿元)", "单个项目最高给予(500万元)": the qualifier and the verb that grants
    span = re.sub(rf"(?:(?:{qualifiers}|要|将|{GRANT_VERBS})\s*)+$", "", span).strip()
    return re.sub(r"^(的|为|是|和|及|与)|(的|为|是|达|到|共|约|有)$", "", span).strip()


def _row_facts(table: dict, heading: str, default_year: int | None) -> list[Fact]:
    """A table row: indicator from its label, one value per target column (2025年, 2027年,
    目标), unit from 单位 or from the label's bracket ("产业规模（亿元）")."""
    cells = dict(zip(table.get("columns", []), table.get("cells", [])))
    label = re.sub(r"[“”\"]", "", heading).strip()
    bracket = re.search(r"[(（]([^()（）]{1,6})[)）]\s*$", label)
    unit = next((v for c, v in cells.items() if "单位" in fold(c) and "责任" not in fold(c)), "") or (
        bracket.group(1) if bracket else "")
    indicator = label[: bracket.start()].strip() if bracket else label
    facts = []
    for column, raw in cells.items():
        if not (ROW_VALUE_COLUMNS.search(fold(column)) and not BASELINE_COLUMNS.search(fold(column))
                and re.fullmatch(r"[\d.]+(?:[-—–][\d.]+)?", fold(raw or ""))):
            continue
        raw = fold(raw)
        low, _, high = re.sub(r"[-—–]", "—", raw).partition("—")
        years = YEAR_RE.findall(fold(column)) or YEAR_RE.findall(fold(table.get("caption", "")))
        facts.append(Fact(indicator=indicator, qualifier="", value=raw, low=float(low), high=float(high or low),
                          unit=unit, year=int(years[-1]) if years else default_year,
                          text=f"{indicator}（单位：{unit}）{column}：{raw}" if unit else f"{indicator} {column}：{raw}"))
    return facts
