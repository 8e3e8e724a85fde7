"""Interval arithmetic: the building blocks must be exact, or every proposal is wrong."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.scheduler.availability import Interval, clip, intersect, merge, subtract, total_duration
from services.scheduler.availability.intervals import intersect_pairs, merge_pairs, subtract_pairs

UTC = timezone.utc
T0 = datetime(2027, 1, 4, tzinfo=UTC)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def iv(a: float, b: float) -> Interval:
    return Interval(h(a), h(b))


def test_interval_is_stored_in_utc_and_rejects_naive_or_reversed():
    london = ZoneInfo("Europe/London")
    london = Interval(datetime(2027, 7, 1, 9, tzinfo=london), datetime(2027, 7, 1, 10, tzinfo=london))
    assert london.start == datetime(2027, 7, 1, 8, tzinfo=UTC)
    assert london.start.tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        Interval(datetime(2027, 1, 1), datetime(2027, 1, 2))
    with pytest.raises(ValueError, match="before"):
        iv(2, 1)


def test_merge_joins_overlapping_and_touching_and_drops_empty():
    assert merge([iv(3, 4), iv(1, 2), iv(2, 2.5), iv(1.5, 1.75), iv(5, 5)]) == [iv(1, 2.5), iv(3, 4)]
    assert merge([]) == []


def test_subtract_cuts_holes_and_trims_edges():
    base = [iv(9, 17), iv(33, 41)]
    remove = merge([iv(8, 10), iv(12, 13), iv(16, 34), iv(40, 50)])
    assert subtract(base, remove) == [iv(10, 12), iv(13, 16), iv(34, 40)]


def test_intersect_and_clip():
    assert intersect([iv(0, 5), iv(10, 15)], [iv(3, 12)]) == [iv(3, 5), iv(10, 12)]
    assert clip([iv(0, 5), iv(6, 7), iv(10, 15)], iv(4, 11)) == [iv(4, 5), iv(6, 7), iv(10, 11)]
    assert total_duration([iv(0, 1), iv(2, 4)]) == timedelta(hours=3)


def test_interval_predicates():
    assert iv(1, 2).overlaps(iv(1.5, 3))
    assert not iv(1, 2).overlaps(iv(2, 3))  # half-open: back-to-back meetings do not clash
    assert iv(1, 4).contains(iv(2, 3))
    assert iv(1, 2).expand(timedelta(minutes=15)) == Interval(h(0.75), h(2.25))


pairs = st.lists(
    st.tuples(st.integers(0, 200), st.integers(0, 40)).map(lambda p: (p[0], p[0] + p[1])), max_size=12
)


def covered(ps):
    return {m for a, b in ps for m in range(a, b)}


@settings(max_examples=150, deadline=None)
@given(pairs, pairs)
def test_pair_operations_agree_with_sets_of_points(a, b):
    ma, mb = merge_pairs(a), merge_pairs(b)
    assert covered(ma) == covered(a)
    assert all(x[1] < y[0] for x, y in zip(ma, ma[1:]))  # sorted, disjoint, not touching
    assert covered(subtract_pairs(ma, mb)) == covered(a) - covered(b)
    assert covered(intersect_pairs(ma, mb)) == covered(a) & covered(b)
