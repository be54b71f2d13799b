"""Where a plan starts and ends, and what it says about itself.

A Chinese government plan, however it was collected, has the same shape: an optional official
header (文号, the 关于印发…的通知 title, the addressee line, the notice, issuer and date), the
plan's own title, a preamble, numbered sections, and an optional footer (抄送…, …印发). Text
before the header (a news site's preface) and after the footer is wrapper, not document.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re

from .text import DATE_RE, fold, parse_date
from .types import Repeal

GENRE_RE = re.compile(r"计划|方案|规划|意见|措施|办法|纲要|细则|决定|政策|通知")
PERIOD_RE = re.compile(r"[(（]\s*(\d{4})\s*[-—–－~～至]\s*(\d{4})\s*年?\s*[)）]")
DOC_NUMBER_RE = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[【(（]\s*\d{4}\s*[〕\]】)）]\s*\d{1,4}\s*号")
FIRST_SECTION_RE = re.compile(r"^(第[一二三四五六七八九十]+[章部分]|[一二三四五六七八九十]+[、.．])")
ADDRESSEE_RE = re.compile(r"^各.{2,80}[:：]$")
NOTICE_TITLE_RE = re.compile(r"关于|印发.*通知")
FOOTER_RE = re.compile(r"^(抄送|抄报|主送)[:：]|印发\s*$")
ISSUER_RE = re.compile(r"(人民政府|办公厅|办公室|委员会|管委会|[局委厅部])$")
REGION_RE = re.compile(r"([\u4e00-\u9fff]{2,8}?(?:区|县|新区|开发区))(?:人民政府|政府|办公室|$)")
CITY_RE = re.compile(r"^([\u4e00-\u9fff]{2,4}?[市省])")
VALID_UNTIL_RE = re.compile(r"有效期至\s*(" + DATE_RE.pattern + ")")
VALID_YEARS_RE = re.compile(r"有效期\s*(\d{1,2}|[一二三四五六七八九十])\s*年")
EFFECTIVE_RE = re.compile(r"自\s*(" + DATE_RE.pattern + r")\s*起(施行|实施|执行)")
FROM_ISSUE_RE = re.compile(r"自(印发|发布)之日起(施行|实施|执行)")
REPEAL_RE = re.compile(r"([^。]*?)(同时)?(予以)?废止")
QUOTED_TITLE_RE = re.compile(r"《([^》]{4,80})》")
# The notice sentence of a plan ("经市政府同意，现将《…》印发给你们，请…。"), wherever it stands.
ISSUE_SENTENCE_RE = re.compile(r"(?:现将|现印发|印发)《([^》]{4,80})》(?:印发给你们|给你们)?[^。]{0,60}。")
NOTICE_END_RE = re.compile(r"印发给你们[^。]{0,60}。")
# A government gateway page prints its header as labelled fields: 标题：…, 发文字号：…, 成文日期：…
FIELD_RE = re.compile(r"^\s*(标\s*题|文件名称|名\s*称|发文字号|文\s*号|成文日期|发文日期|印发日期|发布日期|"
                      r"发文机关|发布机构|发文单位|索\s*引\s*号|主题分类|公文种类)\s*[:：]\s*(.*)$")
ISO_DATE_RE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")


@dataclasses.dataclass
class Layout:
    """Paragraph indices of a plan's parts: the official header is [header_start, title_start)."""

    header_start: int
    title_start: int
    title_end: int            # first paragraph after the title
    body_end: int             # first footer paragraph (or len)


def find_layout(paras: list[str]) -> Layout:
    """Locate header, title, body and footer in the clean paragraphs."""
    folded = [fold(p) for p in paras]
    first_section = next((i for i, p in enumerate(folded) if FIRST_SECTION_RE.match(p)), len(paras))
    title_start, title_end = _title_block(folded, first_section)
    if title_start == title_end:  # no printed title: the body starts after the notice sentence
        notice = next((i for i in range(first_section) if ISSUE_SENTENCE_RE.search(folded[i])), None)
        if notice is not None:
            title_start = title_end = notice + 1
    header_start = next((i for i in range(title_start) if _is_header_line(folded[i])
                         or ISSUE_SENTENCE_RE.search(folded[i]) and title_start == title_end), title_start)
    while header_start > 0 and _is_title_line(folded[header_start - 1]) \
            and ISSUER_RE.search(folded[header_start - 1]):  # the issuer line above 关于印发…
        header_start -= 1
    body_end = next((i for i in range(title_end, len(paras)) if FOOTER_RE.search(folded[i])), len(paras))
    return Layout(header_start, title_start, title_end, body_end)


