"""The app in-process, asked through gradio_client like any API user."""
from __future__ import annotations

import json
import socket

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(plan_index, settings):
    from app import build_ui
    from engine import Engine

    demo = build_ui(Engine(plan_index, settings))
    port = _free_port()
    demo.queue(default_concurrency_limit=2).launch(server_name="127.0.0.1", server_port=port,
                                                   prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def test_api_answers_with_the_right_clause(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    line = json.loads(client.predict("昌平区计划落地跨国药企总部或研发中心多少家？", api_name="/ask"))
    assert set(line) == {"id", "question", "answer", "refused", "citations", "contexts", "latency_ms"}
    assert not line["refused"] and "不少于2家" in line["answer"]
    assert line["citations"][0]["clause"] == "一、——国际化持续推进"
    assert line["citations"][0]["title"] == "昌平区医药健康产业高质量发展行动计划（2026—2028年）"


def test_api_refuses_what_the_plans_do_not_say(app_url):
    from gradio_client import Client

    line = json.loads(Client(app_url, verbose=False).predict("朝阳区有什么医药扶持政策？", api_name="/ask"))
    assert line["refused"] and line["citations"] == []
