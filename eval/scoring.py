"""``python -m eval score``: metrics of an answers file against the gold questions.

- answer facts: share of answerable questions whose answer contains every gold fact
  (compared after folding script, width, dashes and spaces)
- document / clause citation accuracy: share of answerable questions with at least one
  citation of a gold document / of a gold clause or one of its sub-clauses
- refusal precision and recall (positives: must_refuse)
- retrieval recall@k: share of answerable questions whose facts all appear in the contexts
- hallucinated figures: share of answers containing a number found in none of the cited
  clauses (nor in the question, typed in digits or in words); the target is 0
- strict: the share of questions right on everything at once: the facts, a citation of a
  gold clause and document, the refusal decision, and (for a question that asserts a figure or
  an agency) the verdict the answer opens with (对/不对/计划未写明; Yes/No/The plans do not state)
- latency p50 / p95
"""
from __future__ import annotations

import json
import re
import statistics
from collections import defaultdict
from pathlib import Path

from ingest.text import match_key

NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
CITE_RE = re.compile(r"\[\d+\]")
# Citations named in an answer (《title》 and its clause path) are not claims of figures.
# (the scorer keeps its own copy so that a change to the engine cannot change the score)
REFERENCE_RE = re.compile(r"《[^》]*》(?:, clause )?[^：:\s「“|]*|[一二三四五六七八九十]+、(?:[(（][一二三四五六七八九十]+[)）])?"
                          r"(?:\d{1,3}\.)?|[(（][一二三四五六七八九十]+[)）]\d{1,3}\.|附件\d{0,2}(?:·\d{1,3}\.)?")
# How an answer states its verdict (the README's contract), in the order they are tried.
VERDICTS = [("wrong", re.compile(r"^(不对[：:，,]|No\b)")), ("unstated", re.compile(r"^(计划未写明|The plans do not state)")),
            ("right", re.compile(r"^(对[：:，,]|Yes\b)"))]


def verdict_of(answer: str) -> str | None:
    """The verdict an answer opens with (after any 【part】 heading), or None."""
    for line in answer.splitlines():
        line = re.sub(r"^\s*[【\[][^】\]]*[】\]]\s*", "", line).strip()
        for name, pattern in VERDICTS:
            if pattern.search(line):
                return name
    return None


SPOKEN_RE = re.compile(r"[零一二两三四五六七八九十百千]+")  # a figure typed in words: 三百, 一百五十, 十
SPOKEN_DIGITS = dict(zip("零一二两三四五六七八九", (0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9)))
SPOKEN_PLACES = {"十": 10, "百": 100, "千": 1000}


def _verdict_line(answer: str) -> str:
    """The lines of an answer that open with a verdict, joined."""
    lines = [re.sub(r"^\s*[【\[][^】\]]*[】\]]\s*", "", line).strip() for line in answer.splitlines()]
    return "\n".join(line for line in lines if any(p.search(line) for _, p in VERDICTS))


def _numbers(text: str) -> set[str]:
    return set(NUMBER_RE.findall(match_key(CITE_RE.sub("", text)).replace(",", "")))


def _spoken(text: str) -> set[str]:
    """The figures a question types in words, as digits (三百 → 300, 三成 → 30): an answer that
    restates them states nothing new. Magnitudes (万, 亿) stay units, as answers write them."""
    found = set()
    for m in SPOKEN_RE.finditer(text):
        total, digit = 0, None
        for ch in m.group():
            if ch in SPOKEN_PLACES:
                total += (1 if digit is None else digit) * SPOKEN_PLACES[ch]
                digit = None
            else:
                digit = SPOKEN_DIGITS[ch] if digit is None else digit * 10 + SPOKEN_DIGITS[ch]
        total += digit or 0
        found |= {str(total), str(total * 10)} if text[m.end():m.end() + 1] == "成" else {str(total)}
    return found


def _cited(citation: dict, gold: dict) -> bool:
    """A citation of the gold clause or of one of its sub-clauses (same document)."""
    return (match_key(citation.get("title", "")) == match_key(gold["title"])
            and match_key(citation.get("clause", "")).startswith(match_key(gold["clause"])))


def judge(question: dict, answer: dict) -> dict:
    """Per-question verdicts."""
    refused = bool(answer.get("refused"))
    must_refuse = bool(question.get("must_refuse"))
    text = match_key(answer.get("answer", ""))
    facts = [match_key(f) for f in question.get("answer_facts", [])]
    contexts = match_key("\n".join(c.get("text", "") for c in answer.get("contexts", [])))
    citations = answer.get("citations", [])
    gold_docs = {match_key(t) for t in question.get("gold_documents", [])}
    cited_texts = [c.get("quote", "") for c in citations]
    by_clause = {(c.get("title"), c.get("clause")): c.get("text", "") for c in answer.get("contexts", [])}
    cited_texts += [by_clause.get((c.get("title"), c.get("clause")), "") for c in citations]
    answer_numbers = _numbers(REFERENCE_RE.sub("", answer.get("answer", "")))
    asked = question.get("question", "")
    allowed = set().union(*map(_numbers, cited_texts)) | _numbers(asked) | _spoken(asked)  # one text at a time:
    # joined texts lose their line breaks to match_key, which glues "…目标：50" and "1.…" into 501
    facts_ok = not refused and all(f in text for f in facts)
    doc_ok = not gold_docs or any(match_key(c.get("title", "")) in gold_docs for c in citations)
    clause_ok = not question.get("gold_clauses") or any(_cited(c, g) for c in citations for g in question["gold_clauses"])
    verdict = question.get("verdict")
    if must_refuse:
        strict = refused
    elif verdict == "unstated":  # no such indicator: saying so, or refusing, is right
        strict = refused or verdict_of(answer.get("answer", "")) == "unstated"
    else:
        strict = facts_ok and doc_ok and clause_ok and (verdict is None or verdict_of(answer.get("answer", "")) == verdict)
    return {
        "strict": strict,
        "answerable": not must_refuse,
        "refused": refused,
        "must_refuse": must_refuse,
        "facts": bool(facts) and not refused and all(f in text for f in facts),
        "doc_cited": any(match_key(c.get("title", "")) in gold_docs for c in citations),
        "clause_cited": any(_cited(c, g) for c in citations for g in question.get("gold_clauses", [])),
        "retrieved": bool(facts) and all(f in contexts for f in facts),
        "hallucinated": not refused and bool(answer_numbers - allowed),
        "verdict": verdict_of(answer.get("answer", "")),
        "verdict_line": _verdict_line(answer.get("answer", "")),
        "latency_ms": float(answer.get("latency_ms", 0.0)),
    }


