"""Reading calendar clients' REPLY e-mail (pure): what Outlook, Gmail and Thunderbird send."""
from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from services.scheduler.meetings.imip import calendar_replies_in, sender_of
from tests.mail_support import outlook_reply


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_an_outlook_reply_without_organizer_reads_with_a_lower_case_attendee():
    msg = parse(outlook_reply(uid="u1@x", attendee="Ceri.Jones@Example.org", partstat="DECLINED", sequence=2))
    [reply] = calendar_replies_in(msg)
    assert (reply.uid, reply.sequence, reply.attendee, reply.partstat, reply.organizer) == (
        "u1@x", 2, "ceri.jones@example.org", "DECLINED", None)
    assert sender_of(msg) == "ceri.jones@example.org"


def test_a_missing_sequence_is_zero():
    [reply] = calendar_replies_in(parse(outlook_reply(uid="u1", attendee="a@b.example", partstat="ACCEPTED",
                                                      sequence=None)))
    assert reply.sequence == 0


def google_style(method: str = "REPLY") -> bytes:
    ics = ("BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\n"
           f"CALSCALE:GREGORIAN\r\nMETHOD:{method}\r\nBEGIN:VEVENT\r\nDTSTART:20270202T100000Z\r\n"
           "DTEND:20270202T120000Z\r\nDTSTAMP:20270101T000000Z\r\n"
           "ORGANIZER;CN=CPR:mailto:cpr-scheduler@example.gov.wales\r\nUID:u2@x\r\n"
           "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=TENTATIVE;CN=PA;X-NUM-GUESTS=0;\r\n"
           " SENT-BY=\"mailto:pa@example.org\":mailto:boss@example.org\r\nSEQUENCE:1\r\n"
           "STATUS:CONFIRMED\r\nSUMMARY:Meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    msg = EmailMessage()
    msg["From"] = "PA <pa@example.org>"
    msg["To"] = "cpr-scheduler@example.gov.wales"
    msg["Subject"] = "Tentatively accepted"
    msg.set_content("Tentative")
    msg.add_alternative(ics, subtype="calendar", params={"method": method})
    msg.add_attachment(ics.encode(), maintype="application", subtype="ics", filename="invite.ics")
    return msg.as_bytes()


def test_the_calendar_sent_twice_is_one_reply_and_a_delegate_is_sent_by():
    [reply] = calendar_replies_in(parse(google_style()))
    assert (reply.attendee, reply.sent_by, reply.partstat, reply.sequence) == (
        "boss@example.org", "pa@example.org", "TENTATIVE", 1)
    assert reply.organizer == "cpr-scheduler@example.gov.wales"


def test_only_replies_count():
    assert calendar_replies_in(parse(google_style("REQUEST"))) == []
    plain = EmailMessage()
    plain["From"] = "a@b.example"
    plain.set_content("Out of office")
    assert calendar_replies_in(plain) == []
