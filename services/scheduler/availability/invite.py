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
from datetime import datetime, timedelta, timezone
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


def _transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, timedelta, timedelta]]:
    """UTC instants in [start, end) where the zone's offset changes: (instant, before, after).
    Found from zoneinfo itself (daily steps, then bisection to the second)."""
    found = []
    t, step = start, timedelta(days=1)
    before = t.astimezone(zone).utcoffset()
    while t < end:
        nxt = min(t + step, end)
        after = nxt.astimezone(zone).utcoffset()
        if after != before:
            lo, hi = t, nxt  # offset(lo) == before, offset(hi) != before
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(zone).utcoffset() == before:
                    lo = mid
                else:
                    hi = mid
            hi = hi.replace(microsecond=0)
            found.append((hi, before, hi.astimezone(zone).utcoffset()))
            before = after
        t = nxt
    return found


def vtimezone(tzid: str, first_year: int, last_year: int) -> icalendar.Timezone:
    """A VTIMEZONE for `tzid` covering the years first_year..last_year, built from zoneinfo.

    Each observance's DTSTART is the local time *before* the change, in its TZOFFSETFROM
    (RFC 5545 3.6.5): for Europe/London BST starts at T010000 (+0000) and GMT at T020000
    (+0100). icalendar's `Timezone.from_tzid` wrote BST's start as T020000, an hour late, so
    ical.js and libical placed instants in that hour in GMT (issue 9)."""
    zone = ZoneInfo(tzid)
    start = datetime(first_year, 1, 1, tzinfo=timezone.utc)
    end = datetime(last_year + 1, 1, 1, tzinfo=timezone.utc)
    tz = icalendar.Timezone()
    tz.add("tzid", tzid)
    groups: dict[tuple, list[datetime]] = {}
    # What the clocks show when the window opens, so no instant in it falls before every DTSTART.
    opening = start.astimezone(zone)
    groups[("DAYLIGHT" if opening.dst() else "STANDARD", opening.utcoffset(), opening.utcoffset(),
            opening.tzname())] = [opening.replace(tzinfo=None)]
    for instant, before, after in _transitions(zone, start, end):
        local = instant.astimezone(zone)
        kind = "DAYLIGHT" if local.dst() else "STANDARD"
        wall_before = (instant + before).replace(tzinfo=None)
        groups.setdefault((kind, before, after, local.tzname()), []).append(wall_before)
    for (kind, before, after, name), starts in sorted(groups.items(), key=lambda kv: kv[1][0]):
        part = icalendar.TimezoneDaylight() if kind == "DAYLIGHT" else icalendar.TimezoneStandard()
        part.add("dtstart", starts[0])
        if len(starts) > 1:
            part.add("rdate", starts[1:])
        part.add("tzoffsetfrom", before)
        part.add("tzoffsetto", after)
        if name:
            part.add("tzname", name)
        tz.add_component(part)
    return tz


def _ambiguous(local: datetime) -> bool:
    """A wall time the clocks show twice (the repeated autumn hour): with a TZID it names two
    instants, and parsers disagree which (issue 9)."""
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


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
    Times are written as local wall time with TZID plus a VTIMEZONE (`vtimezone`), except
    when either falls in the repeated autumn hour: then both are written in UTC, the one
    reading every client agrees on.
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
    local_start, local_end = start_utc.astimezone(zone), end_utc.astimezone(zone)
    in_utc = _ambiguous(local_start) or _ambiguous(local_end)
    if not in_utc:
        # Only the years around the meeting: small, and still covers the changes a client needs.
        cal.add_component(vtimezone(tzid, start_utc.year - 1, end_utc.year + 1))

    event = icalendar.Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", to_utc(dtstamp) if dtstamp else datetime.now(timezone.utc))
    event.add("dtstart", start_utc if in_utc else local_start)
    event.add("dtend", end_utc if in_utc else local_end)
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
