"""Other encodings, scripts and formats ingest to the same clauses; bad files fail clearly."""
from __future__ import annotations

import difflib
import os
import shutil

import opencc
import pytest
from conftest import CHANGPING, CITY_2018, PLANS, TONGZHOU, clause_signature, make_pdf

from ingest import ingest_paths
from ingest.text import content_key


def _write(path, text, encoding):
    path.write_bytes(text.encode(encoding))
    return path


def test_gb18030_copy_without_bom_gives_the_same_clauses(tmp_path):
    original = ingest_paths([CITY_2018])
    copy = _write(tmp_path / "plan-gb.txt", CITY_2018.read_text("utf-8"), "gb18030")
    assert clause_signature(ingest_paths([copy])) == clause_signature(original)


def test_utf8_bom_copy_gives_the_same_clauses(tmp_path):
    copy = _write(tmp_path / "bom.txt", TONGZHOU.read_text("utf-8"), "utf-8-sig")
    assert clause_signature(ingest_paths([copy])) == clause_signature(ingest_paths([TONGZHOU]))


@pytest.mark.parametrize("encoding", ["utf-8", "big5"])
def test_traditional_chinese_copy_gives_the_same_clauses(tmp_path, encoding):
    original = ingest_paths([CITY_2018])
    traditional = opencc.OpenCC("s2tw").convert(CITY_2018.read_text("utf-8"))
    result = ingest_paths([_write(tmp_path / f"trad-{encoding}.txt", traditional, encoding)])
    assert [s[:2] for s in clause_signature(result)] == [s[:2] for s in clause_signature(original)]
    for (_, path, got), (_, _, want) in zip(clause_signature(result), clause_signature(original)):
        # OpenCC's round trip is not exact (着→著→著), so allow the odd character.
        assert difflib.SequenceMatcher(None, got, want).ratio() > 0.99, path
    assert result.documents[0].doc_id == original.documents[0].doc_id
    task1 = next(c for c in result.clauses if c.path == "二、（一）1.")
    assert "醫藥" in task1.text or "醫" in result.documents[0].title, "display keeps the reader's script"
    assert [content_key(a) for a in task1.agencies] == ["市科委", "市卫生计生委"]


def test_pdf_copy_gives_the_same_clauses(tmp_path):
    pdf = make_pdf(tmp_path / "changping.pdf", CHANGPING.read_text("utf-8"))
    original, copy = ingest_paths([CHANGPING]), ingest_paths([pdf])
    assert not copy.errors, copy.errors
    assert clause_signature(copy) == clause_signature(original)
    assert copy.documents[0].valid_until == original.documents[0].valid_until


def test_copies_together_add_nothing(tmp_path):
    gb = _write(tmp_path / "a.txt", CITY_2018.read_text("utf-8"), "gb18030")
    trad = _write(tmp_path / "b.txt", opencc.OpenCC("s2t").convert(CITY_2018.read_text("utf-8")), "utf-8")
    pdf = make_pdf(tmp_path / "c.pdf", CHANGPING.read_text("utf-8"))
    alone = ingest_paths([PLANS])
    result = ingest_paths([PLANS, gb, trad, pdf, CITY_2018])  # CITY_2018 twice: once via PLANS
    assert len(result.documents) == len(alone.documents) == 4
    assert len(result.clauses) == len(alone.clauses)
    old = next(d for d in result.documents if d.period_start == 2018)
    assert set(old.sources) == {str(CITY_2018), str(gb), str(trad)}


def test_html_page_gives_the_main_text_without_navigation(tmp_path):
    body = "".join(f"<p>{line}</p>" for line in CITY_2018.read_text("utf-8").splitlines() if line.strip())
    page = (f"<html><head><title>政策文件</title></head><body><div class='nav'><a href='/'>首页</a> &gt; "
            f"<a href='/zc'>政策</a><a>登录</a></div><div class='article'><article>{body}</article></div>"
            f"<div class='footer'><p>版权所有 © 北京市人民政府 京ICP备05060933号</p></div></body></html>")
    path = tmp_path / "plan.html"
    path.write_text(page, encoding="utf-8")
    result = ingest_paths([path])
    assert clause_signature(result) == clause_signature(ingest_paths([CITY_2018]))
    assert not any("版权" in c.text or "登录" in c.text for c in result.clauses)


def test_docx_with_a_real_table_gives_the_same_rows(tmp_path):
    import docx

    document = docx.Document()
    lines = TONGZHOU.read_text("utf-8").splitlines()
    table_rows, cells = [], []
    for line in lines:
        if line.startswith("\t"):
            cells.append(line.strip())
        elif cells and not line.strip():
            table_rows.append(cells)
            cells = []
        elif table_rows or cells:
            if cells:
                table_rows.append(cells)
                cells = []
            table = document.add_table(rows=0, cols=len(table_rows[0]))
            for row in table_rows:
                for target, value in zip(table.add_row().cells, row):
                    target.text = value
            table_rows = []
            document.add_paragraph(line)
        else:
            document.add_paragraph(line)
    path = tmp_path / "tongzhou.docx"
    document.save(path)
    result = ingest_paths([path])
    rows = [c.text for c in result.clauses if c.kind == "table_row"]
    assert "类型：产业总量；指标：总产值；单位：亿；目标：180" in rows and len(rows) == 6
    assert clause_signature(result) == clause_signature(ingest_paths([TONGZHOU]))


def test_bad_files_fail_clearly_and_the_rest_still_ingest(tmp_path):
    from reportlab.pdfgen import canvas

    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "renamed.txt"
    binary.write_bytes(os.urandom(2048) + b"\x00\x01\x02")
    scanned = tmp_path / "scanned.pdf"
    pdf = canvas.Canvas(str(scanned))
    pdf.rect(100, 100, 300, 500, fill=1)  # an image-only page: no text layer
    pdf.save()
    unknown = tmp_path / "plan.xyz"
    unknown.write_text("一、总体要求", encoding="utf-8")
    good = tmp_path / "plans"
    shutil.copytree(PLANS, good)
    result = ingest_paths([empty, binary, scanned, unknown, good])
    reasons = {os.path.basename(e.path): e.reason for e in result.errors}
    assert reasons == {"empty.txt": "empty", "renamed.txt": "binary", "scanned.pdf": "no_text_layer",
                       "plan.xyz": "unsupported"}
    for error in result.errors:
        assert error.path in str(error), "the message names the file"
    assert "OCR" in str(next(e for e in result.errors if e.reason == "no_text_layer"))
    assert len(result.documents) == 4
