"""The core records of the project: a plan document and one citable clause of it.

Every stage (index, answer engine, app, eval) consumes these types, never ad-hoc dicts.
``to_dict`` gives the JSON shape documented in the README.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any


@dataclasses.dataclass
class Repeal:
    """A document that a plan declares repealed (…自印发之日起废止)."""

    title: str | None
    number: str | None


@dataclasses.dataclass
class Reading:
    """One wording of a clause, and the source files that print it."""

    text: str
    sources: list[str]


@dataclasses.dataclass
class Conflict:
    """Copies of one plan that disagree on a clause: every reading, and the one answers use."""

    path: str
    official: str                      # the source whose reading the records carry
    readings: list[Reading]

    def reading(self, source: str) -> Reading | None:
        """The reading ``source`` prints, if it prints this clause."""
        return next((r for r in self.readings if source in r.sources), None)


@dataclasses.dataclass
class Document:
    """A canonical plan document with its metadata and provenance."""

    doc_id: str
    title: str
    issuer: str | None = None
    number: str | None = None          # 文号, e.g. 京政办发〔2021〕12号
    issue_date: dt.date | None = None
    period_start: int | None = None
    period_end: int | None = None
    level: str | None = None           # "city" or "district"
    region: str | None = None          # 北京市 / 通州区 / 昌平区
    effective_from: dt.date | None = None
    valid_until: dt.date | None = None
    repeals: list[Repeal] = dataclasses.field(default_factory=list)
    repealed_by: list[str] = dataclasses.field(default_factory=list)  # doc_ids in the corpus
    sources: list[str] = dataclasses.field(default_factory=list)  # the official one first
    conflicts: list[Conflict] = dataclasses.field(default_factory=list)  # copies that disagree
    truncated: bool = False            # the canonical source itself ends early
    content_hash: str = ""
    text: str = ""                     # cleaned text; clause spans index into it

    def in_force(self, day: dt.date) -> bool:
        """Whether the plan applies on ``day``: inside its validity (or period) and not repealed."""
        start = self.effective_from or self.issue_date or (
            dt.date(self.period_start, 1, 1) if self.period_start else None)
        end = self.valid_until or (dt.date(self.period_end, 12, 31) if self.period_end else None)
        if self.repealed_by:
            return False
        return (start is None or start <= day) and (end is None or day <= end)

    def to_dict(self, with_text: bool = False) -> dict[str, Any]:
        """JSON-ready dict; the cleaned text only on request (it is large)."""
        data = _jsonable(dataclasses.asdict(self))
        if not with_text:
            data.pop("text")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Document":
        """Inverse of ``to_dict`` (dates back from ISO strings)."""
        data = dict(data)
        for key in ("issue_date", "effective_from", "valid_until"):
            if data.get(key):
                data[key] = dt.date.fromisoformat(data[key])
        data["repeals"] = [Repeal(**r) for r in data.get("repeals", [])]
        data["conflicts"] = [Conflict(c["path"], c["official"], [Reading(**r) for r in c["readings"]])
                             for c in data.get("conflicts", [])]
        return cls(**data)


# Qualifiers printed after the figure ("20个左右", "10%以上"); every other one comes before it.
TRAILING_QUALIFIERS = ("左右", "以上", "以内", "以下", "余", "多")


@dataclasses.dataclass
class Fact:
    """A figure of a clause bound to the indicator it measures: 上市挂牌企业 超 20 家 (2028)."""

    indicator: str                     # the noun phrase the figure measures, as printed
    qualifier: str                     # 超, 不少于, 左右, 达到, … ("" when none)
    value: str                         # as printed: "20", "3—5", "1.5"
    low: float
    high: float
    unit: str                          # 家, 个, 亿元, %, …
    year: int | None                   # target year (the clause's, else the plan's end year)
    text: str                          # the piece of the clause that states it, as printed

    def stated(self) -> str:
        """The figure as a reader should see it: 超20家, 3—5个, 20个左右."""
        tail = next((t for t in TRAILING_QUALIFIERS if self.qualifier.endswith(t)), "")  # 达到…以上
        lead = self.qualifier[: len(self.qualifier) - len(tail)]
        return f"{lead}{self.value}{self.unit}{tail}"


@dataclasses.dataclass
class Clause:
    """One citable unit: a clause (or one chunk of a long clause), a preamble or a table row."""

    clause_id: str
    doc_id: str
    title: str                         # the document's full title, for citations
    kind: str                          # notice | preamble | clause | bullet | table_row | paragraph
    path: str                          # clause path as printed, e.g. 二、（三）8.
    heading: str
    heading_path: list[str]
    text: str                          # original characters, for display and quotes
    span: tuple[int, int]              # character span in Document.text
    agencies: list[str] = dataclasses.field(default_factory=list)  # 责任单位
    chunk: int = 0                     # 0-based chunk number within the clause
    chunks: int = 1
    table: dict[str, Any] | None = None  # for table rows: caption, columns, cells
    facts: list[Fact] = dataclasses.field(default_factory=list)  # its figures, bound to indicators
    sources: list[str] = dataclasses.field(default_factory=list)  # the copies that print it

    @property
    def base_id(self) -> str:
        """The id of the whole clause: a long clause's chunks share it."""
        return self.clause_id.split("#")[0]

    def citation(self) -> str:
        """《title》path, the form every answer cites."""
        return f"《{self.title}》{self.path}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with the field names documented in the README."""
        return _jsonable(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Clause":
        """Inverse of ``to_dict``."""
        data = dict(data)
        data["span"] = tuple(data["span"])
        data["facts"] = [Fact(**f) for f in data.get("facts", [])]
        return cls(**data)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
