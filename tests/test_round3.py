"""Questions as people type them, and plans as they arrive: several plans in one question,
asks joined by spaces and commas, figures stated in passing, claims about who leads, and a
plan laid out as a PDF extraction (running headers, hard wraps, a table one cell per line)."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.analysis import analyse
from engine.decompose import parts
from eval.scoring import verdict_of
from ingest.clean import clean

REPO = Path(__file__).resolve().parent.parent
PDF_LIKE = REPO / "eval" / "other_dev2" / "plan"
CITY_2018 = "北京市加快医药健康协同创新行动计划(2018—2020年)"
CITY_2021 = "北京市加快医药健康协同创新行动计划(2021—2023年)"


@pytest.fixture(scope="module")
def pdf_engine(engine_for):
    return engine_for(PDF_LIKE)


def _cited_titles(answer) -> set[str]:
    return {c.clause.title for c in answer.citations}


def test_a_question_naming_two_plans_is_answered_for_each(engine):
    answer = engine.ask("18-20和21-23这两轮计划，产业收入目标各是啥数？")
    assert "2500亿元" in answer.text and "3000亿元" in answer.text, answer.text
    assert _cited_titles(answer) == {CITY_2018, CITY_2021}


def test_what_an_agency_is_called_in_each_plan(engine):
    answer = engine.ask("药监部门在上一轮（18—20）和21—23那版里分别叫啥？")
    assert "市食品药品监管局" in answer.text and "市药品监管局" in answer.text, answer.text


@pytest.mark.parametrize("typed, expected", [
    ("21版新增工业用地多少亩 探索什么供地模式 是规自委负责吗", 3),                # spaces as pauses
    ("南部高端制造承载区要引进多少个市级产业化重点项目，归哪几家负责？", 2),   # two asks, one comma
    ("18版和21版的产业收入目标分别是多少", 1),                                # one ask of two plans
])
def test_a_message_splits_into_the_asks_it_makes(engine, typed, expected):
    assert len(parts(typed, engine._names_plan)) == expected


def test_a_part_without_a_topic_takes_the_previous_parts(engine):
    answer = engine.ask("南部高端制造承载区要引进多少个市级产业化重点项目，归哪几家负责？")
    assert "100个以上" in answer.text and "北京经济技术开发区管委会" in answer.text and "大兴区政府" in answer.text


def test_an_agency_claim_without_a_task_gets_no_verdict(engine):
    answer = engine.ask("规自委是不是负责单位？")
    assert verdict_of(answer.text) is None, answer.text


def test_a_figure_stated_in_passing_is_corrected(engine):
    answer = engine.ask("昌平要求科学家创办企业到2028年达到200家，靠什么实现？")
    verdict = next(line for line in answer.text.splitlines() if not line.startswith("【"))
    assert verdict_of(answer.text) == "wrong" and "150家" in verdict, answer.text


def test_a_claimed_ceiling_contradicts_the_plans_floor(engine):
    answer = engine.ask("昌平说跨国药企总部或研发中心最多落地2家，对吗？")
    assert verdict_of(answer.text) == "wrong" and "不少于2家" in answer.text.splitlines()[0], answer.text


def test_a_figure_described_is_not_a_claim(engine):
    answer = engine.ask("年销售规模超五十亿元的医药企业，北京到2023年的目标是几家？")
    assert verdict_of(answer.text) is None and "15家" in answer.text, answer.text


def test_every_agency_a_claim_names_is_checked(engine):
    answer = engine.ask("21版打造南部高端制造承载区是大兴区和通州区负责，对吧？")
    assert verdict_of(answer.text) == "wrong" and "通州区" in answer.text.splitlines()[0], answer.text


def test_a_new_question_in_a_conversation_stays_with_its_plan(engine):
    answer = engine.ask("新增发展空间定了多少？", history=["上一轮市里那个2018—2020的计划，主营业务收入目标是多少？"])
    assert "10平方公里左右" in answer.text and _cited_titles(answer) == {CITY_2018}, answer.text


def test_the_asked_indicator_is_read_next_to_the_asking_word(engine):
    answer = engine.ask("北京市这三年打算给药企新增几亩工业地？")
    assert "3000亩" in answer.text.splitlines()[0], answer.text


def test_chinese_numerals_that_count_become_digits_and_words_stay():
    assert analyse("超五十亿元的企业有两家").figures == [("50", "亿元"), ("2", "家")]
    assert analyse("零部件企业一次性奖励").figures == []


def test_a_pdf_extraction_is_cleaned_to_paragraphs_and_a_table():
    cleaned = clean(next(PDF_LIKE.glob("*.txt")).read_text("utf-8"))
    assert cleaned.unwrapped and "南山区人民政府办公室文件" in cleaned.dropped
    assert "南山区人民政府办公室文件" not in "\n".join(cleaned.paragraphs)
    rows = [p for p in cleaned.paragraphs if p.count("\t") == 5]
    assert rows[0].split("\t") == ["序号", "指标名称", "单位", "2023年基数", "2026年目标", "责任单位"]
    assert "7\t集成电路从业人员\t万人\t5.6\t8\t区人力资源局" in rows


def test_a_pdf_like_plan_answers_figures_agencies_and_table_rows(pdf_engine):
    figure = pdf_engine.ask("南山揭榜挂帅的芯片攻关项目，单个项目最多支持多少钱")
    assert "800万元" in figure.text, figure.text
    lead = pdf_engine.ask("南山芯片计划里先进封装测试那条是科创局牵头的吧？")
    assert verdict_of(lead.text) == "wrong" and "区工业和信息化局" in lead.text.splitlines()[0], lead.text
    row = pdf_engine.ask("主要指标表里南山2023年集成电路从业人员基数是多少万人？")
    assert "5.6" in row.text and not row.refused, row.text
    agency = pdf_engine.ask("投推署在南山芯片三年计划里要负责哪些任务？")
    assert "区投资推广署" in agency.text and "二、（一）1." in agency.text, agency.text


def test_a_claimed_amount_is_never_judged_against_a_count(pdf_engine):
    answer = pdf_engine.ask("听说南山区要求2026年集成电路营收干到2000亿，是这样吗？")
    first = answer.text.splitlines()[0] if answer.text else ""
    assert "家" not in first, answer.text


def test_a_claim_then_a_question_gets_the_verdict_and_the_answer(engine):
    """A claimed figure before a question is a part of its own: judged, then the question answered."""
    answer = engine.ask("21版新增可上市工业用地不少于5000亩，还说要探索个啥供地模式来着？")
    assert verdict_of(answer.text) == "wrong" and "不少于3000亩" in answer.text and "先租后让" in answer.text, answer.text


def test_a_claim_about_another_plan_says_which_plan_states_it(engine):
    answer = engine.ask("市属医院绩效评价里科技创新权重提到30%是18版提的吧？")
    assert verdict_of(answer.text) == "unstated" and "(2021—2023年)》二、（二）4." in answer.text and "20%" in answer.text


def test_a_claim_named_in_everyday_words_binds_to_the_plans_indicator(engine):
    answer = engine.ask("2021到2023年市级计划把新上市公司目标定成30家，原因是什么？")
    assert verdict_of(answer.text) == "wrong" and "25家" in answer.text, answer.text


def test_a_figure_attributed_to_a_plan_that_states_none_is_unstated(engine):
    answer = engine.ask("昌平那版说每落地一家跨国药企总部奖励1000万，这钱找谁兑现？")
    assert answer.refused and verdict_of(answer.text) == "unstated", answer.text



def test_claims_before_a_tag_question_each_take_the_tag():
    assert parts("揭榜挂帅那条是经信局牵头，单个项目最高补1000万，对吧") == [
        "揭榜挂帅那条是经信局牵头，对吧", "单个项目最高补1000万，对吧"]
    assert parts("股贷债保联动里提了哪两种贷款模式") == ["股贷债保联动里提了哪两种贷款模式"]  # 哪两种 asks


def test_places_listed_in_a_question_that_names_its_plan_name_no_other_plan(engine):
    answer = engine.ask("18年那版授权经开区、海淀、大兴、昌平自己决定10亿以内的单个项目，是这样吗")
    assert {c.clause.title for c in answer.citations} == {"北京市加快医药健康协同创新行动计划(2018—2020年)"}, answer.text


def test_a_plan_of_a_place_with_no_plan_is_refused(engine):
    answer = engine.ask("海淀那边自己的医药产业行动计划，指标是怎么定的？")
    assert answer.refused and answer.failed_checks == ["no plan of 海淀 in the corpus"]


def test_a_topic_less_part_keeps_the_topic_the_message_opened_with(engine):
    """"是哪几个区负责" names no district and no topic: it asks about the task of the first part."""
    answer = engine.ask("21版疫苗那条 检测中心叫啥？是哪几个区负责")
    last = answer.text.split("【是哪几个区负责】")[1]
    assert "二、（三）12." in last and "大兴区政府" in last, answer.text


def test_is_agency_x_among_them_checks_the_task_in_the_conversation(engine):
    answer = engine.ask("这条谁负责？医保局在不在里面", history=["21版里北京健康云那条主要干啥"])
    assert verdict_of(answer.text) == "right" and "二、（二）7." in answer.text, answer.text


def test_a_plan_named_with_a_slipped_period_is_corrected_then_answered(engine):
    answer = engine.ask("昌平那个2025—2027年的医药行动计划啥时候到期？")
    assert verdict_of(answer.text) == "wrong" and "2026—2028" in answer.text and "2028年12月31日" in answer.text
    assert engine.ask("昌平下一轮2029—2031年的计划会定什么目标？").refused  # another round, not a slip


def test_which_plan_is_the_latest_names_the_newest_of_all(engine):
    answer = engine.ask("这几份里最新那份是哪个 啥时候发的")
    assert "昌平区医药健康产业高质量发展行动计划" in answer.text and "2026年4月1日" in answer.text, answer.text


def test_did_it_reach_a_figure_is_a_results_question(engine):
    answer = engine.ask("副中心到2025年总产值最后做到180亿了没")
    assert answer.refused and answer.failed_checks == ["asks for actual results; the plans state targets"]


def test_the_previous_round_of_the_plan_named_is_compared_with_it(engine):
    answer = engine.ask("医院搞科研跟绩效考核怎么挂钩 上一轮和21版说法有啥不一样")
    titles = {c.clause.title for c in answer.citations}
    assert titles == {"北京市加快医药健康协同创新行动计划(2018—2020年)", "北京市加快医药健康协同创新行动计划(2021—2023年)"}


def test_a_plan_not_indexed_but_repealed_by_an_indexed_one_is_said_to_be_repealed(engine):
    answer = engine.ask("昌平2022—2025年的倍增行动计划还有效吗")
    assert "《昌平区医药健康产业倍增行动计划（2022—2025年）》" in answer.text and "废止" in answer.text, answer.text


def test_the_words_before_plan_name_the_plan_not_the_indicator(engine):
    from engine.figures import asked_phrases
    assert asked_phrases("某市AI计划里2025年新建创新平台目标是多少")[0] == "新建创新平台"
