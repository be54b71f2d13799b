"""Soak: questions, admin uploads and removals through the app's functions, and CLI
`index add` processes, interleaved on one index for a bounded time; then the checks of the
README's reliability table (every plan reported added is there, every plan reported removed is
gone, the app and the disk agree, memory growth, no temporary file left behind).

    .venv/bin/python eval/bench_soak.py [--minutes 10]

Builds the shipped corpus into a temporary index first. ``tests/test_soak.py`` runs the same
code for 30 s.
"""
from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from eval.bench_reliability import write_plan  # noqa: E402

DISTRICTS = ["海淀区", "顺义区", "大兴区", "房山区", "门头沟区", "平谷区", "密云区", "延庆区", "怀柔区", "石景山区"]
QUESTIONS = ["昌平区计划落地跨国药企总部或研发中心多少家？", "通州总产值目标", "市科委负责哪些任务",
             "2021—2023年新增上市企业目标是多少？", "研究型病房建多少个"]
PASSWORD = "soak"


@dataclasses.dataclass
class SoakReport:
    """What happened, and what the checks found (``problems`` empty: every check held)."""

    seconds: float
    questions: int = 0
    uploads: int = 0
    removals: int = 0
    cli_adds: int = 0
    rss_start_mb: float = 0.0
    rss_end_mb: float = 0.0
    documents: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)

    def summary(self) -> str:
        """One line of figures."""
        return (f"{self.seconds:.0f} s: {self.questions} answers, {self.uploads} uploads, {self.removals} removals, "
                f"{self.cli_adds} CLI adds; {self.documents} documents at the end; RSS {self.rss_start_mb:.0f} → "
                f"{self.rss_end_mb:.0f} MB ({self.rss_end_mb - self.rss_start_mb:+.0f} MB); problems: {len(self.problems)}")


