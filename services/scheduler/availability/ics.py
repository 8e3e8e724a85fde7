"""Turn an iCalendar (text/calendar) diary into busy intervals.

Participants' diaries arrive as exported ICS files or free/busy replies from
Outlook, Google or NHSmail. Only *when* someone is unavailable and *how firmly*
matters here, so summaries, descriptions and attendees are never kept (they can
hold personal details about families).

Rules, in order, for each VEVENT occurrence (after RRULE/RDATE/EXDATE and
RECURRENCE-ID overrides are expanded by ``recurring_ical_events``):

1. ``STATUS:CANCELLED`` -> ignored.
2. ``X-MICROSOFT-CDO-BUSYSTATUS`` present -> it decides, because Outlook writes
   it as the user's own "show as" choice: FREE / WORKINGELSEWHERE -> ignored,
   TENTATIVE -> tentative, OOF -> out_of_office, BUSY -> busy.
3. ``TRANSP:TRANSPARENT`` -> ignored (the event does not block time).
4. ``STATUS:TENTATIVE`` -> tentative, otherwise busy.

All-day (DATE) events block whole local days in ``tz``; floating times (and
times in a TZID that is neither IANA, a Windows zone name nor defined by a
VTIMEZONE in the file) are read in ``tz``. VFREEBUSY ``FREEBUSY`` periods map
FBTYPE BUSY -> busy, BUSY-TENTATIVE -> tentative, BUSY-UNAVAILABLE ->
out_of_office, FREE -> ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from .intervals import Interval, to_utc

__all__ = [
    "BUSY_KINDS",
    "DEFAULT_MAX_OCCURRENCES",
    "BusyInterval",
    "BusyKind",
    "CalendarParseError",
    "CalendarTooLargeError",
    "parse_busy",
]

BusyKind = Literal["busy", "tentative", "out_of_office"]
BUSY_KINDS: tuple[str, ...] = ("busy", "tentative", "out_of_office")

#: Enough for a year of a very full diary; a runaway RRULE (FREQ=MINUTELY)
#: stops here instead of exhausting the server.
DEFAULT_MAX_OCCURRENCES = 20_000

_CDO_KINDS: dict[str, BusyKind | None] = {
    "FREE": None,
    "WORKINGELSEWHERE": None,
    "TENTATIVE": "tentative",
    "OOF": "out_of_office",
    "BUSY": "busy",
}
_FBTYPE_KINDS: dict[str, BusyKind | None] = {
    "FREE": None,
    "BUSY": "busy",
    "BUSY-TENTATIVE": "tentative",
    "BUSY-UNAVAILABLE": "out_of_office",
}
# Properties whose parse failure makes the timing of an event unknowable.
_TIMING_PROPERTIES = {"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"}


class CalendarParseError(ValueError):
    """The body is not a usable iCalendar diary; the message says why (safe to
    show to the person who uploaded it)."""


class CalendarTooLargeError(CalendarParseError):
    """Expanding recurrences would produce more occurrences than allowed."""


@dataclass(frozen=True, slots=True)
class BusyInterval:
    """A period when a participant is not (or not surely) available."""

    start: datetime
    end: datetime
    kind: BusyKind = "busy"

    def __post_init__(self) -> None:
        if self.kind not in BUSY_KINDS:
            raise ValueError(f"unknown busy kind {self.kind!r}; expected one of {BUSY_KINDS}")
        start, end = to_utc(self.start), to_utc(self.end)
        if end < start:
            raise ValueError(f"busy interval ends before it starts: {start} > {end}")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @property
    def interval(self) -> Interval:
        return Interval(self.start, self.end)


def _to_aware(value: date | datetime, zone: ZoneInfo) -> datetime:
    """DATE -> local midnight in zone; floating datetime -> read in zone."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return value.replace(tzinfo=zone)
        return value
    return datetime.combine(value, time(0), zone)


def _event_kind(component: icalendar.cal.Component) -> BusyKind | None:
    status = str(component.get("STATUS", "")).strip().upper()
    if status == "CANCELLED":
        return None
    cdo = component.get("X-MICROSOFT-CDO-BUSYSTATUS")
    if cdo is not None:
        key = str(cdo).strip().upper()
        if key in _CDO_KINDS:
            return _CDO_KINDS[key]
    if str(component.get("TRANSP", "OPAQUE")).strip().upper() == "TRANSPARENT":
        return None
    if status == "TENTATIVE":
        return "tentative"
    return "busy"


