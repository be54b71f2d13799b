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
# a figure, then 的 and a short noun phrase before the next figure: what the next one counts
CONDITION_RE = re.compile(r"\s*(?:以上|以下|以内)?\s*的[\u4e00-\u9fffA-Za-z“”]{1,16}(?:达到?|超过?|不少于|约)?\s*")
SCOPED_MAX = 48     # an indicator with the condition its sentence opens with ("对…的，") may run longer
SEGMENT_RE = re.compile(r"[^；;。\n]+")
# "对X的，…", "新获评X的，…": the condition a sentence of measures opens with scopes every figure after it
SCOPE_RE = re.compile(r"^\s*(?:[(（]?[\d一二三四五六七八九十]+[)）.、．]\s*)?(?:对(?:于)?(?P<scope>[^，,；;。]{2,40}?)的?"
                      r"|(?P<condition>(?:[^，,；;。\d]|\d[A-Za-z]){2,40}?)的)[，,]")  # a condition with no figure of its own
RESPECTIVELY = "分别"
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


def _leading_qualifiers() -> str:
    """The qualifiers written before a figure (超, 不少于, …) as one alternation."""
    return _alternation(q for q in _lexicon()["qualifiers"] if q not in TRAILING_QUALIFIERS)


@functools.lru_cache(maxsize=1)
def _vocabulary() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(figure, stop before a figure, stop after it) patterns from the lexicon."""
    lexicon = _lexicon()
    units = unit_alternation()
    before = _leading_qualifiers()
    after = _alternation(TRAILING_QUALIFIERS)
    figure = re.compile(rf"(?P<before>(?:{before})\s*)?(?P<low>\d+(?:\.\d+)?)(?:\s*[-—–~～至到]\s*(?P<high>\d+(?:\.\d+)?))?"
                        rf"\s*(?P<unit>{units})(?P<after>{after})?")
    stop_after = re.compile("|".join(f"(?:{p})" for p in lexicon["figure_stop"]))
    stop_before = re.compile("|".join(f"(?:{p})" for p in [*lexicon["figure_stop"], *lexicon["figure_lead_verbs"]]))
    return figure, stop_before, stop_after


@functools.lru_cache(maxsize=1)
def _granted() -> re.Pattern:
    """A bound before the verb that grants the amount: "单个项目最高给予" → 最高."""
    return re.compile(rf"({_leading_qualifiers()})\s*(?:{GRANT_VERBS})\s*$")


@functools.lru_cache(maxsize=1)
def _cell_value() -> re.Pattern:
    """A table cell that states a value: a number or range, with a bound before or after it (800以上)."""
    return re.compile(rf"(?P<before>{_leading_qualifiers()})?\s*(?P<value>[\d.]+(?:[-—–][\d.]+)?)\s*"
                      rf"(?P<after>{_alternation(TRAILING_QUALIFIERS)})?")


@functools.lru_cache(maxsize=1)
def _verb_end() -> re.Pattern:
    return re.compile(rf"(?:{_alternation(_lexicon()['figure_verbs'])})$")


@functools.lru_cache(maxsize=1)
def _measure_end() -> re.Pattern:
    return re.compile(rf"(?:{_alternation(_lexicon()['measure_nouns'])})$")


@functools.lru_cache(maxsize=4096)
def _verbs_only(span: str) -> bool:
    """A span of verbs and conjunctions only ("引进和承接"), by their part of speech: a figure
    after verbs counts the noun after it, whatever the verbs."""
    flags = [w.flag for w in posseg().lcut(span) if w.word.strip()]
    return bool(flags) and all(flag in ("v", "c", "d") for flag in flags)


def posseg():
    """jieba's part-of-speech tagger, its tables read from the start-up cache (ingest and the
    engine share it)."""
    from .libcache import posseg_module

    return posseg_module()


def figure_pattern() -> re.Pattern:
    """The regex of a figure as plans write it: qualifier, number or range, unit, trailing qualifier."""
    return _vocabulary()[0]


def extract(text: str, table: dict | None = None, heading: str = "", default_year: int | None = None) -> list[Fact]:
    """Every figure in ``text`` (or in a table row) with the indicator it is bound to."""
    if table:
        return _row_facts(table, heading, default_year)
    figure, stop, stop_after = _vocabulary()
    folded = fold(text)
    facts, paired = _distributed(text, folded, default_year)
    scopes = [(m.start(), m.end(), scope.group("scope") or scope.group("condition"), m.start() + scope.end())
              for m in SEGMENT_RE.finditer(folded) if (scope := SCOPE_RE.match(m.group(0)))]
    for piece_match in PIECE_RE.finditer(folded):
        piece = piece_match.group(0)
        offset = piece_match.start()
        scope = next((words for start, end, words, after in scopes if after <= offset < end), "")
        years = YEAR_RE.findall(folded[:offset + len(piece)])
        year = int(years[-1]) if years else default_year
        found = [m for m in figure.finditer(piece) if not _is_year(piece, m)]
        previous_end = 0
        for i, m in enumerate(found):
            if offset + m.start() in paired:
                previous_end = m.end()
                continue
            before = _clean(piece[previous_end:m.start()], stop)
            described = piece[previous_end:m.start()].lstrip().startswith("的")  # "50亿元以上的医药企业15家"
            joined = re.search(r"[和及与并]\s*$", piece[previous_end:m.start()])  # "20个病房及5-10家基地"
            if i and (len(before) <= 2 or described) and not joined:  # "超100亿企业达6家": the earlier figure defines the indicator
                before = _clean(piece[:m.start()], stop)
            nxt = found[i + 1].start() if i + 1 < len(found) else len(piece)
            if nxt < len(piece) and CONDITION_RE.fullmatch(piece[m.end():nxt]):
                previous_end = m.end()  # "营业收入超10亿元的文旅企业5家": a condition of what 5家 counts
                continue
            after = _clean(piece[m.end():nxt], stop_after)
            # "…细胞与基因治疗等70万平方米标准厂房": a list closed by 等 scopes the noun after the figure;
            # so does a verb ("试点建设1-2家智慧医院" counts 智慧医院)
            named_before = len(re.findall(r"[\u4e00-\u9fffA-Za-z]", before)) >= 2 and not (
                after and (joined or before.endswith("等") or _verb_end().search(before)
                           or _verbs_only(before)))
            indicator = before if named_before else after or before
            owner = _measured_owner(piece[m.end():nxt], before, stop_after)
            indicator = owner or indicator  # "总规模50亿元的母基金": the fund's 总规模
            if not indicator:
                continue
            qualifier = (m.group("before") or "").strip() + (m.group("after") or "")
            granted = _granted().search(piece[previous_end:m.start()])
            qualifier = qualifier or (granted.group(1) if granted else "")  # "最高给予500万元": 最高
            scoped = _clean(scope, stop) + indicator if scope and scope not in indicator else ""
            facts.append(_fact(m, scoped[-SCOPED_MAX:] or indicator[-INDICATOR_MAX:], qualifier, year,
                               text[offset: offset + len(piece)].strip()))
            previous_end = m.end()
    return facts


def _fact(m: re.Match, indicator: str, qualifier: str, year: int | None, text: str) -> Fact:
    """The fact a figure match states, bound to ``indicator``."""
    value = m.group("low") + (f"—{m.group('high')}" if m.group("high") else "")
    return Fact(indicator=indicator, qualifier=qualifier, value=value, low=float(m.group("low")),
                high=float(m.group("high") or m.group("low")), unit=m.group("unit"), year=year, text=text)


def _distributed(text: str, folded: str, default_year: int | None) -> tuple[list[Fact], set[int]]:
    """"对A、B、C的企业，分别给予最高100万元、50万元、30万元奖励": each figure bound to its own
    item of the list before 分别 (A's 100万元), with the words the items share; a tier list works
    alike ("营业收入首次超过1亿元、5亿元…的企业，分别给予50万元、100万元…"). Also the folded
    positions of the figures so bound, which the piece-by-piece reading then leaves alone."""
    figure, stop, _ = _vocabulary()
    facts, paired = [], set()
    for segment in SEGMENT_RE.finditer(folded):
        sentence = segment.group(0)
        at = sentence.find(RESPECTIVELY)
        if at < 0:
            continue
        figures, cursor = [], at + len(RESPECTIVELY)
        for m in figure.finditer(sentence, cursor):
            gap = sentence[cursor:m.start()]
            if figures and not re.fullmatch(r"\s*[、和及与]\s*", gap) or not figures and len(gap) > 10:
                break
            figures.append(m)
            cursor = m.end()
        listed = re.split(r"[，,：:]", sentence[:at].rstrip("，, "))[-1]
        items = _list_items(listed)
        if len(figures) < 2 or len(items) != len(figures):
            continue
        grant = sentence[at + len(RESPECTIVELY):figures[0].start()]
        noun = re.sub(rf"^(?:{GRANT_VERBS})", "", grant).strip()
        after = re.split(r"[，,、]", sentence[figures[-1].end():])[0].strip()
        qualifier = (figures[0].group("before") or "").strip()  # "分别给予最高100万元、50万元": 最高 of each
        start = segment.start() + sentence[:at].rfind(listed)
        paired.update(start + m.start() for m in figure.finditer(listed))  # the tiers are conditions, not facts
        year = (YEAR_RE.findall(folded[:segment.end()]) or [default_year])[-1]
        for (lead, item, tail), m in zip(items, figures):
            words = _clean(re.sub(r"^对(?:于)?", "", lead) + item + tail, stop).rstrip("的") + (noun or after)
            facts.append(_fact(m, words[-SCOPED_MAX:], qualifier, int(year) if year else None,
                               text[segment.start():segment.end()].strip()))
            paired.add(segment.start() + m.start())
    return facts, paired


def _list_items(span: str) -> list[tuple[str, str, str]]:
    """(lead, item, tail) per item of the 、-list in ``span``: "对主导制定国际标准、国家标准、行业标准的
    企业" → ("对主导制定", "国际标准", "的企业"), ("对主导制定", "国家标准", "的企业"), …. The inner
    items fix the items' length; with two items, the lead is the words before the first noun
    and the second item ends where it ends like the first."""
    chunks = span.split("、") if "、" in span else re.split(r"[和与及]", span)
    if len(chunks) < 2 or any(not c.strip() for c in chunks):
        return []
    first, last = chunks[0], chunks[-1]
    figure = _vocabulary()[0]
    if len(chunks) > 2 and all(figure.fullmatch(c) for c in chunks[1:-1]):  # tiers: "超过1亿元、5亿元、10亿元的"
        opening = [m for m in figure.finditer(first) if m.end() == len(first)]
        closing = figure.match(last)
        if not opening or not closing:
            return []
        lead, tail = first[:opening[-1].start("low")], last[closing.end():]
        items = [first[opening[-1].start("low"):], *chunks[1:-1], closing.group(0)]
    elif len(chunks) > 2:
        size = len(chunks[1])
        if len(first) <= size or len(last) < size:
            return []
        lead, tail = first[:-size], last[size:]
        items = [first[-size:], *chunks[1:-1], last[:size]]
    else:
        lead = _leading_verbs(first)
        head = first[len(lead):]
        end = max(range(1, len(last) + 1), key=lambda j: (_common_suffix(head, last[:j]), -j))
        if not _common_suffix(head, last[:end]):
            end = len(last)
        items, tail = [head, last[:end]], last[end:]
    return [(lead, item, tail) for item in items]


def _leading_verbs(text: str) -> str:
    """The preposition and verbs a list's first chunk opens with ("对新获评" of 对新获评国家级…)."""
    lead = ""
    for word in posseg().lcut(text):
        if word.flag[0] not in "pvdac" or len(text) - len(lead) - len(word.word) < 2:
            break
        lead += word.word
    return lead


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _measured_owner(rest: str, before: str, stop: re.Pattern) -> str:
    """"设立总规模50亿元的机器人产业专项母基金" → 机器人产业专项母基金总规模: a measure named before
    the figure (规模, 面积: lexicon measure_nouns) and a noun described after it with 的 say whose
    measure the figure is; "" otherwise."""
    measure = _measure_end().search(before)
    described = re.match(r"\s*(?:以上|以下|左右)?\s*的(.+)", rest)
    owner = _clean(described.group(1), stop) if measure and described else ""
    return f"{owner}{measure.group(0)}"[-SCOPED_MAX:] if len(owner) >= 2 else ""


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
    return re.sub(r"^(的|为|是|和|及|与)|(的|为|是|达|到|共|约|有|和|及|与|并)$", "", span).strip()


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
        cell = _cell_value().fullmatch(fold(raw or "").strip())  # "800以上", "≥5": a bound in the cell
        if not (ROW_VALUE_COLUMNS.search(fold(column)) and not BASELINE_COLUMNS.search(fold(column)) and cell):
            continue
        raw = fold(raw).strip()
        low, _, high = re.sub(r"[-—–]", "—", cell.group("value")).partition("—")
        years = YEAR_RE.findall(fold(column)) or YEAR_RE.findall(fold(table.get("caption", "")))
        facts.append(Fact(indicator=indicator, qualifier=(cell.group("before") or "") + (cell.group("after") or ""),
                          value=cell.group("value"), low=float(low), high=float(high or low),
                          unit=unit, year=int(years[-1]) if years else default_year,
                          text=f"{indicator}（单位：{unit}）{column}：{raw}" if unit else f"{indicator} {column}：{raw}"))
    return facts
