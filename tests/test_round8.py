"""Round 8: mechanisms found by two new blind sets (dev8, and a culture-and-tourism 三年行动方案
of another city, eval/other_dev7): a "how many" question answered only by a numeral before the
measure it counts with, a last part that only asks whether the plans say so, questions for the
company that runs something or where to apply, every claimed date of a message judged, the day
a plan takes effect read from the clause that prints it, a figure that conditions what a later
figure counts, a prefecture named by its 州, and the tasks an agency leads."""
from __future__ import annotations

from pathlib import Path

import pytest

from eval.scoring import verdict_of

from engine.decompose import parts
from engine.figures import stated_as_fact
from ingest.facts import extract

REPO = Path(__file__).resolve().parent.parent
TOURISM = REPO / "eval" / "other_dev7" / "plan"


def cited(answer) -> set[str]:
    return {c.clause.path for c in answer.citations}


@pytest.mark.parametrize("question, path, stated", [
    ("昌平合成生物那块说要完善几级协同推进机制", "二、（二）4.", "三级协同推进机制"),  # 几级 → 三级
    ("21版开头说医药健康产业是北京创新发展的几个发动机之一", "前言", "双发动机"),  # 几个发动机 → 双发动机
])
def test_how_many_is_answered_by_a_numeral_before_what_it_counts(engine, question, path, stated):
    answer = engine.ask(question)
    assert not answer.refused and path in cited(answer) and stated in answer.text, answer.text


def test_how_many_of_a_measure_no_sentence_counts_in_is_not_answered_with_another_figure(engine):
    """The clause on 大兴's base names 100个 projects, no area: 多少平方公里 is not stated."""
    answer = engine.ask("大兴生物医药基地扩区以后 一共新增了多少平方公里")
    assert answer.refused, answer.text
    assert "asks for a number" in answer.failed_checks[0]


def test_a_table_row_counts_in_its_unit_column(engine):
    answer = engine.ask("副中心那份规划里专精特新企业要培育几家")
    assert not answer.refused and "50" in answer.text, answer.text


def test_money_and_shares_are_no_measure_a_sentence_must_count_in():
    from engine.analysis import analyse
    from engine.compose import _counted

    counted = _counted(analyse("区里引导基金最多出几成"))
    assert counted("由区级政府引导基金出资不超过30%")
    assert _counted(analyse("首次获批奖多少钱"))("给予一次性奖励50万元")
    assert not _counted(analyse("医生一周最多能去企业干几天"))("“10+1”类紧缺人才")
    assert _counted(analyse("这几年要新增多少个服务平台"))("服务平台不少于5个")  # 这几年 asks nothing


def test_a_last_part_asking_only_whether_the_plans_say_it_is_no_part():
    assert parts("那医生一周最多能去企业干几天 有规定吗") == ["那医生一周最多能去企业干几天 有规定吗"]
    assert len(parts("租金补贴怎么给 能补几年")) == 2


@pytest.mark.parametrize("question, kind", [
    ("副中心那个医疗机构专利交易平台 交易佣金咋收 是哪家公司在运营", "money"),
    ("昌平说的出海服务平台 在哪报名 收不收费", "channel"),
])
def test_details_the_clause_does_not_give_are_declined(engine, question, kind):
    """The clause names the platform, and neither its fees, its operator nor where to apply."""
    answer = engine.ask(question)
    assert answer.refused and not answer.citations, answer.text


def test_every_date_a_message_claims_is_judged_the_wrong_one_first(engine_for):
    answer = engine_for(TOURISM).ask("昆明文旅方案从3月1号开始施行 有效期到2027年底 对吧")
    assert answer.text.startswith("不对") and "2028年12月31日" in answer.text, answer.text
    assert "自2026年3月1日起施行" in answer.text


def test_the_day_a_plan_takes_effect_comes_from_the_clause_that_prints_it(engine_for):
    answer = engine_for(TOURISM).ask("这个方案从哪天开始执行")
    assert "自2026年3月1日起施行" in answer.text and "五、3." in cited(answer), answer.text


