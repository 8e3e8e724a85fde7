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

The expansion's own cost is bounded, for uploads and feeds alike: SECONDLY rules
and MINUTELY ones more often than every 15 minutes are refused; every rule is
expanded lazily (the occurrence limit stops it, not the end of the window), no
further than a year past the window, and charged to a work budget
(MAX_EXPANSION_STEPS, with a CPU-time backstop). Over any of them the diary is
refused with CalendarTooLargeError. The service calls parse_busy_sandboxed, which
runs all of it in a child process with CPU, memory and wall-clock limits.
"""

from __future__ import annotations

import time as _time
import types
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from dateutil import rrule as _dateutil_rrule

from shared import sandbox

from .intervals import Interval, to_utc

__all__ = [
    "BUSY_KINDS",
    "DEFAULT_MAX_OCCURRENCES",
    "MAX_EXPANSION_STEPS",
    "MIN_MINUTELY_INTERVAL",
    "BusyInterval",
    "BusyKind",
    "CalendarParseError",
    "CalendarTooLargeError",
    "CalendarWorkBudgetError",
    "parse_busy",
    "parse_busy_sandboxed",
]

BusyKind = Literal["busy", "tentative", "out_of_office"]
BUSY_KINDS: tuple[str, ...] = ("busy", "tentative", "out_of_office")

#: Enough for a year of a very full diary; a runaway RRULE (FREQ=MINUTELY)
#: stops here instead of exhausting the server.
DEFAULT_MAX_OCCURRENCES = 20_000

#: The work a diary's repeating events may cost, in units of what dateutil does
#: while expanding them from each event's DTSTART: 24 per period examined (a day,
#: week, month, year, hour or quarter-hour) plus one per candidate day in it, and
#: 64 per date a rule yields. A daily event started ten years ago costs about
#: 350,000, a weekly one 60,000; the budget is under a second of CPU.
MAX_EXPANSION_STEPS = 12_000_000
#: A second backstop, in CPU seconds of the expanding thread, for costs the step
#: count does not see.
EXPANSION_CPU_SECONDS = 1.5
#: No diary repeats a busy entry more often than this; SECONDLY is never accepted.
MIN_MINUTELY_INTERVAL = 15

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
    """Expanding recurrences would produce more occurrences, or cost more work,
    than allowed."""


class CalendarWorkBudgetError(CalendarTooLargeError):
    """The expansion would cost more work (or CPU time) than its budget."""


class _Meter:
    """Counts the expansion work of one diary and stops it at the budget.

    ``horizon``: no rule is expanded past this date. dateutil stops a rule at its
    first occurrence after the queried span, so a rule that never matches
    (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30) would be examined until year 9999.
    """

    def __init__(self, budget: int, cpu_seconds: float, horizon: date | None = None) -> None:
        self.budget, self.steps, self.horizon = budget, 0, horizon
        self._cpu_deadline = _time.thread_time() + cpu_seconds
        self._next_clock = 1 << 16

    def charge(self, units: int) -> None:
        self.steps += units
        if self.steps > self.budget:
            raise CalendarWorkBudgetError(
                "The calendar's repeating events take too much work to expand (a rule that "
                "repeats very often or started long ago); send a shorter export or a free/busy export instead.")
        if self.steps >= self._next_clock:
            self._next_clock = self.steps + (1 << 16)
            if _time.thread_time() > self._cpu_deadline:
                raise CalendarWorkBudgetError(
                    "The calendar's repeating events take too long to expand; send a free/busy export instead.")


class _PastHorizon(Exception):
    """Raised inside dateutil's loop to end a rule's expansion at the meter's horizon."""


# Work units of one turn of dateutil's loop: a fixed cost plus one per candidate day
# (measured: a unit is 0.05-0.1 us of CPU for every frequency).
_STEP_UNITS = 24
# ... and of each date a rule yields (made, cached, compared: about 4 us).
_YIELD_UNITS = 64


