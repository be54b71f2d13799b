"""Splitting a message into the atomic questions it asks.

"A和B分别是多少？" → "A是多少", "B是多少"; two question marks → two questions; "A多少？B呢？"
→ B takes A's predicate; "先…再…" → two; English "… and what/who/…" → two. Each part keeps the
context before it (the plan it names, the year), so it can be answered on its own; the engine
lets a part that names no plan inherit the whole message's scope and reading.
"""
from __future__ import annotations

import re

from ingest.facts import figure_pattern
from ingest.text import fold

from .figures import stated_as_fact
from .knowledge import knowledge

MAX_PARTS = 4
ITEM_MIN = 2        # characters of an item in "A和B分别…"
ELLIPSIS_MAX = 14   # "B呢？" is elliptic when this short
TAG_MAX = 6         # "没记错吧？" alone: a tag question, not a question of its own
TAG_WORDS = 3       # … and "is that right?" in English
PREDICATE_RE = re.compile(r"(是|有|要|为|达到|计划|目标|准备|打算)?\s*(多少|几|哪些|哪个|哪几|什么|谁|何时|怎么|是否|how|what|which|who)")
EN_SPLIT_RE = re.compile(r",?\s+and\s+(?=(what|which|who|how|when|where|is|are|does|did|do|can)\b)", re.I)


def parts(question: str, names_plan=None) -> list[str]:
    """The atomic questions of ``question`` (itself alone when it asks one thing). Items that
    each name a plan (``names_plan``) are not split on: "A计划和B计划的X各…" is one question
    asked of two plans, which the engine answers plan by plan."""
    found: list[str] = []
    context = ""
    typed = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff\dA-Za-z])", lambda m: _pause(question, m), question)
    segments = _segments(typed)
    asked = describing = False
    for segment in segments:
        asking = asks(segment)
        # "我们去年营收3亿，今年能过5亿，…": the asker's situation, not a claim about the plans
        describing = describing or knowledge().has("self_description", fold(segment).lower())
        claim = not asked and not asking and not describing and _states(segment)  # after the asks: chatter
        asked = asked or asking
        if not asking and not claim and len(segments) > 1:
            if not found:
                context += segment  # "我想了解某区的计划。" sets the scene for what follows
            continue  # a statement or an instruction after a question asks nothing
        for piece in _sequence(segment):
            for item in _enumeration(piece, names_plan):
                if found and _elliptic(item):
                    item = borrow_predicate(item, found[-1])
                elif found and _claims(item) and _bare(item):  # "X按单价20%奖励，最高200万": X's cap
                    item = _subject(found[-1]) + item
                found.append(context + item if context and not _names_scope(item) else item)
    last = found[-1]
    tag = _tag(last)
    short = len(last) <= TAG_MAX or (last.isascii() and len(last.split()) <= TAG_WORDS)  # "correct?"
    if len(found) > 1 and short and tag and _claims(found[-2]):
        found = found[:-1]  # "…，没记错吧": the tag is the claims' question, not a part
    elif len(found) > 1 and short and knowledge().pattern("stated_ask").fullmatch(last.strip("？?。 ")):
        found = found[:-1]  # "…干几天 有规定吗": whether the plans say it is what the part before asks
    if len(found) < 2:
        return [question]
    # a claim before a final tag question ("X是甲局牵头，补1000万，对吧？") takes the tag: each
    # claim is being checked, not only the last
    return [f"{part.rstrip('，,；;。 ')}，{tag}" if tag and part != last and _claims(part) else part
            for part in found[:MAX_PARTS]]


def _pause(text: str, space: re.Match) -> str:
    """A space typed as a pause is a comma, but not beside a 和 that joins two items ("A比例 和B
    比例 各定了多少"), unless what comes before it already asks ("…叫什么 跟国家争取哪些试点")."""
    before, after = text[:space.start()], text[space.end():]
    joins = before[-1] in "和与及跟" or after[0] in "和与及跟"
    return space.group(0) if joins and not asks(re.split(r"[，,。；;？?\s]", before)[-1]) else "，"


def _tag(text: str) -> str | None:
    """The tag question a text ends with ("对吧"; the whole text when it is no more than that)."""
    m = re.search(rf"(?:{knowledge().pattern('tag_question').pattern})\s*[？?]?\s*$", text, re.I)
    if not m or len(m.group(0).strip("？? ")) < 2:  # a final particle (…指标吧) is no tag of its own
        return None
    return text.strip() if len(text.strip()) <= TAG_MAX else m.group(0)


def _segments(text: str) -> list[str]:
    """Sentences ending in a question mark (or a full stop before a further question)."""
    pieces = [p.strip() for p in re.split(r"(?<=[？?])|(?<=[。！!])(?=.*[？?])", text) if p.strip()]
    out = []
    for piece in pieces:
        out += [p.strip() for p in EN_SPLIT_RE.split(piece) if p and p.strip() and not re.fullmatch(
            r"what|which|who|how|when|where|is|are|does|did|do|can", p.strip(), re.I)]
    split = []
    for piece in out:  # "X要引进多少个，归哪几家负责？": two asks joined by a comma; so are
        clauses = re.split(r"(?<=[，,；;、])", piece)  # a claimed figure and the ask after it
        current = ""
        for clause in clauses:
            done = current.rstrip("，,；;、")
            if current and (asks(done) or _states(done)) and (asks(clause) or _states(clause)) \
                    and len(clause.rstrip("？?。 ")) >= ITEM_MIN + 1:
                split.append(done)
                current = ""
            current += clause
        split.append(current)
    return [p for p in split if re.search(r"[\w\u4e00-\u9fff]", p)]


