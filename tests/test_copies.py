"""Plans as they really arrive (issue 11): a government-layout PDF with a running header, a
title-less one-line reprint, a Traditional gateway page with the header and goals only, a tampered
copy, and a file that yields nothing. Every fixture is built here from the text of a shipped plan."""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys

import opencc
import pytest
from conftest import CHANGPING, CITY_2021, PLANS, REPO, clause_signature

from ingest import ingest_paths
from ingest.clean import clean
from ingest.errors import IngestError
from ingest.metadata import find_layout
from ingest.pipeline import parse_source
from ingest.structure import parse_structure

RUNNING_HEAD = "昌平区人民政府办公室文件"
PAGE_NUMBER_RE = re.compile(r"[—-]\s*\d+\s*[—-]")
TERMINAL = "。；：！？）)”"
MARKER_RE = re.compile(r"^(第[一二三四五六七八九十]+[章部分]|[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|\d+[.．]|——)")


def gov_pdf(path, text: str, header: str, figure: str):
    """Typeset ``text`` as a government PDF: A4, 16 pt, lines filled to the width of 28 CJK
    characters (digits are narrower, so a line holds more of them), paragraphs indented two
    characters, 22 lines a page, ``header`` above every page and "— n —" below it. The page break
    is moved up to the first line that ends inside ``figure``, so the figure is split across pages."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    size, per_page = 16, 22
    full = 28 * size
    lines = []
    for para in (p.strip() for p in text.splitlines()):
        para = "\u3000\u3000" + para if para else para
        while para:
            k = 1
            while k < len(para) and pdfmetrics.stringWidth(para[: k + 1], "STSong-Light", size) <= full:
                k += 1
            lines.append(para[:k])
            para = para[k:]
    joined = "".join(lines)
    at, ends = joined.index(figure), 0
    split = next(n for n, line in enumerate(lines) if (ends := ends + len(line)) > at) if at else 0
    assert at < sum(len(x) for x in lines[: split + 1]) < at + len(figure), "the figure straddles a line end"
    pages, page = [], []
    for n, line in enumerate(lines):
        page.append(line)
        if len(page) == per_page or n == split:
            pages.append(page)
            page = []
    pages.append(page)
    pdf = canvas.Canvas(str(path), pagesize=A4)
    left = (A4[0] - full) / 2
    for number, page in enumerate(pages, start=1):
        pdf.setFont("STSong-Light", 10)
        pdf.drawCentredString(A4[0] / 2, A4[1] - 40, header)
        y = A4[1] - 90
        pdf.setFont("STSong-Light", size)
        for line in page:
            pdf.drawString(left, y, line)
            y -= size * 1.6
        pdf.setFont("STSong-Light", 12)
        pdf.drawCentredString(A4[0] / 2, 40, f"— {number} —")
        pdf.showPage()
    pdf.save()
    return path


def _official_paragraphs():
    """The 2021—2023 city plan's official file, cleaned: its notice, title, and numbered parts."""
    paras = clean(CITY_2021.read_text("utf-8")).paragraphs
    layout = find_layout(paras)
    nodes = {n.path: n for n in parse_structure(paras, (layout.title_start, layout.title_end))}
    return paras, layout, nodes


def one_line_reprint(path):
    """A news reprint in GB18030: the notice sentence, then the preamble, the goals (without
    基本原则) and the first three tasks, all in one physical line, with no title line and no 文号."""
    paras, layout, nodes = _official_paragraphs()
    notice = next(p for p in paras if "印发给你们" in p)
    body = paras[layout.title_end: nodes["一、（二）"].start] + paras[nodes["一、（三）"].start: nodes["二、（一）3."].end]
    path.write_bytes((notice + "".join(body)).encode("gb18030"))
    return path


