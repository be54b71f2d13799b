"""Claims that are not figures, judged against what the plans state (the year a plan was
issued or runs to is judged from its metadata: ``dates.dated_claim``): the body a text names for a duty ("是区发改委负责解释的吧" of
"由某管理委员会负责解释"), and a word of a set the plans use as alternatives ("按月" where the
plan says 按季度, "预期性" where it says 约束性: lexicon ``contrasts``). A claim is judged only
against the clause that states the matter; where that clause says nothing of the kind, no
verdict is given.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher

from ingest.facts import extract
from ingest.text import fold
from ingest.types import Clause

from . import compose
from .figures import same_unit
from .evidence import sentences
from .knowledge import knowledge

ANCHOR_MIN = 2      # characters of a run shared with the plan's sentence that anchor an alignment
QUOTED_MIN = 8      # characters a claim must share with one sentence to be read as quoting it
QUOTED_DENSITY = 0.75  # share of the claim's aligned span the shared runs cover
SKIPPED_DENSITY = 0.25 # and of the sentence's: a claim may leave out words between the ones it quotes
SWAP_MAX = 8        # characters of a swapped piece: a longer difference is another sentence, not a misquote
CONTEXT_MAX = 4     # characters of shared wording shown on each side of a swapped piece, up to punctuation
TITLE_RE = re.compile(r"《[^》]*》")
QUOTE_MARKS_RE = re.compile(r"[“”‘’「」\"']")
NUMERAL_RE = re.compile(r"[\d〇零一二两三四五六七八九十百千万亿]")  # a swapped piece of the plan's that states a figure
PUNCT_RE = re.compile(r"[，。、；：？！“”‘’《》（）「」,.;:?!()\"'\s]")

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


def misquoted(engine, q, clauses: list[Clause], unit: str | None = None) -> tuple[str, str, Clause, str] | None:
    """(verdict, said, clause, sentence) for a claim that quotes a plan's sentence nearly word
    for word ("…形成“小而美”“专而精”“快而新”", "…十万人群队列"): aligned character by
    character with the closest sentence of ``clauses``, a piece swapped inside the shared
    wording is a misquote (不对, with the plan's words). Nothing when no sentence is quoted or
    none of its wording is swapped (a quote without a swap gets no verdict from here). For a
    claim of a figure in ``unit`` quoting a sentence that states none of that kind, its words
    swapped but no figure ("每年增长10%" of "保持稳定增长态势"), the verdict is that the plan
    states no such figure; a swapped figure ("十万人群队列" of 百万) is a misquote."""
    claim = fold(engine.plans.strip(q.text))  # as typed: the answer quotes it
    best = None
    for clause in clauses:
        for sentence in sentences(clause):
            said = fold(TITLE_RE.sub("", sentence))  # a title the sentence names is no wording of its own
            blocks = [b for b in SequenceMatcher(None, claim, said, autojunk=False).get_matching_blocks()
                      if b.size >= ANCHOR_MIN]
            shared = sum(b.size for b in blocks)
            if shared < QUOTED_MIN or (best and shared <= best[0]):
                continue
            span_claim = blocks[-1].a + blocks[-1].size - blocks[0].a
            span_said = blocks[-1].b + blocks[-1].size - blocks[0].b
            if shared < QUOTED_DENSITY * span_claim or shared < SKIPPED_DENSITY * span_said:
                continue
            gaps = [((x.b + x.size, y.b), (x.a + x.size, y.a)) for x, y in zip(blocks, blocks[1:])]
            swaps = [(_in_context(said, *s), _in_context(claim, *c), bool(NUMERAL_RE.search(said[slice(*s)])))
                     for s, c in gaps if _swapped(said[slice(*s)], claim[slice(*c)])]
            best = (shared, clause, sentence, swaps)
    if not best:
        return None
    _, clause, sentence, swaps = best
    lang = "en" if q.lang == "en" else "zh"
    if unit and swaps and not any(figured for _, _, figured in swaps) and not any(
            same_unit(f.unit, unit) for f in extract(sentence)):  # "每年增长10%" of "保持稳定增长态势"
        return "unstated", knowledge().say("text_no_figure", lang, stated=swaps[0][0], asserted=swaps[0][1]), \
            clause, sentence
    if swaps:
        pairs = "；".join(knowledge().say("text_pair", lang, stated=a, asserted=b) for a, b, _ in swaps)
        return "wrong", knowledge().say("text_wrong_all", lang, pairs=pairs), clause, sentence
    return None


def _swapped(stated: str, claimed: str) -> bool:
    """Whether a claim puts other words where the plan has ``stated`` (快而新 for 快而高), not
    just leaves some out or punctuates differently (市 for ，由市、)."""
    stated, claimed = PUNCT_RE.sub("", stated), PUNCT_RE.sub("", claimed)
    return bool(stated and claimed) and len(stated) <= SWAP_MAX and len(claimed) <= SWAP_MAX \
        and stated not in claimed and claimed not in stated


def _in_context(text: str, start: int, end: int) -> str:
    """text[start:end] with up to CONTEXT_MAX characters either side, not across punctuation."""
    left = PUNCT_RE.split(text[max(0, start - CONTEXT_MAX):start])[-1]
    right = PUNCT_RE.split(text[end:end + CONTEXT_MAX + 2])[0]
    return QUOTE_MARKS_RE.sub("", f"{left}{text[start:end]}{right}")  # quoted again by the answer
