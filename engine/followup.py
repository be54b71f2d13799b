"""Follow-up questions: "那X区呢？", "它的责任单位是谁？", "2018年那版呢？" take their topic and
reading from the conversation so far, so each is answered as the full question it stands for.
"""
from __future__ import annotations

import re

from ingest.text import fold

from .analysis import analyse
from .decompose import borrow_predicate
from .knowledge import knowledge
from .plans import PlanNames

PRONOUN_RE = re.compile(r"^(它|其|该|这个|这项|这条|那个|那项|那条|it|its|this|that)", re.I)


def resolve(question: str, history: list[str], plans: PlanNames) -> str:
    """The question as it stands on its own: itself, or merged with the previous question."""
    if not history or not is_followup(question):
        return question
    previous = resolve(history[-1], history[:-1], plans)
    subject = _subject(question)
    if PRONOUN_RE.search(subject):  # "它的责任单位是谁": the previous topic, this question's ask
        return f"{previous.rstrip('？?。. ')}，{subject}"
    if plans.mentions(fold(subject)):  # "那X区呢": the previous question about another plan
        return f"{subject}的{plans.strip(previous)}" if not subject.endswith("的") else subject + plans.strip(previous)
    scope = "".join(plans.mentions(fold(previous)))  # "X平台呢": same plan, same ask
    return (f"{scope}，" if scope else "") + borrow_predicate(subject, previous)


def is_followup(question: str) -> bool:
    """Short, and elliptic (ends in 呢, starts with 那/它/what about) or without a reading."""
    k = knowledge()
    low = fold(question).lower().strip()
    if len(low) > k.lexicon["followup"]["max_chars"]:
        return False
    starts = any(low.startswith(w) for w in k.words("followup.starts"))
    ends = any(low.rstrip("？?。.! ").endswith(w) for w in k.words("followup.ends"))
    return starts or ends or not analyse(question).scores


def _subject(question: str) -> str:
    """The question without its follow-up words ("那…呢？")."""
    k = knowledge()
    text = question.strip().rstrip("？?。.! ")
    for word in sorted(k.words("followup.ends"), key=len, reverse=True):
        if text.lower().endswith(word):
            text = text[: len(text) - len(word)]
            break
    for word in sorted(k.words("followup.starts"), key=len, reverse=True):
        if text.lower().startswith(word) and not PRONOUN_RE.match(word):
            text = text[len(word):]
            break
    return text.strip(" ，,")
