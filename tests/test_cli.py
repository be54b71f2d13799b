"""The CLIs as a user runs them, including the README's examples."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO

README = (REPO / "README.md").read_text("utf-8")


def _run(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_ingest_summary_matches_the_readme():
    summary = _run("ingest", "data/plans").stdout.splitlines()[0]
    assert summary in README, f"README should show the current summary line: {summary}"


def test_ingest_json_lines_have_the_documented_fields():
    lines = _run("ingest", "data/plans", "--json").stdout.splitlines()
    record = json.loads(lines[0])
    for field in ("clause_id", "doc_id", "title", "kind", "path", "heading", "heading_path", "text", "span",
                  "agencies", "chunk", "chunks", "table", "facts"):
        assert field in record and f"`{field}`" in README, field
    assert len(lines) == 131


def test_ingest_reports_a_bad_file_and_exits_1(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    proc = _run("ingest", str(empty), "data/plans", ok=False)
    assert proc.returncode == 1
    assert f"{empty}: file is empty" in proc.stderr
    assert proc.stdout.startswith("documents: 4")


def test_index_search_and_info_examples(plan_index):
    where = ["--index-dir", str(plan_index.folder)]
    out = _run("index", "search", "2023年医药健康产业营业收入目标", "-k", "5", *where).stdout
    assert out.splitlines()[0].endswith("《北京市加快医药健康协同创新行动计划(2021—2023年)》一、（三）")
    filtered = _run("index", "search", "新增上市企业", "--region", "昌平区", "--in-force-on", "2027-01-01",
                    "--json", *where).stdout.splitlines()
    assert filtered and all(json.loads(line)["doc_id"].startswith("2026-2028") for line in filtered)
    info = _run("index", "info", *where).stdout
    assert "dimension: 384" in info and "documents 4" in info
    missing = _run("index", "info", "--index-dir", "/nonexistent/index", ok=False)
    assert missing.returncode == 1 and "python -m index build" in missing.stderr
