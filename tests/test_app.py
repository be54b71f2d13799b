"""The app in-process, asked through gradio_client like any API user."""
from __future__ import annotations

import json


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
