"""Round 10: mechanisms found by two new blind sets (dev10, and a low-altitude-economy
行动方案 of another city, eval/other_dev9) and by the round's known wrong answers: a claim about
another measure of the same sort (出口量 for a plan's 产量) is not corrected with that value."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine import figures
from eval.scoring import verdict_of
from ingest.types import Fact

REPO = Path(__file__).resolve().parent.parent
TOURISM = REPO / "eval" / "other_dev7" / "plan"
XIAMEN = REPO / "eval" / "other_dev8" / "plan"
OTHER_CITY = REPO / "eval" / "other_city" / "plan"


def cited(answer) -> set[str]:
    return {c.clause.path for c in answer.citations}


def fact(indicator: str, text: str = "") -> Fact:
    return Fact(indicator, "", "1", 1.0, 1.0, "个", None, text or indicator)


@pytest.mark.parametrize("indicator, phrases, other", [
    ("全市新能源汽车产量", ["新能源汽车出口量"], True),   # same sort (…量), another measure
    ("整车本地配套率", ["零部件覆盖率"], True),
    ("上市挂牌企业", ["上市"], False),                   # named short: not judged here
    ("产业产值", ["产业规模"], False),                   # another sort of word: not judged here
    ("医药健康产业营业收入", ["营收"], False),            # an abbreviation holds the ending in order
    ("全市新能源汽车产量", ["全市新能源汽车产量"], False),
])
def test_another_measure_of_the_same_sort_is_told_apart(indicator, phrases, other):
    assert figures.other_measure(fact(indicator), phrases) is other


def test_a_claim_on_a_measure_the_plan_does_not_state_is_not_corrected_with_its_neighbour(engine, engine_for):
    answer = engine.ask("副中心计划说到2025年医药健康产业增加值要达到200亿，对吗？")
    assert verdict_of(answer.text) == "unstated" and "180" not in answer.text, answer.text
    assert "增加值" in answer.text.splitlines()[0], "the verdict names the indicator as asked"
    answer = engine.ask("副中心计划说到2025年医药健康产业总产值要达到200亿，对吗？")
    assert verdict_of(answer.text) == "wrong" and "180" in answer.text, answer.text
    answer = engine_for(OTHER_CITY).ask("方案里是不是规定了到2026年新能源汽车出口量要达到50万辆？")
    assert verdict_of(answer.text) == "unstated" and "200" not in answer.text, answer.text
    assert "“新能源汽车出口量”" in answer.text, "named without the asking words before it"


def test_an_answer_restating_a_figure_typed_in_words_states_nothing_new():
    from eval.scoring import judge

    question = {"question": "昌平那个国高新企业目标是超三百家吧", "answer_facts": ["超350家"], "must_refuse": False}
    cited = [{"title": "t", "clause": "一、", "quote": "累计培育国高新企业超350家"}]
    restated = judge(question, {"answer": "不对：计划写的是超350家，不是超300家。[1]", "citations": cited})
    assert not restated["hallucinated"]
    invented = judge(question, {"answer": "不对：计划写的是超350家，不是超400家。[1]", "citations": cited})
    assert invented["hallucinated"]


def test_a_word_found_in_many_clauses_weighs_less_than_a_rare_one(plan_index):
    from engine.evidence import overlap

    rarity = plan_index.bm25.rarity
    assert rarity("发展") < rarity("问题") < rarity("入学") <= 1.0
    asked = {"问题", "入学"}  # one generic word and one rare word, shared one each
    assert overlap(asked, "坚持问题导向") == overlap(asked, "保障其子女入学"), "unweighted: a tie"
    assert overlap(asked, "坚持问题导向", rarity) < overlap(asked, "保障其子女入学", rarity)


@pytest.mark.parametrize("message, expected", [
    # the A-not-A form asks, as a question word does
    ("21版引导市属医院往研究型医院走那条 要建几家？财政局在不在责任单位里", 2),
    ("副中心那份新增多少家企业？经信局算不算牵头的", 2),
    # a question of three characters after a comma is a part of its own
    ("21版疫苗那条除了mRNA还推哪些技术创新 谁打头", 2),
    ("昌平那份上市挂牌企业要多少家，谁牵头", 2),
])
def test_parts_asked_in_the_a_not_a_form_or_in_three_characters(message, expected):
    from engine.decompose import parts

    assert len(parts(message)) == expected, parts(message)


def test_only_a_repeated_verb_around_not_asks():
    from engine.decompose import asks

    assert asks("药监局在不在里面") and asks("有没有补贴")
    assert not asks("政策一定不会变") and not asks("标准不低于国家")


def test_a_part_asked_in_the_a_not_a_form_is_answered(engine):
    answer = engine.ask("21版引导市属医院往研究型医院走那条 要建几家？财政局在不在责任单位里")
    assert "1-2家" in answer.text and answer.text.count("【") == 2, answer.text
    assert "对：财政局" in answer.text and "市财政局" in answer.text, answer.text


def test_a_stray_line_break_inside_a_sentence_is_mended_and_headings_are_not_joined():
    from ingest.clean import clean

    raw = ("（二）支持政策\n"
           "对新认定的市级公共海外仓，按其建设和租赁费用的30%给予补助，单个海外仓最高不\n"
           "超过200万元；同一企业每年享受补助的海外仓不超过2个。\n"
           "2.强化金融服务。鼓励银行机构推出信贷产品，扩大覆盖面，\n\n"
           "对投保的企业给予补助。\n"
           "表1 主要指标\n")
    paragraphs = clean(raw).paragraphs
    assert "单个海外仓最高不超过200万元；同一企业每年享受补助的海外仓不超过2个。" in paragraphs[1]
    assert paragraphs[0] == "（二）支持政策", "a heading is no broken sentence"
    assert paragraphs[2].endswith("扩大覆盖面，对投保的企业给予补助。"), "a comma never ends a paragraph"
    assert paragraphs[-1].startswith("表1"), "a table caption starts a block"


def test_a_cue_word_inside_a_phrase_the_plans_print_is_not_the_askers_cue(engine_for):
    tourism = engine_for(TOURISM)
    quoted = tourism.ask("文旅项目投资补助是按实际投资额的10%给吗")
    assert not quoted.refused and "三、2." in cited(quoted), quoted.text
    asked = tourism.ask("2027年实际接待游客多少人次")
    assert asked.refused, "实际 asked by the user still reads as a question about results"


def test_a_claim_naming_a_figures_own_words_binds_whatever_condition_the_sentence_opened_with(engine_for):
    tourism = engine_for(TOURISM)
    plain = tourism.ask("文旅项目投资补助 单个项目最高1000万吧")
    assert verdict_of(plain.text) == "wrong" and "500万元" in plain.text.splitlines()[0], plain.text
    special = tourism.ask("列入省级重大文旅项目清单的 单个项目最高1000万吧")
    assert verdict_of(special.text) == "wrong" and "800万元" in special.text.splitlines()[0], special.text
    right = tourism.ask("文旅项目投资补助是按实际投资额的5%给吗")
    assert verdict_of(right.text) == "right", right.text


def test_each_claim_of_a_message_is_judged_once_under_its_own_part(engine_for):
    answer = engine_for(XIAMEN).ask("市级公共海外仓补助是按建设租赁费用的30%补 单个仓最高200万 是这样吧")
    parts = answer.text.split("【")[1:]
    assert len(parts) == 2, "是这样吧 is the claims' tag, not a part"
    assert parts[0].count("与所说一致") == 1 and "30%" in parts[0], parts[0]
    assert parts[1].count("与所说一致") == 1 and "200万元" in parts[1] and "30%，与所说一致" not in parts[1], parts[1]


@pytest.mark.parametrize("question", ["2021那版市级计划创新药目标是多少？", "2021年的计划创新药目标是多少"])
def test_a_year_that_names_the_plan_is_no_target_year(engine, question):
    answer = engine.ask(question)
    assert "15个" in answer.text.splitlines()[0] and "二、（三）10." in cited(answer), answer.text


@pytest.mark.parametrize("claimed, stated, agrees", [
    (("100", "左右"), ("100", "以上"), False),  # an approximation is not a floor
    (("10", "以上"), ("10", "左右"), False),
    (("20", "超"), ("20", "以上"), True),      # two floors agree
    (("100", ""), ("100", "左右"), True),      # a claim without a bound agrees with any
])
def test_an_approximation_claimed_for_a_bound_does_not_hold(claimed, stated, agrees):
    def figure(value, qualifier):
        return Fact("x", qualifier, value, float(value), float(value), "个", None, value)

    assert figures.holds(figure(*claimed), figure(*stated)) is agrees


@pytest.mark.parametrize("typed, written", [
    ("争取两三个突破性政策", "争取2—3个突破性政策"),  # two numerals side by side: a range
    ("三五家企业", "3—5家企业"),
    ("权重提到两成", "权重提到20%"),
    ("十五六家", "十五六家"),                      # after a tens numeral: left as typed
])
def test_ranges_and_tenths_typed_in_words_read_as_the_plans_write_them(typed, written):
    from engine.analysis import as_plans_write

    assert as_plans_write(typed) == written


@pytest.mark.parametrize("question, stated", [
    ("21版里国际一流的研究型医院是建20个吧", "1—2家"),  # a count typed with another measure word binds by its name
    # an English claim heard from someone is judged, not read as the asker's own firm
    ("I read that Changping wants more than 20 unicorn and potential-unicorn firms by 2028 — is that right?", "30"),
])
def test_a_claim_is_corrected_with_the_value_of_the_indicator_it_names(engine, question, stated):
    answer = engine.ask(question)
    assert verdict_of(answer.text) == "wrong" and stated in answer.text.splitlines()[0], answer.text


def test_a_figure_put_where_a_sentence_states_none_is_unstated_not_misquoted(engine):
    answer = engine.ask("21版说固定资产投资年均增长15%对吗")
    assert verdict_of(answer.text) == "unstated" and "保持稳定增长态势" in answer.text, answer.text
    misquote = engine.ask("21版要启动建立心脑血管、肿瘤等领域的十万人群队列 这个规模我没写错吧")
    assert verdict_of(misquote.text) == "wrong", "a swapped figure is still a misquote"


def test_a_body_printed_with_its_other_name_in_brackets_answers_to_either():
    from engine.agencies import parts_of

    assert parts_of("市发展改革委(市京津冀协同办)") >= {"市发展改革委", "市京津冀协同办"}
    assert parts_of("市科委、中关村管委会") >= {"市科委", "中关村管委会"}


@pytest.mark.parametrize("question", ["21版里发改委牵头的是哪条", "21版里发改委排第一个的是哪条"])
def test_the_tasks_an_agency_leads_include_those_listing_it_under_its_bracketed_name(engine, question):
    answer = engine.ask(question)
    assert not answer.refused and "二、（五）20." in cited(answer), answer.text


def test_tasks_an_agency_is_listed_on_asked_with_another_word(engine):
    answer = engine.ask("18版财政局挂名的是哪几条")
    assert {"二、（二）4.", "二、（三）11.", "二、（四）17."} <= cited(answer), answer.text


def test_a_named_plan_out_of_force_on_the_asked_date_is_said_so_with_its_validity(engine):
    answer = engine.ask("到2029年1月 昌平这份还管用吗")
    assert not answer.refused and "不在施行期内" in answer.text and "2028年12月31日" in answer.text, answer.text


@pytest.mark.parametrize("question", ["18版说的医药健康协同创新研究院 后来成立了没",
                                      "昌平那个AI实体医院 现在挂牌了几家"])
def test_asking_whether_a_plan_item_has_since_happened_is_no_question_for_the_plans(engine, question):
    assert engine.ask(question).refused


def test_the_premise_audit_counts_explicit_verdicts_and_claims_judged_against_another_indicator():
    from eval.scoring import judge, premise_audit

    def verdict(gold, answer, facts=()):
        question = {"id": f"{gold}:{answer[:8]}", "question": "q", "verdict": gold, "answer_facts": list(facts), "must_refuse": gold == "unstated"}
        return question, judge(question, {"answer": answer, "citations": []})

    audit = premise_audit([
        verdict("wrong", "不对：计划写的研究型医院是1—2家，不是20个。", ["1-2家"]),
        verdict("wrong", "对：计划写的研究型病房是20个左右，与所说一致。", ["1-2家"]),  # a neighbour's value
        verdict("unstated", "对：计划写的收入年均增速是10%以上，与所说一致。"),  # an indicator not stated
        verdict("unstated", "《某计划》一、：收入年均增速10%以上。"),  # no verdict at all
    ])
    assert audit["n"] == 4 and audit["explicit"] == 3
    assert audit["misbound"] == ["wrong:对：计划写的研究", "unstated:对：计划写的收入"]


@pytest.mark.parametrize("question", ["副中心四个辅助领域是哪些", "副中心那个两个主攻领域是啥 || 那四个辅助领域呢"])
def test_a_set_asked_with_its_size_is_answered_by_the_sentence_listing_that_many(engine, question):
    *history, asked = [p.strip() for p in question.split("||")]
    answer = engine.ask(asked, history=history)
    assert "前沿诊疗技术、AI+医疗健康、相关生产性服务业、高端特色生活性服务业" in answer.text, answer.text
    assert not answer.text.startswith("计划未写明"), "the size of the set asked for is no claim"


@pytest.mark.parametrize("typed, found", [
    ("the plan targets 50 newly approved class ii and iii medical devices, correct?", [("50", "个")]),
    ("about 20 square kilometres of new development space, right?", [("20", "平方公里")]),
    ("more than 20 unicorn and potential-unicorn firms by 2028", [("20", "家")]),  # a year is no figure
])
def test_english_figures_bind_to_the_noun_they_count_a_few_words_on(typed, found):
    from engine.analysis import en_figures

    assert en_figures(typed) == found


def test_a_shi_de_question_states_a_claim_to_judge(engine):
    answer = engine.ask("21版健康云那条 是医保局打头的？")
    assert verdict_of(answer.text) == "right" and "二、（二）7." in cited(answer), answer.text


def test_a_figure_question_naming_two_indicators_gets_both_figures_of_the_clause(engine):
    answer = engine.ask("创新药和创新器械的目标 21版和昌平那版比怎么样")
    assert all(f in answer.text for f in ("15个", "75个", "3—5个", "6—8个")), answer.text


def test_which_few_asks_which_not_how_much(engine):
    from engine.analysis import analyse

    assert analyse("政策套餐包括哪几方面？哪些企业能拿人才引进奖励").quantity is None
    assert analyse("人才引进奖励给几万").quantity == "money"
    answer = engine.ask("21版人才那条 给紧缺人才量身定制的政策套参包括哪几方面？哪些企业能拿人才引进奖励")
    assert not answer.refused and "住房、签证、职称以及就医" in answer.text and "IPO上市" in answer.text, answer.text
