"""Character-level helpers: folding for matching, display width, dates written in Chinese.

Display text always keeps the document's own characters. Matching goes through ``fold``,
which maps Traditional to Simplified (OpenCC) and full-width forms to half-width (NFKC)
while keeping the string's length, so a regex match on the folded text gives offsets that
are valid in the original.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = r"\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65“”‘’—…·"
_DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "‒": "-", "―": "-", "~": "-", "～": "-"})
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMERAL = "〇○零一二两三四五六七八九十"


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc  # imported lazily: only matching needs it

    return opencc.OpenCC("t2s")


def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch


class _FoldTable(dict):
    """Code point → ``_fold_char`` of it, for ``str.translate``; filled as characters are met
    (normalising each character of every text again cost more than all of BM25 per answer)."""

    def __missing__(self, code: int) -> str:
        self[code] = folded = _fold_char(chr(code))
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Simplified, half-width form of ``text`` with exactly the same length."""
    simplified = _t2s().convert(text)
    if len(simplified) != len(text):  # a phrase mapping changed the length: go char by char
        simplified = "".join(c2 if len(c2 := _t2s().convert(c)) == 1 else c for c in text)
    return simplified.translate(_FOLD)


def match_key(text: str) -> str:
    """Aggressive normal form for comparing texts: folded, dashes unified, no spaces, lower case."""
    return re.sub(r"\s+", "", fold(text).translate(_DASHES)).lower()


def content_key(text: str) -> str:
    """``match_key`` without punctuation: what two copies of one text have in common."""
    return re.sub(rf"[\W_{CJK_PUNCT}]+", "", match_key(text))


@functools.lru_cache(maxsize=4)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def same_wording(a: str, b: str) -> bool:
    """Whether two copies of a text say the same thing: equal ``content_key``, or differing only in
    characters that are script variants of each other (着/著 after a Traditional round trip).
    A changed figure, word or an added sentence is a different wording."""
    a, b = content_key(a), content_key(b)
    if a == b:
        return True
    if len(a) != len(b):
        return False
    return all(x == y or _variants(x, y) for x, y in zip(a, b))


@functools.lru_cache(maxsize=4096)
def _variants(x: str, y: str) -> bool:
    configs = ("s2t", "s2tw", "s2hk", "t2s", "tw2s", "hk2s")
    return any(_converter(c).convert(x) == y or _converter(c).convert(y) == x for c in configs)


def width(text: str) -> int:
    """Display width in columns; ambiguous-width characters count double, as in CJK layout."""
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in text)


def cn_int(token: str) -> int | None:
    """Parse '2021', '二〇二一' or '十二' into an int; None if it is neither."""
    if token.isdigit():
        return int(token)
    if not token or any(c not in _CN_NUMERAL for c in token):
        return None
    if "十" in token:  # 十, 十二, 二十, 二十三
        tens, _, ones = token.partition("十")
        return _CN_DIGITS.get(tens, 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return int("".join(str(_CN_DIGITS[c]) for c in token))


DATE_RE = re.compile(r"([0-9〇○零一二三四五六七八九]{4})\s*年\s*([0-9一二三四五六七八九十]{1,3})\s*月"
                     r"\s*([0-9一二三四五六七八九十]{1,3})\s*日")


def parse_date(text: str) -> dt.date | None:
    """First date written as 2021年7月8日 or 二〇二一年七月八日 in ``text``."""
    for m in DATE_RE.finditer(fold(text)):
        y, mo, d = (cn_int(g) for g in m.groups())
        try:
            return dt.date(y, mo, d)
        except (TypeError, ValueError):
            continue
    return None