def gateway_page(path):
    """A Traditional-script gateway page in Big5: labelled header fields (標題, 發文字號, 成文日期…),
    the title and the general requirements with the goals; no tasks."""
    paras, layout, nodes = _official_paragraphs()
    title = "".join(paras[layout.title_start: layout.title_end])
    page = ["首頁 > 政務公開 > 政策文件", f"標題：{title}", "發文字號：京政辦發〔2021〕12號",
            "發文機關：北京市人民政府辦公廳", "成文日期：2021年07月08日", "發布日期：2021-07-22", title,
            *paras[layout.title_end: nodes["一、（三）"].end]]
    path.write_bytes(opencc.OpenCC("s2tw").convert("\n".join(page)).encode("big5"))
    return path


def tampered_copy(path):
    """The official 2021—2023 file with one figure changed: 新增上市企业25家 → 99家."""
    text = CITY_2021.read_text("utf-8")
    assert text.count("25 家") == 1
    path.write_text(text.replace("25 家", "99 家"), "utf-8")
    return path


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    """The four fixtures, written once."""
    folder = tmp_path_factory.mktemp("copies")
    return {"pdf": gov_pdf(folder / "changping-gov.pdf", CHANGPING.read_text("utf-8"), RUNNING_HEAD, "不少于2家"),
            "reprint": one_line_reprint(folder / "reprint-gb18030.txt"),
            "gateway": gateway_page(folder / "gateway-big5.txt"),
            "tampered": tampered_copy(folder / "plan-2021-tampered.txt")}


def _breaks_inside_sentences(clause) -> list[str]:
    """Line breaks in a clause that are not after a sentence end or a heading line."""
    bad = []
    lines = clause.text.split("\n")
    for line in lines[:-1]:
        heading = MARKER_RE.match(line) and len(line) <= 40
        if clause.kind != "notice" and not heading and line[-1:] not in TERMINAL:
            bad.append(line[-10:])
    return bad


def test_government_pdf_loses_its_running_header_and_page_numbers(copies):
    from pypdf import PdfReader

    pages = [p.extract_text() for p in PdfReader(copies["pdf"]).pages]
    assert all(RUNNING_HEAD in p for p in pages) and "— 2 —" in pages[1], "pypdf reads the header and page numbers"
    assert any(p.rstrip().splitlines()[-2].endswith("不少于") for p in pages), "the figure is split by a page break"
    result = ingest_paths([copies["pdf"]])
    assert not result.errors and len(result.documents) == 1
    for clause in result.clauses:
        assert RUNNING_HEAD not in clause.text and not PAGE_NUMBER_RE.search(clause.text), (clause.path, clause.text)
        assert not _breaks_inside_sentences(clause), (clause.path, _breaks_inside_sentences(clause))
    target = next(c for c in result.clauses if c.path == "一、——国际化持续推进")
    assert "落地跨国药企总部或研发中心不少于2家，" in target.text, target.text
    assert clause_signature(result) == clause_signature(ingest_paths([CHANGPING])), "the same clauses as the text"


def test_page_edges_are_dropped_even_away_from_page_numbers():
    from ingest.clean import PAGE_BREAK

    body = ["一、总体要求", "（一）指导思想", "坚持创新驱动，" * 6 + "推动发展。"]
    pages = [["某某区人民政府办公室文件", *body, f"第{n}页"] for n in range(1, 5)]
    raw = f"\n{PAGE_BREAK}\n".join("\n".join(p) for p in pages)
    paragraphs = clean(raw).paragraphs
    assert not any("办公室文件" in p or re.search(r"第\d页", p) for p in paragraphs), paragraphs


