"""What the app shows, as pure functions of the engine's types: an answer with its own merged
citations, the sources cards of every answer of a conversation, the document viewer, the
Targets table, exports and the interface's messages in the user's language. No Gradio here.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from pathlib import PurePath
from urllib.parse import quote as urlquote
from urllib.parse import unquote

OPEN_CARDS = 4  # cards shown open in a sources list; the rest are collapsed
OPEN_PREFIX = "#open-"  # a link that opens the document viewer at a clause
MESSAGES = {
    "empty": {"zh": "问题为空，请输入关于行动计划的问题，例如：2023年新增上市企业目标是多少？",
              "en": "The question is empty; type a question about the plans, e.g. What is the 2023 target for newly listed firms?"},
    "too_long": {"zh": "问题有 {n} 个字符，上限为 {limit} 个；请一次只问一个较短的问题。",
                 "en": "The question is {n} characters long; the limit is {limit}. Ask one shorter question at a time."},
    "bad": {"zh": "无法读取这个问题：{why}", "en": "This question cannot be read: {why}"},
    "no_plans": {"zh": "当前筛选条件（{filters}）排除了所有计划，没有可检索的内容。请清除或放宽筛选条件。",
                 "en": "The filters ({filters}) exclude every plan, so nothing can be searched. Clear or widen them."},
    "no_answer_yet": {"zh": "提问后即可导出回答。", "en": "Ask a question first; then an answer can be exported."},
}


def language(text: str | None) -> str:
    """"en" for a question written in Latin letters without Chinese, else "zh" (the default)."""
    text = text or ""
    if re.search(r"[\u3400-\u9fff]", text):
        return "zh"
    return "en" if re.search(r"[A-Za-z]{2,}", text) else "zh"


def message(key: str, lang: str = "zh", **values) -> str:
    """An interface message in ``lang`` (Chinese unless "en")."""
    return MESSAGES[key]["en" if lang == "en" else "zh"].format(**values)


@dataclasses.dataclass
class Card:
    """One cited clause of an answer, numbered as shown; duplicate citations of a clause
    (the same clause with several quotes) are one card with every quote."""

    n: int
    clause: object
    quotes: list[str]


def merge_citations(answer) -> tuple[str, list[Card]]:
    """The answer text renumbered so that each clause has one number, and its cards."""
    cards: dict[str, Card] = {}
    number: dict[int, int] = {}
    for citation in answer.citations:
        card = cards.setdefault(citation.clause.clause_id, Card(len(cards) + 1, citation.clause, []))
        if citation.quote and citation.quote not in card.quotes:
            card.quotes.append(citation.quote)
        number[citation.n] = card.n
    for card in cards.values():  # a quote that contains another quote of the clause adds nothing to mark
        card.quotes = [q for q in card.quotes if not any(o != q and o in q for o in card.quotes)] or card.quotes
    text = re.sub(r"\[(\d+)\]", lambda m: f"[{number.get(int(m.group(1)), m.group(1))}]", answer.text)
    text = re.sub(r"(\[\d+\])(?:\1)+", r"\1", text)  # [1][1] after merging → [1]
    text = re.sub(r"((?:\[\d+\])+)", lambda m: "".join(dict.fromkeys(re.findall(r"\[\d+\]", m.group(1)))), text)
    return text, list(cards.values())


def open_link(clause_id: str, quote: str = "") -> str:
    """The href that opens the viewer at ``clause_id`` with ``quote`` highlighted."""
    return OPEN_PREFIX + urlquote(clause_id, safe="") + ("~" + urlquote(quote, safe="") if quote else "")


def parse_open(value: str) -> tuple[str, str]:
    """(clause_id, quote) from what the page sends when an open link is clicked."""
    value = (value or "").split("@", 1)[0]
    value = value[len(OPEN_PREFIX):] if value.startswith(OPEN_PREFIX) else value
    clause_id, _, quote = value.partition("~")
    return unquote(clause_id), unquote(quote)


def chat_text(text: str, k: int, cards: list[Card], lead: bool = True) -> str:
    """Answer ``k`` for the chat: HTML escaped (a plan or a question may carry markup, which
    must never render live); its first line leads in bold when evidence follows; each [n]
    links to this answer's card n, with the clause and quote as a hover preview."""
    by_n = {c.n: c for c in cards}
    lines = html.escape(text, quote=False).split("\n")
    if lead and len(lines) > 1 and lines[0].strip():
        lines[0] = f"**{lines[0].strip()}**"

    def mark(m):
        card = by_n.get(int(m.group(1)))
        if card is None:
            return m.group(0)
        preview = f"{card.clause.citation()}：{' … '.join(card.quotes)}"[:300]
        preview = preview.replace('"', "＂").replace("\n", " ")
        return f'[[{card.n}]](#src-{k}-{card.n} "{html.escape(preview, quote=False)}")'

    return re.sub(r"\[(\d+)\]", mark, "\n".join(lines))


