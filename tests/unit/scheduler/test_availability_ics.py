"""ics.parse_busy: recurrence expansion, overrides, all-day, free/busy and the
transparency/status rules that decide whether a diary entry blocks a meeting."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.scheduler.availability import (
    CalendarParseError,
    CalendarTooLargeError,
    parse_busy,
)

LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc
WINDOW = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 12, 31, tzinfo=UTC))


def cal(*components: str) -> str:
    body = "\r\n".join(c.strip().replace("\n", "\r\n") for c in components)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}\r\nEND:VCALENDAR\r\n"


def event(uid: str, *lines: str) -> str:
    return "\n".join(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", *lines, "END:VEVENT"])


def spans(busy, zone=LONDON):
    return [
        (b.start.astimezone(zone).replace(tzinfo=None), b.end.astimezone(zone).replace(tzinfo=None), b.kind)
        for b in busy
    ]


def test_weekly_recurrence_with_exdate_and_moved_occurrence():
    body = cal(
        event(
            "weekly",
            "DTSTART;TZID=Europe/London:20270104T100000",
            "DTEND;TZID=Europe/London:20270104T110000",
            "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4",
            "EXDATE;TZID=Europe/London:20270111T100000",
            "SUMMARY:Team meeting",
        ),
        event(
            "weekly",
            "RECURRENCE-ID;TZID=Europe/London:20270118T100000",
            "DTSTART;TZID=Europe/London:20270119T140000",
            "DTEND;TZID=Europe/London:20270119T153000",
        ),
    )
    got = spans(parse_busy(body, *WINDOW))
    assert got == [
        (datetime(2027, 1, 4, 10), datetime(2027, 1, 4, 11), "busy"),
        # 11th excluded; 18th moved to Tuesday afternoon and lengthened
        (datetime(2027, 1, 19, 14), datetime(2027, 1, 19, 15, 30), "busy"),
        (datetime(2027, 1, 25, 10), datetime(2027, 1, 25, 11), "busy"),
    ]


def test_recurrence_keeps_local_time_across_clock_change():
    body = cal(
        event(
            "daily",
            "DTSTART;TZID=Europe/London:20270326T090000",
            "DURATION:PT1H",
            "RRULE:FREQ=DAILY;COUNT=4",
        )
    )
    got = parse_busy(body, *WINDOW)
    # 09:00 London is 09:00Z before 28 March 2027 and 08:00Z after it.
    assert [b.start for b in got] == [
        datetime(2027, 3, 26, 9, tzinfo=UTC),
        datetime(2027, 3, 27, 9, tzinfo=UTC),
        datetime(2027, 3, 28, 8, tzinfo=UTC),
        datetime(2027, 3, 29, 8, tzinfo=UTC),
    ]


def test_rdate_adds_an_occurrence():
    body = cal(
        event(
            "r",
            "DTSTART:20270301T100000Z",
            "DTEND:20270301T110000Z",
            "RDATE:20270305T150000Z",
        )
    )
    assert [b.start.hour for b in parse_busy(body, *WINDOW)] == [10, 15]


def test_cancelled_occurrence_of_a_series_is_ignored():
    body = cal(
        event("s", "DTSTART:20270104T100000Z", "DTEND:20270104T110000Z", "RRULE:FREQ=DAILY;COUNT=3"),
        event(
            "s",
            "RECURRENCE-ID:20270105T100000Z",
            "DTSTART:20270105T100000Z",
            "DTEND:20270105T110000Z",
            "STATUS:CANCELLED",
        ),
    )
    assert [b.start.day for b in parse_busy(body, *WINDOW)] == [4, 6]


def test_all_day_event_blocks_whole_local_days_in_summer_time():
    body = cal(event("leave", "DTSTART;VALUE=DATE:20270705", "DTEND;VALUE=DATE:20270707", "SUMMARY:Leave"))
    (b,) = parse_busy(body, *WINDOW)
    # Two whole London days in BST: 23:00Z the evening before to 23:00Z.
    assert b.start == datetime(2027, 7, 4, 23, tzinfo=UTC)
    assert b.end == datetime(2027, 7, 6, 23, tzinfo=UTC)
    assert b.kind == "busy"


def test_all_day_event_without_dtend_lasts_one_day():
    body = cal(event("d", "DTSTART;VALUE=DATE:20270112"))
    (b,) = parse_busy(body, *WINDOW)
    assert (b.start, b.end) == (datetime(2027, 1, 12, tzinfo=UTC), datetime(2027, 1, 13, tzinfo=UTC))


def test_floating_time_is_read_in_the_given_zone():
    body = cal(event("f", "DTSTART:20270615T100000", "DTEND:20270615T110000"))
    (b,) = parse_busy(body, *WINDOW)
    assert b.start == datetime(2027, 6, 15, 9, tzinfo=UTC)  # 10:00 BST
    (b,) = parse_busy(body, *WINDOW, tz="America/New_York")
    assert b.start == datetime(2027, 6, 15, 14, tzinfo=UTC)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["TRANSP:TRANSPARENT"], None),
        (["STATUS:CANCELLED"], None),
        (["STATUS:TENTATIVE"], "tentative"),
        (["STATUS:CONFIRMED", "TRANSP:OPAQUE"], "busy"),
        (["X-MICROSOFT-CDO-BUSYSTATUS:FREE"], None),
        (["X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE"], "tentative"),
        (["X-MICROSOFT-CDO-BUSYSTATUS:OOF"], "out_of_office"),
        (["X-MICROSOFT-CDO-BUSYSTATUS:BUSY", "STATUS:TENTATIVE"], "busy"),
        # Outlook's own "show as" wins over TRANSP (it writes both).
        (["X-MICROSOFT-CDO-BUSYSTATUS:OOF", "TRANSP:TRANSPARENT"], "out_of_office"),
        (["X-MICROSOFT-CDO-BUSYSTATUS:OOF", "STATUS:CANCELLED"], None),
    ],
)
def test_transparency_status_and_outlook_busy_status(extra, expected):
    body = cal(event("e", "DTSTART:20270301T100000Z", "DTEND:20270301T110000Z", *extra))
    got = parse_busy(body, *WINDOW)
    assert [b.kind for b in got] == ([] if expected is None else [expected])


def test_vfreebusy_types_and_both_period_forms():
    body = cal(
        "\n".join(
            [
                "BEGIN:VFREEBUSY",
                "UID:fb",
                "DTSTAMP:20260101T000000Z",
                "DTSTART:20270101T000000Z",
                "DTEND:20270201T000000Z",
                "FREEBUSY:20270104T090000Z/20270104T100000Z",
                "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20270105T090000Z/PT90M",
                "FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20270106T000000Z/P1D,20270108T000000Z/20270109T000000Z",
                "FREEBUSY;FBTYPE=FREE:20270107T090000Z/20270107T170000Z",
                "END:VFREEBUSY",
            ]
        )
    )
    got = [(b.start, b.end, b.kind) for b in parse_busy(body, *WINDOW)]
    d = lambda day, h=0, m=0: datetime(2027, 1, day, h, m, tzinfo=UTC)  # noqa: E731
    assert got == [
        (d(4, 9), d(4, 10), "busy"),
        (d(5, 9), d(5, 10, 30), "tentative"),
        (d(6), d(7), "out_of_office"),
        (d(8), d(9), "out_of_office"),
    ]


def test_results_are_clipped_to_the_window():
    body = cal(event("long", "DTSTART:20261231T120000Z", "DTEND:20270102T120000Z"))
    (b,) = parse_busy(body, datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 1, 2, tzinfo=UTC))
    assert (b.start, b.end) == (datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 1, 2, tzinfo=UTC))
    assert parse_busy(body, datetime(2027, 2, 1, tzinfo=UTC), datetime(2027, 3, 1, tzinfo=UTC)) == []


def test_accepts_bytes_and_text_and_ignores_personal_details():
    body = cal(event("p", "DTSTART:20270301T100000Z", "DTEND:20270301T110000Z", "SUMMARY:Home visit"))
    a = parse_busy(body, *WINDOW)
    b = parse_busy(body.encode(), *WINDOW)
    assert a == b
    assert not hasattr(a[0], "summary")


@pytest.mark.parametrize(
    "body",
    [
        "",
        "   ",
        "this is not a calendar",
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nEND:VCARD\r\n",
        cal(event("bad", "DTSTART:2027xx", "DTEND:20270301T110000Z")),
        cal(event("bad", "DTSTART:20270301T100000Z", "DTEND:20270301T110000Z", "RRULE:FREQ=SOMETIMES")),
    ],
)
def test_invalid_calendar_raises_a_clear_error(body):
    with pytest.raises(CalendarParseError) as err:
        parse_busy(body, *WINDOW)
    assert str(err.value)


def test_runaway_recurrence_is_capped():
    body = cal(event("m", "DTSTART:20270101T000000Z", "DURATION:PT1M", "RRULE:FREQ=MINUTELY;INTERVAL=15"))
    with pytest.raises(CalendarTooLargeError, match="more than 500"):
        parse_busy(body, *WINDOW, max_occurrences=500)
    # The same diary over a short window is fine.
    got = parse_busy(body, WINDOW[0], WINDOW[0] + timedelta(hours=1), max_occurrences=500)
    assert len(got) == 4


def test_too_large_is_a_parse_error_for_callers_that_only_catch_that():
    assert issubclass(CalendarTooLargeError, CalendarParseError)


def test_outlook_windows_zone_name_and_unknown_zone():
    def body(tzid):
        return cal(event("w", f"DTSTART;TZID={tzid}:20270704T100000", f"DTEND;TZID={tzid}:20270704T110000"))

    # Outlook writes Windows zone names; "GMT Standard Time" is UK time (BST in July).
    (b,) = parse_busy(body("GMT Standard Time"), *WINDOW)
    assert b.start == datetime(2027, 7, 4, 9, tzinfo=UTC)
    # An unknown zone without a VTIMEZONE is read like a floating time in tz.
    (b,) = parse_busy(body("Nowhere/Land"), *WINDOW)
    assert b.start == datetime(2027, 7, 4, 9, tzinfo=UTC)


# -- the expansion's own cost is bounded (issue 17) ------------------------------------------

class _Runaway(BaseException):
    """Raised by the step counter; a BaseException so that no `except Exception` hides it."""


@pytest.fixture
def dateutil_steps(monkeypatch):
    """Counts the turns of dateutil's expansion loop (every frequency calls one of these
    once per period examined) and stops a runaway at 200,000 instead of minutes later."""
    from dateutil import rrule

    calls = {"n": 0}
    for name in ("ydayset", "mdayset", "wdayset", "ddayset"):
        original = getattr(rrule._iterinfo, name)

        def counted(self, *a, _original=original):
            calls["n"] += 1
            if calls["n"] > 200_000:
                raise _Runaway
            return _original(self, *a)

        monkeypatch.setattr(rrule._iterinfo, name, counted)
    return calls


def test_minutely_every_minute_is_refused_before_expanding(dateutil_steps):
    body = cal(event("m", "DTSTART:20270101T000000Z", "DURATION:PT1M", "RRULE:FREQ=MINUTELY"))
    with pytest.raises(CalendarTooLargeError, match="every 15 minutes"):
        parse_busy(body, *WINDOW)
    assert dateutil_steps["n"] == 0


def test_secondly_is_refused_before_expanding(dateutil_steps):
    body = cal(event("s", "DTSTART:20270101T000000Z", "DURATION:PT1S", "RRULE:FREQ=SECONDLY;INTERVAL=30"))
    with pytest.raises(CalendarTooLargeError, match="SECONDLY"):
        parse_busy(body, *WINDOW)
    assert dateutil_steps["n"] == 0


def test_a_rule_that_never_matches_stops_a_year_past_the_window(dateutil_steps):
    """dateutil examines such a rule day by day until year 9999 (8 s an event); it is
    now cut at the horizon, so the diary is accepted at the cost of ~2 years of days."""
    body = cal(event("n", "DTSTART:20270105T090000Z", "DURATION:PT1H", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"),
               event("ok", "DTSTART:20270106T090000Z", "DURATION:PT1H"))
    got = parse_busy(body, *WINDOW)
    assert [b.start for b in got] == [datetime(2027, 1, 5, 9, tzinfo=UTC), datetime(2027, 1, 6, 9, tzinfo=UTC)]
    assert dateutil_steps["n"] < 2 * 366 + 10


def test_a_frequent_rule_started_long_ago_is_refused_within_the_budget(dateutil_steps):
    """dateutil expands from DTSTART, not from the window: an hourly rule from 1970 is
    half a million periods before it reaches 2027."""
    from services.scheduler.availability import ics

    body = cal(event("h", "DTSTART:19700101T090000Z", "DURATION:PT5M", "RRULE:FREQ=HOURLY"))
    meter = ics._Meter(ics.MAX_EXPANSION_STEPS, 60.0, WINDOW[1].date())
    with pytest.raises(CalendarTooLargeError, match="too much work"):
        parse_busy(body, *WINDOW, meter=meter)
    # Stopped at the budget: at most one period's units past it.
    assert ics.MAX_EXPANSION_STEPS < meter.steps <= ics.MAX_EXPANSION_STEPS + 500
    assert dateutil_steps["n"] <= ics.MAX_EXPANSION_STEPS // (ics._STEP_UNITS + ics._YIELD_UNITS) + 1


def test_the_occurrence_limit_stops_the_expansion_itself(dateutil_steps):
    """dateutil's between() lists the whole window before returning; the limit now stops
    the rule lazily, a few periods after the limit is reached."""
    body = cal(event("q", "DTSTART:20270101T000000Z", "DURATION:PT5M", "RRULE:FREQ=MINUTELY;INTERVAL=15"))
    with pytest.raises(CalendarTooLargeError, match="more than 100"):
        parse_busy(body, *WINDOW, max_occurrences=100)
    assert dateutil_steps["n"] <= 4 * 100 + 2


def test_ordinary_diary_costs_little():
    """A daily and a weekly series from ten years back and a yearly one from 1980 stay far
    inside the budget (the budget is not a limit a real diary meets)."""
    from services.scheduler.availability import ics

    body = cal(event("d", "DTSTART:20170101T090000Z", "DURATION:PT30M", "RRULE:FREQ=DAILY"),
               event("w", "DTSTART:20170102T100000Z", "DURATION:PT1H", "RRULE:FREQ=WEEKLY;BYDAY=MO,WE"),
               event("y", "DTSTART;VALUE=DATE:19800301", "RRULE:FREQ=YEARLY"))
    meter = ics._Meter(ics.MAX_EXPANSION_STEPS, 60.0, WINDOW[1].date())
    got = parse_busy(body, *WINDOW, meter=meter)
    assert len(got) == 364 + 104 + 1
    assert meter.steps < ics.MAX_EXPANSION_STEPS // 10


def test_the_sandboxed_parse_gives_the_same_intervals_and_errors():
    """What the service calls: parse_busy in a child process; intervals and refusals come back."""
    from services.scheduler.availability import parse_busy_sandboxed

    body = cal(event("w", "DTSTART;TZID=Europe/London:20270104T100000", "DTEND;TZID=Europe/London:20270104T110000",
                     "RRULE:FREQ=WEEKLY;COUNT=3", "STATUS:TENTATIVE"))
    assert parse_busy_sandboxed(body, *WINDOW, tz="Europe/London") == parse_busy(body, *WINDOW)
    with pytest.raises(CalendarTooLargeError, match="SECONDLY"):
        parse_busy_sandboxed(cal(event("s", "DTSTART:20270101T000000Z", "RRULE:FREQ=SECONDLY")), *WINDOW)
    with pytest.raises(CalendarParseError):
        parse_busy_sandboxed("not a calendar", *WINDOW)


def test_a_cheap_diary_is_read_in_process_and_only_a_costly_one_in_the_child(monkeypatch):
    """Starting a child costs ~0.3 s of CPU: small diaries and outright refusals stay in the
    service's process; a diary over the in-process tenth of the budget goes to the child."""
    from services.scheduler.availability import parse_busy_sandboxed
    from shared import sandbox

    children = []
    real = sandbox.run_limited
    monkeypatch.setattr(sandbox, "run_limited", lambda *a, **kw: children.append(a[0]) or real(*a, **kw))
    parse_busy_sandboxed(cal(event("d", "DTSTART:20270101T090000Z", "DURATION:PT1H", "RRULE:FREQ=DAILY")), *WINDOW)
    with pytest.raises(CalendarTooLargeError, match="every 15 minutes"):
        parse_busy_sandboxed(cal(event("m", "DTSTART:20270101T000000Z", "RRULE:FREQ=MINUTELY")), *WINDOW)
    assert children == []
    with pytest.raises(CalendarTooLargeError, match="too much work|too long"):
        parse_busy_sandboxed(cal(event("h", "DTSTART:19700101T090000Z", "DURATION:PT5M", "RRULE:FREQ=HOURLY")), *WINDOW)
    assert len(children) == 1
