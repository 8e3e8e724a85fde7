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
* Ranking, as a coordinator would: higher ``confidence`` first (expected
  attendance, see Suggestion: required people dominate, a required tentative
  halves it, optional attendance only refines it), then slots that meet the
  plan's ``target_date`` (the slot starts on or before that local date) before
  late ones, then earlier. Confidence is compared as reported (3 decimals).
  Suggestions are spread over days: at most one per local day first, a second
  on a day only when days run out, and suggestions never overlap each other.

How: every diary is integer (epoch-second) intervals; one vectorised sweep over
all attendees' events (sweep.py) gives each one's working, soft and free time;
the required attendees' common soft time is a second sweep; each interval
[a, b) becomes the closed range of feasible *starts* [a, b - duration]; grid
points are generated only inside those ranges; and per-candidate counts of
optional attendees are range-coverage counts answered by binary search over the
sorted range ends. Cost is O(n log n) in diary entries plus O(c log n) in
candidate starts, independent of minutes in the window. The list-based
``_prepare`` below is the reference the sweep must equal; availability_at and
the "why nothing" explanations use it.

Diaries can come in as Interval/BusyInterval objects or, cheaper, as epoch
seconds (``Attendee.from_seconds``; the scheduler reads them so from the
database and never builds a datetime per diary row).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np

from . import sweep
from .ics import BusyInterval
from .intervals import Interval, intersect_pairs, merge_pairs, subtract_pairs, to_utc
from .working_time import DEFAULT_TZ