def _load(body: str | bytes) -> list[icalendar.Calendar]:
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not body or not body.strip():
        raise CalendarParseError("The calendar is empty.")
    try:
        calendars = icalendar.Calendar.from_ical(body, multiple=True)
    except Exception as exc:  # icalendar raises ValueError and friends
        raise CalendarParseError(f"Not a valid iCalendar file: {exc}") from exc
    calendars = [c for c in calendars if c.name == "VCALENDAR"]
    if not calendars:
        raise CalendarParseError("Not a valid iCalendar file: no VCALENDAR found.")
    for cal in calendars:
        for component in cal.walk():
            for prop, message in getattr(component, "errors", []) or []:
                if prop in _TIMING_PROPERTIES:
                    uid = component.get("UID", "without UID")
                    raise CalendarParseError(f"{component.name} {uid}: invalid {prop} ({message}).")
    return calendars


def parse_busy(
    body: str | bytes,
    window_start: datetime,
    window_end: datetime,
    tz: str | ZoneInfo = "Europe/London",
    max_occurrences: int = DEFAULT_MAX_OCCURRENCES,
) -> list[BusyInterval]:
    """Busy intervals of a diary within [window_start, window_end), clipped to it.

    Raises CalendarParseError for a body that is not iCalendar (or has broken
    dates/rules) and CalendarTooLargeError when more than ``max_occurrences``
    occurrences (of any status) fall in the window. The result is sorted by
    start; intervals of different kinds may overlap (slots.py merges per kind).
    """
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    window = Interval(to_utc(window_start), to_utc(window_end))
    calendars = _load(body)
    # Floating and all-day values are only placed in time after conversion, so
    # ask the library for a day more on each side and clip precisely afterwards.
    query_start = window.start - timedelta(days=1)
    query_end = window.end + timedelta(days=1)

    out: list[BusyInterval] = []
    in_window = 0
    expanded = 0
    last_day = (window.end - timedelta(microseconds=1)).date()

    def too_large() -> CalendarTooLargeError:
        return CalendarTooLargeError(
            f"The calendar has more than {max_occurrences} events (after repeating "
            f"events are expanded) between {window.start.date()} and {last_day}; "
            "send a shorter date range or a free/busy export instead."
        )

    def add(start: date | datetime, end: date | datetime, kind: BusyKind | None) -> None:
        # Every occurrence costs expansion work, including cancelled or free ones
        # and those in the one-day margins, so all are counted: those in the
        # window against the limit, all of them against a looser backstop.
        nonlocal in_window, expanded
        expanded += 1
        if expanded > 4 * max_occurrences:
            raise too_large()
        s = to_utc(_to_aware(start, zone))
        e = to_utc(_to_aware(end, zone))
        s, e = max(s, window.start), min(e, window.end)
        if s < e or (s == e and window.start < s < window.end):
            in_window += 1
            if in_window > max_occurrences:
                raise too_large()
        if s < e and kind is not None:
            out.append(BusyInterval(s, e, kind))

    for cal in calendars:
        try:
            query = recurring_ical_events.of(cal)
            for series in query.series:
                for occurrence in series.between(query_start, query_end):
                    adapter = getattr(occurrence, "_adapter", None)
                    component = getattr(adapter, "_component", None)
                    if component is None:  # library internals changed: slower public path
                        component = occurrence.as_component(False)
                    start, end = occurrence.start, occurrence.end
                    if not isinstance(start, datetime) and end <= start:
                        end = start + timedelta(days=1)  # all-day without DTEND: one day
                    add(start, end, _event_kind(component))
        except CalendarParseError:
            raise
        except Exception as exc:  # bad RRULE, mixed date types, unknown TZID...
            raise CalendarParseError(f"Could not expand the calendar's events: {exc}") from exc

        for fb in cal.walk("VFREEBUSY"):
            for start, end, kind in _freebusy_periods(fb):
                add(start, end, kind)

    out.sort(key=lambda b: (b.start, b.end))
    return out


def _freebusy_periods(component: icalendar.cal.Component):
    """Yield (start, end, kind) for each FREEBUSY period, both period forms."""
    values = component.get("FREEBUSY")
    if values is None:
        return
    if not isinstance(values, list):
        values = [values]
    for prop in values:
        fbtype = str(prop.params.get("FBTYPE", "BUSY")).strip().upper()
        # Unknown x-name types are treated as BUSY, as RFC 5545 3.2.9 requires.
        kind = _FBTYPE_KINDS.get(fbtype, "busy")
        if kind is None:
            continue
        periods = prop.dt if isinstance(prop.dt, list) else [prop.dt]
        for period in periods:
            try:
                start, second = period
            except (TypeError, ValueError) as exc:
                raise CalendarParseError(f"VFREEBUSY: invalid FREEBUSY period {period!r}.") from exc
            end = start + second if isinstance(second, timedelta) else second
            if not isinstance(start, datetime) or not isinstance(end, datetime):
                raise CalendarParseError(f"VFREEBUSY: FREEBUSY period needs date-times: {period!r}.")
            if end < start:
                raise CalendarParseError(f"VFREEBUSY: FREEBUSY period ends before it starts: {period!r}.")
            yield start, end, kind
