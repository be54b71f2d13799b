"""Follow-up questions: "那X区呢？", "它的责任单位是谁？", "2018年那版呢？" take their topic and
reading from the conversation so far, so each is answered as the full question it stands for.
"""
from __future__ import annotations

import re

from ingest.text import fold

from ingest.facts import figure_pattern

from .analysis import analyse
from .figures import asserted, same_unit, stated_as_fact
from .decompose import asks, borrow_predicate
from .knowledge import knowledge
from .plans import PlanNames

PRONOUN_RE = re.compile(r"^(它|其|该|这个|这项|这条|那个|那项|那条|it|its|this|that|which one|which of them)", re.I)


def resolve(question: str, history: list[str], plans: PlanNames) -> str:
    """The question as it stands on its own: itself, or merged with the previous question."""
    if not history:
        return question
    previous = resolve(history[-1], history[:-1], plans)
    if not is_followup(question):  # a new question naming no plan stays with the plan talked about
        scope = "" if plans.mentions(fold(question)) else "".join(f"{m}，" for m in _scopes(previous, plans))
        return scope + question
    subject = _subject(question)
    if PRONOUN_RE.search(subject):  # "它的责任单位是谁": the previous topic, this question's ask
        if stated_as_fact(fold(previous)) and asserted(fold(previous)):  # "X到27年50%以上，这个是…吧": the thing
            return f"{figure_pattern().sub('', topic_of(previous, plans))}，{subject}"
        return f"{previous.rstrip('？?。. ')}，{subject}"
    if plans.mentions(fold(subject)):
        if asks(subject):  # "X计划又怎么说？": the previous topic, asked of plan X in X's words
            return f"{topic_of(previous, plans)}，{subject}"
        # "那X区呢": the previous question about another plan
        return f"{subject}的{plans.strip(previous)}" if not subject.endswith("的") else subject + plans.strip(previous)
    if (swapped := _other_figure(subject, previous)) and not asks(subject):  # "100亿级别几家" → "那50亿的呢"
        return swapped
    scope = "".join(f"{m}，" for m in _scopes(previous, plans))  # "X平台呢": same plan, same ask
    return scope + (subject if asks(subject) else borrow_predicate(subject, previous))  # "另外X去哪些…" asks itself


def _other_figure(subject: str, previous: str) -> str | None:
    """The previous question with its figure replaced by the one the follow-up names, when the
    follow-up names one of the same unit ("再往下一档 50亿那个级别的呢" after "…100亿级别的目标几家")."""
    said, before = figure_pattern().search(fold(subject)), figure_pattern().search(fold(previous))
    if not (said and before and same_unit(said.group("unit"), before.group("unit"))):
        return None
    text = fold(previous)
    return text[:before.start()] + said.group(0) + text[before.end():]


def topic_of(piece: str, plans: PlanNames) -> str:
    """A question without its asking words and the plans it names (its scope): the topic a
    following question that names none is about."""
    k = knowledge()
    text = fold(plans.strip(piece))
    for key in ["premise", "list_ask", "amount_ask", *(f"intents.{kind}.cues" for kind in k.intents_spec())]:
        text = k.pattern(key).sub("", text)
    text = re.sub(r"[？?。！!]|(是|要|有)?(什么|啥|哪些|哪个|谁|吗|呢)|(分别|各自|各)?(怎么|怎样|如何|咋)(提|说|写|讲|定|安排)?的?",
                  "", text)
    return re.sub(r"[，,、\s]*[和与及跟]?[，,、\s]*$", "", text).strip("，, ")  # "X，2018版和2021版…" leaves "X，和"


def _scopes(previous: str, plans: PlanNames) -> list[str]:
    """The spans of ``previous`` that name its plan, as written there, once each."""
    folded = fold(previous)
    spans = sorted(set(plans.mentions(folded)), key=len, reverse=True)
    kept = [s for i, s in enumerate(spans) if not any(s in longer for longer in spans[:i])]
    return [previous[folded.lower().find(s): folded.lower().find(s) + len(s)] if s in folded.lower() else s
            for s in kept]


def is_followup(question: str) -> bool:
    """Short, and elliptic (ends in 呢, starts with 那/它/what about) or without a reading."""
    k = knowledge()
    low = fold(question).lower().strip()
    size = len(low.split()) * 2 if low.isascii() else len(low)  # English: two "characters" a word
    limit = k.lexicon["followup"]["max_chars"]
    starts = any(low.startswith(w) for w in k.words("followup.starts"))
    ends = any(low.rstrip("？?。.! ").endswith(w) for w in k.words("followup.ends"))
    if starts or ends:  # elliptic by its words: a longer subject still leans on what came before
        return size <= limit * 1.5
    return size <= limit and not analyse(question).scores


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
