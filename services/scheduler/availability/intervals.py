"""Half-open time intervals and the interval arithmetic the slot finder is built on.

Everything is stored in UTC so that comparisons never depend on which zone a
diary was written in; local time (Europe/London) only matters when a person
reads a date, and that conversion happens at the edges (working_time, slots).

All set operations take and return *sorted, merged* lists and run as linear
sweeps, so a year of diaries costs O(n log n) once for sorting and O(n) after.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

T = TypeVar("T", bound=Any)

__all__ = [
    "Interval",
    "clip",
    "intersect",
    "intersect_pairs",
    "merge",
    "merge_pairs",
    "subtract",
    "subtract_pairs",
    "total_duration",
    "to_utc",
]


def to_utc(value: datetime) -> datetime:
    """Return an aware datetime in UTC; naive values are refused because their
    meaning depends on a zone nobody stated (a classic source of 1-hour bugs)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {value!r}")
    return value.astimezone(timezone.utc)


@dataclass(frozen=True, order=True, slots=True)
class Interval:
    """A half-open interval [start, end) of UTC time.

    Half-open so that back-to-back meetings (10:00-11:00, 11:00-12:00) do not
    overlap, while merge() still joins them into one busy block.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        start, end = to_utc(self.start), to_utc(self.end)
        if end < start:
            raise ValueError(f"interval ends before it starts: {start} > {end}")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def is_empty(self) -> bool:
        return self.end <= self.start

    def overlaps(self, other: Interval) -> bool:
        """True when the intervals share some positive length of time."""
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval) -> bool:
        return self.start <= other.start and other.end <= self.end

    def contains_instant(self, instant: datetime) -> bool:
        return self.start <= instant < self.end

    def expand(self, before: timedelta, after: timedelta | None = None) -> Interval:
        """Grow the interval on both sides (used for buffers around meetings)."""
        return Interval(self.start - before, self.end + (before if after is None else after))


def merge_pairs(pairs: Iterable[tuple[T, T]]) -> list[tuple[T, T]]:
    """merge() on plain (start, end) pairs of any ordered type (datetimes or
    epoch seconds); the slot finder uses ints for speed."""
    ordered = sorted(p for p in pairs if p[1] > p[0])
    if not ordered:
        return []
    out: list[tuple[T, T]] = []
    cur_start, cur_end = ordered[0]
    for start, end in ordered[1:]:
        if start <= cur_end:
            if end > cur_end:
                cur_end = end
        else:
            out.append((cur_start, cur_end))
            cur_start, cur_end = start, end
    out.append((cur_start, cur_end))
    return out


def subtract_pairs(base: Sequence[tuple[T, T]], remove: Sequence[tuple[T, T]]) -> list[tuple[T, T]]:
    """base minus remove, both sorted and merged. Two-pointer sweep: each pair
    of either list is visited a bounded number of times."""
    out: list[tuple[T, T]] = []
    j = 0
    n = len(remove)
    for b_start, b_end in base:
        cursor = b_start
        while j < n and remove[j][1] <= cursor:
            j += 1
        k = j
        while k < n and remove[k][0] < b_end:
            r_start, r_end = remove[k]
            if r_start > cursor:
                out.append((cursor, r_start))
            if r_end > cursor:
                cursor = r_end
            if cursor >= b_end:
                break
            k += 1
        if cursor < b_end:
            out.append((cursor, b_end))
    return out


def intersect_pairs(a: Sequence[tuple[T, T]], b: Sequence[tuple[T, T]]) -> list[tuple[T, T]]:
    """Intersection of two sorted, merged lists (two-pointer sweep)."""
    out: list[tuple[T, T]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = a[i][0] if a[i][0] > b[j][0] else b[j][0]
        end = a[i][1] if a[i][1] < b[j][1] else b[j][1]
        if start < end:
            out.append((start, end))
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _pairs(intervals: Iterable[Interval]) -> list[tuple[datetime, datetime]]:
    return [(i.start, i.end) for i in intervals]


def _intervals(pairs: Iterable[tuple[datetime, datetime]]) -> list[Interval]:
    return [Interval(s, e) for s, e in pairs]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and coalesce overlapping *or touching* intervals; drops empty ones.

    Touching intervals are joined because a slot can never fit in a zero-length gap.
    """
    return _intervals(merge_pairs(_pairs(intervals)))


def subtract(base: Sequence[Interval], remove: Sequence[Interval]) -> list[Interval]:
    """base minus remove; both must be sorted and merged (as merge() returns)."""
    return _intervals(subtract_pairs(_pairs(base), _pairs(remove)))


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """Intersection of two sorted, merged lists."""
    return _intervals(intersect_pairs(_pairs(a), _pairs(b)))


def clip(intervals: Iterable[Interval], window: Interval) -> list[Interval]:
    """Cut intervals to the window, dropping what falls wholly outside (order kept)."""
    out: list[Interval] = []
    for iv in intervals:
        start = max(iv.start, window.start)
        end = min(iv.end, window.end)
        if start < end:
            out.append(Interval(start, end))
    return out


def total_duration(intervals: Iterable[Interval]) -> timedelta:
    """Sum of durations (callers pass merged lists when they want covered time)."""
    return sum((i.duration for i in intervals), timedelta())
