"""A write the system refuses (disk full, permission denied, read-only) gives one line that
names the folder and the fix in the CLI, and no server path in the app; the index is unchanged."""
from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PLANS, REPO

from engine import Engine
from index.store import PlanIndex

FAILURES = {errno.ENOSPC: "the disk is full", errno.EACCES: "permission denied",
            errno.EROFS: "the file system is read-only"}


def _refuse_writes(monkeypatch, code: int) -> None:
    def refuse(self, data):
        raise OSError(code, os.strerror(code), str(self))

    monkeypatch.setattr(Path, "write_bytes", refuse)  # how every version's sources are written


def _unchanged(index_dir, before, settings, embeddings) -> bool:
    after = PlanIndex.load(index_dir, settings, embeddings)
    return after.root == before.root and not list(index_dir.parent.glob(".index-*.building"))


@pytest.mark.parametrize("code", FAILURES, ids=errno.errorcode.get)
@pytest.mark.parametrize("command", ["build", "add", "remove"])
def test_the_cli_says_in_one_line_which_folder_and_what_to_do(private_index, settings, embeddings, synthetic_plan,
                                                              monkeypatch, capsys, command, code):
    from index.__main__ import main

    before = PlanIndex.load(private_index, settings, embeddings)
    args = {"build": ["build", "--source", str(PLANS)], "add": ["add", str(synthetic_plan)],
            "remove": ["remove", next(iter(before.documents))]}[command]
    _refuse_writes(monkeypatch, code)
    assert main([*args, "--index-dir", str(private_index)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"error: cannot write the index in {private_index.parent.resolve()}: {FAILURES[code]}; ")
    assert "PLANQA_INDEX_DIR" in err and err.endswith("The index is unchanged\n"), err
    assert _unchanged(private_index, before, settings, embeddings)


@pytest.mark.parametrize("code", FAILURES, ids=errno.errorcode.get)
def test_the_app_says_what_to_do_and_shows_no_server_path(private_index, settings, embeddings, synthetic_plan,
                                                          monkeypatch, code):
    from app import AppState

    monkeypatch.setenv("PLANQA_ADMIN_PASSWORD", "pw")
    before = PlanIndex.load(private_index, settings, embeddings)
    state = AppState(Engine(before, settings), settings)
    _refuse_writes(monkeypatch, code)
    messages = [state.admin_add("pw", str(synthetic_plan)), state.admin_remove("pw", next(iter(before.documents)))]
    for message in messages:
        assert f"the server cannot write its index: {FAILURES[code]}; " in message, message
        assert not re.search(r"(?<![\w.])/\w", message), f"a server path in {message!r}"
    assert _unchanged(private_index, before, settings, embeddings)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through chmod, so the folder would not be read-only")
def test_a_read_only_index_folder_fails_in_one_line(private_index, synthetic_plan, tmp_path):
    os.chmod(tmp_path, 0o555)
    try:
        proc = subprocess.run([sys.executable, "-m", "index", "add", str(synthetic_plan), "--index-dir",
                               str(private_index)], cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)),
                              capture_output=True, text=True, timeout=300)
    finally:
        os.chmod(tmp_path, 0o755)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert f"error: cannot write the index in {tmp_path.resolve()}: permission denied; " in proc.stderr
