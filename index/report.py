"""What adding a file did, in words: what was found in it, which plan it joined, what it disputes.

The CLI (`python -m index add`) and the app's admin upload print the same lines, so a staff
member sees the title and period read from the file, how many clauses it gave, whether it was
merged with a plan already indexed, and every clause where it disagrees with the official copy.
"""
from __future__ import annotations

import difflib
import hashlib
from pathlib import Path

from ingest.pipeline import parse_source
from ingest.text import fold
from ingest.types import Conflict, Document
from settings import Settings

from .store import PlanIndex

CONTEXT = 12  # characters shown either side of where two readings differ


def describe_added(files: list[Path], before: PlanIndex | None, after: PlanIndex, settings: Settings) -> list[str]:
    """One paragraph per added file: found (title, period, 文号, clauses), merged with, conflicts."""
    names = {s["sha256"]: s["name"] for s in after.manifest.get("sources", [])}
    known = {s["sha256"]: s["name"] for s in (before.manifest.get("sources", []) if before else [])}
    lines = []
    for path in files:
        source = parse_source(Path(path), settings)
        meta = source.meta
        period = f"{meta.period_start}—{meta.period_end}" if meta.period_start else "no period"
        clauses = sum(n.kind != "notice" for n in source.nodes)
        found = (f"《{meta.title}》" if meta.title else f"no title (named by its first heading 《{source.name}》)")
        found += f", {period}, 文号 {meta.number or '—'}, issued {meta.issue_date or '—'}, {clauses} clause(s)"
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        if digest in known:
            lines.append(f"{Path(path).name}: found {found}; identical to source {known[digest]}, nothing added")
            continue
        name = names.get(digest, Path(path).name)
        doc = next((d for d in after.documents.values() if name in d.sources), None)
        if doc is None:
            lines.append(f"{Path(path).name}: found {found}; not in the index")
            continue
        lines.append(f"{Path(path).name}: found {found}; {_joined(doc, name, before, after)}")
        lines.extend(f"  conflict {line}" for c in doc.conflicts if c.reading(name) for line in conflict_lines(c, name))
    return lines


def _joined(doc: Document, name: str, before: PlanIndex | None, after: PlanIndex) -> str:
    """Which plan the file joined, what it added to it and how many clauses it disputes."""
    others = [s for s in doc.sources if s != name]
    conflicts = sum(1 for c in doc.conflicts if c.reading(name))
    own = sum(1 for c in after.clauses if c.doc_id == doc.doc_id and c.sources == [name] and not c.chunk)
    if before is not None and doc.doc_id in before.documents:
        what = (f"与已有文档重复，未新增 a copy of {doc.doc_id} 《{doc.title}》, nothing new" if not own and not conflicts
                else f"merged with {doc.doc_id} 《{doc.title}》, adding {own} clause(s) only this copy has")
        what += f" (sources: {', '.join(others)})"
    elif others:
        what = f"new plan {doc.doc_id} 《{doc.title}》, merged with {', '.join(others)}"
    else:
        what = f"new plan {doc.doc_id} 《{doc.title}》"
    return what + (f"; {conflicts} conflicting clause(s), answers keep the official reading ({doc.sources[0]})"
                   if conflicts else "; no conflicts")


def conflict_lines(conflict: Conflict, source: str | None = None) -> list[str]:
    """A conflict as text: each reading (of ``source``, or all) where it differs from the official one."""
    official = conflict.reading(conflict.official) or conflict.readings[0]
    return [f"{conflict.path}: {', '.join(r.sources)} reads …{_around(r.text, official.text)}…, the official "
            f"{conflict.official} reads …{_around(official.text, r.text)}…"
            for r in conflict.readings if r is not official and (source is None or source in r.sources)]


def _around(text: str, other: str) -> str:
    """``text`` near its first difference in wording from ``other`` (punctuation, width and script
    differences are not differences)."""
    mine, theirs = _words(text), _words(other)
    ops = [op for op in difflib.SequenceMatcher(None, "".join(c for _, c in mine), "".join(c for _, c in theirs),
                                                 autojunk=False).get_opcodes() if op[0] != "equal"]
    if not ops or not mine:
        return text[:2 * CONTEXT].replace("\n", "")
    start = mine[min(ops[0][1], len(mine) - 1)][0]
    end = mine[min(max(ops[0][2] - 1, ops[0][1]), len(mine) - 1)][0] + 1
    return text[max(0, start - CONTEXT): end + CONTEXT].replace("\n", "")


def _words(text: str) -> list[tuple[int, str]]:
    """(position, folded character) of every letter and digit of ``text``."""
    return [(i, c) for i, c in enumerate(fold(text)) if c.isalnum()]
