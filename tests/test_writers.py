"""One writer at a time: concurrent changes to one index keep every plan, and the app serves
the version on disk without a restart."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from conftest import REPO, SYNTHETIC_PLAN, later_plan

from engine import Engine
from index.build import add_files
from index.lock import lock_path, writer_lock
from index.store import PlanIndex


def _cli_add(path, index_dir, **env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "index", "add", str(path), "--index-dir", str(index_dir)],
                            cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO), **env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _periods(index) -> list[int]:
    return sorted(d.period_start for d in index.documents.values())


def test_two_concurrent_cli_adds_keep_both_plans(private_index, settings, embeddings, tmp_path):
    procs = [_cli_add(later_plan(tmp_path, start, SYNTHETIC_PLAN), private_index) for start in (2031, 2034)]
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0 and out.startswith("added"), err
    periods = _periods(PlanIndex.load(private_index, settings, embeddings))
    assert 2031 in periods and 2034 in periods and len(periods) == 6, f"both added plans kept, got {periods}"


def test_a_second_writer_names_the_holder_waits_then_fails_and_changes_nothing(private_index, settings, embeddings,
                                                                               synthetic_plan):
    before = PlanIndex.load(private_index, settings, embeddings)
    with writer_lock(private_index, timeout_s=1):
        proc = _cli_add(synthetic_plan, private_index, PLANQA_LOCK_TIMEOUT_S="2")
        _, err = proc.communicate(timeout=600)
    assert proc.returncode == 1 and "Traceback" not in err, err
    assert f"waiting for process {os.getpid()}, which is changing the index at {private_index}" in err, err
    assert f"error: index at {private_index} is being changed by process {os.getpid()}; nothing was changed" in err
    after = PlanIndex.load(private_index, settings, embeddings)
    assert after.manifest == before.manifest and after.root == before.root


def _wait_for_lock(index_dir, proc, seconds=120):
    """Until ``proc`` has taken the writer lock of ``index_dir`` (its pid is in the lock file)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        if lock_path(index_dir).exists() and lock_path(index_dir).read_text().strip() == str(proc.pid):
            return
        time.sleep(0.02)
    raise AssertionError(f"the CLI never took the lock: {proc.stderr.read()}")


def test_an_upload_during_a_cli_add_keeps_both_and_the_app_serves_later_adds_without_restart(
        private_index, settings, embeddings, tmp_path, monkeypatch):
    from app import AppState

    monkeypatch.setenv("PLANQA_ADMIN_PASSWORD", "pw")
    state = AppState(Engine(PlanIndex.load(private_index, settings, embeddings), settings), settings)
    cli = _cli_add(later_plan(tmp_path, 2031), private_index)
    _wait_for_lock(private_index, cli)  # the upload waits for the CLI, then adds to the CLI's version
    message = state.admin_add("pw", str(later_plan(tmp_path, 2034, SYNTHETIC_PLAN)))
    assert cli.wait(timeout=600) == 0 and message.startswith("已导入"), (message, cli.stderr.read())
    assert 2031 in _periods(state.engine.index) and 2034 in _periods(state.engine.index)
    assert _periods(state.engine.index) == _periods(PlanIndex.load(private_index, settings, embeddings))

    question = "顺义区医药健康产业规模目标是多少？"
    assert not _cites(state.engine.ask(question), "顺义区")
    add_files([later_plan(tmp_path, 2037, SYNTHETIC_PLAN.replace("海淀", "顺义"))], private_index, settings,
              embeddings)  # another writer, as the CLI would
    answer = state.engine.ask(question)
    assert _cites(answer, "顺义区") and "1200亿元" in answer.text, "the app serves the plan added elsewhere"
    assert len(state.engine.index.documents) == 7


def _cites(answer, words: str) -> bool:
    return any(words in c.clause.title for c in answer.citations)


def test_a_version_retired_while_it_is_being_loaded_is_read_again_from_the_new_one(
        private_index, settings, embeddings, synthetic_plan, monkeypatch):
    import index.store as store

    read_manifest, retired = store.read_manifest, []

    def another_writer_first(root, named=None):  # the first read finds its version swapped out and deleted
        if not retired:
            retired.append(root)
            add_files([synthetic_plan], private_index, settings, embeddings)
        return read_manifest(root, named)

    monkeypatch.setattr(store, "read_manifest", another_writer_first)
    index = PlanIndex.load(private_index, settings, embeddings)
    assert not retired[0].exists() and index.root != retired[0] and len(index.documents) == 5
