"""Raw text to clean paragraphs: one paragraph a line, debris out, hard wraps rejoined.

What is removed: page numbers, download-site truncation notices, bare URLs, site navigation
(breadcrumbs, 来源/时间/热度 lines), reprint and copyright footers, stray ASCII words. What is
rebuilt: paragraphs that a PDF extraction hard-wrapped at the line width, and tables whose
cells were flattened one per line (they become one line per row, cells joined by tabs).
The characters themselves are kept; only the spaces PDF extraction puts between CJK text and
digits are removed.
"""
from __future__ import annotations

import dataclasses
import re
import statistics

from .text import CJK, CJK_PUNCT, fold, width

TRUNCATION_RE = re.compile(r"预览已结束|完整报告|剩余\d*.{0,4}未读|阅读全文|展开全文|下载全文|"
                           r"点击查看(全文|更多)|扫码(阅读|查看)|二维码如下")
DEBRIS_RES = [
    re.compile(r"^(https?://|www\.)\S+$"),                                   # bare URL
    re.compile(r"^[-—–－\s]*(第\s*)?\d{1,4}\s*(页)?([/／共]\s*\d+\s*页?)?[-—–－\s]*$"),  # page no.
    re.compile(r"^[A-Za-z][A-Za-z .]{0,19}$"),                              # stray word: Baidu, map
    re.compile(r"^(来源|作者|时间|发布时间|热度|编辑|责任编辑|浏览次数|阅读量|字号)\s*[:：]"),
    re.compile(r"^[^，。；,\s]{1,12}((\s+>\s+|\s*[›»]\s*)[^，。；,\s]{1,12})+$"),  # breadcrumb
    re.compile(r"本文来源于|转载|版权所有|原创文章|免责声明|分享到|扫一扫|打印本页|关闭窗口|"
               r"返回顶部|上一篇|下一篇|相关阅读|相关新闻|ICP备"),
]
WRAP_MIN_LINES = 10     # hard-wrapped lines a PDF extraction shows at least
WRAP_SHARE = 0.3        # … and the share of all text lines they make up (tables and headings are short)
OPEN_END_SHARE = 0.6    # most wrapped lines stop in mid-sentence
RUNNING_HEAD_MAX = 30   # characters of a running header or footer
BROKEN_MIN = 20         # characters of running text whose line may stop in mid-sentence
UNCLOSED_MAX = 2000     # a paragraph this long with a stray bracket is not waiting for its close
CELL_MAX = 40           # characters of a table cell flattened to its own line
DEBRIS_MAX_CHARS = 80
PAGE_BREAK = "\f"      # the line loaders put between the pages of a PDF
EDGE_LINES = 2          # lines at the top and bottom of a page that may be a running head
EDGE_HEAD_MAX = 40      # characters of a running header (an issuer's name, a plan's short title)
# A page number as a PDF prints it, decorated ("— 5 —", "-5-", "第5页"): unlike a bare number,
# never a table cell.
PAGE_MARK = r"(?:[-—–－]+\s*\d{1,4}\s*[-—–－]+|第\s*\d{1,4}\s*页(?:\s*[/／共]\s*\d+\s*页?)?)"
PAGE_MARK_RE = re.compile(rf"^{PAGE_MARK}$")  # a real paragraph that mentions 转载 is longer than any footer line
# "苏州市人民政府规范性文件　　— 5 —" (or the mark first): a running head printed on the page number's line
HEAD_BESIDE_MARK_RE = re.compile(rf"^(?:(?P<head>\S.{{1,{RUNNING_HEAD_MAX}}}?)[\s\u3000]{{2,}}{PAGE_MARK}|"
                                 rf"{PAGE_MARK}[\s\u3000]{{2,}}(?P<tail>\S.{{1,{RUNNING_HEAD_MAX}}}))$")
SECTION_START_RE = re.compile(r"^(第[一二三四五六七八九十]+[章节部分条]|[一二三四五六七八九十]+[、.．]|"
                              r"[(（][一二三四五六七八九十\d]+[)）]|\d{1,3}[.．、](?!\d)|——|[①-⑳]|表\s*\d*\s)")
