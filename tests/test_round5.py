"""Round 5: messages as hidden testers type them, over the shipped plans and over a plan of
another city and industry (eval/other_dev3, a development plan): asks joined without
question words the old splitter knew, a firm describing itself before it asks, a plan's
place inside a longer name, a task number next to a plan's nickname, and an office whose
agency the text names."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.decompose import parts

REPO = Path(__file__).resolve().parent.parent
ANOTHER_CITY = REPO / "eval" / "other_dev3" / "plan"
CITY_2018 = "北京市加快医药健康协同创新行动计划(2018—2020年)"
CITY_2021 = "北京市加快医药健康协同创新行动计划(2021—2023年)"


@pytest.fixture(scope="module")
def city_engine(engine_for):
    return engine_for(ANOTHER_CITY)


@pytest.mark.parametrize("typed, expected", [
    ("专班办公室设在哪个局？产业基金规模多大，奖补资金市里和区里怎么分担", 3),  # 多大, 怎么 ask too
    ("我们公司去年营收3亿，今年估计能过5亿，能拿啥奖励", 1),                    # the firm's own figures: no claims
    ("新增用地不少于5000亩，还说要探索个啥供地模式？", 2),                       # a claim about the plan is a part
])
def test_asks_and_claims_are_told_from_a_firm_describing_itself(typed, expected):
    assert len(parts(typed)) == expected, parts(typed)


def test_a_task_named_next_to_a_plans_nickname_is_not_read_as_a_task_number(engine):
    """"那条任务 18版…": 18 is the plan's year, not task 1 or 18."""
    answer = engine.ask("中医药那条任务 18版和21版的责任单位分别是谁")
    cited = {(c.clause.title, c.clause.path) for c in answer.citations}
    assert {(CITY_2018, "二、（三）14."), (CITY_2021, "二、（三）13.")} <= cited, answer.text
    assert "市中医管理局" in answer.text and "市中医局" in answer.text


def test_a_place_inside_a_longer_name_is_not_a_plan_of_that_place(engine):
    """"中关村生命科学园三期 18版怎么说": 18版 names the plan; 中关村 is part of a park's name."""
    answer = engine.ask("中关村生命科学园三期 18版怎么说 21版怎么说")
    assert not answer.refused, answer.failed_checks
    assert {c.clause.title for c in answer.citations} >= {CITY_2018, CITY_2021}
    assert "三期" in answer.text


def test_where_an_office_sits_is_read_from_the_text_not_from_a_tasks_agencies(city_engine):
    answer = city_engine.ask("AI专班办公室设在哪个局？母基金规模多大")
    assert "专班办公室设在市经信局" in answer.text, answer.text
    assert "100亿元" in answer.text


@pytest.mark.parametrize("text, indicator, qualifier, value", [
    ("试点建设1-2家智慧医院,鼓励先行先试", "智慧医院", "", "1—2"),       # a verb before the figure: the noun after counts
    ("单个项目最高给予500万元支持", "单个项目", "最高", "500"),            # the bound before the granting verb
    ("新增上市企业25家", "新增上市企业", "", "25"),
    ("给予最高500万元建设补助", "建设补助", "最高", "500"),                 # after the figure 建设 is the noun's
])
def test_a_figure_is_bound_to_the_noun_it_counts_and_keeps_its_bound(text, indicator, qualifier, value):
    from ingest.facts import extract

    fact = extract(text)[0]
    assert (fact.indicator, fact.qualifier, fact.value) == (indicator, qualifier, value)


def test_a_number_asked_of_a_clause_that_states_none_is_not_answered_with_its_text(engine):
    answer = engine.ask("副中心那个产业母基金规模多大")
    assert answer.refused, answer.text
    answer = engine.ask("18年那版在海淀昌平建的生物药中试平台是多大规模的")  # 千升: a figure in words
    assert not answer.refused and "千升规模" in answer.text, answer.text