def _title_block(folded: list[str], first_section: int) -> tuple[int, int]:
    """The last run of title-like lines before the first section, as [start, end)."""
    best = None
    i = 0
    while i < first_section:
        if not _is_title_line(folded[i]):
            i += 1
            continue
        j = i
        while j < first_section and _is_title_line(folded[j]):
            j += 1
        if GENRE_RE.search("".join(folded[i:j])) and "《" not in "".join(folded[i:j]):
            best = (i, j)
        i = j
    if best is None:  # no printed title: the document starts with its first section
        return (0, 0) if first_section == len(folded) else (first_section, first_section)
    return best


def _is_title_line(line: str) -> bool:
    if len(line) > 60 or re.search(r"[，。：；:;,!！?？]", line) or _is_date_line(line):
        return False
    if re.fullmatch(r"[(（].*[)）]", line):  # （此件公开发布） is a note; （2026—2028年） is a title part
        return bool(PERIOD_RE.fullmatch(line))
    return not DOC_NUMBER_RE.fullmatch(line)


def _is_header_line(line: str) -> bool:
    return bool(DOC_NUMBER_RE.fullmatch(line) or ADDRESSEE_RE.match(line) or FIELD_RE.match(line)
                or (NOTICE_TITLE_RE.search(line) and _is_title_line(line.replace("《", "").replace("》", ""))))


def _is_date_line(line: str) -> bool:
    return bool(DATE_RE.fullmatch(line.strip()))


@dataclasses.dataclass
class Metadata:
    """What a single source says about its plan; merged across duplicate sources later."""

    title: str
    issuer: str | None = None
    number: str | None = None
    issue_date: dt.date | None = None
    period_start: int | None = None
    period_end: int | None = None
    level: str | None = None
    region: str | None = None
    effective_from: dt.date | None = None
    valid_until: dt.date | None = None
    repeals: list[Repeal] = dataclasses.field(default_factory=list)


def split_notice(paras: list[str]) -> list[str]:
    """Paragraphs with the notice sentence cut from the text run into it ("…印发给你们，请认真贯彻
    落实。医药健康产业是…"): a reprint that lost its line breaks still has a notice and a body."""
    for i, para in enumerate(paras):
        if FIRST_SECTION_RE.match(fold(para)):
            break
        if (m := NOTICE_END_RE.search(fold(para))) and ISSUE_SENTENCE_RE.search(fold(para)) \
                and para[m.end():].strip():
            return [*paras[:i], para[: m.end()], para[m.end():].strip(), *paras[i + 1:]]
    return paras


def extract_metadata(paras: list[str], layout: Layout) -> Metadata:
    """Title, 文号, issuer, dates, period, region, validity and repeals of one source."""
    folded = [fold(p) for p in paras]  # matching runs on folded text, values keep their script
    header = paras[layout.header_start: layout.title_start]
    fields = _fields(header)
    title = "".join(paras[layout.title_start: layout.title_end]) or fields.get("title") or _quoted_title(header)
    meta = Metadata(title=title)
    number = next((m.group(0) for p in header if (m := DOC_NUMBER_RE.fullmatch(fold(p)))), None) \
        or fields.get("number")
    meta.number = re.sub(r"\s+", "", number) if number else None
    meta.issuer, meta.issue_date = _issuer_and_date(folded, layout)
    meta.issuer = meta.issuer or fields.get("issuer")
    meta.issue_date = meta.issue_date or fields.get("date")
    if (period := PERIOD_RE.search(fold(title))):
        meta.period_start, meta.period_end = int(period.group(1)), int(period.group(2))
    meta.level, meta.region = _region(meta.issuer, fold(title))
    _validity(meta, "\n".join(folded[layout.title_end: layout.body_end]))
    meta.repeals = _repeals("\n".join(paras[layout.title_end: layout.body_end]))
    return meta


