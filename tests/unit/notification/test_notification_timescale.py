from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notification_api.rules.errors import RuleViolation
from services.notification_api.rules.timescale import (
    Proceeding,
    active_delay_reasons,
    compute,
    conclude_proceeding,
    days_under_proceedings,
    validate_proceeding,
)

DECIDED = date(2024, 1, 10)
TARGET = date(2024, 7, 10)


def test_open_review_within_target():
    t = compute(DECIDED, TARGET, None, date(2024, 7, 1))
    assert (t.days_elapsed, t.days_remaining, t.days_overdue, t.overdue) == (173, 9, 0, False)
    assert t.completed_within_target is None


def test_target_day_itself_is_not_overdue():
    t = compute(DECIDED, TARGET, None, TARGET)
    assert (t.overdue, t.days_remaining, t.days_overdue) == (False, 0, 0)


def test_open_review_overdue():
    t = compute(DECIDED, TARGET, None, date(2024, 7, 20))
    assert (t.overdue, t.days_remaining, t.days_overdue) == (True, None, 10)
    assert t.days_elapsed == 192


def test_completed_late_and_on_time():
    late = compute(DECIDED, TARGET, date(2024, 12, 10), date(2025, 3, 1))
    assert (late.completed_within_target, late.overdue, late.days_remaining) == (False, False, None)
    assert late.days_overdue == 153 and late.days_elapsed == 335
    on_time = compute(DECIDED, TARGET, TARGET, date(2025, 3, 1))
    assert (on_time.completed_within_target, on_time.days_overdue) == (True, 0)


def test_inconsistent_dates_rejected():
    with pytest.raises(ValueError):
        compute(DECIDED, TARGET, DECIDED - timedelta(days=1), TARGET)
    with pytest.raises(ValueError):
        compute(DECIDED, TARGET, None, DECIDED - timedelta(days=1))


def test_proceedings_are_delay_reasons_and_overlaps_count_once():
    procs = [
        Proceeding("criminal", date(2023, 12, 1), date(2024, 3, 1)),  # starts before the decision
        Proceeding("coroner_inquest", date(2024, 2, 1), date(2024, 4, 1)),  # overlaps criminal
        Proceeding("disciplinary", date(2024, 5, 1)),  # still open
    ]
    t = compute(DECIDED, TARGET, None, date(2024, 6, 1), procs)
    # union: 10 Jan..1 Apr (82 days) + 1 May..1 Jun (31 days)
    assert t.days_under_proceedings == 82 + 31
    assert t.delay_reasons == ("criminal", "coroner_inquest", "disciplinary")
    assert t.active_delay_reasons == ("disciplinary",)
    assert active_delay_reasons(procs, date(2024, 3, 1)) == ("criminal", "coroner_inquest")
    assert active_delay_reasons(procs, date(2024, 4, 15)) == ()


def test_completed_review_has_no_active_delay_and_window_ends_at_completion():
    procs = [Proceeding("other", date(2024, 2, 1))]
    t = compute(DECIDED, TARGET, date(2024, 3, 1), date(2024, 9, 1), procs)
    assert t.active_delay_reasons == () and t.days_under_proceedings == 29


@given(
    spans=st.lists(
        st.tuples(
            st.integers(min_value=-30, max_value=120),
            st.one_of(st.none(), st.integers(min_value=0, max_value=60)),
            st.sampled_from(["criminal", "coroner_inquest", "disciplinary", "other"]),
        ),
        max_size=6,
    ),
    window=st.integers(min_value=0, max_value=150),
)
def test_property_union_matches_day_by_day_count(spans, window):
    base = date(2024, 1, 1)
    procs = [
        Proceeding(kind, base + timedelta(days=s), None if length is None else base + timedelta(days=s + length))
        for s, length, kind in spans
    ]
    end = base + timedelta(days=window)
    brute = 0
    for i in range(window):  # day i covers [base+i, base+i+1)
        day = base + timedelta(days=i)
        if any(p.started_on <= day and (p.ended_on is None or day < p.ended_on) for p in procs):
            brute += 1
    assert days_under_proceedings(procs, base, end) == brute
    assert days_under_proceedings(procs, base, end) <= window


def test_validate_and_conclude_proceedings():
    today = date(2024, 6, 1)
    p = validate_proceeding("criminal", date(2024, 2, 1), None, today)
    assert p.ended_on is None
    for args, code in [
        (("inquiry", date(2024, 2, 1), None, today), "unknown_proceeding_kind"),
        (("criminal", date(2024, 7, 1), None, today), "proceeding_in_future"),
        (("criminal", date(2024, 2, 1), date(2024, 1, 1), today), "proceeding_ends_before_start"),
        (("criminal", date(2024, 2, 1), date(2024, 7, 1), today), "proceeding_end_in_future"),
    ]:
        with pytest.raises(RuleViolation) as exc:
            validate_proceeding(*args)
        assert (exc.value.status, exc.value.code) == (422, code)
    ended = conclude_proceeding(p, date(2024, 5, 1), today)
    assert ended.ended_on == date(2024, 5, 1)
    assert conclude_proceeding(ended, date(2024, 5, 1), today) == ended  # idempotent
    with pytest.raises(RuleViolation) as exc:
        conclude_proceeding(ended, date(2024, 5, 2), today)
    assert (exc.value.status, exc.value.code) == (409, "proceeding_already_concluded")
