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
    page.locator("#remove-doc input").click()
    page.get_by_role("option", name=re.compile("海淀区医药健康产业创新发展行动方案")).click()
    page.get_by_role("button", name="删除 Remove").click()
    page.locator("#admin-status").get_by_text("已删除").wait_for(timeout=120_000)
    assert len(PlanIndex.load(index_dir, settings).clauses) == before, "removal restores the record count"


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