def highlight(text: str, quotes: list[str]) -> str:
    """``text`` escaped, with each quote in it marked."""
    out = html.escape(text)
    for quote in quotes:
        q = html.escape(quote)
        if q and q in out:
            out = out.replace(q, f"<mark>{q}</mark>", 1)
    return out


def source_label(doc, today: dt.date) -> str:
    """Where a plan's text comes from: kind, date and file names (the official copy first)."""
    files = [PurePath(s).name for s in doc.sources]
    issued = f"印发于 {doc.issue_date}" if doc.issue_date else "印发日期未载明"
    parts = [f"正式文本 {html.escape(files[0])}" if files else "来源未载明"]
    parts += [f"其他副本（转载或上传）{html.escape(f)}" for f in files[1:]]
    return f"{issued} · " + "；".join(parts)


def status(doc, today: dt.date) -> str:
    """规划期 · 现行/已失效 of a plan."""
    period = f"{doc.period_start}—{doc.period_end}年" if doc.period_start else "—"
    return f"规划期 {period} · {'现行有效' if doc.in_force(today) else '已失效'}"


def sources_section(k: int, answer, cards: list[Card], documents: dict, filters: str, today: dt.date,
                    full_text=lambda clause: clause.text) -> str:
    """The sources of answer ``k`` as collapsible cards (the first OPEN_CARDS open)."""
    head = (f"<div class='answer-head'><b>回答 {k + 1}</b>：{html.escape(answer.question[:80])}"
            + (f"<br><small>筛选：{html.escape(filters)}</small>" if filters else "") + "</div>")
    if not cards:
        related = "".join(f"<li>{html.escape(c.citation())} {html.escape(c.heading)} "
                          f"<a href='{open_link(c.clause_id)}'>打开</a></li>" for c in answer.related)
        body = (f"<p><b>{html.escape(answer.text)}</b></p>"
                + (f"<p>相关条款（仅供参考，不是答案）：</p><ul>{related}</ul>" if related else ""))
        return f"<section class='answer-sources' id='answer-{k}' data-answer='{k}'>{head}{body}</section>"
    blocks = []
    for card in cards:
        clause, doc = card.clause, documents.get(card.clause.doc_id)
        meta = (f"{status(doc, today)} · {source_label(doc, today)}" if doc else "该文档已从索引删除")
        blocks.append(
            f"<details class='source' id='src-{k}-{card.n}'{' open' if card.n <= OPEN_CARDS else ''}>"
            f"<summary><b>[{card.n}]</b> 《{html.escape(clause.title)}》{html.escape(clause.path)}</summary>"
            f"<div class='meta'>{meta} · <a href='{open_link(clause.clause_id, card.quotes[0] if card.quotes else '')}'>"
            f"在原文中查看</a></div><blockquote>{highlight(full_text(clause), card.quotes)}</blockquote></details>")
    more = len(cards) - OPEN_CARDS
    note = f"<p class='more'>共 {len(cards)} 条出处，后 {more} 条已折叠，点击展开。</p>" if more > 0 else ""
    return (f"<section class='answer-sources' id='answer-{k}' data-answer='{k}'>{head}{note}"
            + "".join(blocks) + "</section>")


