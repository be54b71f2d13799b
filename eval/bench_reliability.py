"""Figures for the README's "Concurrency, resources and failures" table, on the shipped corpus.

    .venv/bin/python eval/bench_reliability.py

Builds the shipped corpus into a temporary index, then measures: two `python -m index add` runs
started together (wall time, plans kept, whether one waited for the other), and what the app
pays to notice and load a version another process wrote.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PLAN = """{district}人民政府办公室关于印发《{district}医药健康产业行动方案（{start}—{end}年）》的通知
{district}医药健康产业行动方案（{start}—{end}年）
一、主要目标
到{end}年，{district}医药健康产业规模突破{value}亿元。
二、重点任务
（一）强化源头创新
1.建设蛋白质设计创新平台。每年支持项目不少于10个。（责任单位：区科委）
"""


def write_plan(folder: Path, district: str, start: int, value: int) -> Path:
    """A small plan of ``district`` for ``start``—``start + 2`` (an industry size of ``value`` 亿元)."""
    path = folder / f"{district}-{start}.txt"
    path.write_text(PLAN.format(district=district, start=start, end=start + 2, value=value), "utf-8")
    return path


def concurrent_adds(index_dir: Path, folder: Path) -> str:
    """Two CLI adds started together: seconds in all, plans kept, whether one waited."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "index", "add", str(write_plan(folder, d, y, v)),
                               "--index-dir", str(index_dir)], cwd=REPO, env=env, text=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for d, y, v in [("海淀区", 2031, 1200), ("顺义区", 2034, 900)]]
    waited = any("waiting for process" in proc.communicate()[1] for proc in procs)
    seconds = time.perf_counter() - start
    from index.store import read_manifest

    documents = read_manifest(index_dir)["counts"]["documents"]
    return f"two concurrent adds: {seconds:.1f} s, documents 4 → {documents}, one waited: {waited}"


def app_reload(index_dir: Path, folder: Path) -> str:
    """The app's cost of checking the version on each use, and of loading a new one."""
    from app import AppState
    from engine import Engine
    from index.build import add_files
    from index.store import PlanIndex
    from settings import Settings

    settings = Settings.from_env(index_dir=index_dir)
    index = PlanIndex.load(index_dir, settings)
    state = AppState(Engine(index, settings), settings)
    start = time.perf_counter()
    for _ in range(1000):
        state.engine  # the version check is what is timed
    check_us = (time.perf_counter() - start) * 1000
    add_files([write_plan(folder, "大兴区", 2037, 700)], index_dir, settings, index.embeddings)
    start = time.perf_counter()
    documents = len(state.engine.index.documents)
    reload_ms = (time.perf_counter() - start) * 1000
    return f"version check {check_us:.0f} µs per use; loading the new version ({documents} plans): {reload_ms:.0f} ms"


def main() -> int:
    """Print one line per measurement."""
    from index.build import build_index
    from settings import Settings

    with tempfile.TemporaryDirectory(prefix="planqa-bench-") as tmp:
        index_dir = Path(tmp) / "index"
        build_index([REPO / "data" / "plans"], index_dir, Settings.from_env(index_dir=index_dir))
        print(concurrent_adds(index_dir, Path(tmp)))
        print(app_reload(index_dir, Path(tmp)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
