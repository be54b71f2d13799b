"""The engine's knowledge, kept as data: cue lexicons, answer templates, agency aliases and
the English glossary, all under data/knowledge/. Loaded once and validated at start, so a bad
edit fails with the file and key that are wrong, not with a wrong answer later.
"""
from __future__ import annotations

import functools
import json
import re
import string
from pathlib import Path

from settings import REPO

FOLDER = REPO / "data" / "knowledge"
TEMPLATE_LANGS = ("zh", "en")


class KnowledgeError(ValueError):
    """A knowledge file is missing, unreadable or malformed; the message names file and key."""


class Knowledge:
    """Validated contents of data/knowledge/."""

    def __init__(self, folder: Path = FOLDER):
        self.folder = Path(folder)
        self.lexicon = self._load("lexicon.json")
        self.templates = self._load("templates.json")
        self.agency_groups = self._load("agency_aliases.json").get("groups", [])
        self.glossary = self._load("glossary_en_zh.json").get("terms", {})
        self._patterns: dict[str, re.Pattern] = {}
        self._validate()

    def _load(self, name: str) -> dict:
        path = self.folder / name
        try:
            return json.loads(path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise KnowledgeError(f"{path} is unreadable ({exc}); restore it from git") from exc

    def _validate(self) -> None:
        for kind, spec in self.intents_spec().items():
            if not isinstance(spec.get("weight"), (int, float)) or not spec.get("cues"):
                raise KnowledgeError(f"lexicon.json intents.{kind} needs a weight and cues")
            self.pattern(f"intents.{kind}.cues")
        for key in ("actual_results", "amount_ask", "list_ask", "target_words", "task_ask", "premise",
                    "qualifiers", "units", "figure_stop", "figure_lead_verbs", "question_noise", "nickname_suffixes",
                    "conjunctions", "part_markers", "plan_words", "goal_headings", "name_ask", "measure_nouns",
                    "qualifier_bounds.upper", "qualifier_bounds.lower", "qualifier_bounds.approx", "lead_claim", "attribution",
                    "agency_claim", "tag_question", "request", "self_description", "ask_words", "number_ask", "asked_measures", "uncounted_measures", "count_measures", "set_ask", "stated_ask", "threshold_words", "out_of_scope", "baseline_ask"):
            self.pattern(key)
        for key in self.lexicon["time_facts"]:
            if not key.startswith("_"):
                self.pattern(f"time_facts.{key}")
        for name, spec in self.answer_kinds().items():
            self.pattern(f"answer_kinds.{name}.asks")
            _compile(spec["evidence"], f"lexicon.json answer_kinds.{name}.evidence")
        for name, spec in self.quantities().items():
            self.pattern(f"quantities.{name}.nouns")
            _compile(spec["evidence"], f"lexicon.json quantities.{name}.evidence")
        fields = {key for lang in TEMPLATE_LANGS for key in self.templates.get(lang, {})}
        for lang in TEMPLATE_LANGS:
            missing = fields - set(self.templates.get(lang, {}))
            if missing:
                raise KnowledgeError(f"templates.json {lang} lacks {sorted(missing)}")
            for key, text in self.templates[lang].items():
                try:
                    list(string.Formatter().parse(text))
                except ValueError as exc:
                    raise KnowledgeError(f"templates.json {lang}.{key}: {exc}") from exc
        for key in ("word_variants", "unit_variants", "spoken_figures"):
            if not all(isinstance(v, list) for k, v in self.lexicon.get(key, {}).items() if not k.startswith("_")):
                raise KnowledgeError(f"lexicon.json {key} maps a plan's word to a list of everyday variants")
        if not all(isinstance(g, list) and len(g) >= 2 and all(isinstance(w, str) for w in g) for g in self.contrasts):
            raise KnowledgeError("lexicon.json contrasts must be lists of two or more words")
        if not all(isinstance(g, list) and len(g) >= 2 for g in self.agency_groups):
            raise KnowledgeError("agency_aliases.json groups must be lists of two or more names")

    def intents_spec(self) -> dict[str, dict]:
        """kind → {weight, cues}, in the lexicon's order."""
        return {k: v for k, v in self.lexicon["intents"].items() if not k.startswith("_")}

    def quantities(self) -> dict[str, dict]:
        """Amount kinds (money, percent, area) with their nouns and evidence pattern."""
        return {k: v for k, v in self.lexicon["quantities"].items() if not k.startswith("_")}

    def answer_kinds(self) -> dict[str, dict]:
        """What a question may ask for besides an amount (place, person): asks and evidence."""
        return {k: v for k, v in self.lexicon["answer_kinds"].items() if not k.startswith("_")}

    def words(self, dotted: str) -> list[str]:
        """The list at a dotted key of the lexicon (``levels.city``)."""
        value = self.lexicon
        for part in dotted.split("."):
            if not isinstance(value, dict) or part not in value:
                raise KnowledgeError(f"lexicon.json has no key {dotted}")
            value = value[part]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise KnowledgeError(f"lexicon.json {dotted} must be a list of strings")
        return value

    @functools.cached_property
    def contrasts(self) -> list[list[str]]:
        """Sets of words plans use as alternatives to one another (按月 / 按季度)."""
        return self.lexicon.get("contrasts", [])

    @functools.cached_property
    def variants(self) -> list[tuple[str, str]]:
        """(everyday word, the plans' word) pairs of word_variants, longest first."""
        return _pairs(self.lexicon.get("word_variants", {}))

    def in_plan_words(self, text: str, variants: list[tuple[str, str]] | None = None) -> str:
        """``text`` with its everyday words in the plans' words (孩子上学 → 子女入学), of ``variants``
        (default: all of word_variants); a variant inside the plans' own word is left as it is
        (园区 of 产业园区)."""
        for variant, word in self.variants if variants is None else variants:
            spans = [m.span() for m in re.finditer(re.escape(word), text)] if variant in word else []
            text = re.sub(re.escape(variant), lambda m: m.group(0) if any(a <= m.start() < b for a, b in spans) else word,
                          text)
        return text

    @functools.cached_property
    def unit_variants(self) -> list[tuple[str, str]]:
        """(spoken measure word, the plans' unit) pairs of unit_variants, longest first."""
        return _pairs(self.lexicon.get("unit_variants", {}))

    @functools.cached_property
    def en_counted_nouns(self) -> list[tuple[str, str]]:
        """(English noun's start, the plans' unit) pairs of en_counted_nouns, longest first."""
        nouns = {k: v for k, v in self.lexicon.get("en_counted_nouns", {}).items() if not k.startswith("_")}
        return sorted(nouns.items(), key=lambda kv: len(kv[0]), reverse=True)

    @functools.cached_property
    def spoken_figures(self) -> list[tuple[str, str]]:
        """(figure said in words, the plans' way of writing it) pairs of spoken_figures, longest first."""
        return _pairs(self.lexicon.get("spoken_figures", {}))

    def pattern(self, dotted: str) -> re.Pattern:
        """The alternatives at ``dotted`` as one compiled regex (cached)."""
        if dotted not in self._patterns:
            self._patterns[dotted] = _compile("|".join(f"(?:{w})" for w in self.words(dotted)),
                                              f"lexicon.json {dotted}")
        return self._patterns[dotted]

    def has(self, dotted: str, text: str) -> bool:
        """Whether ``text`` contains a cue listed at ``dotted``."""
        return self.pattern(dotted).search(text) is not None

    def say(self, key: str, lang: str, **fields) -> str:
        """A template filled in the answer language (zh-Hant answers are written in zh first)."""
        return self.templates["en" if lang == "en" else "zh"][key].format(**fields)


def _pairs(mapping: dict) -> list[tuple[str, str]]:
    pairs = [(v, k) for k, vs in mapping.items() if not k.startswith("_") for v in vs]
    return sorted(pairs, key=lambda p: -len(p[0]))


def _compile(pattern: str, where: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise KnowledgeError(f"{where}: bad pattern ({exc})") from exc


@functools.lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    """The validated knowledge of data/knowledge/ (loaded once per process)."""
    return Knowledge()
