"""Round 9: mechanisms found by two new blind sets (dev9, and a cross-border e-commerce
三年行动方案 of another city, eval/other_dev8) and by dev8's remaining failures: a claim that
quotes a plan's sentence with a piece swapped is corrected with the plan's words."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TOURISM = REPO / "eval" / "other_dev7" / "plan"


def cited(answer) -> set[str]:
    return {c.clause.path for c in answer.citations}


@pytest.mark.parametrize("question, stated, path", [
    ("副中心那份说到2025年要形成“小而美”“专而精”“快而新”三个特色 我记得没错吧", "快而高", "一、（三）"),
    ("21版要启动建立心脑血管、肿瘤等领域的十万人群队列 这个规模我没写错吧", "百万人群队列", "二、（二）5."),
])
def test_a_claim_that_misquotes_a_sentence_is_corrected_with_the_plans_words(engine, question, stated, path):
    answer = engine.ask(question)
    assert answer.text.startswith("不对") and stated in answer.text.splitlines()[0], answer.text
    assert path in cited(answer)


def test_words_left_out_are_no_misquote(engine_for):
    answer = engine_for(TOURISM).ask("县区申报项目的奖补资金 市县两级都是五五开 禄劝寻甸也一样吧")
    assert not answer.text.startswith("不对") and "5:5" in answer.text, answer.text


def test_a_plan_named_loosely_is_no_misquote_of_a_title(engine):
    answer = engine.ask("昌平医药健康那个行动计划 解释权是在区经信局吧？")
    assert "北京未来科学城管理委员会" in answer.text and "倍增" not in answer.text.splitlines()[0], answer.text


@pytest.mark.parametrize("typed, figures", [
    ("从业人员要突破一万人 对吗", [("1", "万人")]),  # 一 before a magnitude counts
    ("协同创新基地建五到十家 没记错吧", [("5", "家")]),  # the low end of a range in words
    ("按建设租赁费用的三成补 单个仓最高两百万 是这样吧", [("30", "%"), ("200", "万")]),  # tenths
    ("保费补一半 对不对", [("50", "%")]),  # a figure said in words (lexicon spoken_figures)
    ("一成不变 三成本 一批企业", []),  # words, not counts
])
def test_figures_said_in_words_are_read_as_the_plans_write_them(typed, figures):
    from engine.analysis import analyse

    assert analyse(typed).figures == figures


def test_a_range_claimed_in_words_is_judged_as_that_range(engine):
    answer = engine.ask("21版医研企协同创新基地建五到十家 没记错吧")
    assert answer.text.startswith("对") and "5—10家" in answer.text, answer.text


@pytest.mark.parametrize("question, kind", [
    ("昌平说推19号线建设 哪年能通车啊", "date"),  # the clause names the line, no year
    ("21版那个信息平台 网址是啥", "website"),
    ("副中心那个医药健康产业智库 挂在哪个单位", "host"),
    ("昌平说的中瑞产业园在哪个镇", "town"),  # 产业园 is a place, not a town
])
def test_a_detail_of_a_kind_the_best_clause_does_not_give_is_declined(engine, question, kind):
    answer = engine.ask(question)
    assert answer.refused and f"asks for a {kind}" in answer.failed_checks[0], (answer.text, answer.failed_checks)


def test_a_rate_per_square_metre_is_not_answered_with_a_share_of_rent(engine_for):
    answer = engine_for(REPO / "eval" / "other_dev2" / "plan").ask("南山区集成电路产业园的物业管理费一平米多少钱？")
    assert answer.refused and "unit_rate" in answer.failed_checks[0], answer.failed_checks


def test_a_date_the_clause_gives_is_answered(engine_for):
    answer = engine_for(REPO / "eval" / "other_dev8" / "plan").ask("海沧那个智慧物流分拨中心啥时候建成")
    assert not answer.refused and "2026年底前" in answer.text, answer.text


def test_a_word_beginning_with_zhong_after_a_plan_name_keeps_it(engine):
    """"21版中医药那条": 中 begins 中医药 (jieba), not "in 21版"."""
    assert engine.plans.strip("21版中医药那条谁牵头") == "中医药那条谁牵头"
    assert engine.plans.strip("21版中提到的目标") == "提到的目标"
    answer = engine.ask("那18版呢", history=["21版中医药那条谁牵头"])
    assert "二、（三）14." in cited(answer) and "市中医管理局" in answer.text, answer.text


def test_a_follow_up_on_another_indicator_does_not_keep_the_previous_measure_word(engine):
    answer = engine.ask("那收入增速呢", history=["昌平那个计画独角兽企业要多少家"])
    assert "10%以上" in answer.text, answer.text


def test_a_table_cell_with_a_bound_is_a_fact():
    from ingest.facts import _row_facts

    row = {"columns": ["指标名称", "单位", "2024年（基数）", "2025年", "2027年"], "cells": ["进出口额", "亿元", "486", "570", "800以上"]}
    assert [(f.year, f.stated()) for f in _row_facts(row, "进出口额", None)] == [(2025, "570亿元"), (2027, "800亿元以上")]


@pytest.mark.parametrize("question", ["跨境电商进出口额要破1000亿对吧", "到2027年进出口额要破1000亿对吧"])
def test_a_claim_is_judged_by_the_target_year_not_an_interim_one(engine_for, question):
    answer = engine_for(REPO / "eval" / "other_dev8" / "plan").ask(question)
    first = answer.text.splitlines()[0]
    assert first.startswith("不对") and "800" in first and "570" not in first and "680" not in first, answer.text


def test_a_claim_judged_by_a_table_cell_is_corrected_in_the_goals_own_words(engine_for):
    answer = engine_for(REPO / "eval" / "other_dev8" / "plan").ask("跨境电商进出口额要破1000亿对吧")
    assert answer.text.startswith("不对") and "突破800亿元" in answer.text.splitlines()[0], answer.text
    assert "一、（二）" in cited(answer)
