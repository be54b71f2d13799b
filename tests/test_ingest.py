"""Ingestion on the real corpus: documents, structure, 责任单位, tables, metadata, cleaning."""
from __future__ import annotations

import datetime as dt

from conftest import CITY_2021, REPRINT_2021, clause_at, doc_by_period

from ingest import ingest_paths


def test_five_files_make_four_canonical_documents(corpus):
    assert len(corpus.documents) == 4, [d.title for d in corpus.documents]
    assert not corpus.errors
    merged = doc_by_period(corpus, 2021)
    assert sorted(merged.sources) == sorted([str(CITY_2021), str(REPRINT_2021)])
    assert [m.canonical for m in corpus.merges] == [str(REPRINT_2021)], "the full reprint is canonical"


def test_city_2021_tasks_1_to_20_under_their_sections(corpus):
    doc = doc_by_period(corpus, 2021)
    tasks = {c.path for c in corpus.clauses if c.doc_id == doc.doc_id and c.path.endswith(".")}
    numbers = sorted(int(p.split("）")[-1].rstrip(".")) for p in tasks)
    assert numbers == list(range(1, 21))
    assert "二、（一）1." in tasks and "二、（五）20." in tasks
    task8 = clause_at(corpus, doc, "二、（三）8.")
    assert task8.heading == "培育和促进企业梯队式发展"
    assert task8.heading_path == ["重点任务", "推动产业国际化高质量发展", "培育和促进企业梯队式发展"]
    assert "新增上市企业25家" in task8.text


def test_city_2018_tasks_1_to_20(corpus):
    doc = doc_by_period(corpus, 2018)
    numbers = sorted(int(c.path.split("）")[-1].rstrip(".")) for c in corpus.clauses
                     if c.doc_id == doc.doc_id and c.path.endswith("."))
    assert numbers == list(range(1, 21))


def test_responsible_units_follow_each_documents_convention(corpus):
    task3 = clause_at(corpus, doc_by_period(corpus, 2021), "二、（一）3.")
    assert task3.agencies == ["市科委、中关村管委会", "市卫生健康委", "海淀区政府", "昌平区政府"]
    task2 = clause_at(corpus, doc_by_period(corpus, 2021), "二、（一）2.")
    assert task2.agencies == ["市科委、中关村管委会"], "a single merged agency is not split"
    old_task1 = clause_at(corpus, doc_by_period(corpus, 2018), "二、（一）1.")
    assert old_task1.agencies == ["市科委", "市卫生计生委"], "the 2018 plan separates with 、"
    task20 = clause_at(corpus, doc_by_period(corpus, 2021), "二、（五）20.")
    assert task20.agencies[0] == "市发展改革委(市京津冀协同办)", "brackets inside a name are kept"


def test_district_plans_restart_numbering_per_subsection(corpus):
    doc = doc_by_period(corpus, 2023)
    paths = [c.path for c in corpus.clauses if c.doc_id == doc.doc_id]
    assert "三、（一）1." in paths and "三、（二）1." in paths and "四、（五）3." in paths
    assert len(paths) == len(set(c.clause_id for c in corpus.clauses if c.doc_id == doc.doc_id))


def test_tongzhou_indicator_table_rows(corpus):
    doc = doc_by_period(corpus, 2023)
    rows = [c for c in corpus.clauses if c.doc_id == doc.doc_id and c.kind == "table_row"]
    assert len(rows) == 6
    output = next(r for r in rows if r.heading == "总产值")
    assert output.text == "类型：产业总量；指标：总产值；单位：亿；目标：180"
    assert dict(zip(output.table["columns"], output.table["cells"]))["目标"] == "180"
    assert output.path == rows[0].path and output.path.endswith("主要指标"), "rows cite their table"
    listed = next(r for r in rows if r.heading == "“专精特新”企业")
    assert listed.table["cells"][0] == "产业质量", "a merged type cell is inherited from the row above"
    assert listed.text.endswith("单位：家；目标：50")


def test_changping_validity_and_repeal(corpus):
    doc = doc_by_period(corpus, 2026)
    assert doc.valid_until == dt.date(2028, 12, 31)
    assert doc.effective_from == dt.date(2026, 4, 1), "自印发之日起施行 means from the issue date"
    assert [(r.title, r.number) for r in doc.repeals] == [
        ("昌平区医药健康产业倍增行动计划（2022—2025年）", "昌政办发〔2022〕12号")]
    assert doc.in_force(dt.date(2027, 1, 1)) and not doc.in_force(dt.date(2029, 1, 1))


def test_document_metadata(corpus):
    city = doc_by_period(corpus, 2021)
    assert (city.title, city.number, city.issue_date) == (
        "北京市加快医药健康协同创新行动计划(2021—2023年)", "京政办发〔2021〕12号", dt.date(2021, 7, 8))
    assert (city.issuer, city.level, city.region) == ("北京市人民政府办公厅", "city", "北京市")
    tongzhou = doc_by_period(corpus, 2023)
    assert tongzhou.title == "北京城市副中心医药健康产业发展三年行动计划（2023-2025年）"
    assert (tongzhou.level, tongzhou.region, tongzhou.issue_date) == ("district", "通州区", dt.date(2022, 12, 30))
    changping = doc_by_period(corpus, 2026)
    assert (changping.region, changping.period_end, changping.issuer) == ("昌平区", 2028, "北京市昌平区人民政府办公室")
    old = doc_by_period(corpus, 2018)
    assert (old.issue_date, old.number) == (dt.date(2018, 9, 27), None)


