"""Mechanical grounding check: every number, date and agency name an answer states must appear
in a clause it cites (numbers may also repeat the question's own). What fails is not shown as
fact; the failure is logged for debugging."""
from __future__ import annotations

import logging
import re

from ingest.text import fold

from .analysis import NUMBER_UNIT_RE

log = logging.getLogger("engine.verify")
CITE_RE = re.compile(r"\[\d+\]")
NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")

REFERENCE_RE = re.compile(r"《[^》]*》(?:, clause )?[^：:\s「“|]*|[一二三四五六七八九十]+、(?:[(（][一二三四五六七八九十]+[)）])?"
                          r"(?:\d{1,3}\.)?|[(（][一二三四五六七八九十]+[)）]\d{1,3}\.")


def numbers(text: str) -> set[str]:
    """The numbers written in ``text`` (digits; citation markers excluded)."""
    return set(NUMBER_RE.findall(CITE_RE.sub("", fold(text)).replace(",", "")))


def figures(text: str) -> set[str]:
    """Numbers written with a unit (25家, 3000亿元, 20%), normalised for comparison."""
    text = CITE_RE.sub("", fold(text)).replace(",", "")
    return {f"{n}{u}" for n, u in NUMBER_UNIT_RE.findall(text)}


def unsupported(sentence: str, sources: list[str], question: str, agencies: set[str]) -> list[str]:
    """What ``sentence`` states that none of ``sources`` (the cited clause texts) supports.

    References (《title》 and the clause path after it) are citations, not claims: skipped.
    """
    source = fold("\n".join(sources))
    allowed = numbers(source) | numbers(question)
    sentence = REFERENCE_RE.sub("", sentence)
    problems = [f"number {n}" for n in sorted(numbers(sentence) - allowed)]
    # A figure with its unit must appear with that unit: "100家" is not supported by "100亿".
    stated = figures(source) | figures(question)
    problems += [f"figure {f}" for f in sorted(figures(sentence) - stated)]
    text = fold(sentence)
    problems += [f"agency {name}" for name in sorted(agencies) if name in text and name not in source
                 and not any(name in other and other in source for other in agencies if other != name)]
    return problems


def check(sentences: list[tuple[str, list[str]]], question: str, agencies: set[str]) -> tuple[list[str], list[str]]:
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
