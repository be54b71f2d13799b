"""Shared fixtures: the real corpus ingested once per session, and makers of test copies."""
from __future__ import annotations

import re
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


@pytest.fixture(scope="session")
def settings():
    """Default settings (the offline e5 model)."""
    from settings import Settings

    return Settings.from_env()


@pytest.fixture(scope="session")
def embeddings(settings):
    """One loaded embedding model for the whole session."""
    from index.embeddings import SentenceEmbeddings

    return SentenceEmbeddings(settings)


@pytest.fixture(scope="session")
def plan_index(tmp_path_factory, settings, embeddings):
    """The shipped corpus indexed once per session into a temporary folder."""
    from index.build import build_index

    return build_index([PLANS], tmp_path_factory.mktemp("index") / "index", settings, embeddings)


@pytest.fixture(scope="session")
def engine(plan_index, settings):
    """The default engine over the shipped corpus."""
    from engine import Engine

    return Engine(plan_index, settings)


@pytest.fixture(scope="session")
def engine_for(tmp_path_factory, settings, embeddings):
    """An engine over an index of one plan folder (another city's plan), built once a session."""
    from engine import Engine
    from index.build import build_index

    built = {}

    def make(folder: Path):
        if folder not in built:
            index = build_index([folder], tmp_path_factory.mktemp(folder.parent.name) / "index", settings, embeddings)
            built[folder] = Engine(index, settings)
        return built[folder]

    return make


SYNTHETIC_PLAN = """海淀区人民政府办公室关于印发《海淀区医药健康产业创新发展行动方案（2025—2027年）》的通知
各街道办事处，各镇人民政府，区政府各委、办、局：
现将《海淀区医药健康产业创新发展行动方案（2025—2027年）》印发给你们，请认真贯彻落实。
海淀区人民政府办公室
2025年3月10日
海淀区医药健康产业创新发展行动方案（2025—2027年）
为加快海淀区医药健康产业创新发展，制定本方案。
一、主要目标
到2027年，海淀区医药健康产业规模突破1200亿元，新增创新药械获批上市15个。
二、重点任务
（一）强化源头创新
1.建设蛋白质设计创新平台。支持高校院所建设蛋白质设计与合成平台，每年支持项目不少于10个。（责任单位：区科委，区财政局）
2.支持人工智能制药。推动人工智能药物发现企业集聚，给予最高500万元研发补贴。（责任单位：区科委，区经济和信息化局）
（二）优化产业空间
1.建设专业园区。新增专业楼宇空间20万平方米。（责任单位：区规划自然资源分局）
"""


@pytest.fixture
def synthetic_plan(tmp_path) -> Path:
    """A small plan of a district the corpus does not cover, written by the test."""
    path = tmp_path / "haidian-plan.txt"
    path.write_text(SYNTHETIC_PLAN, encoding="utf-8")
    return path


def later_plan(folder: Path, start: int, source: str | None = None) -> Path:
    """A new plan to add: ``source`` (by default the 2018—2020 city plan) moved to the period
    ``start``—``start + 2`` and written to ``folder``; its title names another period, so it is
    no duplicate of the original."""
    text = source or CITY_2018.read_text("utf-8")
    first, last = re.search(r"(20\d\d)[—-](20\d\d)", text).groups()
    for dash in "—-":
        text = text.replace(f"{first}{dash}{last}", f"{start}{dash}{start + 2}")
    path = folder / f"plan-{start}.txt"
    path.write_text(text, "utf-8")
    return path


@pytest.fixture
def private_index(plan_index, tmp_path):
    """A copy of the session index in tmp_path that a test may change or crash: the version
    folder .index-v0 behind the link tmp_path/index, laid out as index.build lays it out."""
    import shutil

    shutil.copytree(plan_index.folder.resolve(), tmp_path / ".index-v0")
    (tmp_path / "index").symlink_to(".index-v0")
    return tmp_path / "index"


@pytest.fixture(scope="session")
def app_url(plan_index, settings):
    """The app served in-process on a free loopback port, over the session's index."""
    from app import build_ui, serve
    from engine import Engine
    from eval.load_test import free_port

    demo = build_ui(Engine(plan_index, settings))
    port = free_port()
    serve(demo, settings, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()
