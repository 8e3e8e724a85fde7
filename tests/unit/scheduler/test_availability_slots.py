"""Slot proposals: the rules a panel chair would notice when a date is proposed."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.scheduler.availability import (
    Attendee,
    BusyInterval,
    Interval,
    WorkingHours,
    parse_busy,
    propose_slots,
    working_intervals,
)

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def busy(start, end, kind="busy") -> BusyInterval:
    return BusyInterval(start, end, kind)


def person(pid, start, end, *busy_list, required=True, name=None, hours=None):
    return Attendee(
        id=pid,
        name=name or pid,
        required=required,
        working=working_intervals(start, end, hours=hours),
        busy=list(busy_list),
    )


# Mon 4 Jan 2027 .. Fri 8 Jan 2027 (end exclusive on Saturday)
W0, W1 = local(2027, 1, 4), local(2027, 1, 9)


def test_every_required_attendee_is_free_for_the_whole_slot():
    a = person("a", W0, W1, busy(local(2027, 1, 4, 9), local(2027, 1, 4, 12)))
    b = person("b", W0, W1, busy(local(2027, 1, 4, 12), local(2027, 1, 4, 15, 30)))
    result = propose_slots([a, b], W0, W1, 60)
    first = result.suggestions[0]
    assert first.start == local(2027, 1, 4, 15, 30)
    assert first.availability == {"a": "free", "b": "free"}
    assert first.reason == "All 2 required attendees free"
    assert first.confidence == 1.0
    assert result.empty_reason is None


def test_more_optional_attendees_beat_an_earlier_time():
    req = person("req", W0, W1)
    opt1 = person("o1", W0, W1, busy(local(2027, 1, 4), local(2027, 1, 6)), required=False)
    opt2 = person("o2", W0, W1, required=False)
    result = propose_slots([req, opt1, opt2], W0, W1, 60, max_suggestions=5)
    first = result.suggestions[0]
    assert first.start == local(2027, 1, 6, 9)
    assert first.optional_available == 2
    assert first.reason == "The required attendee is free; 2 of 2 optional attendees free"
    # Monday and Tuesday still appear (one slot per day first), ranked below.
    assert [s.start.day for s in result.suggestions] == [6, 7, 8, 4, 5]
    later = result.suggestions[3]
    assert later.optional_available == 1
    assert "1 optional cannot attend (o1, busy)" in later.reason
    assert later.confidence == pytest.approx(0.75 + 0.25 * 0.5)


def test_tentative_required_attendee_is_allowed_but_ranked_lower():
    # Tentative all week except Friday: Friday wins; the rest remain possible.
    a = person("a", W0, W1, busy(local(2027, 1, 4), local(2027, 1, 8), "tentative"), name="Dr A")
    result = propose_slots([a], W0, W1, 60)
    assert result.suggestions[0].start.date() == date(2027, 1, 8)
    assert result.suggestions[0].tentative_conflicts == 0
    second = result.suggestions[1]
    assert second.availability == {"a": "tentative"}
    assert second.confidence == 0.5
    assert second.reason == "0 of 1 required attendees free; 1 tentative conflict (Dr A, required)"


def test_busy_and_out_of_office_block_required_attendees():
    a = person(
        "a",
        W0,
        W1,
        busy(local(2027, 1, 4), local(2027, 1, 7)),
        busy(local(2027, 1, 7), local(2027, 1, 8), "out_of_office"),
    )
    result = propose_slots([a], W0, W1, 60, max_suggestions=10)
    assert {s.start.astimezone(LONDON).date() for s in result.suggestions} == {date(2027, 1, 8)}


def test_buffer_keeps_travel_time_around_other_meetings():
    a = person("a", W0, local(2027, 1, 5), busy(local(2027, 1, 4, 10), local(2027, 1, 4, 11)))
    no_buffer = propose_slots([a], W0, local(2027, 1, 5), 60, max_suggestions=10)
    assert local(2027, 1, 4, 9) in [s.start for s in no_buffer.suggestions]
    with_buffer = propose_slots([a], W0, local(2027, 1, 5), 60, buffer_minutes=15, max_suggestions=10)
    starts = [s.start for s in with_buffer.suggestions]
    assert local(2027, 1, 4, 9) not in starts
    assert local(2027, 1, 4, 11) not in starts
    assert min(starts) == local(2027, 1, 4, 11, 30)


def test_suggestions_are_spread_over_days_then_doubled_up_without_overlap():
    a = person("a", W0, W1)
    result = propose_slots([a], W0, W1, 60, max_suggestions=7)
    days = [s.start.astimezone(LONDON).date() for s in result.suggestions]
    assert days[:5] == [date(2027, 1, d) for d in range(4, 9)]
    assert len(days) == 7 and days[5] == date(2027, 1, 4) and days[6] == date(2027, 1, 5)
    same_day = [s for s in result.suggestions if s.start.astimezone(LONDON).date() == date(2027, 1, 4)]
    assert same_day[0].end <= same_day[1].start
    assert [s.rank for s in result.suggestions] == list(range(1, 8))


def test_weekends_are_never_proposed_even_with_weekend_working_hours():
    hours = WorkingHours.from_mapping({d: [("09:00", "17:00")] for d in range(7)})
    start, end = local(2027, 1, 9), local(2027, 1, 11)  # Saturday and Sunday
    a = person("a", start, end, hours=hours)
    result = propose_slots([a], start, end, 60)
    assert not result.suggestions
    assert "no room on weekdays" in result.empty_reason
    assert propose_slots([a], start, end, 60, allow_weekends=True).suggestions


def test_bank_holiday_is_skipped_and_named_as_the_blocker():
    # Early May bank holiday, Monday 3 May 2027.
    a = person("a", local(2027, 5, 3), local(2027, 5, 5), name="Dr X")
    result = propose_slots([a], local(2027, 5, 3), local(2027, 5, 5), 60)
    assert {s.start.astimezone(LONDON).date() for s in result.suggestions} == {date(2027, 5, 4)}
    only_holiday = propose_slots([a], local(2027, 5, 3), local(2027, 5, 4), 60)
    assert only_holiday.suggestions == ()
    assert only_holiday.empty_reason.startswith("Dr X (required) has no working time on 2027-05-03")


def test_st_davids_day_is_a_normal_working_day():
    a = person("a", local(2027, 3, 1), local(2027, 3, 2))
    assert propose_slots([a], local(2027, 3, 1), local(2027, 3, 2), 60).suggestions


def test_slots_stay_on_local_grid_across_the_autumn_clock_change():
    start, end = local(2027, 10, 29, 9, 10), local(2027, 11, 2)
    a = person("a", start, end)
    result = propose_slots([a], start, end, 60, max_suggestions=2)
    assert [s.start for s in result.suggestions] == [
        datetime(2027, 10, 29, 8, 30, tzinfo=UTC),  # 09:30 BST (window start rounded up)
        datetime(2027, 11, 1, 9, 0, tzinfo=UTC),  # 09:00 GMT
    ]


def test_slots_across_the_spring_clock_change_from_an_ics_diary():
    start, end = local(2027, 3, 25), local(2027, 4, 1)
    diary = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//t//EN",
            "BEGIN:VEVENT",
            "UID:x",
            "DTSTAMP:20260101T000000Z",
            "DTSTART;TZID=Europe/London:20270325T090000",
            "DTEND;TZID=Europe/London:20270325T170000",
            "RRULE:FREQ=DAILY;COUNT=7",
            "EXDATE;TZID=Europe/London:20270331T090000",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )
    a = Attendee("a", "A", True, working_intervals(start, end), parse_busy(diary, start, end))
    result = propose_slots([a], start, end, 60)
    # Busy every day but 31 March; 26 and 29 March are Good Friday and Easter Monday.
    assert {s.start.astimezone(LONDON).date() for s in result.suggestions} == {date(2027, 3, 31)}
    assert result.suggestions[0].start == datetime(2027, 3, 31, 8, tzinfo=UTC)  # 09:00 BST


def test_empty_reason_names_a_required_attendee_with_a_full_diary():
    a = person("a", W0, W1, name="Ms A")
    x = person("x", W0, W1, busy(W0, W1), name="Dr X")
    result = propose_slots([a, x], W0, W1, 60)
    assert not result
    assert result.empty_reason == (
        "Dr X (required) has no free working time between 2027-01-04 and 2027-01-08 "
        "long enough for a 60-minute meeting."
    )


def test_empty_reason_when_required_attendees_never_overlap():
    a = person("a", W0, W1, busy(local(2027, 1, 4), local(2027, 1, 6)))
    b = person("b", W0, W1, busy(local(2027, 1, 6), local(2027, 1, 9)))
    result = propose_slots([a, b], W0, W1, 60)
    assert result.empty_reason == (
        "There is no time between 2027-01-04 and 2027-01-08 when all 2 required "
        "attendees are free together for a 60-minute meeting."
    )


def test_minimum_optional_attendance():
    req = person("req", W0, W1)
    o1 = person("o1", W0, W1, busy(local(2027, 1, 4), local(2027, 1, 8)), required=False)
    o2 = person("o2", W0, W1, busy(local(2027, 1, 8), local(2027, 1, 9)), required=False)
    result = propose_slots([req, o1, o2], W0, W1, 60, min_optional_attendance=1.0)
    assert not result
    assert "at least 2 of 2 optional attendees can attend" in result.empty_reason
    half = propose_slots([req, o1, o2], W0, W1, 60, min_optional_attendance=0.5)
    assert all(s.optional_available >= 1 for s in half.suggestions)


def test_availability_states_for_each_attendee():
    slot_day = (local(2027, 1, 4), local(2027, 1, 5))
    people = [
        person("req", *slot_day),
        person("free", *slot_day, required=False),
        person("tent", *slot_day, busy(*slot_day, "tentative"), required=False),
        person("busy", *slot_day, busy(*slot_day), required=False),
        person("oof", *slot_day, busy(*slot_day, "out_of_office"), required=False),
        Attendee("night", "Night", False, [Interval(local(2027, 1, 4, 20), local(2027, 1, 4, 23))], []),
    ]
    (s,) = propose_slots(people, *slot_day, 60, max_suggestions=1).suggestions
    assert s.availability == {
        "req": "free",
        "free": "free",
        "tent": "tentative",
        "busy": "busy",
        "oof": "out_of_office",
        "night": "outside_working_hours",
    }
    assert s.optional_available == 2 and s.optional_free == 1 and s.tentative_conflicts == 1
    assert s.reason == (
        "The required attendee is free; 1 of 5 optional attendees free; "
        "1 tentative conflict (tent, optional); 3 optional cannot attend "
        "(busy, busy; oof, out of office; Night, outside working hours)"
    )


def test_no_required_attendees_needs_somebody_who_can_come():
    a = person("a", W0, W1, busy(W0, local(2027, 1, 8)), required=False)
    result = propose_slots([a], W0, W1, 60)
    assert {s.start.astimezone(LONDON).date() for s in result.suggestions} == {date(2027, 1, 8)}
    assert "No required attendees" in result.suggestions[0].reason


@pytest.mark.parametrize(
    "kwargs",
    [
        {"duration_minutes": 0},
        {"granularity_minutes": 7},
        {"buffer_minutes": -5},
        {"max_suggestions": 0},
        {"min_optional_attendance": 1.5},
    ],
)
def test_nonsense_inputs_are_refused(kwargs):
    args = {"duration_minutes": 60} | kwargs
    with pytest.raises(ValueError):
        propose_slots([person("a", W0, W1)], W0, W1, **args)


def test_window_and_attendee_validation():
    with pytest.raises(ValueError):
        propose_slots([], W0, W1, 60)
    with pytest.raises(ValueError):
        propose_slots([person("a", W0, W1), person("a", W0, W1)], W0, W1, 60)
    with pytest.raises(ValueError):
        propose_slots([person("a", W0, W1)], W1, W0, 60)
    short = propose_slots([person("a", W0, W1)], local(2027, 1, 4, 9), local(2027, 1, 4, 9, 30), 60)
    assert "has no room for a 60-minute meeting" in short.empty_reason
    assert propose_slots([person("a", W0, W1)], W0, W0 + timedelta(days=1), 60)


def test_grid_is_local_wall_clock_even_for_two_hour_granularity_in_summer():
    start, end = local(2027, 7, 5), local(2027, 7, 6)
    a = person("a", start, end)
    result = propose_slots([a], start, end, 60, granularity_minutes=120, max_suggestions=5)
    # 10:00, 12:00... London time (09:00Z...), not 09:00, 11:00 London (even UTC hours).
    assert [s.start.astimezone(LONDON).hour for s in result.suggestions] == [10, 12, 14, 16]


# ---------------------------------------------------------------- ranked as a coordinator would (issue 12)


def test_a_tentative_required_trio_no_longer_outranks_everyone_free():
    """Measured on the quick start: three of four required people only tentative (0.10)
    ranked above slots where all were free (0.88), because optional attendance sorted first."""
    day = local(2027, 2, 2)  # a Tuesday: 09:00 and 10:00 are the only hour slots in the window
    start, end = local(2027, 2, 2, 9), local(2027, 2, 2, 11)
    nine = (local(2027, 2, 2, 9), local(2027, 2, 2, 10))
    ten = (local(2027, 2, 2, 10), local(2027, 2, 2, 11))
    required = [person(f"r{i}", day, day + timedelta(days=1), *([busy(*nine, "tentative")] if i < 3 else []))
                for i in range(4)]
    optional = [person(f"o{i}", day, day + timedelta(days=1), busy(*nine, "tentative"),
                       *([busy(*ten)] if i >= 2 else []), required=False) for i in range(4)]
    result = propose_slots(required + optional, start, end, 60, granularity_minutes=60)
    assert [s.start for s in result.suggestions] == [ten[0], nine[0]]
    everyone_free, trio = result.suggestions
    assert everyone_free.confidence == 0.875 and everyone_free.required_free == 4
    assert trio.confidence == 0.109 and trio.optional_available == 4  # more optional people, still below


def test_late_slot_ranks_below_an_on_time_one_of_equal_confidence():
    """Measured on the quick start: a year-long proposal ranked 23 December first. Here 23 December
    has both optional people tentatively (0.875), 10 March one of them free (0.875): the plan's
    Learning Event target is 30 June, so March comes first and December is flagged late."""
    start, end = local(2027, 1, 1), local(2028, 1, 1)
    year = (start, end)

    def away_except(*days):
        gaps = [local(d.year, d.month, d.day) for d in days]
        edges = [start, *[x for g in gaps for x in (g, g + timedelta(days=1))], end]
        return [busy(a, b, "out_of_office") for a, b in zip(edges[::2], edges[1::2]) if b > a]

    dec23, mar10 = date(2027, 12, 23), date(2027, 3, 10)
    held = busy(local(2027, 12, 23), local(2027, 12, 24), "tentative")
    chair = person("chair", *year)
    o1 = person("o1", *year, *away_except(mar10, dec23), held, required=False)
    o2 = person("o2", *year, *away_except(dec23), held, required=False)
    result = propose_slots([chair, o1, o2], start, end, 120, max_suggestions=3, target_date=date(2027, 6, 30))
    first, second, third = result.suggestions
    assert (first.start.date(), first.confidence, first.meets_target) == (mar10, 0.875, True)
    assert (second.start.date(), second.confidence, second.meets_target) == (dec23, 0.875, False)
    assert second.optional_available == 2 and "late: after the plan's target date 2027-06-30" in second.reason
    assert (third.start.date(), third.confidence, third.meets_target) == (date(2027, 1, 4), 0.75, True)
    assert all(s.target_date == date(2027, 6, 30) for s in result.suggestions)
    # Without a plan date nothing is flagged either way.
    plain = propose_slots([chair, o1, o2], start, end, 120, max_suggestions=1)
    assert plain.suggestions[0].meets_target is None and plain.suggestions[0].target_date is None


def test_seconds_attendees_answer_as_object_attendees_do():
    """The scheduler reads diaries as epoch seconds: the same diary either way, the same proposal."""
    a = person("a", W0, W1, busy(local(2027, 1, 4, 9), local(2027, 1, 4, 12)),
               busy(local(2027, 1, 5, 9), local(2027, 1, 5, 17), "tentative"), required=False)
    working, kinds = a.seconds()
    b = Attendee.from_seconds("a", "a", False, working=working, **kinds)
    assert propose_slots([a], W0, W1, 60) == propose_slots([b], W0, W1, 60)
    with pytest.raises(ValueError):
        Attendee.from_seconds("x", "x", working=[(10, 5)])


def test_a_busy_period_reaching_far_outside_the_window_still_blocks_it():
    """Diary periods may start centuries before the window (a standing 'unavailable'):
    the sweep clips them to the window, so they block exactly the time they cover and
    never disturb the order of another attendee's events."""
    def ts(dt):
        return int(dt.timestamp())

    day = [(ts(local(2027, 1, 4, 9)), ts(local(2027, 1, 4, 17)))]
    a = Attendee.from_seconds("a", "a", working=day,
                              out_of_office=[(ts(datetime(1500, 1, 1, tzinfo=UTC)), ts(local(2027, 1, 4, 12)))])
    b = Attendee.from_seconds("b", "b", working=day, busy=[(ts(local(2027, 1, 4, 14)), ts(local(2027, 1, 4, 15)))])
    result = propose_slots([a, b], W0, W1, 60)
    assert [s.start for s in result.suggestions] == [local(2027, 1, 4, h) for h in (12, 13, 15, 16)]
