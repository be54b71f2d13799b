"""The page in Debian's Chromium, driven by Playwright (never a downloaded browser build)."""
from __future__ import annotations

import os
import re
import shutil

import pytest
from conftest import REPO

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = REPO / "var" / "screenshots"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """One Debian Chromium for the module, driven by Playwright."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium package")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(url, wait_until="load")  # Gradio keeps a connection open: never "networkidle"
    page.locator("#question textarea").wait_for(timeout=60_000)
    return page


@pytest.fixture(scope="module")
def page(browser, app_url):
    return _open(browser, app_url)


def test_asking_shows_the_figure_and_the_cited_clause(page):
    page.locator("#question textarea").fill("昌平区计划落地跨国药企总部或研发中心多少家？")
    page.locator("#question textarea").press("Enter")
    sources = page.locator("#sources")
    sources.get_by_text("一、——国际化持续推进").first.wait_for(timeout=60_000)
    assert "2家" in page.locator("#chat").inner_text()
    assert "昌平区医药健康产业高质量发展行动计划（2026—2028年）" in sources.inner_text()
    assert sources.locator("mark").count() >= 1, "the cited sentence is highlighted"
    page.screenshot(path=str(SHOTS / "ask.png"), full_page=True)


def test_responsibility_browser_lists_an_agencys_tasks(page):
    page.get_by_role("tab", name="责任单位 Responsibilities").click()
    field = page.locator("#agency input")
    field.fill("市卫生计生委")
    field.press("Enter")
    table = page.locator("#agency-tasks")
    table.get_by_text("提高临床研究与试验水平").first.wait_for(timeout=30_000)
    text = table.inner_text()
    assert "市卫生健康委" in text and "市卫生计生委" in text, "former and later names are one agency"
    page.screenshot(path=str(SHOTS / "responsibility.png"), full_page=True)


@pytest.fixture
def admin_page(browser, plan_index, private_index, settings, monkeypatch):
    """The app with admin on, over a private copy of the index (uploads change it)."""
    from app import build_ui, serve
    from engine import Engine
    from eval.load_test import free_port
    from index.store import PlanIndex

    monkeypatch.setenv("PLANQA_ADMIN_PASSWORD", "correct horse")
    engine = Engine(PlanIndex.load(private_index, settings, plan_index.embeddings), settings)
    demo = build_ui(engine)
    port = free_port()
    serve(demo, settings, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    page = _open(browser, f"http://127.0.0.1:{port}/")
    page.get_by_role("tab", name="管理 Admin").click()
    yield page, private_index, port
    page.close()
    demo.close()


def test_admin_upload_needs_the_password_then_answers_from_the_new_plan(admin_page, synthetic_plan, settings):
    import json

    from gradio_client import Client

    from index.store import PlanIndex

    page, index_dir, port = admin_page
    before = len(PlanIndex.load(index_dir, settings).clauses)
    page.locator("input[type=file]").set_input_files(str(synthetic_plan))
    page.get_by_label("管理员密码 Admin password").fill("wrong")
    page.get_by_role("button", name="导入并加入索引 Ingest and index").click()
    page.locator("#admin-status").get_by_text("密码错误").wait_for(timeout=30_000)
    assert len(PlanIndex.load(index_dir, settings).clauses) == before, "a wrong password changes nothing"
    page.get_by_label("管理员密码 Admin password").fill("correct horse")
    page.get_by_role("button", name="导入并加入索引 Ingest and index").click()
    page.locator("#admin-status").get_by_text("海淀区医药健康产业创新发展行动方案").wait_for(timeout=120_000)
    page.screenshot(path=str(SHOTS / "admin.png"), full_page=True)
    assert len(PlanIndex.load(index_dir, settings).clauses) > before
    line = json.loads(Client(f"http://127.0.0.1:{port}/", verbose=False).predict(
        "海淀区人工智能制药最高补贴多少？", api_name="/ask"))
    assert "500万元" in line["answer"] and line["citations"][0]["clause"] == "二、（一）2."
    page.reload(wait_until="load")
    _assert_listed(page, True)
    page.get_by_role("tab", name="管理 Admin").click()
    page.get_by_label("管理员密码 Admin password").fill("correct horse")  # a reload empties the field
    page.locator("#remove-doc input").click()
    page.get_by_role("option", name=re.compile("海淀区医药健康产业创新发展行动方案")).click()
    page.get_by_role("button", name="删除 Remove").click()
    page.locator("#admin-status").get_by_text("确定要删除《海淀区医药健康产业创新发展行动方案").wait_for(timeout=30_000)
    assert len(PlanIndex.load(index_dir, settings).clauses) > before, "asking for confirmation removes nothing"
    page.screenshot(path=str(SHOTS / "admin-confirm.png"), full_page=True)
    page.get_by_role("button", name="确认删除 Confirm removal").click()
    page.locator("#admin-status").get_by_text("已删除《海淀区医药健康产业创新发展行动方案").wait_for(timeout=120_000)
    assert len(PlanIndex.load(index_dir, settings).clauses) == before, "removal restores the record count"
    _assert_listed(page, False)  # the open page is refreshed by the change itself
    page.reload(wait_until="load")
    _assert_listed(page, False)


HAIDIAN = "海淀区医药健康产业创新发展行动方案（2025—2027年）"


def _assert_listed(page, present: bool):
    """Whether the uploaded plan is in the Plans filter, the Documents table and Targets."""
    page.get_by_role("tab", name="问答 Ask").click()
    page.locator("#question textarea").wait_for(timeout=60_000)
    page.locator("#plan-filter input").click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=30_000)
    names = [options.nth(i).inner_text() for i in range(options.count())]
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="文档 Documents").click()
    documents = page.locator("#documents")
    shipped = [t for t in names if t != HAIDIAN]  # the table is drawn in steps: wait for every row
    page.wait_for_function("titles => titles.every(t => document.querySelector('#documents').innerText.includes(t))",
                           arg=shipped + ([HAIDIAN] if present else []), timeout=30_000)
    in_documents = HAIDIAN in documents.inner_text()
    page.get_by_role("tab", name="目标对比 Targets").click()
    targets = page.locator("#targets")
    targets.get_by_text("新增上市企业").first.wait_for(timeout=30_000)
    where = {"Plans filter": HAIDIAN in names, "Documents": in_documents,
             "Targets": "海淀区 2025—2027" in targets.inner_text()}
    assert all(v == present for v in where.values()), f"expected the plan {'in' if present else 'gone from'} all: {where}"
    page.screenshot(path=str(SHOTS / f"live-{'added' if present else 'removed'}.png"), full_page=True)


def test_markup_in_a_question_is_shown_as_text_never_rendered(page):
    page.get_by_role("tab", name="问答 Ask").click()
    box = page.locator("#question textarea")
    box.fill("# 标题 <img src=x onerror=alert(1)><script>alert(2)</script> 通州总产值目标 | a | ```")
    box.press("Enter")
    page.locator("#sources").get_by_text("总产值").first.wait_for(timeout=60_000)
    chat = page.locator("#chat")
    assert chat.locator("img").count() == 0 and chat.locator("script").count() == 0
    assert chat.locator("h1").count() == 0 and chat.locator("table").count() == 0, "Markdown stays text"
    assert "<img src=x onerror=alert(1)>" in chat.inner_text()
    assert "180" in chat.inner_text()


def _ask(page, question: str, answers: int):
    """Ask ``question`` and wait until the sources panel holds ``answers`` answers."""
    page.get_by_role("tab", name="问答 Ask").click()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function("n => document.querySelectorAll('#sources .answer-sources').length >= n", arg=answers,
                           timeout=60_000)


def test_a_citation_of_an_earlier_answer_shows_that_answers_clause(browser, app_url):
    page = _open(browser, app_url)
    _ask(page, "昌平区计划落地跨国药企总部或研发中心多少家？", 1)
    _ask(page, "通州区总产值目标是多少？", 2)
    shown = page.locator("#sources .answer-sources.shown")
    assert "总产值" in shown.inner_text(), "the latest answer's sources are shown first"
    first = page.locator("#chat a[href='#src-0-1']").first
    assert "国际化持续推进" in first.get_attribute("title"), "hovering [1] previews its clause"
    first.click()
    card = page.locator("#src-0-1")
    card.wait_for(timeout=10_000)
    assert "一、——国际化持续推进" in shown.inner_text() and "总产值" not in shown.inner_text(), shown.inner_text()
    assert "active" in card.get_attribute("class") and card.locator("mark").count() >= 1
    page.screenshot(path=str(SHOTS / "sources-per-answer.png"), full_page=True)

    box = page.locator("#question textarea")  # an empty question: a Chinese message, the sources stay
    box.fill("   ")
    box.press("Enter")
    page.locator("#ask-status").get_by_text("问题为空").wait_for(timeout=30_000)
    assert "一、——国际化持续推进" in page.locator("#sources .answer-sources.shown").inner_text()
    assert page.locator("#sources .answer-sources").count() == 2
    long = "昌平" * 300
    box.fill(long)
    box.press("Enter")
    page.locator("#ask-status").get_by_text("问题有 600 个字符").wait_for(timeout=30_000)
    assert box.input_value() == long, "an error keeps the user's text"
    page.screenshot(path=str(SHOTS / "empty-question.png"), full_page=True)
    page.close()


def test_a_filter_that_excludes_every_plan_says_so_and_offers_to_clear_it(browser, app_url):
    page = _open(browser, app_url)
    page.locator("#plan-filter input").click()
    page.get_by_role("option", name=re.compile("2018—2020")).click()
    page.keyboard.press("Escape")
    page.locator("#region-filter input").click()
    page.get_by_role("option", name="昌平区", exact=True).click()
    box = page.locator("#question textarea")
    box.fill("新增上市企业目标是多少？")
    box.press("Enter")
    status = page.locator("#ask-status")
    status.get_by_text("排除了所有计划").wait_for(timeout=30_000)
    assert "昌平区" in status.inner_text() and box.input_value() == "新增上市企业目标是多少？"
    page.screenshot(path=str(SHOTS / "filters-exclude-all.png"), full_page=True)
    page.get_by_role("button", name="清除筛选条件 Clear filters").click()
    page.locator("#clear-filters").wait_for(state="hidden", timeout=10_000)
    box.press("Enter")
    page.locator("#sources .answer-sources.shown").get_by_text("25家").first.wait_for(timeout=60_000)
    page.close()


def test_a_clause_path_in_targets_opens_the_viewer_at_that_clause(browser, app_url):
    page = _open(browser, app_url)
    page.get_by_role("tab", name="目标对比 Targets").click()
    cell = page.locator("#targets").get_by_text("新增上市企业25家").first
    cell.wait_for(timeout=30_000)
    cell.locator("a[href^='#open-']").first.click()
    target = page.locator("#viewer .clause.target")
    target.wait_for(timeout=30_000)
    assert "一、（三）" in target.inner_text() and "新增上市企业25家" in target.locator("mark").inner_text()
    page.wait_for_function("() => { const r = document.querySelector('#viewer .clause.target').getBoundingClientRect();"
                           " return r.bottom > 0 && r.top < innerHeight; }", timeout=10_000)  # scrolled to it
    page.screenshot(path=str(SHOTS / "viewer.png"))
    page.close()
