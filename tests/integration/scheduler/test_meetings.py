"""Booking, invitations, replies, rescheduling, cancelling and attendance, with their events."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from tests.integration.scheduler.helpers import busy, problem

pytestmark = pytest.mark.integration

START, END = "2027-02-02T10:00:00Z", "2027-02-02T12:00:00Z"


@pytest.fixture
def people(make_participant):
    return {"chair": make_participant("Rhian Evans"), "nurse": make_participant("Ceri Jones"),
            "officer": make_participant("Dafydd Price", agency_code="police")}


def book(sched, keys, review, people, board="gwent", **extra):
    body = {"review_id": review, "kind": "panel_meeting", "start": START, "end": END,
            "location": "Board office, room 2",
            "participants": [{"participant_id": people["chair"], "required": True},
                             {"participant_id": people["nurse"], "required": True},
                             {"participant_id": people["officer"], "required": False}], **extra}
    return sched.post("/v1/meetings", json=body, headers=keys.board(board))


def booked(r) -> dict:
    assert r.status_code == 201, r.text
    return r.json()


def test_book_read_list_and_the_booked_event(sched, keys, make_review, people, outbox):
    review = make_review()
    m = booked(book(sched, keys, review, people, notes="Bring agency chronologies."))
    assert m["status"] == "booked" and m["sequence"] == 0 and m["start"] == "2027-02-02T10:00:00Z"
    assert [(p["display_name"], p["required"], p["response"]) for p in m["participants"]] == [
        ("Ceri Jones", True, "needs_action"), ("Rhian Evans", True, "needs_action"), ("Dafydd Price", False, "needs_action")]
    assert sched.get(f"/v1/meetings/{m['id']}", headers=keys.board()).json() == m
    assert sched.get(f"/v1/meetings/{m['id']}", headers=keys.wg).status_code == 200
    [event] = outbox("meeting.booked.v1")
    assert event["subject"] == m["id"]
    assert event["data"] == {"meeting_id": m["id"], "review_id": review, "board_code": "gwent", "kind": "panel_meeting",
                             "start": "2027-02-02T10:00:00Z", "end": "2027-02-02T12:00:00Z", "required_count": 2,
                             "optional_count": 1, "sequence": 0}
    # A second meeting on another day; list by review, paginated by start.
    other = booked(book(sched, keys, review, people, start="2027-02-03T10:00:00Z", end="2027-02-03T11:00:00Z"))
    booked(book(sched, keys, make_review(), people, start="2027-02-04T10:00:00Z", end="2027-02-04T11:00:00Z"))
    page = sched.get("/v1/meetings", params={"review_id": review, "limit": 1}, headers=keys.board()).json()
    assert [i["id"] for i in page["items"]] == [m["id"]] and page["next_cursor"]
    page2 = sched.get("/v1/meetings", params={"review_id": review, "limit": 1, "cursor": page["next_cursor"]},
                      headers=keys.board()).json()
    assert [i["id"] for i in page2["items"]] == [other["id"]] and page2["next_cursor"] is None


def test_a_busy_required_participant_is_409_unless_conflicts_are_allowed(sched, keys, make_review, people, outbox):
    review = make_review()
    busy(sched, keys, people["nurse"], ("2027-02-02T11:00:00Z", "2027-02-02T11:30:00Z", "busy"))
    busy(sched, keys, people["officer"], ("2027-02-02T09:00:00Z", "2027-02-02T13:00:00Z", "busy"))  # optional: fine
    body = problem(book(sched, keys, review, people), 409)
    assert body["conflicts"] == [{"participant_id": people["nurse"], "display_name": "Ceri Jones", "availability": "busy"}]
    assert "Ceri Jones (busy)" in body["detail"]
    assert outbox("meeting.booked.v1") == []
    m = booked(book(sched, keys, review, people, allow_conflicts=True))
    # The booked meeting is now busy time: another meeting over it is refused.
    body = problem(book(sched, keys, review, people, start="2027-02-02T11:00:00Z", end="2027-02-02T13:00:00Z",
                        participants=[{"participant_id": people["chair"]}]), 409)
    assert body["conflicts"][0]["participant_id"] == people["chair"]
    # Outside working hours counts too (a Saturday).
    problem(book(sched, keys, review, people, start="2027-02-06T10:00:00Z", end="2027-02-06T11:00:00Z"), 409)
    assert m["status"] == "booked"


def test_idempotency_key_books_once(sched, keys, make_review, people, outbox):
    review = make_review()
    h = {**keys.board(), "Idempotency-Key": "book-1"}
    body = {"review_id": review, "kind": "learning_event", "start": START, "end": END,
            "participants": [{"participant_id": people["chair"]}]}
    a, b = sched.post("/v1/meetings", json=body, headers=h), sched.post("/v1/meetings", json=body, headers=h)
    assert a.status_code == b.status_code == 201 and a.json() == b.json()
    assert len(outbox("meeting.booked.v1")) == 1
    problem(sched.post("/v1/meetings", json={**body, "kind": "panel_meeting"}, headers=h), 409)


def test_invitation_parses_in_two_independent_parsers(sched, keys, make_review, people):
    m = booked(book(sched, keys, make_review(), people, start="2027-03-30T10:00:00+01:00",
                    end="2027-03-30T12:00:00+01:00"))
    r = sched.get(f"/v1/meetings/{m['id']}/invite.ics", headers=keys.board())
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    assert "method=REQUEST" in r.headers["content-type"]
    cal = icalendar.Calendar.from_ical(r.content)
    assert str(cal["METHOD"]) == "REQUEST"
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/London"
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == m["uid"] and int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == datetime(2027, 3, 30, 9, 0, tzinfo=UTC)  # 10:00 BST
    assert str(event["DTSTART"].params["TZID"]) == "Europe/London"
    assert str(event["ORGANIZER"]).startswith("mailto:")
    roles = {str(a).lower(): a.params["ROLE"] for a in event["ATTENDEE"]}
    assert roles == {"mailto:rhian.evans@agency.example.wales": "REQ-PARTICIPANT",
                     "mailto:ceri.jones@agency.example.wales": "REQ-PARTICIPANT",
                     "mailto:dafydd.price@agency.example.wales": "OPT-PARTICIPANT"}
    v = vobject.readOne(r.content.decode())
    assert v.method.value == "REQUEST"
    assert v.vevent.uid.value == m["uid"] and v.vevent.sequence.value == "0"
    assert v.vevent.dtstart.value.astimezone(UTC) == datetime(2027, 3, 30, 9, 0, tzinfo=UTC)
    assert len(v.vevent.attendee_list) == 3
    # One invitee's copy lists only them; another board cannot fetch it.
    one = sched.get(f"/v1/meetings/{m['id']}/invite.ics", params={"participant_id": people["officer"]},
                    headers=keys.board())
    attendees = icalendar.Calendar.from_ical(one.content).walk("VEVENT")[0]["ATTENDEE"]
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a).lower() for a in attendees] == ["mailto:dafydd.price@agency.example.wales"]
    problem(sched.get(f"/v1/meetings/{m['id']}/invite.ics", headers=keys.board("north-wales")), 404)


def _sequence(sched, keys, meeting_id):
    r = sched.get(f"/v1/meetings/{meeting_id}/invite.ics", headers=keys.board())
    event = icalendar.Calendar.from_ical(r.content).walk("VEVENT")[0]
    return int(event["SEQUENCE"]), str(event["UID"]), icalendar.Calendar.from_ical(r.content)


def test_reschedule_and_cancel_raise_the_sequence_and_publish(sched, keys, make_review, people, outbox):
    m = booked(book(sched, keys, make_review(), people))
    sched.post(f"/v1/meetings/{m['id']}/responses", json={"participant_id": people["chair"], "response": "accepted"},
               headers=keys.board())
    r = sched.patch(f"/v1/meetings/{m['id']}", json={"start": "2027-02-03T14:00:00Z", "end": "2027-02-03T16:00:00Z"},
                    headers=keys.board())
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["sequence"] == 1 and moved["start"] == "2027-02-03T14:00:00Z"
    assert {p["response"] for p in moved["participants"]} == {"needs_action"}  # a new time needs new replies
    seq, uid, _ = _sequence(sched, keys, m["id"])
    assert (seq, uid) == (1, m["uid"])
    [event] = outbox("meeting.rescheduled.v1")
    assert event["data"]["sequence"] == 1 and event["data"]["previous_start"] == "2027-02-02T10:00:00Z"
    # A location change is a change invitees see: SEQUENCE rises, no event.
    assert sched.patch(f"/v1/meetings/{m['id']}", json={"location": "Online"}, headers=keys.board()).json()["sequence"] == 2
    problem(sched.patch(f"/v1/meetings/{m['id']}", json={"notes": "Child's NHS number 943 476 5919"},
                        headers=keys.board()), 422)
    problem(sched.patch(f"/v1/meetings/{m['id']}", json={"status": "cancelled", "location": "x"}, headers=keys.board()), 422)
    problem(sched.patch(f"/v1/meetings/{m['id']}", json={"status": "cancelled"}, headers=keys.wg), 403)
    problem(sched.patch(f"/v1/meetings/{m['id']}", json={"status": "cancelled"}, headers=keys.board("north-wales")), 404)
    cancelled = sched.patch(f"/v1/meetings/{m['id']}", json={"status": "cancelled"}, headers=keys.board()).json()
    assert cancelled["status"] == "cancelled" and cancelled["sequence"] == 3
    seq, uid, cal = _sequence(sched, keys, m["id"])
    assert seq == 3 and uid == m["uid"] and str(cal["METHOD"]) == "CANCEL"
    assert str(cal.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"
    assert outbox("meeting.cancelled.v1")[0]["data"]["sequence"] == 3
    problem(sched.patch(f"/v1/meetings/{m['id']}", json={"location": "x"}, headers=keys.board()), 409)
    # A cancelled meeting is no longer busy time.
    booked(book(sched, keys, make_review(), people, start="2027-02-03T14:00:00Z", end="2027-02-03T16:00:00Z"))


def test_reschedule_onto_a_busy_required_participant_is_409(sched, keys, make_review, people):
    m = booked(book(sched, keys, make_review(), people))
    busy(sched, keys, people["chair"], ("2027-02-04T09:00:00Z", "2027-02-04T17:00:00Z", "out_of_office"))
    body = problem(sched.patch(f"/v1/meetings/{m['id']}", json={"start": "2027-02-04T10:00:00Z",
                                                                "end": "2027-02-04T11:00:00Z"}, headers=keys.board()), 409)
    assert body["conflicts"][0]["availability"] == "out_of_office"
    # Moving within its own old slot does not conflict with itself.
    r = sched.patch(f"/v1/meetings/{m['id']}", json={"start": "2027-02-02T10:30:00Z", "end": "2027-02-02T12:00:00Z"},
                    headers=keys.board())
    assert r.status_code == 200 and r.json()["sequence"] == 1


def test_a_required_decline_puts_the_meeting_at_risk_and_alternatives_avoid_it(sched, keys, make_review, people, outbox):
    m = booked(book(sched, keys, make_review(), people))
    h = keys.board()
    r = sched.post(f"/v1/meetings/{m['id']}/responses", json={"participant_id": people["officer"], "response": "declined"},
                   headers=h)
    assert r.json()["status"] == "booked"  # an optional decline is not a risk
    r = sched.post(f"/v1/meetings/{m['id']}/responses", json={"participant_id": people["nurse"], "response": "declined"},
                   headers=h)
    assert r.status_code == 200 and r.json()["status"] == "at_risk"
    sched.post(f"/v1/meetings/{m['id']}/responses", json={"participant_id": people["nurse"], "response": "declined"},
               headers=h)  # the same reply again publishes nothing more
    [event] = outbox("meeting.at_risk.v1")
    assert event["data"]["declined_required_count"] == 1 and event["data"]["meeting_id"] == m["id"]
    window = {"window_start": "2027-02-02T00:00:00Z", "window_end": "2027-02-04T00:00:00Z"}
    alt = sched.post(f"/v1/meetings/{m['id']}/alternatives", json=window, headers=h)
    assert alt.status_code == 201, alt.text
    alt = alt.json()
    assert alt["meeting_id"] == m["id"] and alt["suggestions"]
    slots = [(s["start"], s["end"]) for s in alt["suggestions"]]
    # The declined slot is not offered again; the meeting's own time is not busy for the others, so
    # the same day is still used (before 10:00 and after 12:00 for the nurse).
    for start, end in slots:
        assert end <= START or start >= END
    assert any(s.startswith("2027-02-02") for s, _ in slots)
    assert sched.get(f"/v1/meeting-proposals/{alt['id']}", headers=h).json() == alt
    problem(sched.get(f"/v1/meetings/{m['id']}/alternatives", headers=keys.board("north-wales")), 404)
    # The nurse can come after all: the meeting is no longer at risk.
    r = sched.post(f"/v1/meetings/{m['id']}/responses", json={"participant_id": people["nurse"], "response": "tentative"},
                   headers=h)
    assert r.json()["status"] == "booked"
    problem(sched.post(f"/v1/meetings/{m['id']}/responses", json={"participant_id": "nobody", "response": "accepted"},
                       headers=h), 404)
    problem(sched.post(f"/v1/meetings/{m['id']}/responses", json={"participant_id": people["nurse"], "response": "maybe"},
                       headers=h), 422)


def test_attendance_only_after_the_start_and_it_publishes_meeting_held(sched, keys, make_review, people, outbox):
    review = make_review()
    future = booked(book(sched, keys, review, people))
    body = problem(sched.post(f"/v1/meetings/{future['id']}/attendance", json={"attended": [people["chair"]]},
                              headers=keys.board()), 409)
    assert "has not started" in body["detail"]
    start = (datetime.now(UTC) - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    past = booked(book(sched, keys, review, people, kind="learning_event", start=start.isoformat(),
                       end=(start + timedelta(hours=2)).isoformat(), allow_conflicts=True))
    problem(sched.post(f"/v1/meetings/{past['id']}/attendance", json={"attended": ["stranger"]}, headers=keys.board()), 422)
    problem(sched.post(f"/v1/meetings/{past['id']}/attendance", json={"attended": []}, headers=keys.wg), 403)
    r = sched.post(f"/v1/meetings/{past['id']}/attendance", json={"attended": [people["chair"], people["officer"]]},
                   headers=keys.board())
    assert r.status_code == 200, r.text
    held = r.json()
    assert held["status"] == "held" and held["held_on"] == start.astimezone(ZoneInfo("Europe/London")).date().isoformat()
    assert {p["participant_id"]: p["attended"] for p in held["participants"]} == {
        people["chair"]: True, people["nurse"]: False, people["officer"]: True}
    [event] = outbox("meeting.held.v1")
    assert event["data"] == {"meeting_id": past["id"], "review_id": review, "board_code": "gwent",
                             "kind": "learning_event", "held_on": held["held_on"], "invited_count": 3,
                             "attended_count": 2, "required_count": 2, "required_attended_count": 1}
    problem(sched.post(f"/v1/meetings/{past['id']}/attendance", json={"attended": []}, headers=keys.board()), 409)
    problem(sched.patch(f"/v1/meetings/{past['id']}", json={"status": "cancelled"}, headers=keys.board()), 409)


def test_another_boards_meetings_are_404_and_welsh_government_cannot_write(sched, keys, make_review, people,
                                                                          make_participant):
    review = make_review()
    m = booked(book(sched, keys, review, people))
    other = keys.board("north-wales")
    for call in (lambda: sched.get(f"/v1/meetings/{m['id']}", headers=other),
                 lambda: sched.patch(f"/v1/meetings/{m['id']}", json={"location": "x"}, headers=other),
                 lambda: sched.post(f"/v1/meetings/{m['id']}/responses",
                                    json={"participant_id": people["chair"], "response": "declined"}, headers=other),
                 lambda: sched.post(f"/v1/meetings/{m['id']}/attendance", json={"attended": []}, headers=other)):
        problem(call(), 404)
    assert sched.get("/v1/meetings", headers=other).json()["items"] == []
    # Booking on another board's review, or with its participants, is 404 too.
    problem(book(sched, keys, review, people, board="north-wales"), 404)
    theirs = make_participant("Other", board="north-wales")
    problem(book(sched, keys, review, people, participants=[{"participant_id": theirs}]), 404)
    problem(sched.post("/v1/meetings", json={"review_id": review, "kind": "other", "start": START, "end": END,
                                             "participants": [{"participant_id": people["chair"]}]},
                       headers=keys.wg), 403)


def test_free_text_with_identifiers_is_refused(sched, keys, make_review, people):
    body = problem(book(sched, keys, make_review(), people, notes="Family home is CF10 1AA"), 422)
    assert body["errors"][0]["field"] == "notes" and "CF10" not in body["detail"]


def test_alternatives_on_a_get_store_nothing_and_welsh_government_cannot_store_them(sched, keys, make_review,
                                                                                     people, runtimes):
    """A GET is a read for any key that sees the meeting (mail scanners and Welsh Government
    open links); keeping a proposal is a POST by the board's own key."""
    from sqlmodel import Session, func, select

    from services.scheduler.meetings.models import MeetingProposal

    m = booked(book(sched, keys, make_review(), people))

    def stored() -> int:
        with Session(runtimes["scheduler"].engine) as s:
            return s.exec(select(func.count()).select_from(MeetingProposal)).one()

    window = {"window_start": "2027-02-02T00:00:00Z", "window_end": "2027-02-04T00:00:00Z"}
    for headers in (keys.board(), keys.wg):
        r = sched.get(f"/v1/meetings/{m['id']}/alternatives", params=window, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["id"] is None and r.json()["suggestions"]
    assert stored() == 0
    problem(sched.post(f"/v1/meetings/{m['id']}/alternatives", json=window, headers=keys.wg), 403)
    assert stored() == 0
    r = sched.post(f"/v1/meetings/{m['id']}/alternatives", json=window, headers=keys.board())
    assert r.status_code == 201 and r.headers["Location"] == f"/v1/meeting-proposals/{r.json()['id']}"
    assert stored() == 1
