"""Working time of a participant, as UTC intervals, computed in their own zone.

Working hours are a person's wall-clock habit ("09:00-17:00 in London"), so they
are laid out day by day in the participant's IANA zone and only then converted
to UTC. That is what makes the clock changes right: 09:00 London is 09:00Z in
winter and 08:00Z in summer. Welsh bank holidays are never working time; the
calendar is injectable so tests, boards with local closure days, or a future
non-Welsh board can supply their own.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from .intervals import Interval, clip, merge, to_utc

__all__ = [
    "DEFAULT_TZ",
    "WEEKDAY_NAMES",
    "HolidayCalendar",
    "WorkingHours",
    "welsh_bank_holidays",
    "working_intervals",
]

DEFAULT_TZ = "Europe/London"
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Anything that answers ``some_date in calendar`` (a set of dates, a
#: ``holidays.HolidayBase``, or a custom object) is a holiday calendar.
HolidayCalendar = Container[date]

TimeRange = tuple[time, time]


def _parse_time(value: time | str) -> time:
    if isinstance(value, time):
        return value
    if value in ("24:00", "24:00:00"):
        return time(0, 0)
    return time.fromisoformat(value)


@dataclass(frozen=True)
class WorkingHours:
    """Working periods per weekday, Monday first (index 0) to Sunday (index 6).

    An end of 00:00 means midnight at the end of the day ("24:00"), so a period
    never wraps past midnight; night workers give two periods on two days.
    """

    days: tuple[tuple[TimeRange, ...], ...] = field(
        default_factory=lambda: tuple(((time(9), time(17)),) if d < 5 else () for d in range(7))
    )

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError("WorkingHours needs exactly 7 weekdays (Mon..Sun)")
        for day in self.days:
            for start, end in day:
                if end != time(0) and end <= start:
                    raise ValueError(f"working period ends before it starts: {start}-{end}")

    @classmethod
    def default(cls) -> WorkingHours:
        """Monday to Friday 09:00-17:00."""
        return cls()

    @classmethod
    def from_mapping(
        cls, mapping: Mapping[str | int, Iterable[tuple[time | str, time | str]]]
    ) -> WorkingHours:
        """Build from {"mon": [("09:00", "12:30"), ("13:30", "17:00")], ...}.

        Keys are weekday names (mon..sun, any case, full names accepted) or
        0..6; missing days are non-working. Strings make it easy to store in
        JSON configuration.
        """
        days: list[tuple[TimeRange, ...]] = [() for _ in range(7)]
        for key, periods in mapping.items():
            if isinstance(key, int):
                index = key
            else:
                name = key.strip().lower()[:3]
                if name not in WEEKDAY_NAMES:
                    raise ValueError(f"unknown weekday {key!r}")
                index = WEEKDAY_NAMES.index(name)
            if not 0 <= index <= 6:
                raise ValueError(f"weekday index out of range: {index}")
            days[index] = tuple(sorted((_parse_time(s), _parse_time(e)) for s, e in periods))
        return cls(tuple(days))

    def periods_on(self, weekday: int) -> Sequence[TimeRange]:
        return self.days[weekday]


@lru_cache(maxsize=64)
def _welsh_years(years: tuple[int, ...]) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="WLS", years=years)


def welsh_bank_holidays(years: Iterable[int]) -> HolidayCalendar:
    """Bank holidays in Wales (England-and-Wales list incl. substitute days and
    one-off ones such as coronations), from the ``holidays`` package.

    St David's Day (1 March) is *not* a bank holiday and is not in this list.
    """
    return _welsh_years(tuple(sorted(set(years))))


def working_intervals(
    window_start: datetime,
    window_end: datetime,
    hours: WorkingHours | None = None,
    tz: str | ZoneInfo = DEFAULT_TZ,
    bank_holidays: HolidayCalendar | Callable[[Iterable[int]], HolidayCalendar] | None = None,
    non_working_dates: Iterable[date] = (),
) -> list[Interval]:
    """A participant's working time within [window_start, window_end), in UTC.

    Each local date in the window gets the weekday's periods in ``tz``; bank
    holidays and ``non_working_dates`` (e.g. a personal non-working day) get
    none. ``bank_holidays`` is a date container, or a factory taking the years
    in the window; default: Welsh bank holidays. Pass ``set()`` for none.
    """
    hours = hours or WorkingHours.default()
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    window = Interval(to_utc(window_start), to_utc(window_end))
    first_day = window.start.astimezone(zone).date() - timedelta(days=1)
    last_day = window.end.astimezone(zone).date() + timedelta(days=1)

    if bank_holidays is None:
        bank_holidays = welsh_bank_holidays
    if callable(bank_holidays) and not isinstance(bank_holidays, Container):
        calendar: Container[date] = bank_holidays(range(first_day.year, last_day.year + 1))
    else:
        calendar = bank_holidays  # type: ignore[assignment]
    closed = set(non_working_dates)

    out: list[Interval] = []
    day = first_day
    one_day = timedelta(days=1)
    while day <= last_day:
        periods = hours.days[day.weekday()]
        if periods and day not in closed and day not in calendar:
            for start_t, end_t in periods:
                start = datetime.combine(day, start_t, zone)
                end_day = day + one_day if end_t == time(0) else day
                end = datetime.combine(end_day, end_t, zone)
                out.append(Interval(start, end))
        day += one_day
    return clip(merge(out), window)
