"""The digest-period rule: windows chain from the mark with no gap or overlap, follow London's
calendar across clock changes, wait out the grace, and a run interrupted at any point (a worker
restart) yields the same windows as one uninterrupted run."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings, strategies as st

from services.dissemination.alerts.periods import LONDON, due_windows

GRACE = timedelta(minutes=5)
instants = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 1, 1),
                        timezones=st.just(UTC))


def test_weekly_windows_are_london_weeks_across_the_clock_change():
    # Monday 24 March 2025 to Monday 31 March 2025 holds the spring change (30 March): 167 hours.
    mark = datetime(2025, 3, 24, 0, 0, tzinfo=LONDON).astimezone(UTC)
    windows = due_windows("weekly", mark, datetime(2025, 4, 8, tzinfo=UTC), GRACE)
    assert [w.key for w in windows] == ["2025-W13", "2025-W14"]
    assert windows[0].end - windows[0].start == timedelta(hours=167)
    assert windows[0].end == datetime(2025, 3, 30, 23, 0, tzinfo=UTC)  # 00:00 BST on Monday 31 March


def test_monthly_windows_start_at_the_mark_then_follow_calendar_months():
    mark = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    windows = due_windows("monthly", mark, datetime(2026, 4, 2, tzinfo=UTC), GRACE)
    assert [w.key for w in windows] == ["2026-01", "2026-02", "2026-03"]
    assert windows[0].start == mark
    assert windows[1].start == datetime(2026, 2, 1, tzinfo=UTC)
    assert windows[2].end == datetime(2026, 3, 31, 23, 0, tzinfo=UTC)  # 1 April 00:00 BST


def test_a_period_is_not_due_until_the_grace_has_passed():
    mark = datetime(2026, 11, 30, tzinfo=UTC)  # a Monday, 00:00 GMT
    end = datetime(2026, 12, 7, tzinfo=UTC)
    assert due_windows("weekly", mark, end + GRACE - timedelta(seconds=1), GRACE) == []
    assert [w.end for w in due_windows("weekly", mark, end + GRACE, GRACE)] == [end]


def test_immediate_is_one_window_up_to_the_safe_instant():
    mark = datetime(2026, 12, 2, 10, tzinfo=UTC)
    now = datetime(2026, 12, 2, 10, 20, tzinfo=UTC)
    (w,) = due_windows("immediate", mark, now, GRACE)
    assert (w.start, w.end) == (mark, now - GRACE)
    assert due_windows("immediate", w.end, now, GRACE) == []


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        due_windows("weekly", datetime(2026, 1, 1), datetime(2026, 2, 1, tzinfo=UTC))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["weekly", "monthly", "immediate"]), instants,
       st.lists(st.integers(min_value=0, max_value=90 * 24 * 60), min_size=1, max_size=6))
def test_interrupted_runs_give_the_windows_of_one_run_and_every_instant_falls_in_exactly_one(
        frequency, mark, steps):
    """Run the rule at increasing 'now's, advancing the mark after each window as the service
    does; compare with a single run at the last 'now'. Then every instant between the first
    mark and the final one is held by exactly one window."""
    nows = []
    t = mark
    for minutes in steps:
        t += timedelta(minutes=minutes)
        nows.append(t)
    chained, current = [], mark
    for now in nows:
        for w in due_windows(frequency, current, now, GRACE, limit=10_000):
            assert w.start == current  # no gap, no overlap
            assert w.end + GRACE <= now
            chained.append(w)
            current = w.end
    single = due_windows(frequency, mark, nows[-1], GRACE, limit=10_000)
    if frequency != "immediate":
        assert chained == single
        assert len({w.key for w in chained}) == len(chained)  # a period's name is never reused
    else:
        assert (chained[-1].end if chained else mark) == (single[-1].end if single else mark)
    for w in chained:
        for probe in (w.start, w.start + (w.end - w.start) / 2, w.end - timedelta(microseconds=1)):
            assert sum(x.holds(probe) for x in chained) == 1
