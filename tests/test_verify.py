"""Verification by construction: no span of a sentence is exempt but a reference to a clause
the answer cites, exactly as the engine writes it; the engine's own answers still pass."""
from __future__ import annotations

import random

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from engine import Engine
from engine.verify import check, numbers
from ingest.text import fold

CITY_2021 = "北京市加快医药健康协同创新行动计划(2021—2023年)"
QUESTION = "上市企业的目标是什么？"
UNITS = ["家", "个", "亿元", "万元", "%", "万平方米", "亩", "项"]
FAKE_TITLES = ["《计划》", "《行动计划》", "《北京市医药健康产业发展规划(2024—2026年)》", "《关于支持企业上市的若干措施》"]
FAKE_PATHS = ["", "二、（三）8.", "三、（五）12.", "一、", "表1", "（二）4."]
QUOTES = [("“", "”"), ("「", "」"), ("‘", "’"), ("\"", "\"")]


@pytest.fixture(scope="module")
def task8(plan_index):
    """二、（三）8. of the 2021—2023 city plan: 新增上市企业25家, 年销售规模50亿元以上企业15家, …"""
    return next(c for c in plan_index.records() if c.title == CITY_2021 and c.path == "二、（三）8.")


@pytest.mark.parametrize("sentence, problem", [
    (f"《{CITY_2021}》要求新增上市企业100家。[1]", "figure 100家"),
    ("依据《计划》，到2023年全市医药健康产业营业收入9999亿元[1]", "number 9999"),
    (f"依据《{CITY_2021}》二、（三）8.对新增上市企业每家奖励5000万元[1]", "number 5000"),
])
def test_the_attack_strings_of_issue_12_are_rejected(task8, sentence, problem):
    kept, failures = check([(sentence, [task8])], QUESTION, set())
    assert not kept and problem in failures[0], failures


def test_an_llm_rewrite_with_an_attack_string_falls_back_to_the_grounded_answer(plan_index, settings):
    output = f"《{CITY_2021}》要求新增上市企业100家。[1]"
    engine = Engine(plan_index, settings, chat_model=FakeListChatModel(responses=[output]))
    answer = engine.ask("2021—2023年新增上市企业目标是多少？")
    assert answer.text.startswith("（LLM 改写未通过核查") and "100家" not in answer.text, answer.text
    assert any("figure 100家" in f for f in answer.failed_checks), answer.failed_checks


def test_the_exact_reference_of_a_cited_clause_is_exempt_and_nothing_after_it(task8):
    reference = f"《{CITY_2021}》二、（三）8.："
    assert check([(f"{reference}新增上市企业25家。[1]", [task8])], QUESTION, set())[0]
    assert not check([(f"{reference}新增上市企业25家，2030年前完成。[1]", [task8])], QUESTION, set())[0]
    other_path = f"《{CITY_2021}》二、（三）9.：新增上市企业25家。[1]"  # a reference to a clause it does not cite
    assert "number 9" in check([(other_path, [task8])], QUESTION, set())[1][0]


@pytest.mark.parametrize("sentence", ["新增上市企业15家。[1]", "年销售规模50亿元以上企业：25家[1]",
                                      "培育年销售规模50亿元以上企业和新增上市企业15家。[1]", "新增上市企业5家。[1]"])
def test_a_figure_of_the_clause_said_of_another_of_its_indicators_fails(task8, sentence):
    kept, failures = check([(sentence, [task8])], QUESTION, set())
    assert not kept and "bound to another indicator" in failures[0], failures


def _attacks(clauses, titles: list[str], agencies: list[str], n: int, seed: int):
    """``n`` sentences, each citing one real clause and stating something it does not: a figure
    or a year not in it, an agency it does not list, or one of its figures under another of its
    indicators; wrapped in real and made-up titles and paths, quotes and 依据."""
    rng = random.Random(seed)
    while n:
        clause = rng.choice(clauses)
        table = clause.table or {}
        source = fold(clause.text + table.get("caption", "") + "".join(table.get("columns", [])))
        title = rng.choice([f"《{clause.title}》", *FAKE_TITLES, *titles])
        path = rng.choice([clause.path, *FAKE_PATHS])
        claim = _claim(rng, clause, source, agencies)
        if claim is None:
            continue
        left, right = rng.choice(QUOTES)
        sentence = rng.choice([f"{title}{path}：{claim}", f"依据{title}{path}，{claim}", f"{title}{left}{claim}{right}",
                               f"{left}{claim}{right}（{title}{path}）", f"根据{title}{path}规定，{claim}",
                               f"{title}{path}：{left}{claim}{right}"])
        n -= 1
        yield sentence + "。[1]", clause


def _claim(rng: random.Random, clause, source: str, agencies: list[str]) -> str | None:
    """Something ``clause`` (folded text ``source``) does not state, or None if it has no such kind."""
    kind = rng.choice(["figure", "year", "agency", "indicator"])
    if kind == "figure":
        value = rng.choice([n for n in (str(rng.randint(1, 99999)) for _ in range(20)) if n not in numbers(source)])
        return f"{rng.choice(['新增', '培育', '奖励每家', '建设'])}{rng.choice(['上市企业', '创新药', '平台', ''])}{value}{rng.choice(UNITS)}"
    if kind == "year":
        year = rng.choice([y for y in range(2015, 2036) if str(y) not in source])
        return f"{year}年前全面完成"
    if kind == "agency":
        absent = [a for a in agencies if a not in source and not any(a in b and b in source for b in agencies)]
        return f"由{rng.choice(absent)}牵头负责"
    pairs = [(a, b) for a in clause.facts for b in clause.facts
             if a.unit == b.unit and not any(f.indicator == a.indicator and b.value == f.value for f in clause.facts)]
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    return f"{a.indicator}{rng.choice(['', '达到', '超', '：'])}{b.value}{b.unit}"


def test_500_generated_attacks_are_all_rejected(plan_index, engine):
    clauses = [c for c in plan_index.records() if c.text.strip()]
    titles = [f"《{d.title}》" for d in plan_index.documents.values()]
    agencies = sorted(engine.agencies.names)
    attacks = list(_attacks(clauses, titles, agencies, 500, seed=12))
    passed = [sentence for sentence, clause in attacks if check([(sentence, [clause])], QUESTION, set(agencies))[0]]
    assert len(attacks) == 500 and not passed, passed[:5]


@pytest.mark.parametrize("question", [
    "2021—2023年新增上市企业目标是多少？", "到2023年，北京希望有几家年销售50亿元以上的医药企业？",
    "2021—2023年期间市里计划建多少标准厂房？", "昌平区计划落地跨国药企总部或研发中心多少家？",
    "通州总产值目标", "研究型病房建多少个", "市科委负责哪些任务", "2021—2023年行动计划第8条讲了什么？",
    "我是高校教授，想在北京创办一家有原创技术的生物技术公司，市级计划怎么支持？",
    "城市副中心医药健康产业发展主要指标有哪些？", "两轮市级计划的上市企业目标分别是多少？",
    "昌平上市挂牌企业目标是超350家吗？",
])
def test_the_engines_own_answers_pass_unchanged(engine, question):
    answer = engine.ask(question)
    assert not answer.refused and not answer.failed_checks, (answer.text, answer.failed_checks)