def test_one_line_reprint_gets_title_period_and_paths_of_the_official_copy(copies):
    result = ingest_paths([copies["reprint"]])
    doc = result.documents[0]
    assert (doc.title, doc.period_start, doc.period_end) == ("北京市加快医药健康协同创新行动计划(2021—2023年)", 2021, 2023)
    official = ingest_paths([CITY_2021])
    assert doc.doc_id == official.documents[0].doc_id, "the same plan gets the same id from any copy"
    paths = [c.path for c in result.clauses]
    assert paths == ["印发通知", "前言", "一、（一）", "一、（三）", "二、（一）1.", "二、（一）2.", "二、（一）3."], paths
    task2 = next(c for c in result.clauses if c.path == "二、（一）2.")
    assert task2.text.startswith("2.推动生物技术创新突破。") and task2.heading_path[-1] == "推动生物技术创新突破"
    assert task2.agencies == next(c for c in official.clauses if c.path == "二、（一）2.").agencies


def test_in_line_markers_split_only_after_a_sentence_end():
    from ingest.clean import split_inline

    line = ("到2025年，产值达到1.5倍，投入2.5亿元，按照（一）所列要求推进，2024年3.1日前完成。"
            "2.发展壮大新型创新力量。支持新型研发机构发展。（责任单位：市科委）3.完善机制。加强统筹协调工作。")
    assert split_inline(line) == [line[: line.index("2.发展")], line[line.index("2.发展"): line.index("3.完善")],
                                  line[line.index("3.完善"):]]


def test_gateway_page_reads_traditional_header_fields(copies):
    doc = ingest_paths([copies["gateway"]]).documents[0]
    assert (doc.number, doc.issue_date, doc.issuer) == ("京政办发〔2021〕12号", dt.date(2021, 7, 8), "北京市人民政府办公厅")
    assert (doc.period_start, doc.period_end) == (2021, 2023)


def test_two_partial_copies_make_one_document_with_the_union_of_clauses(copies):
    alone = {k: ingest_paths([copies[k]]) for k in ("reprint", "gateway")}
    result = ingest_paths([copies["reprint"], copies["gateway"]])
    assert len(result.documents) == 1, [d.title for d in result.documents]
    doc = result.documents[0]
    assert doc.title == "北京市加快医药健康协同创新行动计划(2021—2023年)"
    assert (doc.number, doc.issue_date, doc.period_start, doc.period_end) == (
        "京政办发〔2021〕12号", dt.date(2021, 7, 8), 2021, 2023)
    assert not doc.conflicts, doc.conflicts
    union = {c.path for r in alone.values() for c in r.clauses}
    assert [c.path for c in result.clauses] == [
        "印发通知", "前言", "一、（一）", "一、（二）", "一、（三）", "二、（一）1.", "二、（一）2.", "二、（一）3."]
    assert {c.path for c in result.clauses} == union
    sources = {c.path: {os.path.basename(s) for s in c.sources} for c in result.clauses}
    assert sources["一、（二）"] == {"gateway-big5.txt"} and sources["二、（一）2."] == {"reprint-gb18030.txt"}
    assert sources["一、（三）"] == {"gateway-big5.txt", "reprint-gb18030.txt"}
    assert "京政辦發〔2021〕12號" in result.clauses[0].text, "the notice comes from the copy that has the header"
    for clause in result.clauses:
        assert doc.text[clause.span[0]: clause.span[1]] == clause.text or clause.table, clause.path


def test_partial_copies_of_an_indexed_plan_add_nothing(copies, corpus):
    result = ingest_paths([PLANS, copies["reprint"], copies["gateway"], copies["pdf"]])
    assert len(result.documents) == 4 and not any(d.conflicts for d in result.documents)
    assert clause_signature(result) == clause_signature(corpus)


def test_tampered_copy_is_a_conflicting_version_and_the_official_figure_stays(copies, corpus):
    result = ingest_paths([PLANS, copies["tampered"]])
    assert len(result.documents) == 4 and clause_signature(result) == clause_signature(corpus)
    doc = next(d for d in result.documents if d.period_start == 2021)
    assert [c.path for c in doc.conflicts] == ["一、（三）"]
    conflict = doc.conflicts[0]
    assert os.path.basename(conflict.official) == CITY_2021.name
    assert "新增上市企业25家" in conflict.reading(conflict.official).text.replace(" ", "")
    assert "新增上市企业99家" in conflict.reading(str(copies["tampered"])).text
    assert not any("99家" in c.text for c in result.clauses)


