"""iCalendar (RFC 5545 / iTIP RFC 5546) invitations for a scheduled meeting.

Invitations go to partner agencies on Outlook, NHSmail and Google, so they carry
an explicit VTIMEZONE for Europe/London (clients must not guess the zone), a
stable UID (so a re-sent or moved meeting updates the same diary entry rather
than adding a second one) and a caller-controlled SEQUENCE (each change bumps
it; clients ignore updates with a lower one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Literal
from zoneinfo import ZoneInfo

import icalendar

from .intervals import to_utc

__all__ = ["PARTSTATS", "PRODID", "InviteAttendee", "PartStat", "build_invitation"]

PRODID = "-//Wales Safeguarding Children Boards//CPR Scheduler//EN"
PartStat = Literal["NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE"]
PARTSTATS: tuple[str, ...] = ("NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE")


@dataclass(frozen=True)
class InviteAttendee:
    """An invitee as it appears in the ATTENDEE property."""

    email: str
    name: str
    required: bool = True
    partstat: PartStat = "NEEDS-ACTION"

    def __post_init__(self) -> None:
        if "@" not in self.email:
            raise ValueError(f"attendee email looks wrong: {self.email!r}")
        if self.partstat not in PARTSTATS:
            raise ValueError(f"unknown PARTSTAT {self.partstat!r}; expected one of {PARTSTATS}")


def _mailto(email: str) -> str:
    email = email.strip()
    return email if email.lower().startswith("mailto:") else f"mailto:{email}"


def _vtimezone(tzid: str, start: datetime, end: datetime) -> icalendar.Timezone:
    # Only the years around the meeting: keeps the file small while still
    # covering the clock changes a client needs to place the meeting.
    return icalendar.Timezone.from_tzid(
        tzid,
        first_date=date(start.year - 1, 1, 1),
        last_date=date(end.year + 2, 1, 1),
    )


def build_invitation(
    *,
    uid: str,
    sequence: int,
    start: datetime,
    end: datetime,
    summary: str,
    organizer_email: str,
    attendees: Sequence[InviteAttendee],
    organizer_name: str | None = None,
    location: str | None = None,
    description: str | None = None,
    cancelled: bool = False,
    only_attendee: str | None = None,
    dtstamp: datetime | None = None,
    tzid: str = "Europe/London",
) -> bytes:
    """Return a VCALENDAR with METHOD:REQUEST (or METHOD:CANCEL and
    STATUS:CANCELLED when ``cancelled``) holding one VEVENT.

    ``only_attendee`` (an email) restricts ATTENDEE lines to that person, for
    per-participant sending where invitees should not see each other's replies.
    Times are written as local wall time with TZID plus a VTIMEZONE.
    """
    if not uid or not uid.strip():
        raise ValueError("uid is required (it must stay the same across updates)")
    if sequence < 0:
        raise ValueError("sequence must not be negative")
    start_utc, end_utc = to_utc(start), to_utc(end)
    if end_utc <= start_utc:
        raise ValueError("meeting must end after it starts")
    zone = ZoneInfo(tzid)

    selected = list(attendees)
    if only_attendee is not None:
        wanted = _mailto(only_attendee).lower()
        selected = [a for a in selected if _mailto(a.email).lower() == wanted]
        if not selected:
            raise ValueError(f"{only_attendee!r} is not an attendee of this meeting")

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    cal.add_component(_vtimezone(tzid, start_utc, end_utc))

    event = icalendar.Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", to_utc(dtstamp) if dtstamp else datetime.now(timezone.utc))
    event.add("dtstart", start_utc.astimezone(zone))
    event.add("dtend", end_utc.astimezone(zone))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")

    organizer = icalendar.vCalAddress(_mailto(organizer_email))
    if organizer_name:
        organizer.params["CN"] = organizer_name
    event.add("organizer", organizer)
    for a in selected:
        address = icalendar.vCalAddress(_mailto(a.email))
        address.params["CN"] = a.name
        address.params["CUTYPE"] = "INDIVIDUAL"
        address.params["ROLE"] = "REQ-PARTICIPANT" if a.required else "OPT-PARTICIPANT"
        address.params["PARTSTAT"] = a.partstat
        address.params["RSVP"] = "TRUE"
        event.add("attendee", address, encode=0)
    cal.add_component(event)
    return cal.to_ical()