def test_a_follow_up_that_asks_its_own_question_borrows_only_the_plan(engine):
    answer = engine.ask("另外出海这块组织企业去哪些展会", history=["昌平那个计划国际化目标有哪些", "跨国药企总部那个是几家"])
    assert "科博会、链博会、京洽会" in answer.text, answer.text


def test_a_claim_after_a_claim_is_judged_in_the_clause_the_message_is_on(city_engine):
    """The second claim names 单个企业 of the task the first claim is about, not another task's."""
    answer = city_engine.ask("算力券是市发改委牵头的吧 单个企业一年最多能补1000万？")
    assert "市经信局" in answer.text and "500万元" in answer.text, answer.text
    assert "200万元" not in answer.text


def test_an_indefinite_count_is_no_question_of_number():
    """好几项 counts nothing the plans state: the question is yes or no, not a figure."""
    from engine.analysis import analyse

    assert analyse("同一个项目能不能同时拿好几项同类补贴？").kind != "figure"


@pytest.mark.parametrize("question, verdict, stated", [
    ("21版是2022年印发的吧？", "不对", "2021年7月8日"),                               # the year a plan was issued
    ("21版是2021年印发的吧", "对", "2021年7月8日"),
    ("昌平那个新计划是区发改委负责解释的吧", "不对", "北京未来科学城管理委员会"),     # the body the text names
    ("18版说在经开区建千升规模的生物药中试平台是吧", "不对", "海淀区、昌平区"),        # the place the text names
])
def test_a_claim_that_is_no_figure_gets_a_verdict_from_the_clause_on_the_matter(engine, question, verdict, stated):
    answer = engine.ask(question)
    assert answer.text.startswith(verdict) and stated in answer.text, answer.text


@pytest.mark.parametrize("question, stated, asserted", [
    ("评估结果是报市人大的吧", "市政府", "市人大"),
    ("产业运行监测是统计局按月做的吧", "按季度", "按月"),
])
def test_a_word_the_plan_uses_another_of_is_corrected(city_engine, question, stated, asserted):
    answer = city_engine.ask(question)
    assert answer.text.startswith("不对") and f"“{stated}”，不是“{asserted}”" in answer.text, answer.text


def test_a_wrong_figure_that_the_clause_binds_to_something_else_is_said_to_be_so(engine):
    answer = engine.ask("21版创新药提交上市申请的目标是75个吗")
    assert "15个" in answer.text and "创新医疗器械提交上市申请达到75个" in answer.text, answer.text


def test_a_part_stays_in_the_clause_the_message_is_on(engine):
    answer = engine.ask("昌平那版器械这块 高端诊断设备要布局哪几类？要推进建哪些基地")
    assert "超声、影像、内窥镜" in answer.text and "凝血器械研发生产基地" in answer.text, answer.text


def test_the_answer_names_the_thing_a_list_question_asks_for(engine):
    """Trimmed to the words it shares with the question, the sentence kept only 提高通关效率。"""
    answer = engine.ask("18版优化园区服务那条 提高通关效率提到了哪两个平台")
    assert "生物试剂出入境集中监管平台" in answer.text, answer.text


@pytest.mark.parametrize("item, previous, expected", [
    ("二类呢", "三类器械首次拿证奖多少", "二类器械首次拿证奖多少"),   # B takes the place of the A it parallels
    ("海淀区呢", "昌平区建了几个", "海淀区建了几个"),
    ("那通州呢", "昌平的目标是多少", "通州是多少"),                    # nothing parallel: the predicate
])
def test_an_elliptic_part_takes_the_place_of_what_it_parallels(item, previous, expected):
    from engine.decompose import borrow_predicate

    assert borrow_predicate(item, previous) == expected


def test_a_word_inside_another_is_no_kind_of_amount(engine):
    """评价 holds 价 (a price): the weight asked for is a share, and it is answered."""
    answer = engine.ask("21版市属医院绩效评价里科技创新指标的权重要提到多少")
    assert not answer.refused and "20%" in answer.text, answer.text


