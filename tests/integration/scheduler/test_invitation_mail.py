"""Invitations by e-mail (iMIP) to a real SMTP server, the reply link's page, and calendar
clients' REPLY messages, through the scheduler's API on PostgreSQL."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session, select

from shared.mail.outbox import MailDelivery
from shared.web.tokens import make_token
from services.scheduler.meetings.models import CalendarReply
from services.scheduler.meetings.replies import handle_reply_message
from tests.mail_support import calendar_of, link_in, outlook_reply

pytestmark = pytest.mark.integration

START, END = "2027-02-02T10:00:00Z", "2027-02-02T12:00:00Z"


@pytest.fixture
def settings(settings, smtp_sink):
    return settings.model_copy(update={"smtp_url": smtp_sink.url})


@pytest.fixture
def people(make_participant):
    return {"chair": make_participant("Rhian Evans"), "nurse": make_participant("Ceri Jones"),
            "officer": make_participant("Dafydd Price", agency_code="police", preferred_language="en")}


@pytest.fixture
def send(runtimes, settings):
    def run() -> None:
        MailDelivery(runtimes["scheduler"].engine, settings, "scheduler").run_once()
    return run


@pytest.fixture
def meeting(sched, keys, make_review, people):
    body = {"review_id": make_review(), "kind": "panel_meeting", "start": START, "end": END,
            "location": "Swyddfa'r Bwrdd, ystafell 2",
            "participants": [{"participant_id": people["chair"], "required": True},
                             {"participant_id": people["nurse"], "required": True},
                             {"participant_id": people["officer"], "required": False}]}
    r = sched.post("/v1/meetings", json=body, headers=keys.board())
    assert r.status_code == 201, r.text
    return r.json()


def email_of(name: str) -> str:
    return f"{name.lower().replace(' ', '.')}@agency.example.wales"


def test_booking_sends_each_invitee_a_request_naming_only_them(meeting, send, smtp_sink):
    send()
    got = smtp_sink.received()
    assert sorted(m.rcpt_tos[0] for m in got) == sorted(email_of(n) for n in ("Rhian Evans", "Ceri Jones", "Dafydd Price"))
    for m in got:
        cal, part = calendar_of(m)
        assert cal["METHOD"] == "REQUEST" and part.get_param("method") == "REQUEST"
        [event] = cal.walk("VEVENT")
        assert str(event["UID"]) == meeting["uid"] and int(event["SEQUENCE"]) == 0
        attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
        assert [str(a).lower() for a in attendees] == [f"mailto:{m.rcpt_tos[0]}"]
        assert str(event["ORGANIZER"]) == f"mailto:{meeting['organizer_email']}"
        assert m.message["From"].addresses[0].addr_spec == meeting["organizer_email"]
        assert m.message.get_filename is not None
    welsh_first = smtp_sink.to(email_of("Ceri Jones"))[0].message
    english_first = smtp_sink.to(email_of("Dafydd Price"))[0].message
    assert welsh_first["Subject"].startswith("Gwahoddiad: Cyfarfod y panel adolygu, Dydd Mawrth 2 Chwefror 2027")
    assert english_first["Subject"].startswith("Invitation: Review panel meeting, Tuesday 2 February 2027")
    text = english_first.get_body(("plain",)).get_content()
    assert "Tuesday 2 February 2027, 10:00 to 12:00" in text and "Dydd Mawrth 2 Chwefror 2027, 10:00 tan 12:00" in text
    assert text.index("Tuesday") < text.index("Dydd Mawrth")
    send()
    assert len(smtp_sink.received()) == 3  # each once


def test_changes_send_requests_with_rising_sequence_and_cancelling_sends_cancel(
        sched, keys, meeting, send, smtp_sink):
    path = f"/v1/meetings/{meeting['id']}"
    assert sched.patch(path, json={"start": "2027-02-03T10:00:00Z", "end": "2027-02-03T12:00:00Z"},
                       headers=keys.board()).status_code == 200
    assert sched.patch(path, json={"location": "Teams"}, headers=keys.board()).status_code == 200
    assert sched.patch(path, json={"location": "Teams"}, headers=keys.board()).status_code == 200  # no change
    assert sched.patch(path, json={"status": "cancelled"}, headers=keys.board()).status_code == 200
    send()
    nurse = smtp_sink.to(email_of("Ceri Jones"))
    seen = []
    for m in nurse:
        cal, part = calendar_of(m)
        [event] = cal.walk("VEVENT")
        assert part.get_param("method") == cal["METHOD"]
        seen.append((str(cal["METHOD"]), int(event["SEQUENCE"]), str(event["UID"])))
    assert sorted(seen, key=lambda s: s[1]) == [("REQUEST", 0, meeting["uid"]), ("REQUEST", 1, meeting["uid"]),
                                                ("REQUEST", 2, meeting["uid"]), ("CANCEL", 3, meeting["uid"])]
    assert len(smtp_sink.received()) == 12
    cancel = next(m for m in nurse if "CANCEL" in str(calendar_of(m)[0]["METHOD"]))
    assert cancel.message["Subject"].startswith("Wedi'i ganslo")


def test_the_reply_link_shows_in_both_languages_never_changes_on_get_and_answers_on_post(
        sched, keys, meeting, send, smtp_sink):
    send()
    link = link_in(smtp_sink.to(email_of("Ceri Jones"))[0])
    path = urlsplit(link).path
    page = sched.get(path)
    assert page.status_code == 200 and '<html lang="cy">' in page.text and "Cyfarfod y panel adolygu" in page.text
    assert "Dydd Mawrth 2 Chwefror 2027, 10:00 tan 12:00" in page.text
    english = sched.get(path + "?lang=en")
    assert '<html lang="en">' in english.text and "Tuesday 2 February 2027, 10:00 to 12:00" in english.text
    read = lambda: sched.get(f"/v1/meetings/{meeting['id']}", headers=keys.board()).json()  # noqa: E731
    assert read()["status"] == "booked"  # GETs changed nothing
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    sched.cookies.clear()
    assert sched.post(path, data={"response": "declined", "csrf_token": token}).status_code == 403
    sched.get(path)  # the cookie again
    token = sched.get(path).text.split('name="csrf_token" value="')[1].split('"')[0]
    assert sched.post(path, data={"response": "maybe", "csrf_token": token}).status_code == 422
    r = sched.post(path, data={"response": "declined", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert "Diolch" in sched.get(r.headers["location"]).text
    after = read()
    nurse = next(p for p in after["participants"] if p["display_name"] == "Ceri Jones")
    assert nurse["response"] == "declined" and after["status"] == "at_risk"


def test_a_link_is_for_one_meeting_and_person_and_expires(sched, settings, meeting, people):
    other = make_token(settings.secret_key, "meeting-reply", {"m": meeting["id"], "p": "not-invited"},
                       datetime.now(UTC) + timedelta(days=1))
    assert sched.get(f"/meetings/reply/{other}").status_code == 404
    wrong_purpose = make_token(settings.secret_key, "poll", {"m": meeting["id"], "p": people["nurse"]},
                               datetime.now(UTC) + timedelta(days=1))
    assert sched.get(f"/meetings/reply/{wrong_purpose}").status_code == 404
    expired = make_token(settings.secret_key, "meeting-reply", {"m": meeting["id"], "p": people["nurse"]},
                         datetime.now(UTC) - timedelta(seconds=1))
    r = sched.get(f"/meetings/reply/{expired}")
    assert r.status_code == 410 and "wedi dod i ben" in r.text


def replies(runtimes) -> list[CalendarReply]:
    with Session(runtimes["scheduler"].engine) as s:
        return list(s.exec(select(CalendarReply)))


def apply(runtimes, settings, raw: bytes) -> list[str]:
    with Session(runtimes["scheduler"].engine, info={"settings": settings}) as s:
        out = handle_reply_message(s, raw)
        s.commit()
    return out


def test_outlook_replies_apply_once_and_forged_unknown_or_stale_ones_do_not(sched, keys, runtimes, settings, meeting):
    nurse = email_of("Ceri Jones")
    read = lambda: sched.get(f"/v1/meetings/{meeting['id']}", headers=keys.board()).json()  # noqa: E731
    response_of = lambda m, name: next(p["response"] for p in m["participants"] if p["display_name"] == name)  # noqa: E731
    forged = outlook_reply(uid=meeting["uid"], attendee=nurse, partstat="DECLINED", from_addr="mallory@evil.example")
    assert apply(runtimes, settings, forged) == ["ignored: sender is not the attendee"]
    stranger = outlook_reply(uid=meeting["uid"], attendee="someone@else.example", partstat="DECLINED")
    assert apply(runtimes, settings, stranger) == ["ignored: attendee not invited"]
    unknown = outlook_reply(uid="no-such-uid@example", attendee=nurse, partstat="DECLINED")
    assert apply(runtimes, settings, unknown) == ["ignored: unknown UID"]
    assert response_of(read(), "Ceri Jones") == "needs_action" and read()["status"] == "booked"

    declined = outlook_reply(uid=meeting["uid"], attendee=nurse, partstat="DECLINED", message_id="<r1@outlook>")
    assert apply(runtimes, settings, declined) == ["applied: declined"]
    assert apply(runtimes, settings, declined) == ["duplicate"]
    assert response_of(read(), "Ceri Jones") == "declined" and read()["status"] == "at_risk"

    # The meeting moves (SEQUENCE 1): an answer to the old time (SEQUENCE 0) no longer counts.
    sched.patch(f"/v1/meetings/{meeting['id']}", json={"start": "2027-02-04T10:00:00Z", "end": "2027-02-04T12:00:00Z"},
                headers=keys.board())
    stale = outlook_reply(uid=meeting["uid"], attendee=nurse, partstat="ACCEPTED", sequence=0)
    assert apply(runtimes, settings, stale) == ["ignored: reply to SEQUENCE 0, meeting is at 1"]
    fresh = outlook_reply(uid=meeting["uid"], attendee=nurse, partstat="TENTATIVE", sequence=1)
    assert apply(runtimes, settings, fresh) == ["applied: tentative"]
    assert response_of(read(), "Ceri Jones") == "tentative"
    assert len(replies(runtimes)) == 6


def test_adding_or_removing_an_invitee_sends_only_that_person_what_they_need(
        sched, keys, meeting, people, make_participant, send, smtp_sink):
    send()
    assert len(smtp_sink.received()) == 3
    newcomer = make_participant("Elin Hughes")
    path = f"/v1/meetings/{meeting['id']}"
    r = sched.patch(path, json={"add_participants": [{"participant_id": newcomer, "required": False}]},
                    headers=keys.board())
    assert r.status_code == 200, r.text
    assert r.json()["sequence"] == 0  # nobody else's diary changes
    send()
    [invite] = smtp_sink.received()[3:]
    cal, part = calendar_of(invite)
    assert invite.rcpt_tos == [email_of("Elin Hughes")] and cal["METHOD"] == "REQUEST"
    assert str(cal.walk("VEVENT")[0]["ATTENDEE"]).lower() == f"mailto:{email_of('Elin Hughes')}"

    r = sched.patch(path, json={"remove_participants": [people["officer"]]}, headers=keys.board())
    assert r.status_code == 200, r.text
    assert "Dafydd Price" not in [p["display_name"] for p in r.json()["participants"]]
    send()
    [cancel] = smtp_sink.received()[4:]
    cal, part = calendar_of(cancel)
    [event] = cal.walk("VEVENT")
    assert cancel.rcpt_tos == [email_of("Dafydd Price")]
    assert cal["METHOD"] == "CANCEL" and part.get_param("method") == "CANCEL"
    assert int(event["SEQUENCE"]) == r.json()["sequence"] == 1
    assert str(event["ATTENDEE"]).lower() == f"mailto:{email_of('Dafydd Price')}"
    assert sched.patch(path, json={"add_participants": [{"participant_id": newcomer}]},
                       headers=keys.board()).status_code == 409
    assert sched.patch(path, json={"remove_participants": [people["officer"]]},
                       headers=keys.board()).status_code == 404
