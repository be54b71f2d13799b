"""The 责任单位 directory: every agency named in the indexed plans, with former/later names.

Answers "which tasks does agency X have" completely, from the parsed 责任单位 lists, not from
top-k retrieval. Renames come from data/knowledge/agency_aliases.json (reviewed data). Short
forms people use (发改委, 经信局, 人社局) are resolved from the names in the documents by a
generic rule: the asked form's characters appear in the name in order, starting near the
front and ending with the same kind of body (局, 委, 办, 会, …).
"""
from __future__ import annotations

import re
from collections import defaultdict

from ingest.structure import BODY_SUFFIX
from ingest.text import fold
from ingest.types import Clause

from .knowledge import knowledge

# BODY_SUFFIX: the last character names the kind of body; an asked short form must end with the same one.
# The level, and a province or city named before it (a province's bureau listed in a city plan)
LEVEL_PREFIX = re.compile(r"^(?:[\u4e00-\u9fff]{2,3}(?:省|市))?(市|区|县|省)?")
SHORT_MAX = 10
ASKING_CHARS = r"[哪几什谁啥些各]"  # "哪几个区负责" asks which districts; it names none
# Districts listed right before 负责/牵头: named as the agencies responsible, listed or not.
CLAIMED_PLACE_RE = re.compile(r"((?:[\u4e00-\u9fff]{2,4}?[区县](?:政府)?\s*[和、与及,，]?\s*)+)(?:来|共同|一起)?(?:负责|牵头|主抓|承担)")


ALSO_KNOWN_RE = re.compile(r"(.+?)[(（](.+?)[)）]$")  # "市发展改革委(市京津冀协同办)": one body, two names


def parts_of(listed: str) -> set[str]:
    """The names one 责任单位 entry stands for: itself, each part of a merged name (市科委、中关村
    管委会), and both names of a body printed with its other name in brackets."""
    names = {listed, *listed.split("、")}
    for name in list(names):
        if m := ALSO_KNOWN_RE.fullmatch(name):
            names |= {m.group(1), m.group(2)}
    return names


class AgencyDirectory:
    """Agency names → the task clauses that list them."""

    def __init__(self, clauses: list[Clause]):
        self.groups = knowledge().agency_groups
        self.tasks: dict[str, list[Clause]] = defaultdict(list)  # one name or a 、-part of a merged name
        for clause in clauses:
            if clause.chunk:
                continue
            for agency in clause.agencies:
                for name in parts_of(agency):
                    self.tasks[fold(name)].append(clause)
        self.names = sorted(self.tasks, key=len, reverse=True)  # folded, as the keys are
        # Every name a question may use (listed or a former/later name), longest first.
        self._candidates = sorted({*self.names, *(fold(n) for g in self.groups for n in g)}, key=len, reverse=True)

    def mentioned(self, folded_question: str) -> list[str]:
        """Agency names in the question, longest first, without names inside a longer match."""
        found: list[str] = []
        for name in self._candidates:
            if name in folded_question and not any(name in longer for longer in found):
                found.append(name)
        return found

    def resolve(self, folded_question: str) -> tuple[list[str], dict[str, list[str]]]:
        """(names, asked → names it was resolved to) for every agency the question names:
        exactly, by a short form, or informally (规划部门)."""
        names = self.mentioned(folded_question)
        asked: dict[str, list[str]] = {}
        rest = folded_question
        for name in names:
            rest = rest.replace(name, " ")
        for form, matched in self._short_forms(rest):
            asked[form] = matched
            names += [n for n in matched if n not in names]
        for name in self.names:  # a place standing for its government: 某区 → 某区政府
            place = name[:-2] if name.endswith("政府") else ""
            if len(place) >= 2 and place in rest and name not in names:
                asked[place] = [name]
                names.append(name)
        for m in CLAIMED_PLACE_RE.finditer(rest):  # "甲区和乙区负责": districts named as agencies
            for place in re.findall(r"[\u4e00-\u9fff]{2,4}?[区县]", m.group(1)):
                if place not in asked and f"{place}政府" not in names and not re.search(ASKING_CHARS, place):
                    asked[place] = [f"{place}政府"]
                    names.append(f"{place}政府")
        if not names:
            names = self.informal(folded_question)
        return names, asked

    def _short_forms(self, text: str) -> list[tuple[str, list[str]]]:
        """Short agency forms in ``text`` with the listed names each abbreviates (longest form first)."""
        found = []
        for m in re.finditer(f"[{BODY_SUFFIX}]", text):
            end = m.end()
            for start in range(max(0, end - SHORT_MAX), end - 1):
                form = text[start:end]
                if not re.fullmatch(r"[\u4e00-\u9fff]+", form):
                    continue
                matched = self._abbreviates(LEVEL_PREFIX.sub("", form))
                if matched:
                    found.append((form, matched))
                    break
        return found

    def _abbreviates(self, key: str) -> list[str]:
        """Listed names that ``key`` abbreviates: same last character, the key's characters in
        order, the first one among the name's first three (after its level prefix)."""
        if len(key) < 2:
            return []
        pattern = re.compile(".*?".join(map(re.escape, key)) + "$")
        out = []
        for name in self.names:
            body = LEVEL_PREFIX.sub("", name)
            if "、" in name or len(body) < len(key) or body[-1] != key[-1]:
                continue
            if key[0] in body[:3] and pattern.search(body[body.index(key[0]):]):
                out.append(name)
        return out

    def informal(self, folded_question: str) -> list[str]:
        """Agencies named informally ("规划部门", "规划和国土部门"): every agency whose name
        contains the key's characters in order, for each part of the key."""
        found = []
        keys = re.findall(r"管\s*([\u4e00-\u9fff]{2,6}?)的(?:那个|那些|这个)?(?:部门|机构|单位)", folded_question)
        for key in keys or re.findall(r"([\u4e00-\u9fff]{2,8}?)(?:部门|机构)", folded_question):
            for part in re.split(r"[和与及、]", re.sub(r"^(的|由|是|在|各|哪些|市)", "", key)):
                if len(part) < 2:
                    continue
                pattern = ".*".join(map(re.escape, part))
                found += [n for n in self.names if re.search(pattern, n) and "、" not in n]
        return list(dict.fromkeys(found))

    def family(self, name: str) -> list[str]:
        """The name with its former and later names (one agency across plan rounds)."""
        for group in self.groups:
            if name in (fold(n) for n in group):
                return [fold(n) for n in group]
        return [name]

    def tasks_of(self, name: str) -> dict[str, list[Clause]]:
        """Every task clause of the agency under each of its names, name → clauses."""
        return {alias: self.tasks[alias] for alias in self.family(name) if self.tasks.get(alias)}
