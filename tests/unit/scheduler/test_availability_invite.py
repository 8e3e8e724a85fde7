"""Invitations must be read identically by independent iCalendar parsers
(icalendar and vobject stand in for Outlook and Google here)."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from services.scheduler.availability import InviteAttendee, build_invitation, parse_busy

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
START = datetime(2027, 7, 5, 10, tzinfo=LONDON)
END = datetime(2027, 7, 5, 12, 30, tzinfo=LONDON)
PEOPLE = [
    InviteAttendee("chair@board.example.gov.wales", "Chair, Panel", required=True, partstat="ACCEPTED"),
    InviteAttendee("dr.x@nhs.example.wales", "Dr X", required=True),
    InviteAttendee("pc.y@police.example.uk", 'PC "Y"', required=False, partstat="TENTATIVE"),
    InviteAttendee("z@ci.example.wales", "Z", required=False, partstat="DECLINED"),
]


def build(**kw):
    args = dict(
        uid="cpr-2027-014-panel-1@scheduler.example",
        sequence=2,
        start=START,
        end=END,
        summary="CPR panel meeting (case ref CPR/2027/014)",
        location="Board room, Llandudno; Teams link in description",
        organizer_email="cpr@board.example.gov.wales",
        organizer_name="CPR Business Unit",
        attendees=PEOPLE,
        dtstamp=datetime(2027, 6, 1, 8, tzinfo=UTC),
    )
    return build_invitation(**(args | kw))


def test_request_parsed_back_with_icalendar():
    cal = icalendar.Calendar.from_ical(build())
    assert cal["METHOD"] == "REQUEST"
    assert len(cal.walk("VTIMEZONE")) == 1 and cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/London"
    (ev,) = cal.walk("VEVENT")
    assert str(ev["UID"]) == "cpr-2027-014-panel-1@scheduler.example"
    assert ev["SEQUENCE"] == 2
    assert ev["STATUS"] == "CONFIRMED"
    assert ev.decoded("DTSTAMP") == datetime(2027, 6, 1, 8, tzinfo=UTC)
    assert ev["DTSTART"].params["TZID"] == "Europe/London"
    assert ev.decoded("DTSTART") == START and ev.decoded("DTEND") == END
    assert ev.decoded("DTSTART").utcoffset() == timedelta(hours=1)  # BST
    assert str(ev["SUMMARY"]) == "CPR panel meeting (case ref CPR/2027/014)"
    assert str(ev["LOCATION"]) == "Board room, Llandudno; Teams link in description"
    assert str(ev["ORGANIZER"]) == "mailto:cpr@board.example.gov.wales"
    assert ev["ORGANIZER"].params["CN"] == "CPR Business Unit"
    attendees = {str(a): a.params for a in ev["ATTENDEE"]}
    assert attendees["mailto:dr.x@nhs.example.wales"]["ROLE"] == "REQ-PARTICIPANT"
    assert attendees["mailto:pc.y@police.example.uk"]["ROLE"] == "OPT-PARTICIPANT"
    assert attendees["mailto:pc.y@police.example.uk"]["CN"] == 'PC "Y"'
    assert attendees["mailto:chair@board.example.gov.wales"]["CN"] == "Chair, Panel"
    assert [attendees[f"mailto:{p.email}"]["PARTSTAT"] for p in PEOPLE] == [
        "ACCEPTED",
        "NEEDS-ACTION",
        "TENTATIVE",
        "DECLINED",
    ]
    assert all(p["RSVP"] == "TRUE" for p in attendees.values())


def test_request_parsed_back_with_vobject():
    cal = vobject.readOne(build().decode())
    assert cal.method.value == "REQUEST"
    ev = cal.vevent
    assert ev.uid.value == "cpr-2027-014-panel-1@scheduler.example"
    assert ev.sequence.value == "2"
    assert ev.dtstart.value.astimezone(UTC) == START.astimezone(UTC)
    assert ev.dtend.value.astimezone(UTC) == END.astimezone(UTC)
    # vobject builds its tzinfo from our VTIMEZONE: it must say BST in July.
    assert ev.dtstart.value.utcoffset() == timedelta(hours=1)
    assert ev.organizer.value == "mailto:cpr@board.example.gov.wales"
    roles = {
        a.value: (a.params["ROLE"][0], a.params["PARTSTAT"][0], a.params["CN"][0]) for a in ev.attendee_list
    }
    assert roles["mailto:dr.x@nhs.example.wales"] == ("REQ-PARTICIPANT", "NEEDS-ACTION", "Dr X")
    assert roles["mailto:z@ci.example.wales"] == ("OPT-PARTICIPANT", "DECLINED", "Z")
    assert ev.location.value == "Board room, Llandudno; Teams link in description"


def test_winter_meeting_uses_gmt_in_both_parsers():
    start, end = datetime(2027, 12, 1, 14, tzinfo=LONDON), datetime(2027, 12, 1, 15, tzinfo=LONDON)
    body = build(start=start, end=end)
    assert b"DTSTART;TZID=Europe/London:20271201T140000" in body
    assert vobject.readOne(body.decode()).vevent.dtstart.value.astimezone(UTC) == datetime(
        2027, 12, 1, 14, tzinfo=UTC
    )


def test_cancellation():
    body = build(cancelled=True, sequence=3)
    cal = icalendar.Calendar.from_ical(body)
    assert cal["METHOD"] == "CANCEL"
    (ev,) = cal.walk("VEVENT")
    assert ev["STATUS"] == "CANCELLED" and ev["SEQUENCE"] == 3
    assert str(ev["UID"]) == "cpr-2027-014-panel-1@scheduler.example"
    v = vobject.readOne(body.decode())
    assert v.method.value == "CANCEL" and v.vevent.status.value == "CANCELLED"
    # Our own diary reader treats the cancelled meeting as not busy.
    assert parse_busy(body, START - timedelta(days=1), END + timedelta(days=1)) == []


def test_request_blocks_time_when_read_as_a_diary():
    (b,) = parse_busy(build(), START - timedelta(days=1), END + timedelta(days=1))
    assert (b.start, b.end, b.kind) == (START.astimezone(UTC), END.astimezone(UTC), "busy")


def test_per_participant_invite_lists_only_that_attendee():
    body = build(only_attendee="Dr.X@nhs.example.wales")
    ev = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    attendee = ev["ATTENDEE"]
    attendees = attendee if isinstance(attendee, list) else [attendee]
    assert [str(a) for a in attendees] == ["mailto:dr.x@nhs.example.wales"]
    assert len(vobject.readOne(body.decode()).vevent.attendee_list) == 1
    with pytest.raises(ValueError, match="not an attendee"):
        build(only_attendee="someone@else.example")


def test_uid_is_stable_and_dtstamp_defaults_to_now():
    a = icalendar.Calendar.from_ical(build(dtstamp=None)).walk("VEVENT")[0]
    b = icalendar.Calendar.from_ical(build(dtstamp=None, sequence=5)).walk("VEVENT")[0]
    assert a["UID"] == b["UID"]
    assert abs(a.decoded("DTSTAMP") - datetime.now(UTC)) < timedelta(minutes=5)


@pytest.mark.parametrize(
    "kw",
    [{"uid": " "}, {"sequence": -1}, {"end": START}, {"start": datetime(2027, 7, 5, 10)}],
)
def test_bad_invitations_are_refused(kw):
    with pytest.raises(ValueError):
        build(**kw)


def test_bad_attendee_is_refused():
    with pytest.raises(ValueError):
        InviteAttendee("not-an-email", "X")
    with pytest.raises(ValueError):
        InviteAttendee("a@b.c", "X", partstat="MAYBE")
