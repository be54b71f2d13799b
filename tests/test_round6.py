"""Round 6: mechanisms found by blind question sets (dev6, and a 若干措施 document of another
city and industry with 第N条 articles, eval/other_dev5): phrases a reader took from the text,
a section named by its object, the distributive 各, spoken units, a figure counted after a
verb the lexicon does not list, and a claim about the clause the message is on."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.analysis import analyse
from engine.decompose import parts

REPO = Path(__file__).resolve().parent.parent
MEASURES = REPO / "eval" / "other_dev5" / "plan"
CITY_2018 = "北京市加快医药健康协同创新行动计划(2018—2020年)"
CITY_2021 = "北京市加快医药健康协同创新行动计划(2021—2023年)"
DISTRICT = "昌平区医药健康产业高质量发展行动计划（2026—2028年）"


def cited(answer) -> set[tuple[str, str]]:
    return {(c.clause.title, c.clause.path) for c in answer.citations}


def test_articles_are_cited_alone_whatever_chapter_holds_them():
    """第N条 is numbered through the whole document: 第六条, not 二、第六条; an annex's items
    stay under the annex."""
    from ingest.pipeline import ingest_paths

    result = ingest_paths(sorted(MEASURES.iterdir()))
    paths = [c.path for c in result.clauses]
    assert [p for p in paths if p.startswith("第")] == [
        f"第{n}条" for n in "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十 二十一 二十二".split()]
    assert {"附件2", "附件2·3."} <= set(paths) and all(not p.startswith(("一、第", "五、第")) for p in paths)


def test_phrases_taken_from_the_text_are_whole_printed_words(engine):
    """A run of the question's words that few clauses print verbatim, without a trailing 的,
    a plan's name or a title word."""
    assert engine.verbatim("副中心那个和昌平那个 工作主线或者工作体系分别叫啥") == ("工作主线", "工作体系")
    assert engine.verbatim("脑机接口的专业园区叫啥？") == ("脑机接口", "专业园区")
    assert engine.verbatim("昌平那个行动计划说了啥") == ()


def test_a_phrase_from_the_text_finds_its_clause_in_each_plan_compared(engine):
    answer = engine.ask("副中心那个和昌平那个 工作主线或者工作体系分别叫啥")
    assert (DISTRICT, "三、") in cited(answer), answer.text
    assert "655" in answer.text and "1+5+N" in answer.text


def test_a_section_named_by_its_object_without_the_leading_verb(engine):
    """"资金保障那部分" names （四）做好资金保障 in both plans."""
    answer = engine.ask("资金保障那部分 18版和21版各说了啥")
    assert {(CITY_2018, "三、（四）"), (CITY_2021, "三、（四）")} <= cited(answer), answer.text


def test_a_distributive_ge_splits_the_items_it_follows(engine):
    assert parts("2021计划里北部和南部各要设什么专项基金？") == [
        "2021计划里北部要设什么专项基金？", "南部要设什么专项基金？"]
    assert len(parts("各区要设什么基金")) == 1  # 各 before a noun is "every", not "each of these"
    answer = engine.ask("2021计划里北部和南部各要设什么专项基金？")
    assert "早期种子投资专项基金" in answer.text and "新型重大项目投资专项基金" in answer.text, answer.text


def test_spoken_units_are_read_as_the_plans_print_them(engine):
    assert analyse("新增500万平米楼宇空间").figures == [("500", "万平方米")]
    assert analyse("补贴有5个亿吗").figures == [("5", "亿")]
    answer = engine.ask("21版计划说三年给医药企业新增500万平米楼宇空间？")
    assert answer.text.startswith("不对") and "300万平方米" in answer.text, answer.text


def test_a_figure_after_verbs_alone_counts_the_noun_after_it():
    """"引进和承接100个以上市级产业化重点项目": 承接 is in no word list; its part of speech says verb."""
    from ingest.facts import extract

    fact = extract("引进和承接100个以上市级产业化重点项目落地")[0]
    assert (fact.indicator, fact.value, fact.qualifier) == ("市级产业化重点项目落地", "100", "以上")
    assert extract("医药健康产业规模达3000亿元")[0].indicator == "医药健康产业规模"