def percentiles(values: list[float]) -> tuple[float | None, float | None]:
    """(median, p95) of latencies, the way every eval report states them; None when empty."""
    ordered = sorted(values)
    if not ordered:
        return None, None
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def _share(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def metrics(verdicts: list[dict]) -> dict:
    """Aggregate verdicts into the report's metrics."""
    answerable = [v for v in verdicts if v["answerable"]]
    refused = [v for v in verdicts if v["refused"]]
    positives = [v for v in verdicts if v["must_refuse"]]
    p50, p95 = percentiles([v["latency_ms"] for v in verdicts])
    return {
        "n": len(verdicts),
        "strict": _share([v["strict"] for v in verdicts]),
        "answer_facts": _share([v["facts"] for v in answerable]),
        "doc_citation": _share([v["doc_cited"] for v in answerable]),
        "clause_citation": _share([v["clause_cited"] for v in answerable]),
        "refusal_precision": _share([v["must_refuse"] for v in refused]),
        "refusal_recall": _share([v["refused"] for v in positives]),
        "retrieval_recall": _share([v["retrieved"] for v in answerable]),
        "hallucinated_figures": _share([v["hallucinated"] for v in verdicts if not v["refused"]]),
        "latency_p50_ms": None if p50 is None else round(p50, 1),
        "latency_p95_ms": None if p95 is None else round(p95, 1),
    }


def score(questions: list[dict], answers: list[dict]) -> dict:
    """Overall metrics plus breakdowns by question type and persona."""
    by_id = {str(a["id"]): a for a in answers}
    missing = [q["id"] for q in questions if str(q["id"]) not in by_id]
    if missing:
        raise ValueError(f"answers file lacks {len(missing)} question(s), e.g. {missing[:3]}; run `python -m eval run` again")
    verdicts = [(q, judge(q, by_id[str(q["id"])])) for q in questions]
    report = {"overall": metrics([v for _, v in verdicts]), "by_type": {}, "by_persona": {}}
    for field, key in (("type", "by_type"), ("persona", "by_persona")):
        groups = defaultdict(list)
        for q, v in verdicts:
            groups[q.get(field, "?")].append(v)
        report[key] = {name: metrics(vs) for name, vs in sorted(groups.items())}
    report["failures"] = [q["id"] for q, v in verdicts if not v["strict"] or v["hallucinated"]]
    report["premises"] = premise_audit(verdicts)
    return report


def premise_audit(verdicts: list[tuple[dict, dict]]) -> dict:
    """The questions that assert something (a gold ``verdict``): how many answers open with an
    explicit verdict (or refuse), and how many judge the claim against the wrong thing: 对 or
    不对 for an indicator the plans do not state, or verdict lines that lack the numbers of the
    value the gold binds to the asserted indicator (judged with a neighbour's value)."""
    judged = [(q, v) for q, v in verdicts if q.get("verdict")]
    explicit = [v["refused"] or v["verdict"] is not None for _, v in judged]
    misbound = [q["id"] for q, v in judged if not v["refused"] and (
        (q["verdict"] == "unstated" and v["verdict"] in ("right", "wrong"))
        or (q["verdict"] in ("right", "wrong") and v["verdict"] in ("right", "wrong")
            and not _numbers(" ".join(q.get("answer_facts", [])[:1])) <= _numbers(v["verdict_line"])))]
    return {"n": len(judged), "explicit": sum(explicit), "misbound": misbound}


COLUMNS = [("n", "n"), ("strict", "strict"), ("answer_facts", "facts"), ("doc_citation", "doc cite"), ("clause_citation", "clause cite"),
           ("refusal_precision", "refusal P"), ("refusal_recall", "refusal R"), ("retrieval_recall", "recall@k"),
           ("hallucinated_figures", "halluc."), ("latency_p50_ms", "p50 ms"), ("latency_p95_ms", "p95 ms")]


def table(rows: dict[str, dict]) -> str:
    """A Markdown table of metric rows."""
    head = "| | " + " | ".join(label for _, label in COLUMNS) + " |"
    lines = [head, "|---" * (len(COLUMNS) + 1) + "|"]
    for name, m in rows.items():
        cells = []
        for key, _ in COLUMNS:
            value = m.get(key)
            cells.append("—" if value is None else (f"{value:.0%}" if isinstance(value, float) and key not in (
                "latency_p50_ms", "latency_p95_ms") else str(value)))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def load_jsonl(path: Path) -> list[dict]:
    """Lines of a JSONL file."""
    return [json.loads(line) for line in Path(path).read_text("utf-8").splitlines() if line.strip()]
