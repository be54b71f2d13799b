"""Claims that are not figures, judged against what the plans state (the year a plan was
issued or runs to is judged from its metadata: ``dates.dated_claim``): the body a text names for a duty ("是区发改委负责解释的吧" of
"由某管理委员会负责解释"), and a word of a set the plans use as alternatives ("按月" where the
plan says 按季度, "预期性" where it says 约束性: lexicon ``contrasts``). A claim is judged only
against the clause that states the matter; where that clause says nothing of the kind, no
verdict is given.
"""
from __future__ import annotations

import re

from ingest.text import fold
from ingest.types import Clause

from . import compose
from .knowledge import knowledge

# "由X负责解释", "办公室设在X", "X牵头": a body the text names for a duty
DUTY_BODY_RE = re.compile(r"(?:由|设在)([\u4e00-\u9fff（）()]{2,30}?(?:委员会|管委会|政府|局|委|办公室|办))"
                          r"(?:[（(][^）)]{1,30}[）)])?(?:负责|牵头|会同|组织|，|。|,)")


def stated_otherwise(engine, q, clause: Clause, sentence: str, nearby: list[Clause] = ()) -> tuple[str, str, Clause] | None:
    """(verdict, sentence, clause judged by) for a claim about ``clause`` that is not a figure:
    the body the text names for the duty, the place it names, or a word of a contrast set (of
    ``clause``, else of the first ``nearby`` clause that uses a word of that set: a targets table
    may say 约束性 of the indicator the text states)."""
    lang = "en" if q.lang == "en" else "zh"
    text = fold(clause.text)
    bodies = list(dict.fromkeys(DUTY_BODY_RE.findall(fold(sentence)) or DUTY_BODY_RE.findall(text)))
    if bodies and knowledge().has("agency_claim", q.low):
        claimed = _claimed_bodies(engine, q)
        if claimed:
            named = {n for b in bodies for n in engine.agencies.family(b)} | set(bodies)
            if any(c in named or any(c in b or b in c for b in bodies) for c in claimed):
                return "right", knowledge().say("text_right", lang, said="、".join(claimed)), clause
            pair = knowledge().say("text_pair", lang, stated="、".join(bodies), asserted="、".join(claimed))
            return "wrong", knowledge().say("text_wrong_all", lang, pairs=pair), clause
    pairs = []
    claimed_places = compose.places(fold(engine.plans.strip(q.text)), min_freq=0)
    stated_places = compose.places(fold(sentence), min_freq=0)
    if claimed_places and stated_places and not any(abbreviates(c, p) for c in claimed_places for p in stated_places):
        pairs.append(knowledge().say("text_pair", lang, stated="、".join(stated_places), asserted="、".join(claimed_places)))
    judged = clause
    for group in knowledge().contrasts:
        if not any(w in q.folded for w in group):
            continue
        by = next((c for c in [clause, *nearby] if any(w in fold(c.text) for w in group)), clause)
        asserted = [w for w in group if w in q.folded and w not in fold(by.text)]
        stated = [w for w in group if w in fold(by.text) and w not in q.folded]
        if asserted and stated:
            judged = by
            pairs.append(knowledge().say("text_pair", lang, stated="、".join(stated), asserted="、".join(asserted)))
    return ("wrong", knowledge().say("text_wrong_all", lang, pairs="；".join(pairs)), judged) if pairs else None


def abbreviates(short: str, name: str) -> bool:
    """Whether ``short`` is ``name`` or its characters in order, a few apart (经开区 of 经济技术开发区)."""
    return short in name or name in short or bool(re.search(".{0,4}".join(map(re.escape, short)), name))


def _claimed_bodies(engine, q) -> list[str]:
    """The bodies a claim names, as typed: directory names and their short forms, else any
    word ending in a body suffix before the duty ("区发改委负责…")."""
    names, asked = engine.agencies.resolve(q.folded)
    if asked:
        return list(asked)
    if names:
        return names
    return re.findall(r"([\u4e00-\u9fff]{1,12}?(?:委员会|管委会|政府|局|委|办))(?=负责|牵头|来|管|设)", q.folded)[:2]
