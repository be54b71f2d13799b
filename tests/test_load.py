"""The bounded load test at a small size (the full 20 × 25 run is a README command)."""
from __future__ import annotations

import pytest

from eval.load_test import run


@pytest.mark.slow
def test_concurrent_sessions_get_answers_without_errors(app_url):
    summary = run(app_url, sessions=4, per_session=5)
    assert summary["errors"] == 0 and summary["ok"] == 20, summary
    assert summary["max_ms"] is not None