__all__ = [
    "AVAILABILITY_STATES",
    "TENTATIVE_ATTENDANCE_PROBABILITY",
    "Attendee",
    "Availability",
    "confidence_of",
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


_KINDS = ("busy", "out_of_office", "tentative")


@dataclass(frozen=True)
class Attendee:
    """One invitee: working time and busy periods already resolved to UTC
    (working_time.working_intervals and ics.parse_busy produce them), or the
    same as epoch seconds (``from_seconds``)."""

    id: str
    name: str
    required: bool = True
    working: Sequence[Interval] = ()
    busy: Sequence[BusyInterval] = ()
    # (working, {kind: pairs}) as (n, 2) int64 epoch-second arrays; from_seconds sets it,
    # else built once from the objects.
    _seconds: tuple | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Types are checked once here so the hot path can trust them to be UTC-aware.
        working, busy = tuple(self.working), tuple(self.busy)
        if not all(isinstance(i, Interval) for i in working):
            raise TypeError(f"{self.id}: working must be Interval objects")
        if not all(isinstance(b, BusyInterval) for b in busy):
            raise TypeError(f"{self.id}: busy must be BusyInterval objects")
        object.__setattr__(self, "working", working)
        object.__setattr__(self, "busy", busy)

    @classmethod
    def from_seconds(
        cls,
        id: str,
        name: str,
        required: bool = True,
        *,
        working: Sequence[Pair] = (),
        busy: Sequence[Pair] = (),
        out_of_office: Sequence[Pair] = (),
        tentative: Sequence[Pair] = (),
    ) -> Attendee:
        """An attendee whose time is given as (start, end) epoch-second pairs (a
        sequence of pairs or an (n, 2) integer array), any order. ``working`` and
        ``busy`` (the object fields) stay empty: read ``seconds()`` for its time."""
        try:
            kinds = {"busy": sweep.as_pairs(busy), "out_of_office": sweep.as_pairs(out_of_office),
                     "tentative": sweep.as_pairs(tentative)}
            return cls(id, name, required, _seconds=(sweep.as_pairs(working), kinds))
        except ValueError as exc:
            raise ValueError(f"{id}: {exc}") from None

    def seconds(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Working time and busy time by kind as (n, 2) int64 arrays of epoch seconds
        (start floored, end ceiled; the engine's representation), built once."""
        if self._seconds is None:
            working = [(_ceil_ts(i.start), _floor_ts(i.end)) for i in self.working]
            kinds: dict[str, list[Pair]] = {k: [] for k in _KINDS}
            for b in self.busy:
                kinds[b.kind].append((_floor_ts(b.start), _ceil_ts(b.end)))
            arrays = (sweep.as_pairs(working), {k: sweep.as_pairs(v) for k, v in kinds.items()})
            object.__setattr__(self, "_seconds", arrays)
        return self._seconds


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
    #: The review plan's target date for this step (None: no plan date given).
    target_date: date | None = None
    #: Starts on or before target_date (local date); None without a target date.
    meets_target: bool | None = None


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


def _widened(pairs: Sequence[Pair], ws: int, we: int, buffer: int) -> list[Pair]:
    """Busy pairs widened by the buffer, those touching the window, merged."""
    if buffer:
        return merge_pairs((s - buffer, e + buffer) for s, e in pairs if e + buffer > ws and s - buffer < we)
    return merge_pairs(p for p in pairs if p[1] > ws and p[0] < we)


def _prepare(att: Attendee, window: Pair, mask: list[Pair], buffer: int) -> _Prepared:
    ws, we = window
    working_s, kinds = att.seconds()
    working = merge_pairs((a if a > ws else ws, b if b < we else we) for a, b in working_s.tolist())
    p = _Prepared(
        attendee=att,
        working=working,
        busy=_widened(kinds["busy"].tolist(), ws, we, buffer),
        oof=_widened(kinds["out_of_office"].tolist(), ws, we, buffer),
        tentative=_widened(kinds["tentative"].tolist(), ws, we, buffer),
    )
    hard = merge_pairs(p.busy + p.oof) if p.oof else p.busy
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
    target_date: date | None = None,
) -> Proposal:
    """Best slots of ``duration_minutes`` in [window_start, window_end).

    See the module docstring for the rules. ``target_date`` is the review
    plan's date for this step: each suggestion says whether it meets it, and a
    late slot ranks below every on-time slot of equal confidence. Raises
    ValueError for inputs that make no sense (no attendees, duplicate ids,
    non-positive duration, a granularity that does not divide a day, shares
    outside 0..1).
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
    weekends = [] if allow_weekends else _weekend_pairs(ws, we, zone)
    blocked = np.array(weekends, dtype=np.int64).reshape(-1, 2)
    mask = subtract_pairs([(ws, we)], weekends)
    segments = _offset_segments(ws, we, zone)
    n_att = len(attendees)
    is_required = np.array([a.required for a in attendees], dtype=bool)
    n_req = int(is_required.sum())
    n_opt = n_att - n_req
    need = math.ceil(min_optional_attendance * n_opt - 1e-9)
    if not n_req:
        need = max(need, 1)  # someone has to be able to come

    layers, busy_by_kind = sweep.prepare([a.seconds() for a in attendees], ws, we, buffer_minutes * 60, blocked)
    if n_req:
        base = sweep.common(sweep.select(layers.soft, is_required), n_req)
    else:
        base = (np.array([a for a, _ in mask], dtype=np.int64), np.array([b for _, b in mask], dtype=np.int64))
    t, off = sweep.grid_points(*sweep.start_ranges(*base, duration), segments, step)
    optional_mask = ~is_required
    opt_soft = sweep.start_ranges(*sweep.select(layers.soft, optional_mask)[1:], duration)
    can = sweep.coverage(opt_soft, t)
    keep = can >= need
    t, off, can = t[keep], off[keep], can[keep]

    if not len(t):
        # The explanation looks at each required attendee's own time (the reference sets).
        required = [_prepare(a, (ws, we), mask, buffer_minutes * 60) for a in attendees if a.required]
        ctx = _Context(zone, ws, we, duration_minutes, min_optional_attendance, need, segments, step, mask)
        return Proposal((), _empty_reason(ctx, required, n_opt, list(zip(base[0].tolist(), base[1].tolist()))))

    opt_free = sweep.coverage(sweep.start_ranges(*sweep.select(layers.free, optional_mask)[1:], duration), t)
    req_tent = n_req - sweep.coverage(sweep.start_ranges(*sweep.select(layers.free, is_required)[1:], duration), t)
    # Confidence of each distinct (required tentative, optional free, optional can) triple,
    # computed by the one function suggestions use, so ranking and reporting agree exactly.
    width = n_opt + 1
    key = (req_tent * width + opt_free) * width + can
    unique, inverse = np.unique(key, return_inverse=True)
    values = np.array([confidence_of(int(k) // (width * width), int(k) // width % width,
                                     int(k) % width - int(k) // width % width, n_opt)
                       for k in unique.tolist()])
    conf = values[inverse.reshape(-1)]
    # A slot meets the target when it starts before the local midnight ending target_date.
    if target_date is not None:
        cutoff = _floor_ts(datetime.combine(target_date + timedelta(days=1), time(0), zone))
        late = t >= cutoff
    else:
        late = np.zeros(len(t), dtype=bool)
    order = np.lexsort((t, late, -conf))
    chosen = _spread(t[order].tolist(), off[order].tolist(), max_suggestions, duration)
    suggestions = []
    for rank, start in enumerate(chosen, start=1):
        states = sweep.states_at(n_att, layers, busy_by_kind, start, start + duration)
        meets = None if target_date is None else start < cutoff
        suggestions.append(_suggestion(attendees, states, start, start + duration, rank, target_date, meets))
    return Proposal(tuple(suggestions), None)


def confidence_of(required_tentative: int, optional_free: int, optional_tentative: int, optional_total: int) -> float:
    """Suggestion.confidence from counts: 0.5 per required tentative, times
    (1 - w) + w * mean optional attendance (free 1, tentative 0.5, else 0), w = 0.25;
    rounded to 3 decimals (the value reported and ranked on)."""
    required_part = TENTATIVE_ATTENDANCE_PROBABILITY**required_tentative
    if optional_total:
        optional_part = (optional_free + TENTATIVE_ATTENDANCE_PROBABILITY * optional_tentative) / optional_total
    else:
        optional_part = 1.0
    return round(required_part * ((1 - OPTIONAL_WEIGHT) + OPTIONAL_WEIGHT * optional_part), 3)


def _spread(starts: list[int], offsets: list[int], k: int, duration: int) -> list[int]:
    """Pick up to k starts in rank order: the first pass takes at most one per local
    day, each further pass (over what was deferred) allows one more per day.
    Candidates overlapping an earlier pick are dropped for good."""
    chosen: list[int] = []
    per_day: dict[int, int] = {}
    cap = 1
    remaining = list(zip(starts, offsets))
    while remaining and len(chosen) < k:
        deferred = []
        for t, off in remaining:
            if len(chosen) >= k:
                break
            if any(abs(t - c) < duration for c in chosen):
                continue  # overlaps a suggestion already made: never useful
            day = (t + off) // 86_400
            if per_day.get(day, 0) >= cap:
                deferred.append((t, off))
                continue
            chosen.append(t)
            per_day[day] = per_day.get(day, 0) + 1
        remaining = deferred
        cap += 1
    return chosen


def _suggestion(
    attendees: Sequence[Attendee], states: Sequence[Availability], s: int, e: int, rank: int,
    target_date: date | None, meets_target: bool | None,
) -> Suggestion:
    availability: dict[str, Availability] = {}
    req_states: list[tuple[str, Availability]] = []
    opt_states: list[tuple[str, Availability]] = []
    for a, state in zip(attendees, states):
        availability[a.id] = state
        (req_states if a.required else opt_states).append((a.name, state))

    req_free = sum(st == "free" for _, st in req_states)
    opt_free = sum(st == "free" for _, st in opt_states)
    opt_can = sum(st in ("free", "tentative") for _, st in opt_states)
    # Required attendees are free or tentative in every proposed slot.
    confidence = confidence_of(len(req_states) - req_free, opt_free, opt_can - opt_free, len(opt_states))
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
    if meets_target is False:
        parts.append(f"late: after the plan's target date {target_date.isoformat()}")
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
        target_date=target_date,
        meets_target=meets_target,
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
    ctx: _Context, required: list[_Prepared], n_opt: int, base: list[Pair]
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
    """A given slot (a poll's option) judged as propose_slots judges its suggestions: each
    attendee's availability_at, and the reason and confidence of _suggestion (confidence_of).
    A slot the finder would never propose (a required attendee who cannot attend) has
    confidence 0, as the Suggestion docstring defines it (rank 0, no target date)."""
    if not attendees:
        raise ValueError("at least one attendee is needed")
    s, e = _floor_ts(to_utc(start)), _ceil_ts(to_utc(end))
    if e <= s:
        raise ValueError("the slot must end after it starts")
    states = [availability_at(a, start, end, buffer_minutes=buffer_minutes) for a in attendees]
    judged = _suggestion(attendees, states, s, e, 0, None, None)
    if any(a.required and st not in ("free", "tentative") for a, st in zip(attendees, states)):
        judged = replace(judged, confidence=0.0)
    return judged