def test_a_file_without_any_clause_is_refused_and_the_index_is_unchanged(private_index, settings, embeddings,
                                                                         tmp_path):
    from index.build import add_files
    from index.store import PlanIndex

    headings = tmp_path / "headings.txt"
    headings.write_text("\n".join(f"{n}、第{n}部分" for n in "一二三四五六七八九十" * 3), "utf-8")
    with pytest.raises(IngestError) as caught:
        parse_source(headings, settings)
    assert caught.value.reason == "no_clauses" and str(headings) in str(caught.value)
    assert "30 paragraph(s), 30 of them heading(s)" in str(caught.value)
    before = PlanIndex.load(private_index, settings, embeddings)
    with pytest.raises(IngestError):
        add_files([headings], private_index, settings, embeddings)
    after = PlanIndex.load(private_index, settings, embeddings)
    assert after.manifest == before.manifest and len(after.clauses) == len(before.clauses)


def test_answers_keep_the_official_figure_and_the_copy_can_be_dropped(copies, private_index, settings, embeddings):
    from engine import Engine
    from index.build import add_files, mark_official, remove_source

    index = add_files([copies["tampered"]], private_index, settings, embeddings)
    doc = next(d for d in index.documents.values() if d.period_start == 2021)
    assert doc.sources[-1] == "plan-2021-tampered.txt" and len(doc.conflicts) == 1
    question = "2021—2023年的计划要新增上市企业多少家？"
    answer = Engine(index, settings).ask(question)
    assert "25家" in answer.text and "99家" not in answer.text, answer.text
    index = mark_official("plan-2021-tampered.txt", private_index, settings, embeddings)
    assert "99家" in Engine(index, settings).ask(question).text, "the admin's choice of official copy is used"
    index = remove_source("plan-2021-tampered.txt", private_index, settings, embeddings)
    doc = next(d for d in index.documents.values() if d.period_start == 2021)
    assert "plan-2021-tampered.txt" not in doc.sources and not doc.conflicts and len(index.documents) == 4
    assert "25家" in Engine(index, settings).ask(question).text


def test_exact_wording_of_a_reprint_clause_ranks_it_first(copies, tmp_path, settings, embeddings):
    from index.build import build_index

    index = build_index([copies["reprint"], copies["gateway"]], tmp_path / "index", settings, embeddings)
    for clause in index.clauses:
        if clause.kind == "clause":
            hit = index.search(clause.text, k=3)[0].clause
            assert (hit.path, hit.text) == (clause.path, clause.text), (clause.path, hit.path)


def test_cli_add_reports_what_it_found_for_each_file(copies, private_index):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    files = [str(copies[k]) for k in ("pdf", "reprint", "gateway", "tampered")]
    proc = subprocess.run([sys.executable, "-m", "index", "add", *files, "--index-dir", str(private_index)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "changping-gov.pdf: found 《昌平区医药健康产业高质量发展行动计划（2026—2028年）》, 2026—2028" in out, out
    assert "reprint-gb18030.txt: found 《北京市加快医药健康协同创新行动计划(2021—2023年)》, 2021—2023, 文号 —" in out
    assert "gateway-big5.txt: found 《北京市加快醫藥健康協同創新行動計劃(2021—2023年)》, 2021—2023, 文号 京政办发〔2021〕12号" in out
    assert "merged with 2021-2023-ed6597" in out and "a copy of 2026-2028-" in out
    assert "plan-2021-tampered.txt: found" in out and "1 conflicting clause(s)" in out
    assert re.search(r"conflict 一、（三）: plan-2021-tampered.txt reads …[^…]*新增上市企业99家[^…]*…, the official "
                     r"000_c58cf944fe934883.txt reads …[^…]*新增上市企业25家", out), out