RESPONSIBILITY_START_RE = re.compile(r"^[(（](责任|牵头|配合)(单位|部门)")
TERMINAL = "。！？；：!?;:"
SPACE_RE = re.compile(rf"(?<=[{CJK}{CJK_PUNCT}])[ \u00a0\u3000]+|[ \u00a0\u3000]+(?=[{CJK}{CJK_PUNCT}])")


@dataclasses.dataclass
class Cleaned:
    """Clean paragraphs plus what was removed on the way."""

    paragraphs: list[str]
    dropped: list[str]
    truncated: bool
    unwrapped: bool


def clean(raw: str) -> Cleaned:
    """Turn raw extracted text into clean paragraphs."""
    lines = _flatten_tables(raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    lines = _delimited_rows(lines)
    running = _running_heads(lines) | _page_edges(lines)
    dropped = sorted(running) + [line.strip() for line in lines if PAGE_MARK_RE.match(fold(line.strip()))]
    lines = _cell_lines(["" if line.strip() in running or PAGE_MARK_RE.match(fold(line.strip())) else line
                         for line in lines])
    kept, truncated = [], False
    for line in lines:
        stripped = line.strip(" \u3000\u00a0\ufeff") if "\t" in line else line.strip()
        if not stripped:
            kept.append("")
            continue
        if _is_debris(stripped):
            dropped.append(stripped)
            truncated = truncated or bool(TRUNCATION_RE.search(fold(stripped)))
            continue
        kept.append(stripped)
    unwrapped = _looks_hard_wrapped(kept)
    paragraphs = _unwrap(kept) if unwrapped else _rejoin_broken(kept)
    paragraphs = [piece for p in paragraphs for piece in split_inline(_tidy_spaces(p))]
    return Cleaned([p for p in paragraphs if p.strip()], dropped, truncated, unwrapped)


def _is_debris(line: str) -> bool:
    if "\t" in line:
        return False
    folded = fold(line)
    if TRUNCATION_RE.search(folded):
        return True
    return len(line) <= DEBRIS_MAX_CHARS and any(r.search(folded) for r in DEBRIS_RES)


def _flatten_tables(lines: list[str]) -> list[str]:
    """Rebuild rows from tables whose cells sit one per line ('\\tcell'), rows split by blanks."""
    def is_cell(line: str) -> bool:  # '\ta\tb' is a whole row already, not a flattened cell
        return line.startswith("\t") and "\t" not in line[1:]

    out, i = [], 0
    while i < len(lines):
        if not is_cell(lines[i]):
            out.append(lines[i])
            i += 1
            continue
        rows, row = [], []
        while i < len(lines) and (is_cell(lines[i]) or not lines[i].strip()):
            if is_cell(lines[i]):
                row.append(lines[i][1:].strip())
            elif row:
                rows.append(row)
                row = []
            if not lines[i].strip() and i + 1 < len(lines) and not lines[i + 1].strip():
                break  # two blank lines end the table
            i += 1
        if row:
            rows.append(row)
        out.extend("\t".join(re.sub(r"\s+", "", c) for c in r) + "\t" * (len(r) == 1) for r in rows)
    return out


CELL_BAR_RE = re.compile(r"\s*[|｜]\s*")
RULE_ROW_RE = re.compile(r"^[|｜]?\s*:?-{3,}:?\s*([|｜]\s*:?-{3,}:?\s*)*[|｜]?$")
TABLE_MIN_ROWS = 2


def _delimited_rows(lines: list[str]) -> list[str]:
    """Rows of a table drawn with bars ('a | b | c', markdown '|a|b|') as tab-separated rows,
    the form the structure parser reads; a markdown rule row is dropped. A run of at least
    ``TABLE_MIN_ROWS`` lines with the same number of cells counts, so a stray bar in prose does not."""
    def cells(line: str) -> list[str]:
        return CELL_BAR_RE.split(line.strip().strip("|｜").strip())

    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        if len(cells(line)) < 3 or "\t" in line:
            out.append(line)
            i += 1
            continue
        width, run = len(cells(line)), []
        while i < len(lines) and (len(cells(lines[i])) == width or RULE_ROW_RE.match(lines[i].strip())):
            if not RULE_ROW_RE.match(lines[i].strip()):
                run.append("\t".join(cells(lines[i])))
            i += 1
        out.extend(run if len(run) >= TABLE_MIN_ROWS else lines[i - len(run): i])
    return out


def _looks_hard_wrapped(lines: list[str]) -> bool:
    """A PDF extraction wraps many lines at one width, mostly in mid-sentence; born-digital
    text has no common line width, and its long lines end sentences."""
    text_lines = [line for line in lines if line and "\t" not in line]
    if len(text_lines) < 10:
        return False
    full = _full_width([width(line) for line in text_lines])
    near = [line for line in text_lines if full - 6 <= width(line) <= full + 2]
    open_ended = [line for line in near if fold(line.rstrip()[-1:]) not in TERMINAL]
    return full <= 120 and len(near) >= max(WRAP_MIN_LINES, WRAP_SHARE * len(text_lines)) \
        and len(open_ended) >= OPEN_END_SHARE * len(near)


def _running_heads(lines: list[str]) -> set[str]:
    """Running headers and footers of a PDF: a short line found beside a page number at least
    twice and at half its occurrences ("某区人民政府办公室文件" beside "— 5 —"), whatever its words."""
    page = PAGE_MARK_RE
    solid = [(i, line.strip()) for i, line in enumerate(lines) if line.strip()]
    counts: dict[str, int] = {}
    for _, line in solid:
        counts[line] = counts.get(line, 0) + 1
    beside_pages: dict[str, int] = {}
    for k, (_, line) in enumerate(solid):
        beside = [solid[j][1] for j in (k - 1, k + 1) if 0 <= j < len(solid)]
        if len(line) <= RUNNING_HEAD_MAX and not page.search(fold(line)) and any(page.search(fold(b)) for b in beside):
            beside_pages[line] = beside_pages.get(line, 0) + 1
    heads: dict[str, list[str]] = {}  # the running head and the page number on one line
    for _, line in solid:
        if (m := HEAD_BESIDE_MARK_RE.match(fold(line))) and not re.search(f"[{TERMINAL}]", m.group("head") or m.group("tail")):
            heads.setdefault((m.group("head") or m.group("tail")).strip(), []).append(line)
    return {line for line, n in beside_pages.items() if n >= max(2, counts[line] / 2)} | {
        line for found in heads.values() if len(found) >= 2 for line in found}


def _page_edges(lines: list[str]) -> set[str]:
    """Running headers and footers of a paginated text (pages separated by PAGE_BREAK lines, as
    ``loaders`` reads a PDF): a short line among the first or last EDGE_LINES lines of a page
    that recurs, digits aside ("第 3 页", "— 3 —", a dated header), on at least half the pages."""
    pages, page = [], []
    for line in lines:
        if line.strip(" \u3000") == PAGE_BREAK:
            pages.append(page)
            page = []
        elif line.strip():
            page.append(line.strip())
    pages.append(page)
    if len(pages) < 2:
        return set()
    seen: dict[str, set[int]] = {}
    lines_of: dict[str, set[str]] = {}
    for n, page in enumerate(pages):
        for line in {*page[:EDGE_LINES], *page[-EDGE_LINES:]}:
            if len(line) <= EDGE_HEAD_MAX and "\t" not in line:
                key = re.sub(r"\d+", "#", re.sub(r"\s+", "", fold(line)))
                seen.setdefault(key, set()).add(n)
                lines_of.setdefault(key, set()).add(line)
    return {line for key, found in seen.items() if len(found) >= max(2, len(pages) / 2)
            for line in lines_of[key]}


HEADER_CELL_RE = re.compile(r"序号|编号|指标|名称|项目|单位|目标|基数|现状|年|类型|类别|内容|备注|责任|牵头|数值|值$")


def _cell_lines(lines: list[str]) -> list[str]:
    """Rebuild a table a PDF extraction flattened to one cell per line, with no tab to mark
    the cells: after a caption (表1 …), the header is the run of header-like cells (序号,
    指标名称, 单位, 2026年目标, 责任单位…); the cells that follow are dealt out in rows of that
    width until a line too long to be a cell."""
    out, i = [], 0
    solid = lambda k: lines[k].strip()  # noqa: E731 - a local shorthand
    while i < len(lines):
        out.append(lines[i])
        if not re.match(r"^(附)?表\s*\d*\s*\S", fold(solid(i))) or "\t" in lines[i]:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not solid(j):
            j += 1
        header = []
        while j < len(lines) and solid(j) and len(solid(j)) <= CELL_MAX and HEADER_CELL_RE.search(fold(solid(j))):
            header.append(solid(j))
            j += 1
        cells = []
        while j < len(lines) and (not solid(j) or len(solid(j)) <= CELL_MAX and fold(solid(j))[-1:] not in TERMINAL):
            if solid(j):
                cells.append(solid(j))
            j += 1
        rows = len(cells) // len(header) if len(header) >= 2 else 0
        if rows < TABLE_MIN_ROWS:
            i += 1
            continue
        out.append("\t".join(header))
        out.extend("\t".join(cells[r * len(header):(r + 1) * len(header)]) for r in range(rows))
        out.extend(cells[rows * len(header):])
        i = j
    return out



def _full_width(widths: list[int]) -> int:
    """The width of a full line: the median of the longer half of the lines."""
    ordered = sorted(widths)
    return int(statistics.median(ordered[len(ordered) // 2:]))


def _unwrap(lines: list[str]) -> list[str]:
    """Rejoin hard-wrapped lines into paragraphs (blank lines carry no meaning here)."""
    lines = [line for line in lines if line]
    full = _full_width([width(line) for line in lines if "\t" not in line])
    paragraphs: list[str] = []
    previous = ""      # the last physical line
    first_line = True  # the previous line opened its paragraph, so it was indented
    for line in lines:
        if paragraphs and (_unclosed(paragraphs[-1]) and not SECTION_START_RE.match(fold(line))
                           or _continues(previous, line, first_line, full)):
            paragraphs[-1] += line
            first_line = False
        else:
            paragraphs.append(line)
            first_line = True
        previous = line
    return paragraphs


def _rejoin_broken(lines: list[str]) -> list[str]:
    """Paragraphs of born-digital text, with a stray line break inside a sentence mended
    ("…单个海外仓最高不" + "超过200万元；"): a line of running text (long, holding a comma)
    that stops in mid-sentence is continued by the next line unless that one starts a section,
    a responsibility note or a table row; across blank lines (a dropped page number) only after
    a comma, which never ends a paragraph."""
    paragraphs: list[str] = []
    blank = False
    for line in lines:
        if not line:
            blank = True
            continue
        if paragraphs and _broken_off(paragraphs[-1], blank) and not _starts_block(line):
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
        blank = False
    return paragraphs


def _broken_off(paragraph: str, blank: bool) -> bool:
    """Whether a paragraph of running text stops in mid-sentence (after a comma, before a blank)."""
    last = fold(paragraph.rstrip()[-1:])
    if "\t" in paragraph or "|" in paragraph or len(paragraph) < BROKEN_MIN or not re.search(r"[，、,]", paragraph):
        return False
    return last in "，、," if blank else bool(re.fullmatch(rf"[{CJK}，、,]", last))


def _starts_block(line: str) -> bool:
    """A line that opens something of its own: a section or item, a responsibility note, a table row."""
    folded = fold(line)
    return "\t" in line or "|" in line or bool(SECTION_START_RE.match(folded) or RESPONSIBILITY_START_RE.match(folded))


def _unclosed(paragraph: str) -> bool:
    """A bracket left open ("（责任单位：" at the margin): the paragraph cannot have ended."""
    if len(paragraph) >= UNCLOSED_MAX:  # checked first: folding a long paragraph on every line is quadratic
        return False
    folded = fold(paragraph)
    return folded.count("(") > folded.count(")")


def _continues(prev: str, line: str, prev_opened: bool, full: int) -> bool:
    """Whether ``line`` continues the paragraph whose last physical line is ``prev``."""
    if "\t" in line or "\t" in prev:
        return False
    folded = fold(line)
    if RESPONSIBILITY_START_RE.match(folded):
        return True
    if SECTION_START_RE.match(folded):
        return False
    # A wrapped line fills the width; a paragraph's first line is indented two characters.
    wrapped_at = full - (6 if prev_opened else 2)
    if prev.rstrip()[-1:] in TERMINAL or fold(prev.rstrip()[-1:]) in TERMINAL:
        # A sentence ended at the margin: the paragraph goes on only if the next line is full too.
        return width(line) >= full - 2 and width(prev) >= wrapped_at
    return _filled(prev) >= wrapped_at


def _filled(line: str) -> int:
    """How much of the line width a PDF line takes: its display width, with Latin letters
    counted double, because a proportional font sets them wider than half a CJK character
    ("CRO、CDMO" leaves a full line a few columns short)."""
    return width(line) + sum(c.isascii() and c.isalpha() for c in line)


def _tidy_spaces(text: str) -> str:
    """Drop the spaces PDF extraction leaves around CJK text ('2021 年 7 月' → '2021年7月')."""
    if "\t" in text:
        return "\t".join(_tidy_spaces(cell) for cell in text.split("\t"))
    return SPACE_RE.sub("", text).strip()


# A numbered heading or task inside a line: the marker, then the text it opens.
_INLINE_MARKER_RE = re.compile(r"(第[一二三四五六七八九十]+[章部分]|[一二三四五六七八九十]{1,3}、|[(（][一二三四五六七八九十]{1,3}[)）]|"
                               r"\d{1,2}[.．、](?!\d)|[(（]\d{1,2}[)）]|——)(?=[\u4e00-\u9fff“])")
# What may come right before such a marker for it to start a paragraph: a sentence end (and the
# quote or bracket closing it), the bracket closing a 责任单位 list, or a run of spaces (a reprint
# that kept its indents and lost its line breaks).
_BEFORE_MARKER_RES = [re.compile(r"[。；;！!？?][”’」』)）]?\s*$"), re.compile(r"(\s{2,}|\u3000)$"),
                      re.compile(r"[(（](责任|牵头|配合|实施)(单位|部门)[:：][^()（）]{1,200}[)）]\s*$")]
# A lead phrase right after a marker, with no punctuation, up to the first marker of a deeper
# level: "二、重点任务（一）提升原始创新策源能力1.强化…" holds three headings.
_HEADING_RUN_RE = re.compile(r"[\u4e00-\u9fff“”]{2,30}?(?=(?:[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.．](?!\d))"
                             r"[\u4e00-\u9fff])")
_MARKER_LEVELS = [("第", 0), ("一二三四五六七八九十", 1), ("(（", 2), ("0123456789", 3), ("——", 5)]
INLINE_MIN = 60         # characters of a paragraph worth looking into


def split_inline(paragraph: str) -> list[str]:
    """A paragraph split before the numbered headings and tasks it holds inside one physical line
    ("…。2.发展壮大新型创新力量。…", "二、重点任务（一）提升…"), so that they get the paths a copy
    with line breaks gives them. A marker splits only after a sentence end, a 责任单位 list, a run
    of spaces or the heading it belongs under: "1.5倍", "2.5亿元", dates and a "（一）" cited
    inside a sentence stay where they are."""
    if "\t" in paragraph or len(paragraph) < INLINE_MIN:
        return [paragraph]
    folded = fold(paragraph)
    cuts: set[int] = set()
    for m in _INLINE_MARKER_RE.finditer(folded):
        at = m.start()
        if at and any(r.search(folded, max(0, at - 260), at) for r in _BEFORE_MARKER_RES):
            cuts.add(at)
    for start in sorted({0, *cuts}):
        cuts |= _heading_cuts(folded, start)
    pieces, last = [], 0
    for at in sorted(c for c in cuts if 0 < c < len(paragraph)):
        pieces.append(paragraph[last:at])
        last = at
    pieces.append(paragraph[last:])
    return [p.strip(" \u3000") for p in pieces if p.strip(" \u3000")]


def _heading_cuts(folded: str, at: int) -> set[int]:
    """Where the headings that open at ``at`` end: each marker's lead phrase is followed by a
    marker of a deeper level."""
    cuts: set[int] = set()
    while (marker := _INLINE_MARKER_RE.match(folded, at)) and (run := _HEADING_RUN_RE.match(folded, marker.end())):
        child = _INLINE_MARKER_RE.match(folded, run.end())
        if child is None or _level(child.group(1)) <= _level(marker.group(1)):
            break
        at = run.end()
        cuts.add(at)
    return cuts


def _level(marker: str) -> int:
    """1 for 一、, 2 for （一）, 3 for 1., 4 for （1）: the depth a marker opens."""
    if marker[0] in "(（":
        return 4 if marker[1].isdigit() else 2
    return next(level for chars, level in _MARKER_LEVELS if marker[0] in chars)
