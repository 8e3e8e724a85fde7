"""Reading iMIP REPLY messages (RFC 6047 / RFC 5546) as calendar clients send them. Pure.

Quirks handled: Exchange/Outlook omit ORGANIZER in a REPLY; clients send the calendar both as
the text/calendar alternative and as an attachment (one reply, not two); a reply may lack
SEQUENCE (0 by RFC 5546); addresses differ in case and in the mailto: prefix; a delegate
answers with SENT-BY."""
from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses

import icalendar

CALENDAR_TYPES = ("text/calendar", "application/ics")


@dataclass(frozen=True)
class CalendarReplyIn:
    uid: str
    sequence: int
    attendee: str
    partstat: str
    sent_by: str | None = None
    organizer: str | None = None


def address(value) -> str:
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower()


def sender_of(msg: EmailMessage) -> str | None:
    found = getaddresses([str(msg.get("From", ""))])
    return found[0][1].strip().lower() if found and found[0][1] else None


def calendar_replies_in(msg: EmailMessage) -> list[CalendarReplyIn]:
    replies: dict[tuple[str, str], CalendarReplyIn] = {}
    for part in msg.walk():
        if part.get_content_type() not in CALENDAR_TYPES:
            continue
        payload = part.get_payload(decode=True)
        if not payload:
            continue
        try:
            cal = icalendar.Calendar.from_ical(payload)
        except Exception:
            continue
        if str(cal.get("METHOD", "")).upper() != "REPLY":
            continue
        for event in cal.walk("VEVENT"):
            uid = str(event.get("UID", "")).strip()
            attendees = event.get("ATTENDEE")
            if not uid or attendees is None:
                continue
            for attendee in attendees if isinstance(attendees, list) else [attendees]:
                params = getattr(attendee, "params", {})
                try:
                    sequence = int(event.get("SEQUENCE", 0))
                except (TypeError, ValueError):
                    sequence = 0
                reply = CalendarReplyIn(
                    uid=uid, sequence=sequence, attendee=address(attendee),
                    partstat=str(params.get("PARTSTAT", "NEEDS-ACTION")).upper(),
                    sent_by=address(params["SENT-BY"]) if params.get("SENT-BY") else None,
                    organizer=address(event["ORGANIZER"]) if event.get("ORGANIZER") else None)
                replies.setdefault((reply.uid, reply.attendee), reply)
    return list(replies.values())
