"""Shared fixtures: the real corpus ingested once per session, and makers of test copies."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest import ingest_paths  # noqa: E402
from ingest.text import content_key  # noqa: E402

PLANS = REPO / "data" / "plans"
CITY_2021 = PLANS / "000_c58cf944fe934883.txt"
CITY_2018 = PLANS / "001_6a45e01000414abd.txt"
TONGZHOU = PLANS / "002_0d20006f33c70b14.txt"
CHANGPING = PLANS / "003_08d50b723d129e4a.txt"
REPRINT_2021 = PLANS / "004_a26da0394b6fa59a.txt"


@pytest.fixture(scope="session")
def corpus():
    """The five shipped plan files, ingested."""
    return ingest_paths([PLANS])


def doc_by_period(result, start: int):
    """The one document whose plan period starts in ``start``."""
    matches = [d for d in result.documents if d.period_start == start]
    assert len(matches) == 1, f"expected one document starting {start}, got {[d.title for d in matches]}"
    return matches[0]


def clause_at(result, doc, path: str):
    """The record at ``path`` in ``doc`` (first chunk)."""
    found = [c for c in result.clauses if c.doc_id == doc.doc_id and c.path == path and c.chunk == 0]
    assert found, f"no clause {path} in {doc.title}; have {[c.path for c in result.clauses if c.doc_id == doc.doc_id]}"
    return found[0]


def clause_signature(result) -> list[tuple[str, str, str]]:
    """(kind, path, text without spaces/punctuation/script differences) of every record."""
    return [(c.kind, c.path, content_key(c.text)) for c in result.clauses]


def make_pdf(path: Path, text: str, chars_per_line: int = 34) -> Path:
    """Typeset ``text`` the way a real plan PDF is: paragraphs indented two characters and
    hard-wrapped at the line width, several pages, with a CJK font (reportlab's STSong-Light)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    size, left, top, bottom = 12, 60, 800, 60
    pdf = canvas.Canvas(str(path))
    y = top
    for para in (p.strip() for p in text.splitlines()):
        if not para:
            continue
        lines, first = [], True
        while para:
            take = chars_per_line - (2 if first else 0)
            lines.append((para[:take], first))
            para, first = para[take:], False
        for line, is_first in lines:
            if y < bottom:
                pdf.setFont("STSong-Light", 9)
                pdf.drawString(290, 30, f"- {pdf.getPageNumber()} -")  # page-number debris
                pdf.showPage()
                y = top
            pdf.setFont("STSong-Light", size)
            pdf.drawString(left + (2 * size if is_first else 0), y, line)
            y -= size * 1.6
    pdf.save()
    return path