class _MeteredIterInfo(_dateutil_rrule._iterinfo):
    """dateutil's per-rule iteration state, charging the rule's meter for every
    period it examines (each call below is one turn of rrule._iter's loop) and
    ending the rule at the horizon. No __slots__ of its own: _iterinfo.__init__
    walks self.__slots__."""

    def _charge(self, result, past: bool):
        meter = self.rrule._cpr_meter
        if past:
            raise _PastHorizon
        _dset, start, end = result
        meter.charge(_STEP_UNITS + max(0, end - start))
        return result

    def _past(self, year: int, month: int, day: int, unit: str) -> bool:
        horizon = self.rrule._cpr_meter.horizon
        if horizon is None:
            return False
        if unit == "year":
            return year > horizon.year
        if unit == "month":
            return (year, month) > (horizon.year, horizon.month)
        return date(year, month, day) > horizon

    def ydayset(self, year, month, day):
        return self._charge(super().ydayset(year, month, day), self._past(year, month, day, "year"))

    def mdayset(self, year, month, day):
        return self._charge(super().mdayset(year, month, day), self._past(year, month, day, "month"))

    def wdayset(self, year, month, day):
        return self._charge(super().wdayset(year, month, day), self._past(year, month, day, "day"))

    def ddayset(self, year, month, day):
        return self._charge(super().ddayset(year, month, day), self._past(year, month, day, "day"))


# rrule._iter with _MeteredIterInfo in place of _iterinfo (same code, other globals).
_metered_iter = types.FunctionType(
    _dateutil_rrule.rrule._iter.__code__,
    {**_dateutil_rrule.__dict__, "_iterinfo": _MeteredIterInfo},
    "_iter", _dateutil_rrule.rrule._iter.__defaults__, _dateutil_rrule.rrule._iter.__closure__)


def _bounded_iter(self):
    """The rule's occurrences up to the meter's horizon, as if it had that UNTIL."""
    total = 0
    try:
        for d in _metered_iter(self):
            total += 1
            self._cpr_meter.charge(_YIELD_UNITS)
            yield d
    except _PastHorizon:
        self._len = total  # as dateutil's own _iter does when it ends (its cache reads it)


def _horizon(window_end: datetime) -> date:
    return (to_utc(window_end) + timedelta(days=366)).date()


def _lazy_between(self, after, before, inc=False, count=1):
    """rrule.between as a generator: dateutil's builds the whole list first, so a
    MINUTELY rule would be expanded over the window before the limit is seen."""
    for d in self:
        if d > before or (not inc and d == before):
            return
        if d > after or (inc and d == after):
            yield d


def _meter_series(series, meter: _Meter) -> None:
    """Refuse sub-minute and near-continuous rules, and make every rule of `series`
    expand lazily and charge `meter`. Relies on recurring_ical_events/dateutil
    internals; if they change, the diary is refused rather than expanded unbounded."""
    recurrence = getattr(series, "recurrence", None)
    if not getattr(recurrence, "has_core", False):
        return  # modifications only: no rule to expand
    rules = getattr(recurrence, "rrules", None)
    if not isinstance(rules, list):
        raise CalendarParseError("Could not expand the calendar's events safely.")
    for rule in rules:
        if isinstance(rule, _dateutil_rrule.rruleset):
            if rule._rrule or rule._exrule:  # only RDATEs are expected here
                raise CalendarParseError("Could not expand the calendar's events safely.")
            continue
        if not isinstance(rule, _dateutil_rrule.rrule):
            raise CalendarParseError("Could not expand the calendar's events safely.")
        if rule._freq == _dateutil_rrule.SECONDLY:
            raise CalendarTooLargeError("The calendar has an event repeating every few seconds (FREQ=SECONDLY), "
                                        "which no diary needs; remove it or send a free/busy export.")
        if rule._freq == _dateutil_rrule.MINUTELY and rule._interval < MIN_MINUTELY_INTERVAL:
            raise CalendarTooLargeError(f"The calendar has an event repeating more often than every "
                                        f"{MIN_MINUTELY_INTERVAL} minutes; remove it or send a free/busy export.")
        rule._cpr_meter = meter
        rule._iter = types.MethodType(_bounded_iter, rule)
        rule.between = types.MethodType(_lazy_between, rule)
        rule._invalidate_cache()  # the cache's generator was made from the unmetered _iter


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
    max_steps: int = MAX_EXPANSION_STEPS,
    meter: _Meter | None = None,
) -> list[BusyInterval]:
    """Busy intervals of a diary within [window_start, window_end), clipped to it.

    Raises CalendarParseError for a body that is not iCalendar (or has broken
    dates/rules) and CalendarTooLargeError when more than ``max_occurrences``
    occurrences (of any status) fall in the window, when expanding them would
    cost more than ``max_steps`` (see MAX_EXPANSION_STEPS) or when a rule repeats
    every few seconds or minutes. The result is sorted by start; intervals of
    different kinds may overlap (slots.py merges per kind). ``meter`` is for
    tests, to read the work done.
    """
    # Rules are expanded no further than a year past the window: beyond any event's
    # length, and where a rule that never matches stops costing.
    meter = meter if meter is not None else _Meter(max_steps, EXPANSION_CPU_SECONDS, _horizon(window_end))
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
                _meter_series(series, meter)
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


