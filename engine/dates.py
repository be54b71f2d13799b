"""Answers from document metadata: issue dates, 文号, validity, entry into force, repeals,
and which plan is in force on a date. Each fact is cited to the clause that prints it."""
from __future__ import annotations

import datetime as dt
import re

from index.types import Filters
from ingest.text import DATE_RE, fold
from ingest.types import Clause, Document

from .analysis import DATE_YM_RE, Question
from .compose import Draft, extractive
from .knowledge import knowledge


def time_answer(engine, q: Question, docs: list[Document], also: tuple[str, ...] = ()) -> Draft:
    """Issue dates, 文号, validity, effect, repeals and which plan is in force: from metadata,
    each fact cited to the clause that prints it (``also``: facts told whatever the question's
    words, such as the repeal of the plan a question names when that plan is not indexed)."""
    en = q.lang == "en"
    low = q.folded.lower()
    draft = Draft("time")
    if q.date and knowledge().has("time_facts.in_force", low) or (
            q.years and knowledge().has("time_facts.in_force_year", low)):
        day = q.date or dt.date(q.years[0], 7, 1)
        pool = docs or list(engine.index.documents.values())
        if knowledge().has("levels.city", low):
            pool = [d for d in pool if d.level == "city"]
        active = [d for d in engine.index.documents.values() if d in pool and d.in_force(day)]
        if not active and docs:  # "到2029年1月这份还管用吗" of a named plan: no, and until when it was
            asked = DATE_YM_RE.search(q.folded)
            when = (day.isoformat() if q.date else str(day.year)) if en else (asked.group(0) if asked else f"{day.year}年")
            for doc in docs[:2]:
                draft.sentences.append(((f"On {when}, 《{doc.title}》 is not in force." if en else
                                         f"按{when}判断，《{doc.title}》不在施行期内。"), []))
                _metadata_facts(engine, q, doc, draft, en, ("valid",))
            if any(cites for _, cites in draft.sentences):
                return draft
        if not active:
            return Draft.refuse(f"no plan in the corpus is in force on {day}")
        for doc in active:
            notice = _printed(engine, doc, r"印发|行动计划|方案")
            asked = DATE_YM_RE.search(q.folded)  # say the date as the question gave it
            when = (day.isoformat() if q.date else str(day.year)) if en else (
                asked.group(0) if asked else f"{day.year}年（以年中为准）")
            draft.sentences.append(((f"On {when} (the date used), 《{doc.title}》 is in force."
                                     if en else f"按{when}判断，正在施行的是《{doc.title}》。"),
                                    [(notice, doc.title)] if notice else []))
        docs = active
    elif q.years and knowledge().has("time_facts.covers", low):  # "哪些计划覆盖2025年": by period
        year = q.years[0]
        covering = [d for d in (docs or engine.index.documents.values())
                    if d.period_start and d.period_start <= year <= d.period_end]
        if not covering:
            return Draft.refuse(f"no plan in the corpus covers {year}")
        for doc in covering:
            notice = _printed(engine, doc, r"印发|行动计划|方案")
            draft.sentences.append(((f"《{doc.title}》 covers {doc.period_start}–{doc.period_end}." if en else
                                     f"《{doc.title}》的规划期为{doc.period_start}—{doc.period_end}年，覆盖{year}年。"),
                                    [(notice, doc.title)] if notice else []))
        return draft
    if not docs:
        hits = engine.search(q.text, Filters(), k=3)
        docs = [engine.index.documents[hits[0].clause.doc_id]] if hits else []
    for doc in docs[:2]:
        _metadata_facts(engine, q, doc, draft, en, also)
    return draft if draft.sentences else extractive(engine, q, Filters(plans=tuple(d.doc_id for d in docs)))


ISSUED_RE = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年(?:\s*(?P<month>\d{1,2})\s*月)?(?:\s*(?P<day>\d{1,2})\s*[日号])?\s*(?:印发|发布|出台|发的|出的|下发|发文)")
VALID_RE = re.compile(r"有效期\s*(?:到|至|截至|截止到?)\s*(?P<year>(?:19|20)\d{2})\s*年")
# "印发当天就开始施行", "2025年8月1日起施行": when the plan takes effect, as claimed
EFFECTIVE_RE = re.compile(r"(?:(?P<year>(?:19|20)\d{2})\s*年)?(?:\s*(?P<month>\d{1,2})\s*月)?(?:\s*(?P<day>\d{1,2})\s*[日号])?"
                          r"(?P<same>印发(?:的)?当天|印发之日|发文当天)?\s*(?:就|即)?(?:开始|起)?(?:施行|实施|生效)")
