"""Structured views for browsing, built from the parsed records (no retrieval): the 责任单位
table, quantified targets per plan, and a document's clause tree."""
from __future__ import annotations

import re
from collections import defaultdict

from ingest.text import fold
from ingest.types import Clause, Document

from .agencies import AgencyDirectory
from .figures import bigrams, same_unit
from .knowledge import knowledge

SAME_ROW = 0.6  # bigram Dice above which two plans' indicators share a Targets row


def responsibility_rows(directory: AgencyDirectory, name: str, documents: dict[str, Document]) -> list[list[str]]:
    """[plan, clause, task, 责任单位, listed as] for every task of an agency (all its names; a
    short form such as 发改委 is resolved to the names it stands for)."""
    rows, seen = [], set()
    names = directory.resolve(fold(name))[0] or [fold(name)]
    for alias, clauses in (item for n in names for item in directory.tasks_of(n).items()):
        for clause in clauses:
            if (alias, clause.clause_id) not in seen:
                seen.add((alias, clause.clause_id))
                rows.append([documents[clause.doc_id].title, clause.path, clause.heading, "，".join(clause.agencies), alias])
    return sorted(rows, key=lambda r: r[0])  # stable: the plan's own clause order within a plan


def task_choices(clauses: list[Clause]) -> list[tuple[str, str]]:
    """(label, clause_id) of every task that lists 责任单位."""
    return [(f"{c.title} {c.path} {c.heading}", c.clause_id) for c in clauses if c.agencies and c.chunk == 0]


def targets(clauses: list[Clause], documents: dict[str, Document]) -> dict[str, dict[str, list[tuple[str, Clause]]]]:
    """indicator (unit) → plan title → [(the target as written, its clause)], read from the
    facts table of the goal sections and indicator tables. Indicators of different plans are
    one row only when they name the same thing in the same unit."""
    table: dict[str, dict[str, list[tuple[str, Clause]]]] = defaultdict(lambda: defaultdict(list))
    rows: list[tuple[str, str, set[str]]] = []  # (label, unit, bigrams)
    for clause in clauses:
        in_goals = clause.table is not None or any(knowledge().has("goal_headings", h) for h in clause.heading_path)
        if not in_goals or clause.chunk:
            continue
        for fact in clause.facts:
            grams = bigrams(fact.indicator)
            label = next((lbl for lbl, unit, g in rows if same_unit(unit, fact.unit) and grams and g
                          and 2 * len(grams & g) / (len(grams) + len(g)) >= SAME_ROW), None)
            if label is None:
                label = f"{fact.indicator}（{fact.unit}）"
                rows.append((label, fact.unit, grams))
            table[label][documents[clause.doc_id].title].append((f"{fact.indicator}{fact.stated()}", clause))
    return table


def chart_points(table) -> tuple[str, list[tuple[str, float]]]:
    """(row, [(plan, value)]) of the row that most plans state in one unit (a fair chart)."""
    best = max(table.items(), key=lambda kv: len(kv[1]), default=(None, {}))
    points = []
    for plan, items in best[1].items():
        m = re.search(r"(\d+(?:\.\d+)?)(?!.*\d)", items[0][0])
        if m:
            points.append((plan, float(m.group(1))))
    return best[0] or "", points


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
