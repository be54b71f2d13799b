"""Choosing the sentence of a clause that answers a question, and trimming it to the part
that does, as written."""
from __future__ import annotations

import functools
import re

from index.lexical import tokenize
from ingest.text import fold
from ingest.types import Clause

from .knowledge import knowledge

SENTENCE_RE = re.compile(r"[^。；;\n]+[。；;]?")
# Words that carry no topic in any question (the corpus's own generic words, such as the
# words every title shares, are added per index: engine.core.Engine.stopwords).
FUNCTION_WORDS = frozenset(knowledge().words("function_words"))
YEAR_RE = re.compile(r"(19|20)\d{2}")
PIECE_MAX = 90  # a longer sentence is trimmed to the comma-separated part that answers
HEADING_LINE_MAX = 30  # a first line this short is the clause's heading line, not its text


def has_figure(text: str) -> bool:
    """A number other than a year (years set the scope; the figure is what is asked), in
    digits or in words with a measure ("十万升", "千升规模")."""
    return re.search(r"\d", re.sub(r"(19|20)\d{2}\s*年", "", text)) is not None or _worded_figure().search(text) is not None


@functools.lru_cache(maxsize=1)
def _worded_figure() -> re.Pattern:
    from ingest.facts import unit_alternation

    # a magnitude or a count above one: not 一批, 一个 (a batch, an instance)
    return re.compile(rf"(?:[一二两三四五六七八九]?[十百千万亿]+|[二两三四五六七八九])\s*(?:{unit_alternation()})")


def sentences(clause: Clause) -> list[str]:
    """The clause's sentences; a table row is one sentence, with its table's caption."""
    if clause.table:  # the caption says what the row measures ("主要指标")
        return [f"{clause.table['caption']}：{clause.text}"]
    first, _, rest = clause.text.partition("\n")
    named = clause.heading and fold(first).strip().rstrip("。.").endswith(fold(clause.heading).rstrip("。."))
    body = rest if rest and clause.kind == "clause" and (named or len(first) <= HEADING_LINE_MAX) else clause.text
    found = [s.strip() for s in SENTENCE_RE.findall(body) if len(s.strip()) > 1]
    if clause.heading and len(found) > 1 and fold(found[0]).rstrip("。").endswith(fold(clause.heading)):
        found = found[1:]  # "1.强化国家战略科技力量。" names the clause; it answers nothing
    return found


def content_tokens(text: str, stop: frozenset[str] = FUNCTION_WORDS) -> set[str]:
    """Tokens that carry meaning for matching (no function words, nor ``stop``)."""
    return {t for t in tokenize(text) if t not in stop and len(t) > 1 or t.isdigit()}


def overlap(question_tokens: set[str], text: str, rarity=None) -> float:
    """How much of the question a text covers, longer shared words weighing more, and rarer
    ones (``rarity``: the index's weight of a token) too; a shared year counts little (it
    names a plan or a deadline, rarely the thing asked)."""
    shared = question_tokens & content_tokens(text)
    return sum((1 if YEAR_RE.fullmatch(t) else min(len(t), 4)) * (0.5 + 0.5 * rarity(t) if rarity else 1.0) for t in shared)


def best_sentence(question_tokens: set[str], clause: Clause, want_number: bool) -> tuple[str, float]:
    """The clause sentence that covers most of the question (with a number, if one is asked)."""
    best, score = "", -1.0
    for sentence in sentences(clause):
        s = overlap(question_tokens, sentence) + (2.0 if want_number and has_figure(sentence) else 0.0)
        if s > score:
            best, score = sentence, s
    return best, score


def trim(sentence: str, question_tokens: set[str], want_number: bool) -> str:
    """A long sentence cut to its best comma-separated part plus the scope before it."""
    if len(sentence) <= PIECE_MAX:
        return sentence
    pieces = [p for p in re.split(r"(?<=[，,：:])", sentence) if p]
    words = {t for t in question_tokens if not re.fullmatch(r"(19|20)\d{2}", t)}  # the year is the lead's job
    scored = [overlap(words, p) + (1.5 if want_number and has_figure(p) else 0) for p in pieces]
    i = max(range(len(pieces)), key=lambda k: scored[k])
    j = i
    while j + 1 < len(pieces) and scored[j + 1] > 0 and len("".join(pieces[i: j + 2])) <= PIECE_MAX:
        j += 1
    lead = pieces[0] if i > 0 and re.search(r"(到|至|在)?\d{4}年|方面|领域", fold(pieces[0])) else ""
    text = lead + "……" * bool(lead and i > 1) + "".join(pieces[i: j + 1])
    return text.rstrip("，,：:；;") + ("" if text.endswith(("。", "；")) else "……" if j + 1 < len(pieces) else "")
