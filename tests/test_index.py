"""The hybrid index on the real corpus: ranking, filters, persistence, crash safety, updates."""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from conftest import CITY_2018, PLANS, REPO, later_plan

from index.build import add_files, build_index, remove_document
from index.store import PlanIndex
from index.types import Filters, IndexMismatch, IndexMissing


def _top(index, query, k=5, **filters):
    return [(h.clause.doc_id.split("-")[0], h.clause.path) for h in index.search(query, k=k, filters=Filters(**filters))]


def test_revenue_target_ranks_the_2021_goals_first(plan_index):
    assert _top(plan_index, "2023年医药健康产业营业收入目标")[0] == ("2021", "一、（三）")


def test_english_question_finds_the_listed_company_target(plan_index):
    top = _top(plan_index, "How many new listed companies by 2023?")
    assert ("2021", "一、（三）") in top or ("2021", "二、（三）8.") in top, top


def test_old_agency_name_finds_the_2018_plan(plan_index):
    assert all(doc == "2018" for doc, _ in _top(plan_index, "市卫生计生委", k=2))


def test_hits_carry_citation_fields(plan_index):
    hit = plan_index.search("脑机接口", k=1)[0]
    assert hit.clause.title and hit.clause.path and hit.clause.doc_id
    assert hit.clause.citation().startswith("《") and "》" in hit.clause.citation()


def test_filters_apply_inside_retrieval(plan_index):
    assert {d for d, _ in _top(plan_index, "新增上市企业", k=10, region="昌平区")} == {"2026"}
    assert {d for d, _ in _top(plan_index, "新增上市企业", k=10, region="昌平區")} == {"2026"}
    assert {d for d, _ in _top(plan_index, "新增上市企业", k=10, years=(2018, 2019))} == {"2018"}
    assert {d for d, _ in _top(plan_index, "新增上市企业", k=10, in_force_on=dt.date(2027, 6, 1))} == {"2026"}
    assert {d for d, _ in _top(plan_index, "新增上市企业", k=10, plans=("2023-2025",))} == {"2023"}
    assert _top(plan_index, "新增上市企业", region="海淀区") == []


def test_index_folder_holds_no_pickle(plan_index):
    files = [p.name for p in plan_index.folder.resolve().rglob("*")]
    assert not [f for f in files if f.endswith((".pkl", ".pickle"))], files
    assert {"manifest.json", "documents.json", "records.jsonl", "dense.faiss"} <= set(files)
    manifest = plan_index.manifest
    assert manifest["dimension"] == 384 and manifest["normalized"] is True
    assert manifest["counts"]["documents"] == 4 and manifest["counts"]["duplicates_merged"] == 1


def test_missing_and_mismatched_index_are_refused_with_the_fix(plan_index, settings, tmp_path):
    with pytest.raises(IndexMissing, match="python -m index build"):
        PlanIndex.load(tmp_path / "nowhere", settings)
    other = dataclasses.replace(settings, embedding_model="BAAI/bge-small-zh-v1.5")
    with pytest.raises(IndexMismatch, match="embedding_model.*bge-small-zh.*rebuild"):
        PlanIndex.load(plan_index.folder, other)


def test_adding_a_plan_embeds_only_its_clauses_and_removing_it_restores(
        plan_index, private_index, settings, embeddings, synthetic_plan, tmp_path):
    index_dir = private_index
    before = embeddings.passages_embedded
    added = add_files([synthetic_plan], index_dir, settings, embeddings)
    new_doc = next(d for d in added.documents.values() if d.region == "海淀区")
    new_records = [c for c in added.clauses if c.doc_id == new_doc.doc_id]
    assert embeddings.passages_embedded - before == len(new_records) > 0
    assert len(added.documents) == 5
    assert _top(added, "人工智能制药研发补贴", k=1) == [("2025", "二、（一）2.")]
    before = embeddings.passages_embedded
    copy = tmp_path / "copy-gb.txt"
    copy.write_bytes(CITY_2018.read_text("utf-8").encode("gb18030"))
    again = add_files([copy], index_dir, settings, embeddings)
    assert embeddings.passages_embedded == before, "a copy of a known plan embeds nothing"
    assert len(again.documents) == 5 and len(again.clauses) == len(added.clauses)
    removed = remove_document(new_doc.doc_id, index_dir, settings, embeddings)
    assert new_doc.doc_id not in removed.documents
    assert not [c for c in removed.clauses if c.doc_id == new_doc.doc_id]
    assert len(removed.clauses) == len(plan_index.clauses)


def test_kill_during_build_leaves_the_previous_index_loadable(plan_index, private_index, settings, embeddings,
                                                             tmp_path):
    index_dir = private_index
    (tmp_path / "plans").mkdir()
    for path in PLANS.iterdir():
        shutil.copy(path, tmp_path / "plans" / path.name)
    later_plan(tmp_path / "plans", 2030)  # a new plan, so the build has embedding work to be killed in
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "index", "build", "--index-dir", str(index_dir),
                             "--source", str(tmp_path / "plans")], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".index-*.building")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the build finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    survivor = PlanIndex.load(index_dir, settings, embeddings)
    assert len(survivor.clauses) == len(plan_index.clauses)
    assert len(survivor.documents) == 4
    assert _top(survivor, "2023年医药健康产业营业收入目标")[0] == ("2021", "一、（三）")
    rebuilt = build_index([tmp_path / "plans"], index_dir, settings, embeddings)
    assert len(rebuilt.documents) == 5
    assert not list(tmp_path.glob(".index-*.building")), "the killed build's folder is cleaned up"


def test_same_retrieval_path_on_qdrant_local_mode(plan_index, settings, embeddings):
    qdrant = dataclasses.replace(settings, vector_backend="qdrant")
    other = PlanIndex.load(plan_index.folder, qdrant, embeddings)
    assert type(other.dense.store).__name__ == "QdrantVectorStore"
    query = "昌平区计划落地跨国药企总部或研发中心多少家？"
    assert _top(other, query, k=3) == _top(plan_index, query, k=3)