def rss_mb() -> float:
    """This process's resident memory (VmRSS), in MB."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s*(\d+)", status).group(1)) / 1024


class Soak:
    """The three kinds of work on one index, each in its own thread, until ``deadline``;
    each records what it was told it did."""

    def __init__(self, state, index_dir: Path, plans: Path, seconds: float):
        self.state, self.index_dir, self.plans = state, index_dir, plans
        self.deadline = time.monotonic() + seconds
        self.plan_numbers = itertools.count()
        self.mutex = threading.Lock()
        self.added: set[str] = set()     # titles reported added (by an upload or the CLI)
        self.removed: set[str] = set()   # titles reported removed
        self.errors: list[str] = []
        self.counts = {"questions": 0, "uploads": 0, "removals": 0, "cli_adds": 0}

    def _plan(self) -> tuple[Path, str]:
        """A new plan file and its title: each a district and period no other plan has."""
        with self.mutex:
            n = next(self.plan_numbers)
        path = write_plan(self.plans, DISTRICTS[n % len(DISTRICTS)], 2030 + n // len(DISTRICTS), 100 + n)
        return path, path.read_text("utf-8").splitlines()[1]

    def _record(self, kind: str, titles: set[str], title: str) -> None:
        with self.mutex:
            titles.add(title)
            self.counts[kind] += 1

    def ask(self) -> None:
        """Questions, each checked to be an answer or a refusal, never an error."""
        for question in itertools.cycle(QUESTIONS):
            if time.monotonic() > self.deadline:
                return
            try:
                answer = self.state.engine.ask(question)
                if not answer.text:
                    self.errors.append(f"empty answer to {question}")
            except Exception as exc:  # the soak reports what failed rather than stopping
                self.errors.append(f"{question}: {type(exc).__name__}: {exc}")
            with self.mutex:
                self.counts["questions"] += 1

    def administer(self) -> None:
        """Admin uploads, and after every second one the removal of a plan the soak added."""
        rng = random.Random(6)
        while time.monotonic() < self.deadline:
            path, title = self._plan()
            message = self.state.admin_add(PASSWORD, str(path))
            if not message.startswith("已导入") or title not in message:
                self.errors.append(f"upload of {title}: {message}")
            else:
                self._record("uploads", self.added, title)
            with self.mutex:
                present = sorted(self.added - self.removed)
            documents = {d.title: d.doc_id for d in self.state.engine.index.documents.values()}
            if self.counts["uploads"] % 2 == 0 and (candidates := [t for t in present if t in documents]):
                title = rng.choice(candidates)
                message = self.state.admin_remove(PASSWORD, documents[title])
                if message.startswith("已删除"):
                    self._record("removals", self.removed, title)
                else:
                    self.errors.append(f"removal of {title}: {message}")

    def cli(self) -> None:
        """`python -m index add` processes, one after another."""
        while time.monotonic() < self.deadline:
            path, title = self._plan()
            proc = subprocess.run([sys.executable, "-m", "index", "add", str(path), "--index-dir", str(self.index_dir)],
                                  cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True)
            if proc.returncode == 0 and proc.stdout.startswith("added"):
                self._record("cli_adds", self.added, title)
            else:
                self.errors.append(f"CLI add of {title}: exit {proc.returncode}: {proc.stderr.strip()[-300:]}")

    def run(self) -> None:
        threads = [threading.Thread(target=work) for work in (self.ask, self.administer, self.cli)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def leftovers(index_dir: Path, plans: Path) -> list[Path]:
    """Temporary files and folders the soak's changes left: unfinished or old versions and
    links beside the index, and upload copies of its plans in the temporary folder (other
    processes' uploads, say a test's, are not the soak's)."""
    keep = {index_dir.name, index_dir.resolve().name, f".{index_dir.name}.lock"}
    beside = [p for p in index_dir.parent.glob(f".{index_dir.name}*") if p.name not in keep]
    uploads = [p for p in Path(tempfile.gettempdir()).glob("planqa-upload-*")
               if (found := _names(p)) and found <= _names(plans)]
    return sorted([*beside, *uploads])


def _names(folder: Path) -> set[str]:
    """The names in ``folder`` (none when another process has just deleted it)."""
    try:
        return {p.name for p in folder.iterdir()}
    except OSError:
        return set()


def soak(index_dir: Path, settings, embeddings, seconds: float, plans: Path) -> SoakReport:
    """Run the soak on ``index_dir`` (admin password set for its app state) and check it."""
    from app import AppState
    from engine import Engine
    from index.store import PlanIndex

    os.environ["PLANQA_ADMIN_PASSWORD"] = PASSWORD
    state = AppState(Engine(PlanIndex.load(index_dir, settings, embeddings), settings), settings)
    state.engine.ask(QUESTIONS[0])  # loaded and warm before memory is measured
    report = SoakReport(seconds, rss_start_mb=rss_mb())
    work = Soak(state, index_dir, plans, seconds)
    work.run()
    report.rss_end_mb = rss_mb()
    for key, value in work.counts.items():
        setattr(report, key, value)
    on_disk = PlanIndex.load(index_dir, settings, embeddings)
    titles = {d.title for d in on_disk.documents.values()}
    report.documents = len(titles)
    report.problems += work.errors
    report.problems += [f"reported added, missing: {t}" for t in sorted(work.added - work.removed - titles)]
    report.problems += [f"reported removed, present: {t}" for t in sorted(work.removed & titles)]
    if set(state.engine.index.documents) != set(on_disk.documents):
        report.problems.append("the app and the disk disagree on the documents")
    report.problems += [f"left behind: {p}" for p in leftovers(index_dir, plans)]
    return report


def main(argv: list[str] | None = None) -> int:
    """Build the shipped corpus into a temporary index, soak it, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    args = parser.parse_args(argv)
    from index.build import build_index
    from settings import Settings

    with tempfile.TemporaryDirectory(prefix="planqa-soak-") as tmp:
        index_dir = Path(tmp) / "index"
        settings = Settings.from_env(index_dir=index_dir)
        index = build_index([REPO / "data" / "plans"], index_dir, settings)
        (Path(tmp) / "plans").mkdir()
        report = soak(index_dir, settings, index.embeddings, args.minutes * 60, Path(tmp) / "plans")
    print(report.summary())
    for problem in report.problems:
        print("  ", problem)
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
