"""Which publications an alert subscriber's next message covers. Pure rules, no I/O.

A subscriber has a frequency and a mark, `covered_until` (UTC): everything made public before
it has been dealt with. A message covers a *window* ``[start, end)`` of publication times
(`Publication.published_at`, the moment it became public, so a back-dated `published_on`
cannot fall into a period already sent):

* ``weekly``: ISO weeks, Monday 00:00 to Monday 00:00 Europe/London (so a week is 167 or 169
  hours across a clock change); ``monthly``: calendar months in Europe/London;
* ``immediate`` ("as published"): one window from the mark to the last safe instant.

A window is due once its end is ``grace`` in the past, so a publishing transaction that took
its timestamp before the end but committed after it is still seen. Windows follow each other
from the mark with no gap and no overlap, and the caller advances the mark to the window's end
in the same transaction as it stages the message; a run that stops (or a worker restart) and
a later run therefore produce exactly the windows one uninterrupted run would.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from shared.clock import LONDON
FREQUENCIES = ("immediate", "weekly", "monthly")


@dataclass(frozen=True)
class Window:
    key: str          # stable name of the period: "2026-W49", "2026-12", or the window's end for immediate
    start: datetime   # inclusive, UTC
    end: datetime     # exclusive, UTC

    def holds(self, instant: datetime) -> bool:
        return self.start <= instant < self.end


def _midnight(day: date) -> datetime:
    """00:00 Europe/London on `day`, as UTC."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def _calendar_period(frequency: str, instant: datetime) -> tuple[str, datetime, datetime]:
    """The calendar period (weekly or monthly) that contains `instant`."""
    local = instant.astimezone(LONDON).date()
    if frequency == "weekly":
        monday = local - timedelta(days=local.weekday())
        year, week, _ = monday.isocalendar()
        return f"{year}-W{week:02d}", _midnight(monday), _midnight(monday + timedelta(days=7))
    if frequency == "monthly":
        first = local.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return f"{first:%Y-%m}", _midnight(first), _midnight(following)
    raise ValueError(f"not a calendar frequency: {frequency}")


def due_windows(frequency: str, covered_until: datetime, now: datetime,
                grace: timedelta = timedelta(minutes=5), limit: int = 24) -> list[Window]:
    """The windows due now, oldest first, starting exactly at `covered_until`. The first
    calendar window is the rest of the period that holds the mark; at most `limit` windows
    (a worker that was down for long catches up over a few runs, still none skipped)."""
    if covered_until.tzinfo is None or now.tzinfo is None:
        raise ValueError("aware datetimes required")
    covered_until, safe = covered_until.astimezone(UTC), (now - grace).astimezone(UTC)
    if frequency == "immediate":
        if safe <= covered_until:
            return []
        return [Window(key=f"until-{safe.isoformat()}", start=covered_until, end=safe)]
    windows: list[Window] = []
    start = covered_until
    while len(windows) < limit:
        key, _, end = _calendar_period(frequency, start)
        if end > safe:
            break
        windows.append(Window(key=key, start=start, end=end))
        start = end
    return windows


def window_key(frequency: str, covered_until: datetime) -> str:
    """The name of the period a subscriber's next calendar message will cover."""
    if frequency == "immediate":
        return "immediate"
    return _calendar_period(frequency, covered_until)[0]
