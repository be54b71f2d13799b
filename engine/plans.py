"""Which plans a question names, however people name them: a period in any spelling
(2021—2023, 21-23年, 18年那版), a level (市级, 区里), a place (the plan's district, in pinyin too,
or a nickname the plan itself uses), or its place in the sequence of plans (上一轮, 现行).

Everything is derived from the indexed documents; the words are data (lexicon.json).
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from ingest.text import fold
from ingest.types import Document

from .analysis import Question, short_periods
from .knowledge import knowledge

START_YEAR_RE = re.compile(r"(?<![\d.])((?:19|20)?\d{2})\s*年?\s*(?:出的|发的|印发的|出台的)?\s*(?:的|那|这)?\s*"
                           r"(?:版|轮|份|个计划|那份|的计划|计划)")
NICKNAME_MIN_COUNT = 2  # a quoted nickname must recur in its plan (not a one-off slogan)


def region_aliases(doc: Document) -> list[str]:
    """Ways a question names a district plan by place: X区, X, and X in pinyin."""
    from ingest.libcache import lazy_pinyin  # pypinyin's, remembered: its import costs 0.2-0.3 s

    region = fold(doc.region or "")
    short = re.sub(r"(区|县|市)$", "", region)
    aliases = [region, short, "".join(lazy_pinyin(short)).lower()] if doc.level == "district" else []
    return [a for a in aliases if len(a) >= 2]


class PlanNames:
    """Names of the indexed plans, and the plans a question names."""

    def __init__(self, documents: list[Document], today: dt.date):
        self.documents = documents
        self.today = today
        self._folded = {d.doc_id: fold(d.title) + fold(d.text) for d in documents}
        self.aliases = {d.doc_id: region_aliases(d) + self._nicknames(d) for d in documents}

    def _nicknames(self, doc: Document) -> list[str]:
        """Nicknames a plan uses for its own place: words of its title, or quoted terms that
        recur in its text, ending in a place-like suffix (…中心, …谷, …城), shared with no other plan."""
        from index.lexical import _jieba

        suffix = knowledge().pattern("nickname_suffixes").pattern
        title = fold(doc.title)
        ends, at = set(), 0
        for token in _jieba().lcut(title):  # a nickname ends where a word ends (not a suffix inside a longer word)
            at += len(token)
            ends.add(at)
        found = []
        for m in re.finditer(rf"(?:{suffix})", title):
            if m.end() in ends:
                word = title[max(0, m.end() - 7): m.end()]
                found += [word[i:] for i in range(len(word) - 2) if not re.search(r"[^\u4e00-\u9fff]", word[i:])]
        quoted = re.findall(rf"“([\u4e00-\u9fff]{{1,6}}(?:{suffix}))”", fold(doc.text))
        found += [w for w in set(quoted) if quoted.count(w) >= NICKNAME_MIN_COUNT]
        others = "\n".join(text for doc_id, text in self._folded.items() if doc_id != doc.doc_id)
        return [w for w in dict.fromkeys(found) if len(w) >= 2 and w not in others]

    def explicit(self, q: Question, pool: list[Document]) -> list[Document]:
        """The plans of ``pool`` the question names by period or place (not by level or round)."""
        named = [d for d in pool if d.period_start and (d.period_start, d.period_end) in q.periods]
        if not q.periods:
            starts = {int(y) if len(y) == 4 else 2000 + int(y) for y in START_YEAR_RE.findall(q.folded)}
            named += [d for d in pool if d.period_start in starts]
        by_place = [d for d in pool if d not in named and any(
            _names_place(q.low, a, listed_ok=not named) for a in self.aliases[d.doc_id])]
        return named + by_place

    def named(self, q: Question, pool: list[Document]) -> list[Document]:
        """The plans of ``pool`` the question names (empty: it names none)."""
        k = knowledge()
        low = q.low
        named = self.explicit(q, pool)
        explicit = list(named)
        for level in ("city", "district"):
            if k.has(f"levels.{level}", low) and not any(d.level == level for d in named):
                named += [d for d in pool if d.level == level]
        named = list({d.doc_id: d for d in named}.values())
        rounds = self._rounds(low, pool if k.has("rounds.previous", low) else (named or pool), explicit)
        if rounds:
            named = list({d.doc_id: d for d in [*(d for d in named if d not in rounds["scope"]),
                                                 *rounds["picked"]]}.values())
        return named

    def _rounds(self, low: str, pool: list[Document], named: list[Document]) -> dict | None:
        """上一轮 / 最新: the plans of one series (same level and region) by period."""
        k = knowledge()
        previous, latest = k.has("rounds.previous", low), k.has("rounds.latest", low)
        if not (previous or latest):
            return None
        series = defaultdict(list)
        for d in pool:
            if d.period_start:
                series[(d.level, d.region)].append(d)
        chains = [sorted(s, key=lambda d: d.period_start) for s in series.values() if len(s) >= 2]
        if named:  # the series of the plan named; none when that plan has no other round here
            chains = [c for c in chains if any(d in named for d in c)]
        asks_which = re.search(r"哪(个|份|一份)|which", low)
        if latest and asks_which and not previous and not named and len(pool) >= 2:  # "最新那份是哪个": of them all
            newest = max(pool, key=lambda d: (d.issue_date or dt.date(d.period_start or 1, 1, 1), d.period_start or 0))
            return {"picked": [newest], "scope": pool}
        if len(chains) != 1:  # no series, or several: the words do not say which
            return None
        chain = chains[0]
        anchor = [d for d in chain if d in named]  # "上一轮" relative to the plan the question names
        current = anchor or [d for d in chain if d.in_force(self.today)] or chain[-1:]
        newest = current[-1]
        older = [d for d in chain if d.period_start < newest.period_start]
        picked = ([older[-1]] if previous and older else []) + ([newest] if latest or not older else [])
        if previous and (anchor or k.has("intents.comparison.cues", low)):
            picked.append(newest)  # "和上一轮比": this round against the previous one
        return {"picked": list({d.doc_id: d for d in picked}.values()), "scope": chain}

    def mentions(self, folded: str) -> list[str]:
        """The spans of ``folded`` that name a plan (a period, a place, a level, a round)."""
        from .analysis import PERIOD_RE

        k = knowledge()
        low = folded.lower()
        spans = [m.group(0) for rx in (PERIOD_RE, START_YEAR_RE) for m in rx.finditer(low)]
        spans += [m.group(0) for m in short_periods(low)]
        spans += [a for aliases in self.aliases.values() for a in aliases if a in low]
        for key in ("levels.city", "levels.district", "rounds.previous", "rounds.latest"):
            spans += [m.group(0) for m in k.pattern(key).finditer(low)]
        return [s for s in spans if s]

    def strip(self, text: str) -> str:
        """``text`` without the words that name a plan, and the 的计划/那轮 they leave behind."""
        folded = fold(text)
        out = text
        for span in sorted(set(self.mentions(folded)), key=len, reverse=True):
            at = fold(out).lower().find(span)
            if at >= 0:
                rest = re.sub(r"^(年)?(的)?(那个|这个|那份|这份)?(行动)?(计划|方案|那轮|那版|这轮)?", "", out[at + len(span):])
                inside = re.match(r"(中|里面|里)?[的，,]?", rest)
                if not _begins_word(rest, inside.group(1)):  # "X版中提到" is "in X版"; 中试 is a word
                    rest = rest[inside.end():]
                out = out[:at] + rest
        return out.strip(" ，,")


def _begins_word(text: str, head: str | None) -> bool:
    """Whether ``head`` (中, 里) begins a longer word of ``text`` (中试, 中小企业), by jieba."""
    if not head:
        return False
    from index.lexical import tokenize

    first = next(iter(tokenize(text[:8])), "")
    return first.startswith(head) and len(first) > len(head)


def _names_place(low: str, alias: str, listed_ok: bool) -> bool:
    """Whether ``alias`` occurs in the question as the name of a plan's place: an item of a
    list of places ("授权甲区、乙区、丙区…") names places, not a plan, when the question names
    its plan otherwise (``listed_ok`` False)."""
    for m in re.finditer(re.escape(alias), low):
        listed = low[m.start() - 1: m.start()] == "、" or low[m.end(): m.end() + 1] == "、"
        if listed_ok or not listed:
            return True
    return False

