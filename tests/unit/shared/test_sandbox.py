"""shared/sandbox.py: the call runs in another process, its answer comes back as data, only the
exception classes the caller names cross back, and a full house is refused, not queued forever."""
from __future__ import annotations

import os
import threading

import pytest

from shared import sandbox


def test_the_call_runs_in_another_process_and_its_result_comes_back():
    assert sandbox.run_limited(os.getpid, cpu_seconds=2, wall_seconds=20) != os.getpid()
    assert sandbox.last_run.peak_rss_bytes is None or sandbox.last_run.peak_rss_bytes > 0


def test_only_named_exceptions_cross_back():
    with pytest.raises(ValueError, match="invalid literal"):
        sandbox.run_limited(int, "x", cpu_seconds=2, wall_seconds=20, errors=(ValueError,))
    with pytest.raises(sandbox.LimitExceeded) as exc:
        sandbox.run_limited(int, "x", cpu_seconds=2, wall_seconds=20)
    assert exc.value.what == "crashed"


def test_no_free_slot_within_the_budget_is_refused(monkeypatch):
    monkeypatch.setattr(sandbox, "_slots", threading.BoundedSemaphore(1))
    sandbox._slots.acquire()
    with pytest.raises(sandbox.LimitExceeded) as exc:
        sandbox.run_limited(os.getpid, cpu_seconds=1, wall_seconds=0.2)
    assert exc.value.what == "busy"