def _claims(segment: str) -> bool:
    """A statement of a figure as the plans' ("新增用地不少于5000亩", "增速定在10%以上") or of who
    is responsible ("X那条是甲局牵头"): a part of its own, to be judged, when a question follows."""
    return not asks(segment) and _states(segment)


def _states(segment: str) -> bool:
    """Whether a segment states a figure as a fact or names who is responsible (asking or not)."""
    folded = fold(segment)
    return stated_as_fact(folded) or knowledge().has("agency_claim", folded.lower())


def asks(segment: str) -> bool:
    """Whether a segment asks something: a question word or mark, or a request ("帮我查一下…")."""
    low = fold(segment).lower()
    return knowledge().has("request", low) or knowledge().has("ask_words", low)


def _sequence(segment: str) -> list[str]:
    """'先说A，再说B' → A, B."""
    m = re.search(r"先(.+?)[,，]?\s*(?:再|然后|接着)(.+)", segment)
    return [m.group(1), m.group(2)] if m else [segment]


def _enumeration(piece: str, names_plan=None) -> list[str]:
    """'X，A和B分别是多少' → 'X，A是多少', 'X，B是多少' (also without 分别 when a figure is asked)."""
    k = knowledge()
    marker = k.pattern("part_markers").search(piece)
    if marker:
        head, tail = piece[:marker.start()].rstrip("，, "), piece[marker.end():]  # "A和B，各定了多少"
    else:
        m = re.search(r"(?:的)?(?:目标|指标)?(?:分别|各)?(?:是|有|要|为|达到)?(?:多少|几[家个项所])", piece)
        if not m:
            return [piece]
        head, tail = piece[:m.start()], piece[m.start():]
    cut = max(head.rfind(c) for c in "，,：:；;")
    prefix, span = head[:cut + 1], head[cut + 1:]
    conj = "|".join(re.escape(c) for c in sorted(k.words("conjunctions"), key=len, reverse=True) if c != "and")
    items = [i.strip() for i in re.split(conj, span) if i.strip()]
    if len(items) < 2 or any(len(i) < ITEM_MIN for i in items) or (not marker and any(len(i) < 4 for i in items)):
        return [piece]
    if names_plan and all(names_plan(i) for i in items):
        return [piece]  # "A和B的X分别…", "X在A和B里…": one question asked of plans A and B
    lead = re.match(r"^(?:[^\u4e00-\u9fff]*\d{4}[^\u4e00-\u9fff]*年?|到\d{4}年|.{0,6}(?:计划|方案)(?:里|中)?)", items[0])
    share = lead.group(0) if lead and not marker else ""  # "2023年A和B" : the year belongs to both
    return [prefix + (share if i and share else "") + item + tail for i, item in enumerate(items)]


def _bare(claim: str) -> bool:
    """A claim of a figure alone, with no words of what it measures ("最高200万")."""
    k = knowledge()
    rest = figure_pattern().sub("", fold(claim))
    rest = k.pattern("qualifiers").sub("", k.pattern("tag_question").sub("", rest))
    return not re.search(r"[\u4e00-\u9fff]{2}|[A-Za-z]{3}", rest)


def _subject(claim: str) -> str:
    """The words a claim names before its first figure ("X按单价" of "X按单价20%奖励")."""
    folded = fold(claim)
    m = figure_pattern().search(folded)
    return folded[:m.start()] if m else ""


def _elliptic(item: str) -> bool:
    return bool(re.search(r"呢[？?]?$|what about|how about", item, re.I)) and len(item) <= ELLIPSIS_MAX + 4


def borrow_predicate(item: str, previous: str) -> str:
    """'B呢？' after 'A是多少？' → 'B是多少？'; after a question whose A ends like B ("三类器械
    首次拿证奖多少" → "二类呢"), B takes A's place in it: "二类器械首次拿证奖多少"."""
    subject = re.sub(r"^(那|那么|还有|另外|and|what about|how about)\s*|呢?[？?]?$", "", item.strip(), flags=re.I)
    if not subject:
        return item
    at = previous.find(subject[-1]) if len(subject) >= 2 and not subject.isascii() else -1
    start = at - len(subject) + 1
    if start >= 0 and previous[start:at + 1] != subject and re.fullmatch(r"[\u4e00-\u9fff\d]+", previous[start:at + 1]):
        return previous[:start] + subject + previous[at + 1:]
    m = PREDICATE_RE.search(previous)
    if not m:
        return subject
    # the count is asked again, not its measure word: "那收入增速呢" after "…企业要多少家"
    measures = knowledge().pattern("count_measures").pattern
    return subject + re.sub(rf"(多少|几)\s*(?:{measures})(?=[？?]?$)", "多少", previous[m.start():])


def _names_scope(item: str) -> bool:
    return bool(re.search(r"\d{4}|计划|方案|规划", item))