ISSUER_RE = re.compile(r"(?:是|由|为)(?P<body>[\u4e00-\u9fff]{2,16}?(?:人民政府|政府|办公厅|办公室|委员会|管委会|局|委))(?:直接|亲自|单独|联合)?(?:印发|发文|发布|下发|发的|出的)")
EFFECT_PRINTED = r"自.{0,12}起(施行|实施)"  # how a plan prints the day it takes effect
YES_NO_RE = re.compile(r"[吗吧么][？?]?\s*$|[？?]\s*$")


def dated_claim(engine, q: Question, docs: list[Document]) -> tuple[str, str, list] | None:
    """(verdict, sentence, cites) for "X是某年(某月某日)印发的", "X有效期到某年底", "X印发当天就
    施行了吧" or "X是某政府发文的吧" of the one plan in scope, judged from its metadata (every
    part of a date the claim gives) and cited to the clause that prints it."""
    asks_back = knowledge().has("premise", q.low) or (YES_NO_RE.search(q.text) and not knowledge().has("ask_words", fold(
        YES_NO_RE.sub("", q.text)).lower()))  # "…落款也是这天？": a yes-or-no question about a stated date
    docs = docs or list(engine.index.documents.values())  # a question that names no plan, of a one-plan index
    if len(docs) != 1 or not asks_back:
        return None
    doc = docs[0]
    lang = "en" if q.lang == "en" else "zh"
    notice = next(iter(engine.index.records(doc_ids={doc.doc_id}, kind="notice")), None)
    effective = (doc.effective_from or (doc.issue_date if _printed(engine, doc, r"自印发之日起(施行|实施)") else None)
                 ) if EFFECTIVE_RE.search(q.folded) else None  # the records are searched only for such a claim
    judged = []  # (right, sentence, cites) per claim
    for claim_re, date, key, printed in ((EFFECTIVE_RE, effective, "effective", r"起(施行|实施)"),
                                         (ISSUED_RE, doc.issue_date, "issued", r"印发"),
                                         (VALID_RE, doc.valid_until, "valid", r"有效期")):
        m = claim_re.search(q.folded)
        if not (m and date) or key == "effective" and not (m.group("year") or m.group("month") or m.group("same")):
            continue
        clause = (notice if key == "issued" else None) or _printed(engine, doc, printed)
        said = _printed_date("", date)
        if key == "effective" and m.group("same"):
            right, asserted = date == doc.issue_date, _printed_date("", doc.issue_date)
        else:
            given = {"year": date.year, "month": date.month, "day": date.day}
            claimed = {k: int(v) for k, v in m.groupdict().items() if k in given and v}
            right = all(given[k] == v for k, v in claimed.items())
            asserted = "".join(f"{claimed[k]}{unit}" for k, unit in (("year", "年"), ("month", "月"), ("day", "日"))
                               if k in claimed)
        sentence = knowledge().say(f"{key}_{'right' if right else 'wrong'}", lang, title=f"《{doc.title}》",
                                   date=said, asserted=asserted)
        if key != "effective":
            judged.append((right, sentence, [(clause, said)] if clause else []))
            continue
        quote = _sentence_with(clause.text, "施行" if "施行" in clause.text else "实施") if clause else ""
        dated = [(notice, _printed_date(notice.text, doc.issue_date))] if notice else []  # 自印发之日起: the notice's date
        judged.append((right, sentence, ([(clause, quote)] if clause else []) + dated))
    m = ISSUER_RE.search(q.folded)
    if m and doc.issuer and notice:
        claimed = m.group("body")
        right = claimed.replace("人民政府", "政府") in doc.issuer.replace("人民政府", "政府")  # a city government is no district government
        sentence = knowledge().say(f"issuer_{'right' if right else 'wrong'}", lang, title=f"《{doc.title}》",
                                   issuer=doc.issuer, asserted=claimed)
        judged.append((right, sentence, [(notice, doc.issuer)]))
    if not judged:  # every claim is judged ("3月1日起施行，有效期到2027年底"): wrong if one is
        return None
    judged.sort(key=lambda j: j[0])  # a wrong claim first: the answer opens with 不对
    sentence = (" " if lang == "en" else "").join(s for _, s, _ in judged)
    return ("right" if all(r for r, _, _ in judged) else "wrong"), sentence, [c for _, _, cites in judged for c in cites]


