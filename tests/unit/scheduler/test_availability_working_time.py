"""Working time: local hours, clock changes and Welsh bank holidays."""

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from services.scheduler.availability import WorkingHours, welsh_bank_holidays, working_intervals

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def days(intervals):
    return [(i.start, i.end) for i in intervals]


def test_default_is_weekdays_nine_to_five_london_winter():
    # Mon 4 Jan 2027 .. Sun 10 Jan 2027
    got = working_intervals(utc(2027, 1, 4), utc(2027, 1, 11))
    assert days(got) == [(utc(2027, 1, d, 9), utc(2027, 1, d, 17)) for d in range(4, 9)]


def test_clock_change_moves_utc_hours_in_spring():
    # Clocks go forward on Sunday 28 March 2027. Good Friday 26 March and Easter
    # Monday 29 March are Welsh bank holidays.
    got = working_intervals(utc(2027, 3, 22), utc(2027, 4, 3))
    starts = [i.start for i in got]
    assert utc(2027, 3, 25, 9) in starts  # Thursday, GMT: 09:00 local = 09:00Z
    assert utc(2027, 3, 30, 8) in starts  # Tuesday, BST: 09:00 local = 08:00Z
    assert not any(i.start.date() in (date(2027, 3, 26), date(2027, 3, 29)) for i in got)
    assert len(got) == 8


def test_clock_change_in_autumn():
    # Clocks go back on Sunday 31 October 2027.
    got = working_intervals(utc(2027, 10, 29), utc(2027, 11, 2))
    assert days(got) == [
        (utc(2027, 10, 29, 8), utc(2027, 10, 29, 16)),
        (utc(2027, 11, 1, 9), utc(2027, 11, 1, 17)),
    ]


def test_early_may_bank_holiday_is_not_working_time_but_st_davids_day_is():
    assert date(2027, 5, 3) in welsh_bank_holidays([2027])
    assert date(2027, 3, 1) not in welsh_bank_holidays([2027])  # St David's Day: a normal working day
    may = working_intervals(utc(2027, 5, 3), utc(2027, 5, 5))
    assert [i.start.date() for i in may] == [date(2027, 5, 4)]
    march = working_intervals(utc(2027, 3, 1), utc(2027, 3, 2))
    assert days(march) == [(utc(2027, 3, 1, 9), utc(2027, 3, 1, 17))]


def test_bank_holiday_calendar_is_injectable():
    window = (utc(2027, 5, 3), utc(2027, 5, 4))
    assert len(working_intervals(*window, bank_holidays=set())) == 1
    assert working_intervals(utc(2027, 5, 4), utc(2027, 5, 5), bank_holidays={date(2027, 5, 4)}) == []
    asked = []

    def factory(years):
        asked.extend(years)
        return {date(2027, 5, 5)}

    assert working_intervals(utc(2027, 5, 5), utc(2027, 5, 6), bank_holidays=factory) == []
    assert 2027 in asked


def test_personal_non_working_dates():
    got = working_intervals(utc(2027, 1, 4), utc(2027, 1, 6), non_working_dates=[date(2027, 1, 4)])
    assert [i.start.date() for i in got] == [date(2027, 1, 5)]


def test_custom_hours_in_participants_own_zone_and_split_day():
    hours = WorkingHours.from_mapping(
        {"Monday": [("08:00", "12:00"), ("13:00", "16:30")], "sat": [("10:00", "24:00")]}
    )
    got = working_intervals(utc(2027, 7, 5), utc(2027, 7, 11), hours=hours, tz="Europe/Dublin")
    assert days(got) == [
        (utc(2027, 7, 5, 7), utc(2027, 7, 5, 11)),
        (utc(2027, 7, 5, 12), utc(2027, 7, 5, 15, 30)),
        # Saturday hours are honoured here; slots.py decides whether to propose weekends.
        (utc(2027, 7, 10, 9), utc(2027, 7, 10, 23)),
    ]


def test_window_clips_partial_days():
    got = working_intervals(datetime(2027, 1, 4, 12, tzinfo=LONDON), datetime(2027, 1, 5, 10, tzinfo=LONDON))
    assert days(got) == [
        (utc(2027, 1, 4, 12), utc(2027, 1, 4, 17)),
        (utc(2027, 1, 5, 9), utc(2027, 1, 5, 10)),
    ]


def test_invalid_working_hours_are_refused():
    with pytest.raises(ValueError):
        WorkingHours.from_mapping({"funday": [("09:00", "17:00")]})
    with pytest.raises(ValueError):
        WorkingHours.from_mapping({"mon": [("17:00", "09:00")]})
    with pytest.raises(ValueError):
        WorkingHours(days=((),) * 6)
    assert WorkingHours.default().periods_on(0) == ((time(9), time(17)),)
