"""Clean paragraphs of one plan to citable records: clauses, bullets, table rows, preamble.

The hierarchy is the one Chinese plans print: 第一章 → 一、 → （一） → 1. → （1）/① → ——.
A record's path is the printed labels of its ancestors and itself, in canonical form
(full-width brackets, ASCII dot): 二、（三）8. Articles (第五条) are numbered through the
whole document, so their path starts at the article, and their items nest under them. Because the path carries the section labels,
plans that restart task numbers in each sub-section (district plans) and plans that number
continuously (city plans) both get unique paths with no special case.
"""
from __future__ import annotations

import dataclasses
import re

from .text import fold

MARKERS = [  # (level, pattern on folded text, canonical label from the number)
    (0, re.compile(r"^第([一二三四五六七八九十百]+)(章|部分)\s*"), "第{0}{1}"),
    (1, re.compile(r"^([一二三四五六七八九十百]+)[、.]\s*"), "{0}、"),
    (2, re.compile(r"^\(([一二三四五六七八九十]+)\)\s*"), "（{0}）"),
    (3, re.compile(r"^第([一二三四五六七八九十百]+)条\s*"), "第{0}条"),
    (3, re.compile(r"^(\d{1,3})[.、](?!\d)\s*"), "{0}."),
    (4, re.compile(r"^\((\d{1,3})\)\s*"), "（{0}）"),
    (4, re.compile(r"^([①-⑳])\s*"), "{0}"),
    (5, re.compile(r"^——\s*"), "——"),
]
ARTICLE_RE = re.compile(r"^第[一二三四五六七八九十百]+条$")
HEADING_MAX = 40
CAPTION_MAX = 60
# An annex starts on a line of its own: 附件, 附件2, 附件：<its title>.
ANNEX_RE = re.compile(r"^附件\s*(\d*)\s*(?:[:：]\s*(.{0,60}))?$")
# The last character of an agency's name names the kind of body.
BODY_SUFFIX = "局委办会厅部院室府中心组团署处所站队"
# Notes inside a 责任单位 list that are not agencies: "列第一位者为牵头单位", "下同".
UNIT_NOTE_RE = re.compile(r"第一位|为牵头|^(下同|同上)$")
RESP_LABEL_RE = re.compile(r"[(（]\s*(责任单位|牵头单位|责任部门|牵头部门|实施单位)\s*[:：]")
# "牵头单位：…；配合单位：…" on a line of its own, without brackets
RESP_LINE_RE = re.compile(r"(?:^|\n)\s*(责任单位|牵头单位|责任部门|牵头部门|实施单位)\s*[:：]")
ROW_LABEL_COLUMNS = re.compile(r"^(序号|编号|No\.?)$", re.I)
NAME_COLUMNS = re.compile(r"指标|项目|名称|内容")


@dataclasses.dataclass
class Node:
    """A parsed unit before it becomes a record. Paragraph indices are [start, end)."""

    kind: str
    path: str
    heading: str
    heading_path: list[str]
    start: int
    end: int
    has_body: bool = True
    table: dict | None = None
    text: str | None = None  # set when the record text is not the paragraphs as printed


