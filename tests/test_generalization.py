"""What must hold for questions nobody has seen: compound questions answered part by part,
figures judged only against their own indicator, names people use resolved, follow-ups, and
an engine that names no city, district, plan or industry."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.browse import responsibility_rows
from engine.verify import check
from eval.scoring import verdict_of

ENGINE_DIR = Path(__file__).resolve().parent.parent / "engine"
CHANGPING = "昌平区医药健康产业高质量发展行动计划（2026—2028年）"


def test_every_part_of_a_compound_question_is_answered(engine):
    answer = engine.ask("2021—2023年计划中，新增上市企业和创新药械提交上市申请分别是多少？")
    assert "25家" in answer.text and "90个" in answer.text, answer.text
    assert answer.text.count("【") == 2, "each part has its own heading"


def test_a_part_the_plans_cannot_answer_is_declared_absent_while_the_other_is_answered(engine):
    answer = engine.ask("昌平计划里上市挂牌企业目标是多少？2028年实际完成了多少？")
    assert not answer.refused and "超20家" in answer.text
    assert "没有写明" in answer.text, answer.text


def _goal_facts(plan_index):
    """Every figure the goal sections and indicator tables bind to an indicator."""
    for clause in plan_index.records(first_chunks=True):
        in_goals = clause.table or any("目标" in h or "指标" in h for h in clause.heading_path)
        for fact in clause.facts if in_goals else []:
            if len(fact.indicator) >= 3 and fact.unit in ("家", "个", "亿元", "亩", "%", "万人", "亿"):
                yield clause, fact


def test_false_premises_are_judged_against_the_same_indicator_never_a_neighbour(engine, plan_index):
    """Every goal figure probed twice, with a wrong value and with its own: the verdict is
    explicit, and a correction states the value bound to the asked indicator."""
    probes = list(_goal_facts(plan_index))
    assert len(probes) >= 20, "the facts table binds the goal figures"
    misbound, missed = [], []
    for clause, fact in probes:
        doc = engine.index.documents[clause.doc_id]
        scope = f"{doc.period_start}—{doc.period_end}年的计划说{fact.indicator}要达到"
        for value, expected in ((f"{int(fact.high) + 7}", "wrong"), (fact.value, "right")):
            answer = engine.ask(f"{scope}{value}{fact.unit}，对吗？")
            first = answer.text.splitlines()[0] if answer.text else ""
            if verdict_of(answer.text) != expected:
                missed.append((scope, value, first))
            elif expected == "wrong" and fact.value not in first.replace("-", "—"):
                misbound.append((scope, value, first))
    assert not misbound, misbound[:5]
    assert len(missed) <= len(probes) * 2 // 10, missed[:5]


def test_a_true_premise_is_confirmed_and_an_unknown_indicator_is_not_corrected(engine):
    right = engine.ask("昌平的计划说创新医疗器械新获批6—8个，是吗？")
    assert verdict_of(right.text) == "right", right.text
    unstated = engine.ask("昌平的计划说要新建充电桩5000个，对吗？")
    assert verdict_of(unstated.text) == "unstated" and "5000" not in unstated.text.replace("5000个", ""), unstated.text
    assert not re.search(r"计划写的.*\d", unstated.text)


def test_a_claim_about_a_tasks_agency_gets_a_verdict(engine):
    answer = engine.ask("2021—2023年计划第8项任务是市卫健委负责的吧？")
    assert verdict_of(answer.text) == "wrong" and "市经济和信息化局" in answer.text, answer.text
    answer = engine.ask("2021—2023年计划第8项任务是经信局负责的吧？")
    assert verdict_of(answer.text) == "right", answer.text


def test_verification_rejects_a_figure_attached_to_another_indicator(plan_index):
    clause = next(c for c in plan_index.records() if c.title == CHANGPING and "上市挂牌企业" in c.text)
    kept, failures = check([("上市挂牌企业超350家。[1]", [clause])], "昌平上市挂牌企业目标？", set())
    assert not kept and "bound to another indicator" in failures[0]
    kept, _ = check([("上市挂牌企业超20家。[1]", [clause])], "昌平上市挂牌企业目标？", set())
    assert kept


@pytest.mark.parametrize("short, full", [("市药监局", "市药品监管局"), ("卫健委", "市卫生健康委"),
                                         ("经信局", "市经济和信息化局"), ("发改委", "市发展改革委"),
                                         ("人社局", "市人力资源社会保障局"), ("医保局", "市医疗保障局")])
def test_short_agency_names_resolve_to_the_listed_names(engine, short, full):
    answer = engine.ask(f"{short}负责哪些任务？")
    expected = {c.path for c in engine.agencies.tasks_of(full)[full]}
    assert expected <= {c.clause.path for c in answer.citations}, answer.text
    rows = responsibility_rows(engine.agencies, short, engine.index.documents)
    assert {r[1] for r in rows if r[4] == full} == expected


def test_follow_up_questions_reuse_the_previous_question(engine):
    answer = engine.ask("那通州呢？", history=["昌平的计划里上市挂牌企业目标是多少？"])
    assert "6" in answer.text and any("副中心" in c.clause.title for c in answer.citations), answer.text
    answer = engine.ask("它的责任单位是谁？", history=["2021—2023年计划第8项任务写了什么？"])
    assert "市经济和信息化局" in answer.text and answer.citations[0].clause.path == "二、（三）8."


def test_an_unusable_earlier_message_is_no_context_and_no_error(engine):
    answer = engine.ask("昌平的计划里上市挂牌企业目标是多少？", history=["？？？", "长" * 600, None, 7])
    assert not answer.refused and "超20家" in answer.text


def test_plans_are_recognised_by_the_names_people_use(engine):
    for question, title in [("21-23那轮新增上市企业目标多少？", "2021—2023"), ("上一轮市级计划新增上市企业多少？", "2018—2020"),
                            ("生命谷那份计划上市挂牌企业目标？", "2026—2028"), ("副中心的总产值目标多少？", "2023-2025")]:
        answer = engine.ask(question)
        assert answer.citations and all(title in c.clause.title for c in answer.citations), (question, answer.text)


def test_a_clause_named_by_its_heading_is_quoted_whole(engine):
    answer = engine.ask("“培育和促进企业梯队式发展”这条原文是怎么写的？")
    assert answer.citations[0].clause.path == "二、（三）8."
    assert "新增上市企业25家" in answer.text and "100亿元以上企业6家" in answer.text


def test_engine_code_names_no_place_plan_or_industry():
    words = ["北京", "昌平", "通州", "副中心", "生命谷", "海淀", "大兴", "怀柔", "合肥", "医药", "医疗", "药品",
             "药监", "卫健", "健康", "新能源", "汽车", "beijing", "changping", "tongzhou"]
    found = [(p.name, w) for p in ENGINE_DIR.glob("*.py") for w in words if w in p.read_text("utf-8").lower()]
    assert not found, found
