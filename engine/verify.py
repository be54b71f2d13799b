"""Mechanical grounding check: every number, date and agency name an answer states must appear
in a clause it cites (numbers may also repeat the question's own). What fails is not shown as
fact; the failure is logged for debugging."""
from __future__ import annotations

import logging
import re

from ingest.text import fold

from ingest.types import Clause

from .analysis import NUMBER_UNIT_RE
from .figures import indicator_score

log = logging.getLogger("engine.verify")
CITE_RE = re.compile(r"\[\d+\]")
NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
BIND_WINDOW = 24  # characters either side of a figure in which its indicator must be named
BIND_MIN = 0.5

REFERENCE_RE = re.compile(r"《[^》]*》(?:, clause )?[^：:\s「“|]*|[一二三四五六七八九十]+、(?:[(（][一二三四五六七八九十]+[)）])?"
                          r"(?:\d{1,3}\.)?|[(（][一二三四五六七八九十]+[)）]\d{1,3}\.")


def numbers(text: str) -> set[str]:
    """The numbers written in ``text`` (digits; citation markers excluded)."""
    return set(NUMBER_RE.findall(CITE_RE.sub("", fold(text)).replace(",", "")))


def figures(text: str) -> set[str]:
    """Numbers written with a unit (25家, 3000亿元, 20%), normalised for comparison."""
    text = CITE_RE.sub("", fold(text)).replace(",", "")
    return {f"{n}{u}" for n, u in NUMBER_UNIT_RE.findall(text)}


def unsupported(sentence: str, sources: list, question: str, agencies: set[str]) -> list[str]:
    """What ``sentence`` states that none of ``sources`` (the cited clauses, or their texts)
    supports, including a figure attached to another indicator than the clause binds it to.

    References (《title》 and the clause path after it) are citations, not claims: skipped.
    """
    clauses = [s for s in sources if isinstance(s, Clause)]
    source = fold("\n".join(_printed(s) if isinstance(s, Clause) else s for s in sources))
    allowed = numbers(source) | numbers(question)
    sentence = REFERENCE_RE.sub("", sentence)
    problems = [f"number {n}" for n in sorted(numbers(sentence) - allowed)]
    # A figure with its unit must appear with that unit: "100家" is not supported by "100亿".
    stated = figures(source) | figures(question) | {x for c in clauses for f in c.facts for x in figures(f.value + f.unit)}
    problems += [f"figure {f}" for f in sorted(figures(sentence) - stated)]
    problems += [f"figure {f} bound to another indicator" for f in unbound(sentence, clauses, question)]
    text = fold(sentence)
    problems += [f"agency {name}" for name in sorted(agencies) if name in text and name not in source
                 and not any(name in other and other in source for other in agencies if other != name)]
    return problems


def _printed(clause: Clause) -> str:
    """What the plan prints for a clause: a table row with its table's caption and header."""
    if not clause.table:
        return clause.text
    return "\n".join([clause.table.get("caption", ""), "；".join(clause.table.get("columns", [])), clause.text])


def unbound(sentence: str, clauses: list[Clause], question: str) -> list[str]:
    """Figures of ``sentence`` that the cited clauses bind to an indicator the sentence does
    not name near the figure ("350家" cited from "国高新企业超350家" but said of 上市挂牌企业)."""
    text = CITE_RE.sub("", fold(sentence)).replace(",", "")
    asked = figures(question)
    out = []
    for m in NUMBER_UNIT_RE.finditer(text):
        figure = f"{m.group(1)}{m.group(2)}"
        bound = [f for c in clauses for f in c.facts if f"{f.value}{f.unit}".endswith(figure)
                 or (f.low == float(m.group(1)) or f.high == float(m.group(1))) and f.unit == m.group(2)]
        if not bound or figure in asked or any(fold(f.text).replace(",", "") in text for f in bound):
            continue  # quoted as the plan states it, or echoing the question
        window = [text[max(0, m.start() - BIND_WINDOW): m.start()], text[m.end(): m.end() + BIND_WINDOW]]
        if max(indicator_score(f.indicator, window) for f in bound) < BIND_MIN:
            out.append(figure)
    return out


def check(sentences: list[tuple[str, list]], question: str, agencies: set[str]) -> tuple[list[str], list[str]]:
    """Keep the sentences whose facts their own citations support; return (kept, failures)."""
    kept, failures = [], []
    for sentence, sources in sentences:
        problems = unsupported(sentence, sources, question, agencies)
        if problems:
            failures.append(f"{sentence!r}: {', '.join(problems)}")
            log.warning("verification failed: %s: %s", sentence, ", ".join(problems))
        else:
            kept.append(sentence)
    return kept, failures
