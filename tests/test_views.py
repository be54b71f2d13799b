"""What the app shows, without a browser: merged citations, links to the viewer, Targets,
download names and messages in the user's language."""
from __future__ import annotations

import app_views as views
from engine.types import Answer, Citation


def _documents(corpus):
    return {d.doc_id: d for d in corpus.documents}


def test_two_citations_of_one_clause_are_one_card_and_one_number(corpus):
    first, second = corpus.clauses[2], corpus.clauses[3]
    answer = Answer("q", "甲。[1]\n乙。[2][3]", False, "figure",
                    [Citation(1, first, "句一"), Citation(2, second, "句二"), Citation(3, first, "句三")], [])
    text, cards = views.merge_citations(answer)
    assert text == "甲。[1]\n乙。[2][1]", text
    assert [(c.n, c.clause.clause_id, c.quotes) for c in cards] == [
        (1, first.clause_id, ["句一", "句三"]), (2, second.clause_id, ["句二"])]


def test_chat_links_point_at_the_answers_own_cards(corpus):
    clause = corpus.clauses[2]
    text, cards = views.merge_citations(Answer("q", "指标：25家 [1]\n依据", False, "figure",
                                               [Citation(1, clause, "25家")], []))
    shown = views.chat_text(text, 3, cards)
    assert shown.startswith("**指标：25家 [[1]](#src-3-1 "), shown
    assert clause.path in shown, "the link's title previews the clause"


def test_an_open_link_round_trips_the_clause_and_quote():
    link = views.open_link("2021-2023-ed6597:一、（三）#1", "新增上市企业25家")
    assert views.parse_open(link + "@1700000000") == ("2021-2023-ed6597:一、（三）#1", "新增上市企业25家")


def test_the_viewer_marks_the_clause_and_the_quote(corpus):
    doc = corpus.documents[0]
    clause = next(c for c in corpus.clauses if c.doc_id == doc.doc_id and c.path == "一、（三）")
    page = views.viewer(doc, corpus.clauses, clause.clause_id, "新增上市企业25家")
    assert page.count("class='clause target'") == 1 and "<mark>新增上市企业25家</mark>" in page


def test_targets_chart_one_indicator_in_one_unit(corpus):
    columns, rows, _, chart = views.targets_view(corpus.clauses, _documents(corpus))
    assert columns == ["指标 Target", "北京市 2021—2023", "北京市 2018—2020", "通州区 2023—2025", "昌平区 2026—2028"]
    assert chart == ("专精特新企业（家）", [("通州区 2023—2025", 50.0), ("昌平区 2026—2028", 260.0)]), chart


def test_downloads_and_messages():
    assert views.file_name("责任单位", "市科委", ext="csv") == "责任单位-市科委.csv"
    assert views.file_name("问答", "2023年/新增 上市?", ext="md") == "问答-2023年新增上市.md"
    assert views.language("   ") == "zh" and views.language("What is the target?") == "en"
    assert views.message("empty").startswith("问题为空")
