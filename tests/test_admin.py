"""The app's API validates its input before anything else; failed admin logins are delayed,
logged without the password and locked out per client; exports do not pile up; with admin off
Gradio's upload route stores nothing."""
from __future__ import annotations

import json
import logging
import os
import time

from engine import Engine


def test_the_api_refuses_wrong_types_and_long_markup_before_reading(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    for question in (42, ["通州总产值目标"]):
        line = json.loads(client.predict(question, api_name="/ask"))
        assert line["refused"] and "the question must be text, not" in line["answer"], line
    tags = "<b></b>" * 9000 + "通州总产值目标"  # 63 KB of markup around a short question
    line = json.loads(client.predict(tags, api_name="/ask"))
    assert line["refused"] and "characters long; the limit is 500" in line["answer"], line
    assert len(line["question"]) == 500


def test_failed_logins_are_delayed_logged_and_locked_out_per_client(plan_index, settings, monkeypatch, caplog):
    import app

    monkeypatch.setenv("PLANQA_ADMIN_PASSWORD", "correct horse")
    state = app.AppState(Engine(plan_index, settings), settings)
    state.guard.delay_s = 0.2
    with caplog.at_level(logging.INFO, logger="app"):
        start = time.perf_counter()
        for attempt in range(5):
            assert state.admin_remove(f"guess {attempt}", "x", client="10.0.0.9").startswith("密码错误")
        assert time.perf_counter() - start >= 5 * 0.2, "each failure is delayed"
        checks = []
        monkeypatch.setattr(app.hmac, "compare_digest", lambda *a: checks.append(a) or True)
        assert state.admin_remove("correct horse", "x", client="10.0.0.9").startswith("尝试次数过多")
        assert not checks, "the 6th attempt is refused without checking the password"
        assert state.admin_remove("correct horse", "", client="10.0.0.10").startswith("请先选择"), "others unaffected"
    assert caplog.text.count("admin login failed from 10.0.0.9") == 5
    assert "guess" not in caplog.text and "correct horse" not in caplog.text


def test_exports_older_than_the_limit_are_deleted(monkeypatch):
    import app

    first = app._file("answer.md", "# a")
    os.utime(first, (0, 0))
    os.utime(os.path.dirname(first), (0, 0))
    second = app._file("responsibilities.csv", "a,b")
    assert not os.path.exists(first) and os.path.exists(second)


def _stored(folder) -> set:
    """Every file under Gradio's upload folder."""
    from pathlib import Path

    return {p for p in Path(folder).rglob("*") if p.is_file()}


def test_anonymous_uploads_store_nothing_with_admin_off(plan_index, settings, monkeypatch):
    import httpx

    from app import UPLOAD_ROUTE, build_ui, serve
    from eval.load_test import free_port

    for password, status in (("", 403), ("correct horse", 200)):  # with admin on, the admin tab's upload works
        monkeypatch.setenv("PLANQA_ADMIN_PASSWORD", password)
        demo = build_ui(Engine(plan_index, settings))
        port = free_port()
        serve(demo, settings, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
        try:
            before = _stored(demo.server_app.uploaded_file_dir)
            response = httpx.post(f"http://127.0.0.1:{port}{UPLOAD_ROUTE}", timeout=30,
                                  files={"files": ("anon.txt", "任何人都能上传的文件。".encode() * 100, "text/plain")})
            added = _stored(demo.server_app.uploaded_file_dir) - before
        finally:
            demo.close()
        assert response.status_code == status, response.text
        assert bool(added) == bool(password), added
        for path in added:
            path.unlink(missing_ok=True)  # Gradio may have deleted it on close (delete_cache)