def parse_structure(paras: list[str], title: tuple[int, int]) -> list[Node]:
    """Records of a plan whose title occupies paras[title[0]:title[1]]; before it is the notice."""
    nodes: list[Node] = []
    if title[0] > 0:
        nodes.append(Node("notice", "印发通知", "", [], 0, title[0]))
    stack: list[tuple[int, str, str]] = []  # (level, label, heading) of open sections
    current: Node | None = None
    i = title[1]
    while i < len(paras):
        if (annex := ANNEX_RE.match(fold(paras[i]).strip())):
            stack, current = [(0, f"附件{annex.group(1)}", annex.group(2) or "")], None
            i += 1
            continue
        if _is_table_start(paras, i):
            rows_end = _table_end(paras, i + 1)
            nodes.extend(_table_rows(paras, i, rows_end, stack))
            current, i = None, rows_end
            continue
        marker = _marker(fold(paras[i]))
        if marker is None:
            if current is None:  # text before any section, or after a table
                current = Node("clause" if stack else "preamble", _path(stack) or "前言",
                               stack[-1][2] if stack else "", [h for _, _, h in stack], i, i)
                nodes.append(current)
            current.end, current.has_body = i + 1, True
            i += 1
            continue
        level, label, rest = marker
        if level in (2, 3) and not ARTICLE_RE.match(label) and any(ARTICLE_RE.match(l) for _, l, _ in stack):
            level = 4  # "（一）", "1." inside an article are its items, not new sections
        while stack and stack[-1][0] >= level:
            stack.pop()
        heading, inline_body = _split_heading(rest)
        if level == 5:  # —— bullets print no number: they are named by their lead phrase
            siblings = sum(n.path.startswith(_path(stack) + "——") for n in nodes)
            label = "——" + (heading or str(siblings + 1))
        stack.append((level, label, heading))
        current = Node("bullet" if level == 5 else "clause", _path(stack), heading,
                       [h for _, _, h in stack], i, i + 1,
                       has_body=inline_body or level >= 3)  # a task or article is citable even if one line
        nodes.append(current)
        i += 1
    if not any(n.kind in ("clause", "bullet", "table_row") for n in nodes):
        return _paragraph_nodes(paras, title[1], nodes)
    return [n for n in nodes if n.has_body]


def _marker(folded: str) -> tuple[int, str, str] | None:
    for level, pattern, template in MARKERS:
        if (m := pattern.match(folded)):
            return level, template.format(*m.groups()), folded[m.end():]
    return None


def _path(stack: list[tuple[int, str, str]]) -> str:
    """The labels of the open sections; an article (第五条) is numbered through the whole
    document and cited alone, so the chapters above it are not part of its path. A numbered
    annex is set off from the items in it (附件2·3.)."""
    labels = [label for _, label, _ in stack]
    article = max((n for n, label in enumerate(labels) if ARTICLE_RE.match(label)), default=0)
    labels = labels[article:]
    if len(labels) > 1 and re.fullmatch(r"附件\d+", labels[0]):  # 附件2·3., not 附件23.
        labels[0] += "·"
    return "".join(labels)


def _split_heading(rest: str) -> tuple[str, bool]:
    """(heading, whether body text follows it on the same line). A lead phrase ending in 。
    is a heading (强化国家战略科技力量。…); a full sentence with commas is body."""
    stop = rest.find("。")
    if 0 < stop <= HEADING_MAX and not re.search(r"[，,]", rest[:stop]):
        return rest[:stop], stop + 1 < len(rest.rstrip())
    if len(rest) <= HEADING_MAX and not re.search(r"[。；;]", rest):
        return rest.rstrip("：:"), False
    return "", True


def _paragraph_nodes(paras: list[str], body_start: int, nodes: list[Node]) -> list[Node]:
    """Fallback for text with no section markers: every paragraph is its own record."""
    head = [n for n in nodes if n.kind == "notice"]
    return head + [Node("paragraph", f"第{k}段", "", [], i, i + 1)
                   for k, i in enumerate(range(body_start, len(paras)), start=1)]


def _is_table_start(paras: list[str], i: int) -> bool:
    """A caption: a short line that is not a sentence, over a header and a data row."""
    caption = fold(paras[i]).strip()
    return ("\t" not in paras[i] and 0 < len(caption) <= CAPTION_MAX and not re.search(r"[。；;]", caption)
            and i + 2 < len(paras) and "\t" in paras[i + 1] and "\t" in paras[i + 2])


def _table_end(paras: list[str], i: int) -> int:
    while i < len(paras) and "\t" in paras[i]:
        i += 1
    return i


