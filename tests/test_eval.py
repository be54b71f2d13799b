"""The evaluation harness: the runner's contract, the scorer's arithmetic, the quality gate."""
from __future__ import annotations

import json

import pytest
from conftest import REPO

from eval.runner import CONTRACT_FIELDS, read_questions, run
from eval.scoring import judge, load_jsonl, metrics, score

GOLD_DIR = REPO / "eval" / "gold"
OTHER_CITY = REPO / "eval" / "other_city"


def test_runner_accepts_bare_id_and_question_lines_and_writes_the_contract(engine, settings, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in [
        {"id": "x1", "question": "2023年医药健康产业营业收入目标是多少？"},
        {"id": 2, "question": "朝阳区有什么医药政策？", "ignored": [1, 2]},
        {"id": "x3", "question": "   "},
    ]), "utf-8")
    out = tmp_path / "a.jsonl"
    assert run(questions, out, settings, engine=engine) == 3
    lines = load_jsonl(out)
    for line in lines:
        assert tuple(line) == CONTRACT_FIELDS
        assert isinstance(line["id"], str) and isinstance(line["answer"], str) and isinstance(line["refused"], bool)
        assert isinstance(line["latency_ms"], float)
        for citation in line["citations"]:
            assert set(citation) == {"doc_id", "title", "clause", "quote"}
        for context in line["contexts"]:
            assert set(context) == {"doc_id", "title", "clause", "text"}
    first = lines[0]
    assert not first["refused"] and "3000亿元" in first["answer"]
    assert first["citations"][0]["title"] == "北京市加快医药健康协同创新行动计划(2021—2023年)"
    assert first["citations"][0]["clause"] == "一、（三）"
    assert lines[1]["refused"] and lines[1]["id"] == "2"
    assert lines[2]["refused"] and "empty" in lines[2]["answer"]
    assert json.loads((tmp_path / "a.jsonl.meta.json").read_text("utf-8"))["settings_hash"] == settings.hash()


def test_runner_names_the_bad_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "x"}\n{"question": "no id"}\n', "utf-8")
    with pytest.raises(ValueError, match=r"bad.jsonl:2: .*\"id\""):
        read_questions(bad)


GOLD = [
    {"id": "a", "type": "figure", "persona": "journalist", "question": "新增上市企业多少家？", "must_refuse": False,
     "gold_documents": ["T1"], "gold_clauses": [{"title": "T1", "clause": "二、（三）"}], "answer_facts": ["25家"]},
    {"id": "b", "type": "figure", "persona": "journalist", "question": "营业收入目标？", "must_refuse": False,
     "gold_documents": ["T1"], "gold_clauses": [{"title": "T1", "clause": "一、（三）"}], "answer_facts": ["3000亿元"]},
    {"id": "c", "type": "refusal", "persona": "staff", "question": "朝阳区政策？", "must_refuse": True,
     "gold_documents": [], "gold_clauses": [], "answer_facts": []},
    {"id": "d", "type": "refusal", "persona": "staff", "question": "实际营收？", "must_refuse": True,
     "gold_documents": [], "gold_clauses": [], "answer_facts": []},
]
ANSWERS = [
    # right fact, cites a sub-clause of the gold clause
    {"id": "a", "answer": "新增上市企业25家。[1]", "refused": False, "latency_ms": 10.0,
     "citations": [{"doc_id": "d1", "title": "T1", "clause": "二、（三）8.", "quote": "新增上市企业25家。"}],
     "contexts": [{"doc_id": "d1", "title": "T1", "clause": "二、（三）8.", "text": "新增上市企业25家。"}]},
    # wrong figure (hallucinated: 2500 is in no cited clause), wrong clause, right document
    {"id": "b", "answer": "突破2500亿元。[1]", "refused": False, "latency_ms": 30.0,
     "citations": [{"doc_id": "d1", "title": "T1", "clause": "二、（一）1.", "quote": "强化国家战略科技力量。"}],
     "contexts": [{"doc_id": "d1", "title": "T1", "clause": "一、（三）", "text": "总营业收入突破3000亿元"}]},
    {"id": "c", "answer": "现有行动计划文本中没有能回答这个问题的内容。", "refused": True, "latency_ms": 20.0,
     "citations": [], "contexts": []},
    # should have refused, did not
    {"id": "d", "answer": "营收3000亿元。", "refused": False, "latency_ms": 40.0, "citations": [], "contexts": []},
]


def test_scorer_gives_the_exact_expected_metrics():
    report = score(GOLD, ANSWERS)
    assert report["overall"] == {
        "n": 4, "strict": 0.5, "answer_facts": 0.5, "doc_citation": 1.0, "clause_citation": 0.5,
        "refusal_precision": 1.0, "refusal_recall": 0.5, "retrieval_recall": 1.0,
        "hallucinated_figures": round(2 / 3, 4), "latency_p50_ms": 25.0, "latency_p95_ms": 30.0}
    assert report["failures"] == ["b", "d"]
    assert report["by_type"]["refusal"]["refusal_recall"] == 0.5
    assert report["by_persona"]["journalist"]["answer_facts"] == 0.5


def test_strict_needs_the_verdict_a_premise_question_asks_for():
    gold = dict(GOLD[0], verdict="wrong", question="新增上市企业30家，对吗？")
    right = dict(ANSWERS[0], answer="不对：计划写的新增上市企业是25家，不是30家。[1]")
    silent = dict(ANSWERS[0], answer="新增上市企业25家。[1]")
    assert judge(gold, right)["strict"] and not judge(gold, silent)["strict"]
    unstated = dict(GOLD[0], verdict="unstated", answer_facts=[])
    assert judge(unstated, dict(ANSWERS[0], answer="计划未写明：……"))["strict"]
    assert not judge(unstated, dict(ANSWERS[0], answer="不对：计划写的是25家。"))["strict"]


def test_facts_compare_across_script_width_and_spacing():
    gold = dict(GOLD[0], answer_facts=["京政办发〔2021〕12号", "3—5个"])
    answer = dict(ANSWERS[0], answer="京政辦發〔2021〕12 號；新获批上市创新药3-5个")
    assert judge(gold, answer)["facts"]


@pytest.fixture(scope="module")
def other_city_engine(engine_for):
    """The engine on an index of the Hefei plan alone: a city and industry it was not written for."""
    return engine_for(OTHER_CITY / "plan")


@pytest.mark.parametrize("split", ["test", "paraphrases", "other_city"])
def test_default_engine_stays_above_the_thresholds(split, engine, other_city_engine, settings, tmp_path):
    """CI gates on what the rules were not tuned on: the frozen test split, the paraphrases of
    the development questions, and the other city's plan (eval/thresholds.json)."""
    questions = OTHER_CITY / "questions.jsonl" if split == "other_city" else GOLD_DIR / f"{split}.jsonl"
    out = tmp_path / "answers.jsonl"
    run(questions, out, settings, engine=other_city_engine if split == "other_city" else engine)
    overall = score(load_jsonl(questions), load_jsonl(out))["overall"]
    limits = json.loads((REPO / "eval" / "thresholds.json").read_text("utf-8"))[split]
    assert overall["strict"] >= limits["strict"], f"strict {overall['strict']} fell below {limits['strict']}: {overall}"
    assert overall["hallucinated_figures"] <= limits["hallucinated_figures_max"], overall


def test_metrics_of_nothing_are_empty_not_errors():
    assert metrics([])["answer_facts"] is None
