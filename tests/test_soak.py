"""Soak (issue 12): questions, admin uploads and removals and CLI adds interleaved on one index
for 30 s; the same code runs for 10 minutes as eval/bench_soak.py."""
from __future__ import annotations

import pytest

from eval.bench_soak import soak

SECONDS = 30
RSS_GROWTH_MB = 150  # bound on this process's memory growth over the soak (measured: see README)


@pytest.mark.slow
def test_interleaved_changes_keep_every_reported_plan_and_leave_nothing_behind(private_index, settings, embeddings,
                                                                                tmp_path, monkeypatch):
    monkeypatch.setenv("PLANQA_ADMIN_PASSWORD", "")  # soak sets its own; restored afterwards
    plans = tmp_path / "plans"
    plans.mkdir()
    report = soak(private_index, settings, embeddings, SECONDS, plans)
    print(report.summary())
    assert not report.problems, report.problems
    assert report.questions and report.uploads >= 2 and report.removals and report.cli_adds, report.summary()
    assert report.rss_end_mb - report.rss_start_mb < RSS_GROWTH_MB, report.summary()
