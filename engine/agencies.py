"""The 责任单位 directory: every agency named in the indexed plans, with former/later names.

Answers "which tasks does agency X have" completely, from the parsed 责任单位 lists, not from
top-k retrieval. Renames come from data/agency_aliases.json (Beijing's 2018 reform).
"""
from __future__ import annotations

import json
import re
from collections import defaultdict

from ingest.text import fold
from ingest.types import Clause
from settings import REPO

ALIASES_FILE = REPO / "data" / "agency_aliases.json"


class AgencyDirectory:
    """Agency names → the task clauses that list them."""

    def __init__(self, clauses: list[Clause]):
        self.groups = [g for g in json.loads(ALIASES_FILE.read_text("utf-8"))["groups"]]
        self.tasks: dict[str, list[Clause]] = defaultdict(list)  # one name or a 、-part of a merged name
        for clause in clauses:
            if clause.chunk:
                continue
            for agency in clause.agencies:
                for name in {agency, *agency.split("、")}:
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

    def informal(self, folded_question: str) -> list[str]:
        """Agencies named informally ("药监部门", "规划和国土部门"): every agency whose name
        contains the key's characters in order, for each part of the key."""
        found = []
        for key in re.findall(r"([\u4e00-\u9fff]{2,8}?)(?:部门|机构)", folded_question):
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
