"""Where a review stands against its timescale, and what delayed it.

The seed found reviews averaging 12 months against the 6 intended, so every
review carries its figures. "Complete" means the report was approved by the
Board (the ``report_approved`` milestone): that is the end of the review's own
work in the guidance's intention; sending to Welsh Government and publishing
can wait on parallel proceedings and are tracked as milestones of their own.

Parallel proceedings (criminal, coroner's inquest, disciplinary, other) are
recorded as delay reasons; they do not move the target date (the guidance sets
no pause), but the time a review spent under any of them is reported. Days are
spans between dates, like ``days_elapsed``: a proceeding from 1 to 3 March
covers 2 days, and overlapping proceedings are counted once (a union, not a sum).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Iterable, Sequence

from services.notification_api.rules.errors import conflict, invalid

__all__ = [
    "ProceedingKind",
    "Proceeding",
    "Timescale",
    "compute",
    "active_delay_reasons",
    "delay_reasons_between",
    "days_under_proceedings",
    "validate_proceeding",
    "conclude_proceeding",
]


class ProceedingKind(StrEnum):
    CRIMINAL = "criminal"
    CORONER_INQUEST = "coroner_inquest"
    DISCIPLINARY = "disciplinary"
    OTHER = "other"


@dataclass(frozen=True)
class Proceeding:
    """A parallel proceeding; ``ended_on`` None means still running."""

    kind: ProceedingKind
    started_on: date
    ended_on: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ProceedingKind(self.kind))
        if self.ended_on is not None and self.ended_on < self.started_on:
            raise ValueError("a proceeding cannot end before it started")

    def active_on(self, on: date) -> bool:
        """Running on that date (the start and end days both count as running)."""
        return self.started_on <= on and (self.ended_on is None or on <= self.ended_on)


@dataclass(frozen=True)
class Timescale:
    """Timescale figures for one review as of ``as_of``.

    ``days_remaining`` is None once overdue or complete; ``days_overdue`` is
    how far past the target the review is (open) or finished (complete), else 0;
    ``overdue`` is only for open reviews past their target date (the target day
    itself is still on time); ``completed_within_target`` is None while open.
    """

    target_completion_date: date
    as_of: date
    completed: bool
    days_elapsed: int
    days_remaining: int | None
    days_overdue: int
    overdue: bool
    completed_within_target: bool | None
    days_under_proceedings: int
    delay_reasons: tuple[ProceedingKind, ...]
    active_delay_reasons: tuple[ProceedingKind, ...]


def _sorted_kinds(kinds: Iterable[ProceedingKind]) -> tuple[ProceedingKind, ...]:
    order = list(ProceedingKind)
    return tuple(sorted(set(kinds), key=order.index))


def active_delay_reasons(proceedings: Iterable[Proceeding], on: date) -> tuple[ProceedingKind, ...]:
    """Kinds of proceeding running on ``on`` (each kind once, in a fixed order)."""
    return _sorted_kinds(p.kind for p in proceedings if p.active_on(on))


def delay_reasons_between(
    proceedings: Iterable[Proceeding], start: date, end: date
) -> tuple[ProceedingKind, ...]:
    """Kinds of proceeding that ran at any time in [start, end]."""
    return _sorted_kinds(
        p.kind
        for p in proceedings
        if p.started_on <= end and (p.ended_on is None or p.ended_on >= start)
    )


def days_under_proceedings(proceedings: Iterable[Proceeding], start: date, end: date) -> int:
    """Days of [start, end) spent with at least one proceeding running.

    Open proceedings run to ``end``. Overlaps count once (union of ranges).
    """
    if end <= start:
        return 0
    spans = []
    for p in proceedings:
        s = max(p.started_on, start)
        e = min(p.ended_on if p.ended_on is not None else end, end)
        if e > s:
            spans.append((s, e))
    spans.sort()
    total = 0
    cur_s: date | None = None
    cur_e: date | None = None
    for s, e in spans:
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += (cur_e - cur_s).days
            cur_s, cur_e = s, e
        elif e > cur_e:
            cur_e = e
    if cur_e is not None:
        total += (cur_e - cur_s).days
    return total


def compute(
    decided_on: date,
    target_completion_date: date,
    completed_on: date | None,
    today: date,
    proceedings: Sequence[Proceeding] = (),
) -> Timescale:
    """Figures for a review decided on ``decided_on``; ``completed_on`` is the report_approved date."""
    if completed_on is not None and completed_on < decided_on:
        raise ValueError("completed_on is before decided_on")
    if today < decided_on:
        raise ValueError("today is before decided_on")
    as_of = completed_on if completed_on is not None else today
    completed = completed_on is not None
    elapsed = (as_of - decided_on).days
    past = (as_of - target_completion_date).days
    overdue = not completed and past > 0
    remaining = None if completed or overdue else (target_completion_date - today).days
    return Timescale(
        target_completion_date=target_completion_date,
        as_of=as_of,
        completed=completed,
        days_elapsed=elapsed,
        days_remaining=remaining,
        days_overdue=max(0, past),
        overdue=overdue,
        completed_within_target=(past <= 0) if completed else None,
        days_under_proceedings=days_under_proceedings(proceedings, decided_on, as_of),
        delay_reasons=delay_reasons_between(proceedings, decided_on, as_of),
        active_delay_reasons=() if completed else active_delay_reasons(proceedings, today),
    )


def validate_proceeding(
    kind: ProceedingKind | str, started_on: date, ended_on: date | None, today: date
) -> Proceeding:
    """Check a proceeding a board posts. Raises RuleViolation 422 on bad values.

    A start before the decision is allowed: criminal proceedings often begin
    before the Board decides. Only the part after the decision counts as delay.
    """
    try:
        kind = ProceedingKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in ProceedingKind)
        raise invalid(
            "unknown_proceeding_kind", f"Unknown proceeding kind {kind!r}; expected one of: {allowed}."
        ) from None
    if started_on > today:
        raise invalid(
            "proceeding_in_future",
            f"The proceeding start {started_on.isoformat()} is in the future.",
        )
    if ended_on is not None:
        _check_end(started_on, ended_on, today)
    return Proceeding(kind=kind, started_on=started_on, ended_on=ended_on)


def _check_end(started_on: date, ended_on: date, today: date) -> None:
    if ended_on > today:
        raise invalid(
            "proceeding_end_in_future",
            f"The proceeding end {ended_on.isoformat()} is in the future.",
        )
    if ended_on < started_on:
        raise invalid(
            "proceeding_ends_before_start",
            f"The proceeding end {ended_on.isoformat()} is before its start "
            f"{started_on.isoformat()}.",
        )


def conclude_proceeding(proceeding: Proceeding, ended_on: date, today: date) -> Proceeding:
    """Mark a proceeding ended. 409 proceeding_already_concluded if it has an end already
    (a different date; the same date again is returned unchanged, i.e. idempotent)."""
    if proceeding.ended_on is not None:
        if proceeding.ended_on == ended_on:
            return proceeding
        raise conflict(
            "proceeding_already_concluded",
            f"The proceeding already ended on {proceeding.ended_on.isoformat()}.",
        )
    _check_end(proceeding.started_on, ended_on, today)
    return replace(proceeding, ended_on=ended_on)
