"""A lexical bridge for English questions: the Chinese terms of the policy vocabulary they use
(data/knowledge/glossary_en_zh.json) and the Chinese names of regions written in pinyin. The dense model
is multilingual; this lets BM25 and sentence matching take part too."""
from __future__ import annotations

import functools
import re

from .knowledge import knowledge


@functools.lru_cache(maxsize=1)
def _terms() -> list[tuple[str, str]]:
    return sorted(knowledge().glossary.items(), key=lambda kv: -len(kv[0]))


def chinese_terms(question: str, regions: dict[str, str]) -> str:
    """Chinese terms for the English phrases in ``question`` (longest match first)."""
    text = " " + re.sub(r"[^a-z0-9&\- ]+", " ", question.lower()) + " "
    found = []
    for english, chinese in _terms():
        pattern = rf"(?<![a-z]){re.escape(english)}(?![a-z])"
        if re.search(pattern, text):
            found.append(chinese)
            text = re.sub(pattern, " ", text)
    found += [zh for pinyin, zh in regions.items() if pinyin in text.replace(" ", "")]
    return " ".join(dict.fromkeys(found))
