"""Invitations as Mozilla's ical.js reads them (issue 9): the VTIMEZONE puts both clock changes
at the right instant, and a meeting in the repeated autumn hour is written in UTC, so no parser
has to guess which of the two 01:30s is meant."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from services.scheduler.availability.invite import InviteAttendee, build_invitation, vtimezone
from tests.js_support import run_node

# Either side of both 2027 changes: BST from 01:00Z on 28 March, GMT from 01:00Z on 31 October.
EXPECTED = {
    "2027-03-28T00:30:00Z": ("2027-03-28T00:30:00", 0),
    "2027-03-28T00:59:59Z": ("2027-03-28T00:59:59", 0),
    "2027-03-28T01:00:00Z": ("2027-03-28T02:00:00", 3600),
    "2027-03-28T01:30:00Z": ("2027-03-28T02:30:00", 3600),
    "2027-10-31T00:30:00Z": ("2027-10-31T01:30:00", 3600),
    "2027-10-31T00:59:59Z": ("2027-10-31T01:59:59", 3600),
    "2027-10-31T01:00:00Z": ("2027-10-31T01:00:00", 0),
    "2027-10-31T01:30:00Z": ("2027-10-31T01:30:00", 0),
}


def _invite(start: datetime, minutes: int = 60) -> str:
    return build_invitation(uid="m1@cpr.test", sequence=0, start=start, end=start + timedelta(minutes=minutes),
                            summary="Learning Event", organizer_email="organiser@board.example",
                            attendees=[InviteAttendee("a@agency.example", "A")],
                            dtstamp=datetime(2027, 1, 1, tzinfo=UTC)).decode()


def _ical_js(ics: str, instants=()) -> dict:
    return run_node("ical_times.mjs", packages=("ical.js",), stdin=json.dumps({"ics": ics, "instants": list(instants)}))


def test_ical_js_converts_instants_on_both_sides_of_both_changes():
    result = _ical_js(_invite(datetime(2027, 6, 1, 9, tzinfo=UTC)), EXPECTED)
    got = {k: (v["wall"], v["offset_seconds"]) for k, v in result["local"].items()}
    assert got == EXPECTED


def test_summer_time_starts_at_one_in_the_morning_gmt():
    """The standard Europe/London definition: BST from T010000 (+0000), GMT from T020000 (+0100)."""
    tz = icalendar.Calendar.from_ical(
        "BEGIN:VCALENDAR\r\n" + vtimezone("Europe/London", 2027, 2027).to_ical().decode() + "END:VCALENDAR\r\n")
    [zone] = tz.walk("VTIMEZONE")
    daylight = [c for c in zone.walk("DAYLIGHT")]
    standard = [c for c in zone.walk("STANDARD") if c["TZOFFSETFROM"].td == timedelta(hours=1)]
    assert [c["DTSTART"].dt for c in daylight] == [datetime(2027, 3, 28, 1, 0)]
    assert [c["DTSTART"].dt for c in standard] == [datetime(2027, 10, 31, 2, 0)]


def test_a_meeting_just_after_summer_time_starts_is_read_at_its_instant():
    start = datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 02:30 BST
    ics = _invite(start)
    assert "DTSTART;TZID=Europe/London:20270328T023000" in ics
    [event] = _ical_js(ics)["events"]
    assert (event["start"], event["end"]) == ("2027-03-28T01:30:00Z", "2027-03-28T02:30:00Z")


@pytest.mark.parametrize("start", [datetime(2027, 10, 31, 0, 30, tzinfo=UTC),   # 01:30 BST
                                   datetime(2027, 10, 31, 1, 30, tzinfo=UTC),   # 01:30 GMT
                                   datetime(2027, 10, 30, 23, 45, tzinfo=UTC)])  # ends in the repeated hour
def test_a_meeting_in_the_repeated_autumn_hour_is_written_in_utc(start):
    ics = _invite(start, minutes=90)
    assert "TZID=" not in ics
    assert f"DTSTART:{start:%Y%m%dT%H%M%S}Z" in ics
    [event] = _ical_js(ics)["events"]
    assert event["start"] == start.strftime("%Y-%m-%dT%H:%M:%SZ") and event["start_tzid"] == "UTC"
    [vevent] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert vevent["DTSTART"].dt == start and vevent["DTEND"].dt == start + timedelta(minutes=90)


def test_an_ordinary_autumn_meeting_keeps_its_london_wall_time():
    ics = _invite(datetime(2027, 10, 31, 10, tzinfo=UTC))
    assert "DTSTART;TZID=Europe/London:20271031T100000" in ics
    assert _ical_js(ics)["events"][0]["start"] == "2027-10-31T10:00:00Z"
