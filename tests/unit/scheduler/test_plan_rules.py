"""Review plan rules: target dates worked back from the completion date, and step status."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.scheduler.plans.rules import STEPS, PlanOffsets, plan_targets, step_status


def test_six_month_cpr_uses_the_offsets_as_they_are():
    targets = plan_targets(date(2027, 1, 4), date(2027, 7, 4), PlanOffsets())
    assert targets == {"first_panel_meeting": date(2027, 2, 14), "learning_event": date(2027, 4, 11),
                       "draft_report": date(2027, 5, 23), "approval": date(2027, 6, 20)}


def test_a_short_timescale_is_compressed_keeping_a_fifth_before_the_first_step():
    targets = plan_targets(date(2027, 1, 4), date(2027, 4, 4), PlanOffsets())  # a 90-day MAPF
    assert targets["first_panel_meeting"] == date(2027, 1, 4) + timedelta(days=18)
    assert list(targets.values()) == sorted(targets.values())


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)), st.integers(-10, 800),
       st.lists(st.integers(0, 400), min_size=4, max_size=4))
def test_steps_are_ordered_and_between_decision_and_target(decided, span, offsets):
    offsets = sorted(offsets, reverse=True)
    target = decided + timedelta(days=span)
    got = plan_targets(decided, target, PlanOffsets(*offsets))
    values = [got[s] for s in STEPS]
    assert values == sorted(values)
    if span > 0:
        assert all(decided <= v <= target for v in values)


def test_offsets_must_shrink_step_by_step():
    with pytest.raises(ValueError):
        PlanOffsets(10, 20, 5, 1)


@pytest.mark.parametrize("done_on, scheduled, today, expected", [
    (date(2027, 2, 10), False, date(2027, 3, 1), "done"),
    (date(2027, 2, 20), False, date(2027, 3, 1), "done_late"),
    (None, True, date(2027, 2, 14), "scheduled"),
    (None, False, date(2027, 2, 1), "pending"),
    (None, True, date(2027, 2, 15), "late"),
])
def test_step_status(done_on, scheduled, today, expected):
    assert step_status(date(2027, 2, 14), done_on, scheduled, today) == expected
