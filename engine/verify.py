"""Mechanical grounding check: every number, date and agency name an answer states must appear
in a clause it cites (numbers may also repeat the question's own). Every sentence is checked
whole: the only spans exempt are references to the clauses the answer cites, exactly as the
engine writes them (《title》path, or the title or path alone), built from those clauses, and
the 《title》 of an indexed plan the engine heads a part with. What fails is not shown as fact;
the failure is logged for debugging."""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from ingest.text import fold

from ingest.types import Clause

from .analysis import NUMBER_UNIT_RE
from .figures import indicator_score
from .knowledge import knowledge

log = logging.getLogger("engine.verify")
CITE_RE = re.compile(r"\[\d+\]")
NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
BIND_WINDOW = 24  # characters either side of a figure in which its indicator must be named
BIND_MIN = 0.5
NAMED_GAP = 6  # most characters between an indicator and the figure said of it (达到, 超过, ：)


def numbers(text: str) -> set[str]:
    """The numbers written in ``text`` (digits; citation markers excluded)."""
    return set(NUMBER_RE.findall(CITE_RE.sub("", fold(text)).replace(",", "")))


def figures(text: str) -> set[str]:
    """Numbers written with a unit (25家, 3000亿元, 20%), normalised for comparison."""
    text = CITE_RE.sub("", fold(text)).replace(",", "")
    return {f"{n}{u}" for n, u in NUMBER_UNIT_RE.findall(text)}


def unsupported(sentence: str, sources: list, question: str, agencies: set[str], refs: list[str]) -> list[str]:
    """What ``sentence`` states that none of ``sources`` (the cited clauses, or their texts)
    supports, including a figure attached to another indicator than the clause binds it to.

    ``refs`` (folded references, see ``check``) are citations, not claims: only they are skipped.
    """
    clauses = [s for s in sources if isinstance(s, Clause)]
    source = fold("\n".join(_printed(s) if isinstance(s, Clause) else s for s in sources))
    allowed = numbers(source) | numbers(question)
    sentence = without_references(fold(sentence), refs)
    problems = [f"number {n}" for n in sorted(numbers(sentence) - allowed)]
    # A figure with its unit must appear with that unit: "100家" is not supported by "100亿".
    stated = figures(source) | figures(question) | {x for c in clauses for f in c.facts for x in figures(f.value + f.unit)}
    problems += [f"figure {f}" for f in sorted(figures(sentence) - stated)]
    problems += [f"figure {f} bound to another indicator" for f in unbound(sentence, clauses, question)]
    problems += [f"agency {name}" for name in sorted(agencies) if name in sentence and name not in source
                 and not any(name in other and other in source for other in agencies if other != name)]
    return problems


def references(clause: Clause) -> list[str]:
    """How an answer may cite ``clause``, as the engine writes it (folded, longest first): its
    reference in each answer language, and its 《title》 and its path alone (tables, lists)."""
    refs = [knowledge().say("ref", lang, title=clause.title, path=clause.path) for lang in ("zh", "en")]
    return [fold(r) for r in (*refs, f"《{clause.title}》", clause.path) if r]


def without_references(text: str, refs: list[str]) -> str:
    """``text`` (folded) with every one of ``refs`` cut out, longest first, and nothing else."""
    for ref in sorted(set(refs), key=len, reverse=True):
        text = text.replace(ref, " ")
    return text


def _printed(clause: Clause) -> str:
    """What the plan prints for a clause: with the headings of the sections above it (a count
    such as 三、实施5个重点工程 is printed there), or a table row with its caption and header."""
    if not clause.table:
        return "\n".join([*clause.heading_path[:-1], clause.text])
    return "\n".join([clause.table.get("caption", ""), "；".join(clause.table.get("columns", [])), clause.text])


def unbound(sentence: str, clauses: list[Clause], question: str) -> list[str]:
    """Figures of ``sentence`` that the cited clauses bind to an indicator the sentence does
    not name near the figure ("350家" cited from "国高新企业超350家" but said of 上市挂牌企业),
    or that follow the name of an indicator the clauses give another value."""
    text = CITE_RE.sub("", fold(sentence)).replace(",", "")
    asked = figures(question)
    facts = [f for c in clauses for f in c.facts]
    out = []
    for m in NUMBER_UNIT_RE.finditer(text):
        figure, value, unit = f"{m.group(1)}{m.group(2)}", float(m.group(1)), m.group(2)
        bound = [f for f in facts if _states(f, figure, value, unit)]
        if figure in asked or any(fold(f.text).replace(",", "") in text for f in bound):
            continue  # echoing the question, or quoted as the plan states it
        if any(figure in (name := fold(f.indicator).replace(",", "")) and name in text for f in facts):
            continue  # part of an indicator's name ("超100亿元的企业"), as the plan names it
        window = [text[max(0, m.start() - BIND_WINDOW): m.start()], text[m.end(): m.end() + BIND_WINDOW]]
        named = _named(window[0], facts)
        if named and not any(_states(f, figure, value, unit) for f in named):
            out.append(figure)
        elif bound and max(indicator_score(f.indicator, window) for f in bound) < BIND_MIN:
            out.append(figure)
    return out


def _states(fact, figure: str, value: float, unit: str) -> bool:
    """Whether ``fact`` states the figure: its value or an end of its range, in its unit (25家
    does not state 5家)."""
    return value in (fact.low, fact.high) and fact.unit == unit or bool(
        re.search(rf"(?<![\d.]){re.escape(figure)}$", f"{fact.value}{fact.unit}"))


def _named(before: str, facts: list) -> list:
    """The facts of the indicator named right before a figure (``before`` ends at it): a few
    characters before it, with no number between; the nearest, the longest where two end together."""
    ends = {}
    for fact in facts:
        name = fold(fact.indicator)
        at = before.rfind(name) if name else -1
        gap = before[at + len(name):]
        if at >= 0 and len(gap) <= NAMED_GAP and not re.search(r"\d", gap):
            ends[fact.indicator] = at + len(name)
    if not ends:
        return []
    nearest = max(ends, key=lambda indicator: (ends[indicator], len(indicator)))
    return [f for f in facts if f.indicator == nearest]


def check(sentences: list[tuple[str, list]], question: str, agencies: set[str],
          titles: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """Keep the sentences whose facts their own citations support; return (kept, failures).

    A sentence may refer to any clause the answer cites (as ``references`` writes it), and
    name the plans of ``titles`` in 《》 (the engine heads each plan's part with its title,
    even when that plan answers nothing): the figures of those spans are no claims."""
    kept, failures = [], []
    refs = [r for _, sources in sentences for s in sources if isinstance(s, Clause) for r in references(s)]
    refs += [fold(f"《{title}》") for title in titles]
    for sentence, sources in sentences:
        problems = unsupported(sentence, sources, question, agencies, refs)
        if problems:
            failures.append(f"{sentence!r}: {', '.join(problems)}")
            log.warning("verification failed: %s: %s", sentence, ", ".join(problems))
        else:
            kept.append(sentence)
    return kept, failures