#: What parse_busy_sandboxed first tries in the service's own process: a diary this small and
#: this cheap (about 0.1 s) costs less than starting a child (about 0.3 s of CPU).
IN_PROCESS_MAX_BYTES = 200_000
IN_PROCESS_STEPS = 1_000_000
IN_PROCESS_CPU_SECONDS = 0.15
#: The child process's limits for parse_busy_sandboxed (the work budget above ends first).
SANDBOX_CPU_SECONDS = 4.0
SANDBOX_WALL_SECONDS = 15.0
SANDBOX_MEMORY_BYTES = 384_000_000


def parse_busy_sandboxed(body: str | bytes, window_start: datetime, window_end: datetime,
                         tz: str | ZoneInfo = "Europe/London") -> list[BusyInterval]:
    """parse_busy in a child process (shared/sandbox.py), as the service calls it for uploads and
    feeds: even a diary at the work budget costs the API no CPU time under its GIL and no memory
    (measured: six uploads at once of an hourly rule since 1970 took other callers' p99 to 11x
    when parsed in the API process). Same result and errors as parse_busy.

    A small diary is first expanded here under a tenth of the work budget: most diaries, and
    the rules refused outright (SECONDLY, MINUTELY, over the occurrence limit), end there;
    only one that runs out of that budget is expanded again in the child under the full one."""
    if len(body) <= IN_PROCESS_MAX_BYTES:
        meter = _Meter(IN_PROCESS_STEPS, IN_PROCESS_CPU_SECONDS, _horizon(window_end))
        try:
            return parse_busy(body, window_start, window_end, tz=tz, meter=meter)
        except CalendarWorkBudgetError:
            pass
    try:
        rows = sandbox.run_limited(
            _parse_busy_rows, body, window_start.isoformat(), window_end.isoformat(), str(tz),
            cpu_seconds=SANDBOX_CPU_SECONDS, wall_seconds=SANDBOX_WALL_SECONDS, memory_bytes=SANDBOX_MEMORY_BYTES,
            errors=(CalendarParseError, CalendarTooLargeError, CalendarWorkBudgetError))
    except sandbox.LimitExceeded:
        raise CalendarTooLargeError("The calendar takes too long or too much memory to expand; "
                                    "send a shorter export or a free/busy export instead.") from None
    return [BusyInterval(datetime.fromisoformat(s), datetime.fromisoformat(e), k) for s, e, k in rows]


def _parse_busy_rows(body: str | bytes, start: str, end: str, tz: str) -> list[tuple[str, str, str]]:
    """In the child: parse_busy, as JSON-able rows."""
    return [(b.start.isoformat(), b.end.isoformat(), b.kind)
            for b in parse_busy(body, datetime.fromisoformat(start), datetime.fromisoformat(end), tz=tz)]


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