def test_preamble_and_notice_are_citable(corpus):
    city = doc_by_period(corpus, 2021)
    notice = clause_at(corpus, city, "印发通知")
    assert "京政办发〔2021〕12号" in notice.text, "the notice comes from the copy that printed it"
    preamble = clause_at(corpus, city, "前言")
    assert preamble.text.endswith("特制定本行动计划。")


def test_no_debris_in_any_record(corpus):
    debris = ["预览已结束", "yunbaogao", "http", "本文来源", "转载", "Baidu", "热度", "智能网",
              "首页", "抄送", "以下为《通知》原文"]
    for clause in corpus.clauses:
        found = [d for d in debris if d in clause.text]
        assert not found, f"{clause.clause_id} contains {found}"


def test_spans_point_into_the_cleaned_text(corpus):
    docs = {d.doc_id: d for d in corpus.documents}
    for clause in corpus.clauses:
        if clause.kind != "table_row":
            start, end = clause.span
            assert docs[clause.doc_id].text[start:end] == clause.text, clause.clause_id


def test_hard_wrapped_pdf_text_is_rejoined_without_merging_paragraphs():
    alone = ingest_paths([CITY_2021])
    doc = alone.documents[0]
    principles = clause_at(alone, doc, "一、（二）")
    assert len(principles.text.splitlines()) == 5, "heading plus four 坚持/突出 paragraphs"
    task3 = clause_at(alone, doc, "二、（一）3.")
    assert "\n" not in task3.text and task3.text.endswith("昌平区政府)")
    assert task3.agencies == ["市科委、中关村管委会", "市卫生健康委", "海淀区政府", "昌平区政府"]
    assert doc.truncated and "2021年7月8日" in doc.text, "spaces PDF put between digits and CJK are gone"


def test_long_clauses_are_chunked_keeping_path_and_heading(corpus):
    chunked = [c for c in corpus.clauses if c.chunks > 1]
    assert chunked, "the corpus has clauses longer than one chunk"
    for clause in chunked:
        siblings = [c for c in corpus.clauses if c.clause_id.split("#")[0] == clause.clause_id.split("#")[0]]
        assert len(siblings) == clause.chunks
        assert {(c.path, c.heading) for c in siblings} == {(clause.path, clause.heading)}
        assert all(len(c.text) <= 480 for c in siblings)


def test_chapter_and_article_style_with_lead_and_support_units(tmp_path):
    """Another genre shape: 第X章/第X条 with （1） items, 牵头单位/配合单位, one-line articles."""
    plan = tmp_path / "tianjin.txt"
    plan.write_text("天津市滨海新区生物医药产业发展若干措施（2024—2026年）\n第一章 总则\n"
                    "第一条 为促进滨海新区生物医药产业高质量发展，制定本措施。\n第二章 支持政策\n"
                    "第二条 对新获批的一类创新药，给予最高1000万元奖励。（牵头单位：区科技局；配合单位：区财政局、区市场监管局）\n"
                    "（1）首仿药给予最高200万元奖励；\n（一）二类新药给予最高100万元奖励；\n第三条 支持企业建设中试平台。\n"
                    "本措施自2024年1月1日起施行，有效期至2026年12月31日。\n", "utf-8")
    result = ingest_paths([plan])
    paths = [c.path for c in result.clauses]
    assert paths == ["第一条", "第二条", "第二条（1）", "第二条（一）", "第三条"]  # articles are cited alone
    assert result.clauses[1].agencies == ["区科技局", "区财政局", "区市场监管局"]
    doc = result.documents[0]
    assert (doc.region, doc.level, doc.effective_from, doc.valid_until) == (
        "天津市", "city", dt.date(2024, 1, 1), dt.date(2026, 12, 31))


def test_annex_table_without_a_table_caption_and_notes_in_unit_lists(tmp_path):
    """An annex (附件) is its own citable part; its tab table needs no "表" in the caption; notes
    in a 责任单位 list are not agencies and "各区、县（市）政府" stays one name."""
    plan = tmp_path / "plan.txt"
    plan.write_text("某市数据产业发展行动计划（2025—2027年）\n一、重点任务\n（一）夯实基础\n"
                    "1. 建设算力中心。到2027年智能算力规模达到2000P。（责任单位：市经信局、市发改委，"
                    "各区、县（市）政府，列第一位者为牵头单位，下同）\n"
                    "2. 培育数据企业。（责任单位：市数据局、市财政局）\n本计划自印发之日起施行。\n附件：主要指标\n附件\n数据产业发展主要指标\n"
                    "序号\t指标名称\t单位\t2025年\t2027年\n1\t智能算力规模\tP\t1200\t2000以上\n"
                    "2\t数据企业\t家\t300\t500\n", "utf-8")
    result = ingest_paths([plan])
    assert [c.agencies for c in result.clauses[:2]] == [
        ["市经信局", "市发改委", "各区、县（市）政府"], ["市数据局", "市财政局"]]
    rows = [c for c in result.clauses if c.kind == "table_row"]
    assert [c.path for c in rows] == ["附件数据产业发展主要指标"] * 2
    assert rows[0].text == "指标名称：智能算力规模；单位：P；2025年：1200；2027年：2000以上"