def sources_panel(sections: list[str], shown: int | None) -> str:
    """Every answer's sources; the one of answer ``shown`` visible (the page switches on [n])."""
    if not sections:
        return "<p class='empty'>回答的出处会显示在这里；点击回答中的 [n] 查看对应条款。</p>"
    out = []
    for k, section in enumerate(sections):
        out.append(section.replace("class='answer-sources'", "class='answer-sources shown'", 1)
                   if k == shown else section)
    return "".join(out)


def answer_markdown(answer, text: str, cards: list[Card]) -> str:
    """One answer with its citations, for export."""
    lines = [f"## {answer.question}", "", text, ""]
    lines += [f"[{c.n}] {c.clause.citation()}：" + "；".join(f"「{q}」" for q in c.quotes) for c in cards]
    return "\n".join(lines) + "\n"


def file_name(*parts: str, ext: str) -> str:
    """A download's name from meaningful words (责任单位-市科委.csv), safe on every system."""
    words = [re.sub(r"[\\/:*?\"<>|\s]+", "", p)[:24] for p in parts if p]
    return "-".join(w for w in words if w) + f".{ext}"


def viewer(doc, clauses: list, target: str | None = None, quote: str = "") -> str:
    """A document's cleaned text beside its clause tree; the clause ``target`` is marked
    (class 'target') and ``quote`` highlighted in it. Conflicting readings are listed."""
    records = sorted((c for c in clauses if c.doc_id == doc.doc_id), key=lambda c: c.span)
    tree, body, pos, seen = [], [], 0, set()
    for clause in records:
        start, end = clause.span
        if start > pos:
            body.append(f"<div class='gap'>{html.escape(doc.text[pos:start])}</div>")
        start = max(start, pos)
        is_target = target is not None and clause.base_id == target.split("#")[0]
        text = doc.text[start:end] or clause.text
        shown = highlight(text, [quote]) if is_target and quote else html.escape(text)
        anchor = "" if clause.base_id in seen else f" id='view-{html.escape(urlquote(clause.base_id, safe=''))}'"
        body.append(f"<div class='clause{' target' if is_target else ''}'{anchor}>"
                    f"<span class='path'>{html.escape(clause.path)}</span> {shown}</div>")
        if clause.base_id not in seen:
            seen.add(clause.base_id)
            depth = max(len(clause.heading_path) - 1, 0)
            tree.append(f"<li style='margin-left:{depth}em'><a href='{open_link(clause.clause_id)}'>"
                        f"{html.escape(clause.path)}</a> {html.escape((clause.heading or '')[:24])}</li>")
        pos = max(pos, end)
    if pos < len(doc.text):
        body.append(f"<div class='gap'>{html.escape(doc.text[pos:])}</div>")
    conflicts = "".join(
        f"<li>{html.escape(c.path)}：" + "；".join(
            f"{'（采用）' if c.official in r.sources else ''}「{html.escape(r.text[:80])}」"
            f"（{html.escape(', '.join(PurePath(s).name for s in r.sources))}）" for r in c.readings) + "</li>"
        for c in doc.conflicts)
    head = (f"<h3>《{html.escape(doc.title)}》</h3><p>{html.escape(doc.number or '')} · {status(doc, dt.date.today())}"
            f" · {source_label(doc, dt.date.today())}</p>"
            + (f"<details><summary>{len(doc.conflicts)} 处版本冲突</summary><ul>{conflicts}</ul></details>"
               if conflicts else ""))
    return (f"<div class='viewer' data-doc='{html.escape(doc.doc_id)}'>{head}<div class='viewer-cols'>"
            f"<nav class='viewer-tree'><ul>{''.join(tree)}</ul></nav>"
            f"<article class='viewer-text'>{''.join(body)}</article></div></div>")


def filters_text(plans, region, in_force, documents: dict) -> str:
    """The active filters in words (empty when none)."""
    parts = []
    if plans:
        parts.append("计划：" + "、".join(documents[p].title if p in documents else p for p in plans))
    if region:
        parts.append(f"地区：{region}")
    if in_force:
        parts.append("只看现行有效")
    return "；".join(parts)


def short_name(doc) -> str:
    """A column-sized name for a plan: region and period (北京市 2021—2023)."""
    period = f"{doc.period_start}—{doc.period_end}" if doc.period_start else doc.doc_id
    return f"{doc.region or ''} {period}".strip()


