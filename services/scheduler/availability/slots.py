"""Propose meeting slots (panel meetings, Learning Events) from participants' diaries.

Why this shape: key professionals missing Learning Events is one of the review
findings, so the finder must never propose a time a *required* attendee cannot
make, must explain every proposal and every "no proposal" in plain words, and
must be fast enough to re-run whenever someone drops out.

Rules
-----
* A required attendee must, for the whole slot, be inside working time and not
  ``busy`` or ``out_of_office`` (each busy interval of any kind is widened by
  ``buffer_minutes`` on both sides). A ``tentative`` entry does *not* exclude a
  slot (tentative holds are often soft bookings that get moved) but counts as a
  tentative conflict, which lowers rank and confidence.
* An optional attendee "can attend" when they would be ``free`` or ``tentative``
  by the same test. ``min_optional_attendance`` is the share of optional
  attendees who must be able to attend. With no required attendees at all, at
  least one attendee must be able to attend.
* Slots never touch a Saturday or Sunday in ``tz`` (unless ``allow_weekends``);
  bank holidays are already absent from working time (see working_time.py).
* Slot starts lie on a grid: local wall-clock times (in ``tz``) that are whole
  multiples of ``granularity_minutes`` after local midnight, i.e. 09:00, 09:30...
  in both GMT and BST. The first start is the window start rounded up to that grid.
* Ranking: more optional attendees able to attend, then fewer tentative
  conflicts (required and optional), then earlier. Suggestions are spread over
  days: at most one per local day first, a second on a day only when days run
  out, and suggestions never overlap each other.

How: every diary is turned into merged integer (epoch-second) intervals; the
required attendees' available time is intersected by two-pointer sweeps; each
interval [a, b) becomes the closed range of feasible *starts* [a, b - duration];
grid points are generated only inside those ranges; and per-candidate counts of
optional attendees are range-coverage counts answered by binary search over the
sorted range ends. Cost is O(n log n) in diary entries plus O(c log n) in
candidate starts, independent of minutes in the window.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Literal
from zoneinfo import ZoneInfo

from .ics import BusyInterval
from .intervals import Interval, intersect_pairs, merge_pairs, subtract_pairs, to_utc
from .working_time import DEFAULT_TZ

__all__ = [
    "AVAILABILITY_STATES",
    "TENTATIVE_ATTENDANCE_PROBABILITY",
    "Attendee",
    "Availability",
    "Proposal",
    "Suggestion",
    "availability_at",
    "evaluate_slot",
    "propose_slots",
]

Availability = Literal["free", "tentative", "busy", "out_of_office", "outside_working_hours"]
AVAILABILITY_STATES: tuple[str, ...] = (
    "free",
    "tentative",
    "busy",
    "out_of_office",
    "outside_working_hours",
)

#: Chance we assume a person with a tentative hold still attends (used in confidence).
TENTATIVE_ATTENDANCE_PROBABILITY = 0.5
#: Share of confidence that depends on optional attendees (the rest on required ones).
OPTIONAL_WEIGHT = 0.25

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
Pair = tuple[int, int]


@dataclass(frozen=True)
class Attendee:
    """One invitee: working time and busy periods already resolved to UTC
    (working_time.working_intervals and ics.parse_busy produce them)."""

    id: str
    name: str
    required: bool = True
    working: Sequence[Interval] = ()
    busy: Sequence[BusyInterval] = ()

    def __post_init__(self) -> None:
        # Types are checked once here so the hot path can trust them to be UTC-aware.
        working, busy = tuple(self.working), tuple(self.busy)
        if not all(isinstance(i, Interval) for i in working):
            raise TypeError(f"{self.id}: working must be Interval objects")
        if not all(isinstance(b, BusyInterval) for b in busy):
            raise TypeError(f"{self.id}: busy must be BusyInterval objects")
        object.__setattr__(self, "working", working)
        object.__setattr__(self, "busy", busy)


@dataclass(frozen=True)
class Suggestion:
    """A proposed slot, with why it was chosen.

    ``confidence`` estimates how likely the meeting goes ahead with everyone
    who can come: required_part * ((1 - w) + w * optional_part), w = 0.25, where
    required_part is the product over required attendees of 1 (free) or 0.5
    (tentative), and optional_part is the mean over optional attendees of 1
    (free), 0.5 (tentative) or 0 (cannot attend), 1 when there are none.
    So 1.0 = every invitee free; one required tentative halves it.
    """

    start: datetime
    end: datetime
    confidence: float
    availability: dict[str, Availability]
    reason: str
    rank: int
    required_free: int
    optional_available: int
    optional_free: int
    tentative_conflicts: int


@dataclass(frozen=True)
class Proposal:
    """Suggestions best first, or none and ``empty_reason`` naming the blocker."""

    suggestions: tuple[Suggestion, ...] = ()
    empty_reason: str | None = None

    def __bool__(self) -> bool:
        return bool(self.suggestions)


@dataclass
class _Prepared:
    attendee: Attendee
    working: list[Pair]
    busy: list[Pair]
    oof: list[Pair]
    tentative: list[Pair]
    soft: list[Pair] = field(default_factory=list)  # can attend (maybe tentatively)
    free: list[Pair] = field(default_factory=list)  # can attend, no conflict at all


# ---------------------------------------------------------------- time helpers


# Interval and BusyInterval already guarantee aware UTC datetimes, so these skip
# re-validation: they run for every diary entry on every proposal.
def _floor_ts(value: datetime) -> int:
    return math.floor(value.timestamp())


def _ceil_ts(value: datetime) -> int:
    return math.ceil(value.timestamp())


def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


def _offset(ts: int, zone: ZoneInfo) -> int:
    return int(datetime.fromtimestamp(ts, zone).utcoffset().total_seconds())


def _offset_segments(start: int, end: int, zone: ZoneInfo) -> list[tuple[int, int, int]]:
    """Split [start, end) into (seg_start, seg_end, utc_offset) pieces of
    constant offset, finding clock changes by a daily probe + bisection."""
    segments: list[tuple[int, int, int]] = []
    seg_start, off = start, _offset(start, zone)
    t = start
    while t < end:
        nxt = min(t + 86_400, end)
        off_next = _offset(nxt, zone)
        if off_next != off:
            lo, hi = t, nxt
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset(mid, zone) == off:
                    lo = mid
                else:
                    hi = mid
            segments.append((seg_start, hi, off))
            seg_start, off = hi, _offset(hi, zone)
        t = nxt
    segments.append((seg_start, end, off))
    return segments


def _weekend_pairs(start: int, end: int, zone: ZoneInfo) -> list[Pair]:
    """Local Saturdays and Sundays overlapping [start, end), as UTC pairs."""
    day = _utc(start).astimezone(zone).date()
    last = _utc(end).astimezone(zone).date()
    out: list[Pair] = []
    while day <= last:
        if day.weekday() >= 5:
            s = datetime.combine(day, time(0), zone)
            e = datetime.combine(day + timedelta(days=1), time(0), zone)
            out.append((_floor_ts(s), _floor_ts(e)))
        day += timedelta(days=1)
    return merge_pairs(out)


def _start_ranges(pairs: Sequence[Pair], duration: int) -> list[Pair]:
    """Closed ranges [a, b - duration] of starts whose slot fits inside [a, b)."""
    return [(a, b - duration) for a, b in pairs if b - a >= duration]


def _grid_points(
    ranges: Sequence[Pair], segments: Sequence[tuple[int, int, int]], step: int
) -> Iterator[tuple[int, int]]:
    """(start, utc_offset) of grid starts inside the closed ranges, in order.

    A start is on the grid when its local time is a multiple of ``step`` after
    local midnight, i.e. (ts + offset) % step == 0 (step divides a day).
    """
    k = 0
    for lo, hi in ranges:
        while k < len(segments) and segments[k][1] <= lo:
            k += 1
        j = k
        while j < len(segments) and segments[j][0] <= hi:
            seg_start, seg_end, off = segments[j]
            a = max(lo, seg_start)
            b = min(hi, seg_end - 1)
            if a <= b:
                first = a + (-(a + off)) % step
                for t in range(first, b + 1, step):
                    yield t, off
            j += 1


def _coverage_arrays(prepared: Sequence[_Prepared], attr: str, duration: int):
    starts: list[int] = []
    ends: list[int] = []
    for p in prepared:
        for a, b in _start_ranges(getattr(p, attr), duration):
            starts.append(a)
            ends.append(b)
    starts.sort()
    ends.sort()
    return starts, ends


def _coverage(arrays: tuple[list[int], list[int]], t: int) -> int:
    """How many attendees have a start range containing t (ranges of one
    attendee are disjoint, so this counts attendees)."""
    starts, ends = arrays
    return bisect_right(starts, t) - bisect_left(ends, t)


def _overlaps(pairs: Sequence[Pair], s: int, e: int) -> bool:
    i = bisect_right(pairs, (s, math.inf))
    # The pair just before may extend past s; the one at i may start before e.
    if i > 0 and pairs[i - 1][1] > s:
        return True
    return i < len(pairs) and pairs[i][0] < e


def _contained(pairs: Sequence[Pair], s: int, e: int) -> bool:
    i = bisect_right(pairs, (s, math.inf)) - 1
    return i >= 0 and pairs[i][0] <= s and pairs[i][1] >= e


# ---------------------------------------------------------------- preparation


def _prepare(att: Attendee, window: Pair, mask: list[Pair], buffer: int) -> _Prepared:
    ws, we = window
    working = merge_pairs((max(_ceil_ts(i.start), ws), min(_floor_ts(i.end), we)) for i in att.working)
    by_kind: dict[str, list[Pair]] = {"busy": [], "out_of_office": [], "tentative": []}
    for b in att.busy:
        s = _floor_ts(b.start) - buffer
        e = _ceil_ts(b.end) + buffer
        if e > ws and s < we:
            by_kind[b.kind].append((s, e))
    p = _Prepared(
        attendee=att,
        working=working,
        busy=merge_pairs(by_kind["busy"]),
        oof=merge_pairs(by_kind["out_of_office"]),
        tentative=merge_pairs(by_kind["tentative"]),
    )
    hard = merge_pairs(p.busy + p.oof)
    p.soft = subtract_pairs(intersect_pairs(working, mask), hard)
    p.free = subtract_pairs(p.soft, p.tentative)
    return p


def _status(p: _Prepared, s: int, e: int) -> Availability:
    if _overlaps(p.oof, s, e):
        return "out_of_office"
    if not _contained(p.working, s, e):
        return "outside_working_hours"
    if _overlaps(p.busy, s, e):
        return "busy"
    if _overlaps(p.tentative, s, e):
        return "tentative"
    return "free"


def availability_at(attendee: Attendee, start: datetime, end: datetime, *, buffer_minutes: int = 0) -> Availability:
    """One attendee's state for one given slot, by the same rules as the slot finder
    (used to check a booking against a diary): out_of_office, then
    outside_working_hours, then busy, then tentative, else free."""
    s, e = _floor_ts(to_utc(start)), _ceil_ts(to_utc(end))
    if e <= s:
        raise ValueError("the slot must end after it starts")
    return _status(_prepare(attendee, (s, e), [(s, e)], buffer_minutes * 60), s, e)


# ---------------------------------------------------------------- main entry


def propose_slots(
    attendees: Sequence[Attendee],
    window_start: datetime,
    window_end: datetime,
    duration_minutes: int,
    *,
    granularity_minutes: int = 30,
    buffer_minutes: int = 0,
    max_suggestions: int = 5,
    min_optional_attendance: float = 0.0,
    tz: str | ZoneInfo = DEFAULT_TZ,
    allow_weekends: bool = False,
) -> Proposal:
    """Best slots of ``duration_minutes`` in [window_start, window_end).

    See the module docstring for the rules. Raises ValueError for inputs that
    make no sense (no attendees, duplicate ids, non-positive duration, a
    granularity that does not divide a day, shares outside 0..1).
    """
    if not attendees:
        raise ValueError("at least one attendee is needed")
    ids = [a.id for a in attendees]
    if len(set(ids)) != len(ids):
        raise ValueError("attendee ids must be unique")
    if duration_minutes <= 0:
        raise ValueError("duration_minutes must be positive")
    if granularity_minutes <= 0 or 1440 % granularity_minutes:
        raise ValueError("granularity_minutes must divide a day (e.g. 5, 10, 15, 30, 60)")
    if buffer_minutes < 0:
        raise ValueError("buffer_minutes must not be negative")
    if max_suggestions < 1:
        raise ValueError("max_suggestions must be at least 1")
    if not 0.0 <= min_optional_attendance <= 1.0:
        raise ValueError("min_optional_attendance must be between 0 and 1")
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    ws, we = _ceil_ts(to_utc(window_start)), _floor_ts(to_utc(window_end))
    if we <= ws:
        raise ValueError("window_end must be after window_start")

    duration = duration_minutes * 60
    step = granularity_minutes * 60
    mask = [(ws, we)]
    if not allow_weekends:
        mask = subtract_pairs(mask, _weekend_pairs(ws, we, zone))
    segments = _offset_segments(ws, we, zone)
    prepared = [_prepare(a, (ws, we), mask, buffer_minutes * 60) for a in attendees]
    required = [p for p in prepared if p.attendee.required]
    optional = [p for p in prepared if not p.attendee.required]
    n_req, n_opt = len(required), len(optional)
    need = math.ceil(min_optional_attendance * n_opt - 1e-9)
    if not required:
        need = max(need, 1)  # someone has to be able to come

    base = mask
    for p in required:
        base = intersect_pairs(base, p.soft)
    opt_soft = _coverage_arrays(optional, "soft", duration)
    opt_free = _coverage_arrays(optional, "free", duration)
    req_free = _coverage_arrays(required, "free", duration)

    scored: list[tuple[int, int, int, int]] = []
    for t, off in _grid_points(_start_ranges(base, duration), segments, step):
        can = _coverage(opt_soft, t)
        if can < need:
            continue
        tentative = (n_req - _coverage(req_free, t)) + (can - _coverage(opt_free, t))
        scored.append((-can, tentative, t, off))

    ctx = _Context(zone, ws, we, duration_minutes, min_optional_attendance, need, segments, step, mask)
    if not scored:
        return Proposal((), _empty_reason(ctx, required, optional, base))
    scored.sort()
    chosen = _spread(scored, max_suggestions, duration)
    suggestions = tuple(
        _suggestion(prepared, t, t + duration, rank) for rank, (_, _, t, _) in enumerate(chosen, start=1)
    )
    return Proposal(suggestions, None)


def _spread(scored: list[tuple[int, int, int, int]], k: int, duration: int):
    """Pick up to k in rank order: the first pass takes at most one per local
    day, each further pass (over what was deferred) allows one more per day.
    Candidates overlapping an earlier pick are dropped for good."""
    chosen: list[tuple[int, int, int, int]] = []
    per_day: dict[int, int] = {}
    cap = 1
    remaining = scored
    while remaining and len(chosen) < k:
        deferred = []
        for item in remaining:
            if len(chosen) >= k:
                break
            t, off = item[2], item[3]
            if any(abs(t - c[2]) < duration for c in chosen):
                continue  # overlaps a suggestion already made: never useful
            day = (t + off) // 86_400
            if per_day.get(day, 0) >= cap:
                deferred.append(item)
                continue
            chosen.append(item)
            per_day[day] = per_day.get(day, 0) + 1
        remaining = deferred
        cap += 1
    return chosen


def _suggestion(prepared: Sequence[_Prepared], s: int, e: int, rank: int) -> Suggestion:
    availability: dict[str, Availability] = {}
    req_states: list[tuple[str, Availability]] = []
    opt_states: list[tuple[str, Availability]] = []
    for p in prepared:
        state = _status(p, s, e)
        availability[p.attendee.id] = state
        (req_states if p.attendee.required else opt_states).append((p.attendee.name, state))

    weight = {"free": 1.0, "tentative": TENTATIVE_ATTENDANCE_PROBABILITY}
    required_part = math.prod(weight.get(st, 0.0) for _, st in req_states)
    optional_part = sum(weight.get(st, 0.0) for _, st in opt_states) / len(opt_states) if opt_states else 1.0
    confidence = round(required_part * ((1 - OPTIONAL_WEIGHT) + OPTIONAL_WEIGHT * optional_part), 3)

    req_free = sum(st == "free" for _, st in req_states)
    opt_free = sum(st == "free" for _, st in opt_states)
    opt_can = sum(st in ("free", "tentative") for _, st in opt_states)
    tentative_names = [
        f"{n}, {'required' if i < len(req_states) else 'optional'}"
        for i, (n, st) in enumerate(req_states + opt_states)
        if st == "tentative"
    ]
    parts: list[str] = []
    if req_states:
        if req_free == len(req_states):
            parts.append(
                "The required attendee is free"
                if len(req_states) == 1
                else f"All {len(req_states)} required attendees free"
            )
        else:
            parts.append(f"{req_free} of {len(req_states)} required attendees free")
    else:
        parts.append("No required attendees")
    if opt_states:
        parts.append(f"{opt_free} of {len(opt_states)} optional attendees free")
    if tentative_names:
        word = "conflict" if len(tentative_names) == 1 else "conflicts"
        parts.append(f"{len(tentative_names)} tentative {word} ({'; '.join(tentative_names)})")
    unavailable = [f"{n}, {st.replace('_', ' ')}" for n, st in opt_states if st not in ("free", "tentative")]
    if unavailable:
        parts.append(f"{len(unavailable)} optional cannot attend ({'; '.join(unavailable)})")
    return Suggestion(
        start=_utc(s),
        end=_utc(e),
        confidence=confidence,
        availability=availability,
        reason="; ".join(parts),
        rank=rank,
        required_free=req_free,
        optional_available=opt_can,
        optional_free=opt_free,
        tentative_conflicts=len(tentative_names),
    )


# ---------------------------------------------------------------- explanations


@dataclass(frozen=True)
class _Context:
    zone: ZoneInfo
    ws: int
    we: int
    duration_minutes: int
    min_optional_attendance: float
    need: int
    segments: list[tuple[int, int, int]]
    step: int
    mask: list[Pair]

    def span(self) -> str:
        first = _utc(self.ws).astimezone(self.zone).date()
        last = _utc(self.we - 1).astimezone(self.zone).date()
        if first == last:
            return f"on {first.isoformat()}"
        return f"between {first.isoformat()} and {last.isoformat()}"

    def fits(self, pairs: Sequence[Pair]) -> bool:
        ranges = _start_ranges(pairs, self.duration_minutes * 60)
        return next(_grid_points(ranges, self.segments, self.step), None) is not None


def _empty_reason(
    ctx: _Context, required: list[_Prepared], optional: list[_Prepared], base: list[Pair]
) -> str:
    span = ctx.span()
    meeting = f"a {ctx.duration_minutes}-minute meeting"
    if not ctx.fits(ctx.mask):
        weekdays = "" if ctx.mask == [(ctx.ws, ctx.we)] else " on weekdays"
        return f"The window {span} has no room{weekdays} for {meeting}."
    blockers = []
    for p in required:
        if ctx.fits(intersect_pairs(ctx.mask, p.soft)):
            continue
        name = p.attendee.name
        if not ctx.fits(intersect_pairs(ctx.mask, p.working)):
            blockers.append(
                f"{name} (required) has no working time {span} long enough for {meeting} "
                "(weekends, bank holidays and hours outside their working pattern do not count)"
            )
        else:
            blockers.append(f"{name} (required) has no free working time {span} long enough for {meeting}")
    if blockers:
        return "; ".join(blockers) + "."
    n_opt = len(optional)
    if required and not ctx.fits(base):
        return (
            f"There is no time {span} when all {len(required)} required attendees "
            f"are free together for {meeting}."
        )
    if not required:
        return (
            f"There is no time {span} when at least {ctx.need} of the {n_opt} attendees "
            f"can attend {meeting} (nobody is marked required)."
        )
    share = round(ctx.min_optional_attendance * 100)
    return (
        f"There is no time {span} when all required attendees are free together and at least "
        f"{ctx.need} of {n_opt} optional attendees can attend (minimum optional attendance "
        f"{share}%) for {meeting}."
    )


def evaluate_slot(
    attendees: Sequence[Attendee], start: datetime, end: datetime, *, buffer_minutes: int = 0
) -> Suggestion:
    """A given slot (a poll's option) judged exactly as propose_slots judges its
    suggestions: the same availability per attendee, confidence and reason (rank 0)."""
    if not attendees:
        raise ValueError("at least one attendee is needed")
    s, e = _floor_ts(to_utc(start)), _ceil_ts(to_utc(end))
    if e <= s:
        raise ValueError("the slot must end after it starts")
    prepared = [_prepare(a, (s, e), [(s, e)], buffer_minutes * 60) for a in attendees]
    return _suggestion(prepared, s, e, 0)