def test_a_figure_before_de_and_a_counted_noun_is_a_condition_not_a_fact():
    facts = {f.indicator: (f.qualifier, f.value, f.unit) for f in
             extract("培育营业收入超10亿元的文旅企业5家以上，引进全国旅游集团20强企业区域总部不少于3家")}
    assert facts["营业收入超10亿元的文旅企业"] == ("以上", "5", "家")
    assert not [v for v in facts.values() if v[2] == "亿元"]


def test_figures_joined_before_de_describe_what_is_asked(engine_for):
    assert not stated_as_fact("那破5亿和10亿的呢")
    answer = engine_for(TOURISM).ask("那破5亿和10亿的呢", history=["昆明文旅企业营收首次破1亿奖多少"])
    assert not answer.text.startswith(("对", "不对")) and "100万元" in answer.text, answer.text


def test_a_prefecture_no_plan_covers_is_declined(engine_for):
    answer = engine_for(TOURISM).ask("大理州对新评甲级民宿奖励多少")
    assert answer.refused and "大理州 is not covered" in answer.failed_checks[0], answer.failed_checks


def test_a_count_printed_only_in_a_section_heading_is_cited_to_that_section(engine):
    answer = engine.ask("通州那个计划 重点工程一共几个 重要支撑几个")
    assert cited(answer) == {"三、", "四、"}, answer.text
    assert "实施5个重点工程" in answer.text and "夯实5个重要支撑" in answer.text
    answer = engine.ask("昌平那个计划要打造几大特色产业集群")
    assert cited(answer) == {"二、（二）"} and "五大特色产业集群" in answer.text, answer.text


def test_a_condition_clause_ending_in_de_scopes_the_award_after_it():
    facts = {f.indicator: (f.value, f.unit) for f in
             extract("（2）新获评国家级夜间文化和旅游消费集聚区的，一次性奖励100万元；获评省级的，一次性奖励50万元。")}
    assert facts == {"新获评国家级夜间文化和旅游消费集聚区一次性奖励": ("100", "万元"), "获评省级一次性奖励": ("50", "万元")}
    # a condition with a figure of its own scopes nothing (its figure is a fact of its own)
    facts = {f.indicator: (f.value, f.unit) for f in extract("其他燃料电池汽车年度运营里程不低于2万公里的，给予每辆每年2万元运营奖励")}
    assert facts == {"其他燃料电池汽车年度运营里程": ("2", "万"), "给予每辆每年": ("2", "万元")}


def test_a_threshold_followed_by_what_is_asked_is_no_claim(engine_for):
    assert not stated_as_fact("昆明文旅企业营收首次破5亿奖多少")
    assert stated_as_fact("文旅企业营收首次破5亿奖100万吧")
    answer = engine_for(TOURISM).ask("昆明文旅企业营收首次破5亿奖多少")
    assert not answer.text.startswith(("对", "不对")) and "100万元" in answer.text, answer.text
    answer = engine_for(TOURISM).ask("国家级夜间文旅消费集聚区一次性奖励多少")
    assert "100万元" in answer.text and "1000万元" not in answer.text, answer.text


@pytest.mark.parametrize("question", ["21版里经信局排第一个的是哪几条任务", "21版里经信局牵头的是哪几条任务"])
def test_tasks_an_agency_leads_are_those_that_list_it_first(engine, question):
    """The 2021 plan lists 市经济和信息化局 in eleven tasks, first in 8. and 12.; "排第一个" ranks,
    it names no task 1."""
    answer = engine.ask(question)
    assert cited(answer) == {"二、（三）8.", "二、（三）12."}, answer.text
    assert "排在首位" in answer.text.splitlines()[0]


def test_asking_who_is_listed_first_claims_no_lead(engine):
    answer = engine.ask("21版创新产品应用推广那条 财政局在不在责任单位里 谁排第一")
    assert verdict_of(answer.text) == "right" and "市卫生健康委" in answer.text, answer.text