def _table_rows(paras: list[str], caption_i: int, end: int, stack) -> list[Node]:
    """One record per data row; blank leading cells inherit the row above (merged cells)."""
    caption = re.sub(r"\s+", " ", paras[caption_i]).strip()
    annex = stack[0][1] if stack and stack[0][1].startswith("附件") else ""
    header = [c.strip() for c in paras[caption_i + 1].split("\t")]
    keep = [k for k, name in enumerate(header) if not ROW_LABEL_COLUMNS.match(fold(name))]
    name_col = next((k for k in keep if NAME_COLUMNS.search(fold(header[k]))), keep[0])
    nodes, previous = [], [""] * len(header)
    for i in range(caption_i + 2, end):
        cells = ([c.strip() for c in paras[i].split("\t")] + [""] * len(header))[: len(header)]
        cells = [c or (previous[k] if k < name_col else "") for k, c in enumerate(cells)]
        previous = cells
        nodes.append(Node("table_row", annex + caption, cells[name_col],
                          [h for _, _, h in stack] + [caption], i, i + 1,
                          table={"caption": caption, "columns": header, "cells": cells},
                          text="；".join(f"{header[k]}：{cells[k]}" for k in keep if cells[k])))  # self-describing
    return nodes


def _unit_lists(folded: str):
    """(start, end) of every 责任单位 list in ``folded``: "（责任单位：…）" up to its closing
    bracket, or a "牵头单位：…" line up to the line's end."""
    for m in RESP_LABEL_RE.finditer(folded):
        yield m.end(), _closing_bracket(folded, m.start())
    for m in RESP_LINE_RE.finditer(folded):
        end = folded.find("\n", m.end())
        yield m.end(), end if end >= 0 else len(folded)


def responsible_units(text: str, comma_separated: bool) -> list[str]:
    """The 责任单位 list of a clause, split by the document's own separator convention.

    With ``comma_separated`` (the document separates agencies with "，"), "、" joins the names of
    one merged agency (市科委、中关村管委会); otherwise "、" separates agencies.
    """
    folded = fold(text)
    units: list[str] = []
    for start, end in _unit_lists(folded):
        for segment in re.split(r"[;；]", text[start:end]):
            segment = re.sub(r"^\s*(配合单位|参与单位|协办单位)\s*[:：]", "", segment)
            separators = r"[,，]" if comma_separated else r"[,，、]"
            units.extend(_agency_names(re.split(separators, segment)))
    return units


def _agency_names(pieces: list[str]) -> list[str]:
    """Agency names from the pieces of a list: notes dropped, and a short piece that names no
    body joined to the next one, as in "各区、县（市）政府"."""
    names: list[str] = []
    pieces = [p.strip(" 。.") for p in pieces]
    pieces = [p for p in pieces if p and not UNIT_NOTE_RE.search(p)]
    head = ""  # a short bodiless piece waiting for the name it begins
    for k, piece in enumerate(pieces):
        if not head and k + 1 < len(pieces) and len(piece) <= 3 and not _names_body(piece) \
                and _names_body(pieces[k + 1]):
            head = piece + "、"
            continue
        names.append(head + piece)
        head = ""
    return names


def _names_body(name: str) -> bool:
    return re.sub(r"[(（][^()（）]*[)）]$", "", name)[-1:] in BODY_SUFFIX


def row_units(table: dict, comma_separated: bool) -> list[str]:
    """The agencies of a table row's 责任单位 (牵头单位…) column."""
    label = re.compile(r"(责任|牵头|实施)(单位|部门)")
    cells = [c for name, c in zip(table.get("columns", []), table.get("cells", [])) if label.search(fold(name))]
    separators = r"[,，;；]" if comma_separated else r"[,，、;；]"
    return [name for cell in cells for name in _agency_names(re.split(separators, cell))]


def uses_comma_separator(texts: list[str]) -> bool:
    """Whether this document's 责任单位 lists separate agencies with commas: most of its lists
    of several names use "，" (a document that lists with "、" may still put one comma in)."""
    commas = dunhao = 0
    for text in texts:
        folded = fold(text)
        for start, end in _unit_lists(folded):
            listed = re.sub(r"\([^()]*\)", "", folded[start:end])
            commas += "," in listed
            dunhao += "," not in listed and "、" in listed
    return commas > dunhao


def _closing_bracket(folded: str, open_at: int) -> int:
    """Index of the bracket closing the one at ``open_at`` (agency names nest brackets)."""
    depth = 0
    for k in range(open_at, len(folded)):
        if folded[k] == "(":
            depth += 1
        elif folded[k] == ")":
            depth -= 1
            if depth == 0:
                return k
    return len(folded)