def _quoted_title(header: list[str]) -> str:
    """The plan named in the notice sentence, else the first 《…》 of the header."""
    text = "".join(header)
    m = ISSUE_SENTENCE_RE.search(fold(text)) or QUOTED_TITLE_RE.search(text)
    return text[m.start(1): m.end(1)] if m else ""


def _fields(header: list[str]) -> dict:
    """The labelled fields of a gateway page's header: title, number, date (成文 before 发布), issuer."""
    found: dict = {}
    for para in header:
        m = FIELD_RE.match(fold(para))
        if not m:
            continue
        label, value = re.sub(r"\s+", "", m.group(1)), para[m.start(2):].strip()
        if label in ("标题", "文件名称", "名称"):
            found.setdefault("title", value)
        elif label in ("发文字号", "文号") and (number := DOC_NUMBER_RE.search(fold(value))):
            found.setdefault("number", number.group(0))
        elif label in ("发文机关", "发布机构", "发文单位") and value:
            found.setdefault("issuer", fold(value))
        elif label.endswith("日期") and (day := parse_date(value) or _iso_date(value)):
            found.setdefault("published" if label == "发布日期" else "date", day)
    if "date" not in found and "published" in found:  # signed on the day it was published
        found["date"] = found["published"]
    return found


def _iso_date(text: str) -> dt.date | None:
    m = ISO_DATE_RE.search(text)
    try:
        return dt.date(*map(int, m.groups())) if m else None
    except ValueError:
        return None


def _issuer_and_date(folded: list[str], layout: Layout) -> tuple[str | None, dt.date | None]:
    """The signature: a short issuer line followed by the date line (notice or footer)."""
    zones = [range(layout.header_start, layout.title_start), range(layout.body_end, len(folded))]
    for zone in zones:
        for i in zone:
            line = folded[i]
            if _is_date_line(line) and i > 0 and ISSUER_RE.search(folded[i - 1]) and len(folded[i - 1]) <= 30:
                return folded[i - 1], parse_date(line)
            if (m := re.fullmatch(r"(\S{2,30}?)\s*(" + DATE_RE.pattern + r")\s*印发", line)):
                return m.group(1), parse_date(m.group(2))
    header = "".join(folded[layout.header_start: layout.title_start])
    issuer = re.match(r"(\S{2,30}?)关于", header)
    return (issuer.group(1) if issuer else None), None


def _region(issuer: str | None, title: str) -> tuple[str | None, str | None]:
    """District plans name their district in the issuer or title; city plans their city."""
    for text in (issuer or "", title):
        if (m := REGION_RE.search(text)) and not text.startswith(m.group(1) + "人民政府办公厅关于"):
            region = re.sub(r"^[\u4e00-\u9fff]{2,4}?市", "", m.group(1))
            return "district", region
    for text in (issuer or "", title):
        if (m := CITY_RE.match(text)):
            return "city", m.group(1)
    return None, None


def _validity(meta: Metadata, body: str) -> None:
    if (m := EFFECTIVE_RE.search(body)):
        meta.effective_from = parse_date(m.group(1))
    elif FROM_ISSUE_RE.search(body):
        meta.effective_from = meta.issue_date
    if (m := VALID_UNTIL_RE.search(body)):
        meta.valid_until = parse_date(m.group(1))
    elif (m := VALID_YEARS_RE.search(body)) and (start := meta.effective_from or meta.issue_date):
        from .text import cn_int
        end = start.replace(year=start.year + cn_int(m.group(1)))
        meta.valid_until = end - dt.timedelta(days=1)


def _repeals(body: str) -> list[Repeal]:
    """Documents the plan repeals: 《title》 and/or 文号 in the sentence that says 废止."""
    repeals = []
    for sentence in re.split(r"(?<=[。；;])", body):
        if "废止" not in fold(sentence):
            continue
        titles = QUOTED_TITLE_RE.findall(sentence)
        numbers = [re.sub(r"\s+", "", m.group(0)) for m in DOC_NUMBER_RE.finditer(sentence)]
        for k in range(max(len(titles), len(numbers))):
            repeals.append(Repeal(title=titles[k] if k < len(titles) else None,
                                  number=numbers[k] if k < len(numbers) else None))
    return repeals
