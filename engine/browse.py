"""Structured views for browsing, built from the parsed records (no retrieval): the 责任单位
table, quantified targets per plan, and a document's clause tree."""
from __future__ import annotations

import re
from collections import defaultdict

from ingest.text import fold
from ingest.types import Clause, Document

from .agencies import AgencyDirectory
from .analysis import FIGURE_UNITS

GOAL_HEADING_RE = re.compile(r"目标|指标")
FIGURE_RE = re.compile(rf"\d+(?:\.\d+)?(?:[-—–]\d+(?:\.\d+)?)?\s*(?:{FIGURE_UNITS})")  # ranges too: 1-2家
TOPICS = [  # (topic, words that name it in a target); a target may belong to several
    ("营业收入 / 产值 Revenue, output", r"营业收入|主营业务收入|总产值|产值|收入"),
    ("上市企业 Listed firms", r"上市企业|上市公司|上市挂牌"),
    ("创新药 Innovative drugs", r"创新药|上市药品"),
    ("医疗器械 Medical devices", r"医疗器械"),
    ("产业用地 Land", r"用地|亩"),
    ("楼宇 / 厂房 Floor space", r"楼宇|厂房|平方米"),
    ("专精特新 / 领军企业 Key firms", r"专精特新|领军企业|标杆企业|独角兽|年销售"),
    ("人才 Talent", r"人才"),
    ("临床研究 Clinical research", r"研究型病房|研究型医院|临床试验"),
    ("服务平台 Service platforms", r"服务平台|服务机构"),
]


def responsibility_rows(directory: AgencyDirectory, name: str, documents: dict[str, Document]) -> list[list[str]]:
    """[plan, clause, task, 责任单位, listed as] for every task of an agency (all its names)."""
    rows = []
    for alias, clauses in directory.tasks_of(fold(name)).items():
        for clause in clauses:
            rows.append([documents[clause.doc_id].title, clause.path, clause.heading, "，".join(clause.agencies), alias])
    return sorted(rows, key=lambda r: r[0])  # stable: the plan's own clause order within a plan


def task_choices(clauses: list[Clause]) -> list[tuple[str, str]]:
    """(label, clause_id) of every task that lists 责任单位."""
    return [(f"{c.title} {c.path} {c.heading}", c.clause_id) for c in clauses if c.agencies and c.chunk == 0]


def targets(clauses: list[Clause], documents: dict[str, Document]) -> dict[str, dict[str, list[tuple[str, Clause]]]]:
    """topic → plan title → [(the target as written, its clause)], from goal sections and tables."""
    table: dict[str, dict[str, list[tuple[str, Clause]]]] = defaultdict(lambda: defaultdict(list))
    for clause in clauses:
        in_goals = clause.table is not None or any(GOAL_HEADING_RE.search(h) for h in clause.heading_path)
        if not in_goals or clause.chunk:
            continue
        pieces = [_row_target(clause)] if clause.table else re.split(r"[，,；;。\n]", clause.text)
        for piece in (p.strip() for p in pieces):
            if not FIGURE_RE.search(re.sub(r"(19|20)\d{2}\s*年", "", piece)):
                continue
            for topic, pattern in TOPICS:
                if re.search(pattern, fold(piece)):
                    table[topic][documents[clause.doc_id].title].append((piece, clause))
    return table


def _row_target(clause: Clause) -> str:
    """A table row as a target: indicator, value and unit ("总产值180亿")."""
    cells = dict(zip(clause.table["columns"], clause.table["cells"]))
    unit = next((v for c, v in cells.items() if "单位" in fold(c)), "")
    value = next((v for v in reversed(clause.table["cells"]) if re.fullmatch(r"[\d.]+", v or "")), "")
    return f"{clause.heading}{value}{unit}" if value else clause.text


def revenue_points(table) -> list[tuple[str, float]]:
    """(plan, 亿元) for the revenue/output targets stated in 亿 (a comparable chart)."""
    points = []
    for plan, items in table.get(TOPICS[0][0], {}).items():
        for piece, _ in items:
            m = re.search(r"(\d+(?:\.\d+)?)\s*亿", piece)
            if m:
                points.append((plan, float(m.group(1))))
                break
    return points


def clause_tree(clauses: list[Clause], doc_id: str) -> str:
    """A document's clauses as an indented Markdown list (path and heading)."""
    lines: list[str] = []
    seen: set[str] = set()
    open_sections: list[str] = []
    for clause in clauses:
        if clause.doc_id != doc_id or clause.chunk or clause.clause_id in seen:
            continue
        seen.add(clause.clause_id)
        ancestors = clause.heading_path[:-1] if clause.kind in ("clause", "bullet") else clause.heading_path
        for depth, heading in enumerate(ancestors):  # sections that have no record of their own
            if depth >= len(open_sections) or open_sections[depth] != heading:
                open_sections[depth:] = [heading]
                lines.append(f"{'  ' * depth}- {heading}")
        del open_sections[len(ancestors):]
        if clause.table:  # the caption line above already names the table
            lines.append(f"{'  ' * len(ancestors)}- {clause.text}")
            continue
        label = clause.heading or clause.text.splitlines()[0][:40]
        lines.append(f"{'  ' * len(ancestors)}- **{clause.path}** {label}")
        if clause.kind in ("clause", "bullet") and clause.heading_path:  # later clauses nest under it
            open_sections[len(ancestors):] = [clause.heading_path[-1]]
    return "\n".join(lines)