def _metadata_facts(engine, q: Question, doc: Document, draft: Draft, en: bool, also: tuple[str, ...] = ()) -> None:
    low = q.folded.lower()
    k = knowledge()
    wants = {key: k.has(f"time_facts.{key}", low) or key in also
             for key in ("number", "valid", "effective", "repeal", "period", "issuer")}
    wants["issued"] = k.has("time_facts.issued", low) and k.has("time_facts.when", low) or wants["number"]
    notice = next(iter(engine.index.records(doc_ids={doc.doc_id}, kind="notice")), None)
    if (wants["issued"] or wants["number"]) and notice:
        date = _printed_date(notice.text, doc.issue_date)
        parts = [f"文号{doc.number}" if doc.number and not en else (f"document number {doc.number}" if doc.number else "")]
        if date:
            parts.append(f"{date}印发" if not en else f"issued on {date}")
        if doc.issuer and wants["issuer"]:
            parts.append(f"印发机关：{doc.issuer}" if not en else f"by {doc.issuer}")
        sentence = f"《{doc.title}》：" + "，".join(p for p in parts if p) + "。"
        draft.sentences.append((sentence, [(notice, date or doc.number or doc.title)]))
    if wants["issuer"] and notice and not wants["issued"]:
        draft.sentences.append((f"《{doc.title}》由{doc.issuer}印发。", [(notice, doc.issuer or "")]))
    if wants["valid"]:
        clause = _printed(engine, doc, r"有效期")
        if clause and doc.valid_until:
            date = _printed_date(clause.text[clause.text.find("有效期"):], doc.valid_until)
            draft.sentences.append(((f"《{doc.title}》 is valid until {date}." if en else f"《{doc.title}》有效期至{date}。"),
                                    [(clause, _sentence_with(clause.text, "有效期"))]))
        elif doc.period_end:
            draft.sentences.append((f"《{doc.title}》未写明有效期；其规划期为{doc.period_start}—{doc.period_end}年。",
                                    [(notice or engine.index.records(doc_ids={doc.doc_id})[0], doc.title)]))
    if wants["effective"]:
        clause = _printed(engine, doc, EFFECT_PRINTED)  # the clause that says so, not the first 实施 of a task
        if clause:
            quote = _sentence_with(clause.text, "施行" if "施行" in clause.text else "实施")
            draft.sentences.append(((f"It takes effect as stated: “{quote}”" if en else
                                     f"《{doc.title}》{re.search(EFFECT_PRINTED, fold(clause.text)).group(0)}（印发日期见通知）。"),
                                    [(clause, quote)]))
            if notice and not wants["issued"]:
                date = _printed_date(notice.text, doc.issue_date)
                if date:
                    draft.sentences.append(((f"It was issued on {date}." if en else f"印发日期为{date}。"), [(notice, date)]))
    if wants["repeal"]:
        clause = _printed(engine, doc, r"废止")
        if clause and doc.repeals:
            quote = _sentence_with(clause.text, "废止")
            names = "；".join(f"《{r.title}》（{r.number}）" if r.number else f"《{r.title}》" for r in doc.repeals)
            draft.sentences.append(((f"《{doc.title}》 repeals {names}." if en else f"《{doc.title}》印发后，{names}已废止。"),
                                    [(clause, quote)]))
        for other in doc.repealed_by:
            draft.sentences.append((f"《{doc.title}》已被《{engine.index.documents[other].title}》废止。", []))
    if wants["period"] and doc.period_start:
        cite = notice or _printed(engine, doc, r"\d{4}")
        draft.sentences.append(((f"《{doc.title}》 covers {doc.period_start}–{doc.period_end}." if en else
                                 f"《{doc.title}》的规划期为{doc.title[doc.title.rfind('（') if '（' in doc.title else doc.title.rfind('('):]}。"),
                                [(cite, doc.title)] if cite else []))


def _printed(engine, doc: Document, pattern: str) -> Clause | None:
    """The first record of ``doc`` whose text matches ``pattern`` (where a fact is printed)."""
    return next((c for c in engine.index.records(doc_ids={doc.doc_id}) if re.search(pattern, fold(c.text))), None)


def _printed_date(text: str, date: dt.date | None) -> str | None:
    """A date as the document prints it (2021年7月8日), falling back to the metadata value."""
    for m in DATE_RE.finditer(fold(text)):
        return text[m.start(): m.end()]
    return f"{date.year}年{date.month}月{date.day}日" if date else None


def _sentence_with(text: str, word: str) -> str:
    for sentence in re.findall(r"[^。]*。?", text):
        if word in fold(sentence):
            return sentence.strip()
    return text[:80]