def targets_view(clauses: list, documents: dict):
    """(columns, rows, note, chart) of the Targets tab, read from the index now: every cell
    names its clause as a link to the viewer; the chart holds only one indicator in one unit
    (the one most plans state), never a rate beside a sum."""
    from engine.browse import targets

    table = targets(clauses, documents)
    docs = list(documents.values())
    titles = [d.title for d in docs]
    columns = ["指标 Target"] + [short_name(d) for d in docs]
    rows = [[html.escape(topic)] + ["<br>".join(
        f"{html.escape(piece)} <a href='{open_link(c.clause_id, _fact_text(c, piece))}'><sub>{html.escape(c.path)}</sub></a>"
        for piece, c in table[topic].get(t, [])) or "—" for t in titles] for topic in table]
    note = "每格均注明条款出处，点击条款号在原文中查看。" + "；".join(f"{short_name(d)} = 《{d.title}》" for d in docs)
    groups: dict[tuple[str, str], dict[str, float]] = {}
    for topic in table:
        for title, items in table[topic].items():
            for piece, clause in items:
                fact = next((f for f in clause.facts if f"{f.indicator}{f.stated()}" == piece), None)
                if fact is not None and fact.unit not in ("%", "％"):
                    groups.setdefault((fact.indicator, fact.unit), {}).setdefault(title, fact.high)
    short = {d.title: short_name(d) for d in docs}
    best = max(groups.items(), key=lambda kv: len(kv[1]), default=(None, {}))
    chart = None
    if best[0] and len(best[1]) >= 2:
        chart = (f"{best[0][0]}（{best[0][1]}）", [(short[t], v) for t, v in best[1].items()])
    return columns, rows, note, chart


def _fact_text(clause, piece: str) -> str:
    fact = next((f for f in clause.facts if f"{f.indicator}{f.stated()}" == piece), None)
    return fact.text if fact is not None else ""


# The page's script: [n] in any answer shows that answer's card; a clause link (#open-…) asks
# the server to open the viewer there, through the hidden #open-request box.
PAGE_SCRIPT = """<script>
document.addEventListener('click', (event) => {
  const link = event.target.closest && event.target.closest('a[href^="#src-"], a[href^="#open-"]');
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  const href = link.getAttribute('href');
  if (href.startsWith('#src-')) {
    const card = document.getElementById(href.slice(1));
    if (!card) return;
    const section = card.closest('.answer-sources');
    document.querySelectorAll('#sources .answer-sources').forEach((s) => s.classList.toggle('shown', s === section));
    document.querySelectorAll('#sources .source.active').forEach((s) => s.classList.remove('active'));
    card.classList.add('active');
    card.open = true;
    card.scrollIntoView({block: 'nearest'});
    return;
  }
  const box = document.querySelector('#open-request textarea, #open-request input');
  if (!box) return;
  box.value = href + '@' + Date.now();
  box.dispatchEvent(new Event('input', {bubbles: true}));
}, true);
</script>"""
PAGE_CSS = """
.offstage { display: none !important; }
#sources .answer-sources { display: none; }
#sources .answer-sources.shown { display: block; }
#sources .source { border: 1px solid #ddd; border-radius: 6px; padding: 4px 8px; margin: 6px 0; }
#sources .source.active { border-color: #e8a317; box-shadow: 0 0 0 2px #f6d58e; }
#sources .meta, #viewer .gap { color: #666; font-size: 0.9em; }
#viewer .viewer-cols { display: flex; gap: 16px; }
#viewer .viewer-tree { flex: 0 0 28%; max-height: 70vh; overflow: auto; font-size: 0.9em; }
#viewer .viewer-tree ul { list-style: none; padding-left: 0; }
#viewer .viewer-text { flex: 1; max-height: 70vh; overflow: auto; white-space: pre-wrap; }
#viewer .clause { margin: 4px 0; }
#viewer .clause .path { font-weight: bold; color: #555; }
#viewer .clause.target { background: #fff7e0; outline: 2px solid #e8a317; }
"""