def test_asks_typed_with_spaces_before_latin_letters_split(engine):
    assert len(parts("昌平那版AI这块 算力咋保障 AI实体医院是咋回事", engine._names_plan)) == 2


def test_who_is_responsible_in_a_plan_that_lists_no_agencies_is_refused(engine):
    answer = engine.ask("昌平那版脑机接口那条的责任单位是谁")
    assert answer.refused, answer.text
    answer = engine.ask("昌平那个计划谁负责解释")  # a duty its text names is still answered
    assert "北京未来科学城管理委员会" in answer.text, answer.text


def test_a_repealed_plan_named_by_a_word_of_its_title_is_said_to_be_repealed(engine):
    answer = engine.ask("之前那个倍增计划还有效吗")
    assert "倍增行动计划" in answer.text and "废止" in answer.text, answer.text


def test_a_figure_keeps_its_bounds_on_both_sides():
    from ingest.facts import extract

    assert extract("超10亿元的企业达到50家以上")[-1].stated() == "达到50家以上"


def test_a_magnitude_in_words_names_the_indicator_in_digits(engine):
    """"超百亿的企业" is 超100亿元的企业: the claim is judged against that indicator's value."""
    answer = engine.ask("21版说年销售超百亿的企业要达到10家，对吗")
    assert answer.text.startswith("不对") and "6家" in answer.text, answer.text


def test_a_short_name_finds_an_agency_of_a_higher_level_named_with_its_province():
    """"药监局" in a city plan whose drug regulator is the province's (湖北省药品监督管理局)."""
    import dataclasses

    from engine.agencies import AgencyDirectory

    @dataclasses.dataclass
    class Task:
        agencies: list
        chunk: int = 0

    directory = AgencyDirectory([Task(["湖北省药品监督管理局", "市市场监督管理局"]), Task(["市发展改革委"])])
    assert directory.resolve("药监局管哪些事")[1] == {"药监局": ["湖北省药品监督管理局"]}
    assert directory.resolve("发改委负责哪些")[1] == {"发改委": ["市发展改革委"]}


@pytest.mark.parametrize("question, start, stated", [
    ("昌平那版有效期到2027年底吧", "不对", "2028年12月31日"),
    ("昌平那版有效期到2028年底吧", "对", "2028年12月31日"),
])
def test_a_claim_about_validity_is_judged_against_the_printed_date(engine, question, start, stated):
    answer = engine.ask(question)
    assert answer.text.startswith(start) and stated in answer.text, answer.text


def test_a_repealed_round_asked_whether_it_still_applies_is_said_to_be_repealed(engine):
    answer = engine.ask("昌平22—25年那版还继续执行吗")
    assert "废止" in answer.text, answer.text


def test_a_claim_defined_by_a_threshold_binds_to_the_indicator_with_that_threshold(engine):
    """"营收过百亿的企业" names 超100亿 (not 超10亿, not an indicator without a threshold); its
    name, quoted in the verdict, holds a figure that is no claim of the answer."""
    answer = engine.ask("21版是不是要求年销售过百亿的企业达到6家？")
    assert answer.text.startswith("对") and "6家" in answer.text, answer.text


def test_this_after_a_claim_means_the_thing_claimed_about(city_engine):
    """"X到27年50%以上，这个是预期性指标吧": 这个 is X, and its targets table says 约束性."""
    answer = city_engine.ask("国产算力占比到27年50%以上，这个是预期性指标吧")
    assert "“约束性”，不是“预期性”" in answer.text, answer.text


@pytest.mark.parametrize("question, expected, absent", [
    ("2022年5月正在施行的是哪份计划", "(2021—2023年)》", "昌平"),      # validity on a date
    ("哪些计划覆盖2025年", "覆盖2025年", "(2021—2023年)"),              # periods that include a year
])
def test_questions_about_the_collection_are_answered_from_metadata(engine, question, expected, absent):
    answer = engine.ask(question)
    assert expected in answer.text and absent not in answer.text, answer.text