def test_a_loosely_named_claim_is_judged_against_the_clause_the_message_is_on(engine):
    """"额度" names no indicator; after a part that cited the clause granting 10亿元 it means that."""
    answer = engine.ask("18年那版市级计划授权几个区自己定单个项目支持 额度是5亿以内对吗")
    assert "不对" in answer.text and "10亿元以内" in answer.text, answer.text
    assert (CITY_2018, "三、（二）") in cited(answer)


@pytest.mark.parametrize("question, path, fact", [
    ("第六条讲的是什么", "第六条", "首次超过1亿元"),
    ("这个措施有效期到什么时候", "第二十二条", "2027年12月31日"),
])
def test_a_measures_document_is_answered_by_its_articles(engine_for, question, path, fact):
    answer = engine_for(MEASURES).ask(question)
    assert any(c.clause.path == path for c in answer.citations), answer.text
    assert fact in answer.text, answer.text


def test_two_agencies_asked_about_one_task_are_not_called_one_body(engine_for):
    """"民政局应急局都参与了？" names two agencies; "X那条" points at the task by its heading, so
    the task's list is the answer, and no note calls the two one body's former and later names."""
    answer = engine_for(MEASURES).ask("应用场景示范那条 民政局应急局都参与了？还有谁")
    assert "同一机构" not in answer.text, answer.text
    assert {c.clause.path for c in answer.citations} == {"第十二条"}
    assert "市卫健委" in answer.text and "市发改委" in answer.text


def test_a_cover_notice_answers_no_question_but_when_and_who_issued(engine_for):
    """The notice's addressees (…工业园区…) share words with many questions; only time
    questions may be answered from it."""
    answer = engine_for(MEASURES).ask("入驻的园区有啥要求")
    assert all(c.clause.path != "印发通知" for c in answer.citations), answer.text


def test_a_sentence_that_spells_out_an_abbreviated_word_joins_the_answer(engine_for):
    """北交所 is 北京证券交易所 spelled out: the clause's sentence about it is the other half."""
    answer = engine_for(MEASURES).ask("机器人企业境内上市和去北交所上市 奖励差多少")
    assert "600万元" in answer.text and "400万元" in answer.text, answer.text


def test_words_taken_from_a_clause_outweigh_a_figure_bound_elsewhere(engine):
    """"首次达到一定规模给激励 这个规模是多少亿": the words come from the incentive clause, which
    states no amount; the 2500亿元 goal is another clause's figure."""
    answer = engine.ask("18版说年主营业务收入首次达到一定规模给激励 这个规模是多少亿")
    assert answer.refused and "2500" not in answer.text, answer.text


def test_a_follow_up_naming_another_figure_asks_the_same_of_it(engine):
    """"再往下一档 50亿那个级别的呢" after "…100亿级别的目标几家": the same question of 50亿."""
    from engine.followup import _other_figure

    assert _other_figure("再往下一档 50亿那个级别的", "21版龙头企业100亿级别的目标几家") == "21版龙头企业50亿级别的目标几家"
    assert _other_figure("二类", "三类器械首次拿证奖多少") is None
    answer = engine.ask("再往下一档 50亿那个级别的呢", history=["21版龙头企业100亿级别的目标几家"])
    assert "50亿元以上企业15家" in answer.text, answer.text


def test_a_repealed_version_named_by_its_year_is_told_its_repeal_not_answered(engine_for):
    """"2021年那版…奖多少": the 2021 policy (苏府规〔2021〕8号) is repealed by the indexed one and
    its text is not here; a year that is only data ("2024年基数") names no version."""
    measures = engine_for(MEASURES)
    answer = measures.ask("苏州2021年那版机器人政策 营收过1亿奖多少")
    assert answer.refused and "废止" in answer.text, answer.text
    assert {c.clause.path for c in answer.citations} == {"第二十二条"}
    assert not measures.ask("规上机器人企业数量2024年基数是多少家").refused
