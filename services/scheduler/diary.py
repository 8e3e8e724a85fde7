"""Participants' diaries as the availability engine's Attendees: working time from their
stored working hours (Welsh bank holidays excluded, in their own time zone), busy time from
every stored source, and the meetings they are booked into (a tentative reply counts as
tentative, a decline frees the time).

Why this shape: a proposal reads every busy interval of up to 100 people over up to a year,
so it reads them as epoch seconds. On PostgreSQL one row per participant and kind comes back
with two integer arrays (no datetime is built per diary row); elsewhere (SQLite) rows are
converted here. Working time is laid out once per set of hours, zone and window, and kept
for later requests (most professionals share the default hours)."""
from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from sqlalchemy import BigInteger, cast, func
from sqlmodel import Session, select

from services.scheduler.availability import Attendee, BusyInterval, working_intervals
from services.scheduler.meetings.models import Meeting, MeetingInvitee
from services.scheduler.meetings.rules import ACTIVE
from services.scheduler.participants.models import BusyPeriod, Participant
from services.scheduler.participants.schemas import to_engine

Pairs = list[tuple[int, int]]


def _floor(value: datetime) -> int:
    return math.floor(value.timestamp())


def _ceil(value: datetime) -> int:
    return math.ceil(value.timestamp())


@lru_cache(maxsize=256)
def _working_seconds(hours_json: str, tz: str, start: datetime, end: datetime) -> tuple[tuple[int, int], ...]:
    intervals = working_intervals(start, end, hours=to_engine(json.loads(hours_json)), tz=tz)
    return tuple((_ceil(i.start), _floor(i.end)) for i in intervals)


def working_seconds(participant: Participant, window_start: datetime, window_end: datetime) -> Pairs:
    """The participant's working time in the window as epoch-second pairs (cached)."""
    return list(_working_seconds(participant.working_hours, participant.time_zone, window_start, window_end))


def _overlapping(query, start_col, end_col, window_start: datetime, window_end: datetime):
    return query.where(start_col < window_end, end_col > window_start)


def busy_counts(session: Session, ids: Sequence[str], window_start: datetime, window_end: datetime,
                *, exclude_meeting_id: str | None = None) -> dict[str, int]:
    """Busy intervals per participant in the window (diary periods and booked meetings),
    counted in the database so an oversized diary is refused before it is read."""
    counts: dict[str, int] = defaultdict(int)
    diary = _overlapping(select(BusyPeriod.participant_id, func.count())
                         .where(BusyPeriod.participant_id.in_(ids)),
                         BusyPeriod.starts_at, BusyPeriod.ends_at, window_start, window_end)
    for pid, n in session.exec(diary.group_by(BusyPeriod.participant_id)).all():
        counts[pid] += n
    meetings = _overlapping(select(MeetingInvitee.participant_id, func.count())
                            .join(Meeting, Meeting.id == MeetingInvitee.meeting_id)
                            .where(MeetingInvitee.participant_id.in_(ids), Meeting.status.in_(ACTIVE),
                                   MeetingInvitee.response != "declined"),
                            Meeting.starts_at, Meeting.ends_at, window_start, window_end)
    if exclude_meeting_id is not None:
        meetings = meetings.where(Meeting.id != exclude_meeting_id)
    for pid, n in session.exec(meetings.group_by(MeetingInvitee.participant_id)).all():
        counts[pid] += n
    return dict(counts)


def _diary_seconds(session: Session, ids: Sequence[str], window_start: datetime,
                   window_end: datetime) -> dict[str, dict[str, Pairs]]:
    out: dict[str, dict[str, Pairs]] = defaultdict(lambda: defaultdict(list))
    if session.get_bind().dialect.name == "postgresql":
        starts = func.array_agg(cast(func.floor(func.extract("epoch", BusyPeriod.starts_at)), BigInteger))
        ends = func.array_agg(cast(func.ceil(func.extract("epoch", BusyPeriod.ends_at)), BigInteger))
        query = _overlapping(select(BusyPeriod.participant_id, BusyPeriod.kind, starts, ends)
                             .where(BusyPeriod.participant_id.in_(ids)),
                             BusyPeriod.starts_at, BusyPeriod.ends_at, window_start, window_end)
        for pid, kind, s, e in session.exec(query.group_by(BusyPeriod.participant_id, BusyPeriod.kind)).all():
            out[pid][kind].extend(zip(s, e))
        return out
    query = _overlapping(select(BusyPeriod.participant_id, BusyPeriod.kind, BusyPeriod.starts_at,
                                BusyPeriod.ends_at).where(BusyPeriod.participant_id.in_(ids)),
                         BusyPeriod.starts_at, BusyPeriod.ends_at, window_start, window_end)
    for pid, kind, start, end in session.exec(query).all():
        out[pid][kind].append((_floor(start), _ceil(end)))
    return out


def attendees_for(
    session: Session,
    invitees: Sequence[tuple[Participant, bool]],
    window_start: datetime,
    window_end: datetime,
    *,
    exclude_meeting_id: str | None = None,
    extra_busy: dict[str, list[BusyInterval]] | None = None,
) -> list[Attendee]:
    """Attendees (``Attendee.from_seconds``: their time is in ``seconds()``) for the
    invitees, with busy time overlapping the window."""
    ids = [p.id for p, _ in invitees]
    busy = _diary_seconds(session, ids, window_start, window_end)
    query = (select(MeetingInvitee.participant_id, MeetingInvitee.response, Meeting.starts_at, Meeting.ends_at)
             .join(Meeting, Meeting.id == MeetingInvitee.meeting_id)
             .where(MeetingInvitee.participant_id.in_(ids), Meeting.status.in_(ACTIVE),
                    Meeting.starts_at < window_end, Meeting.ends_at > window_start))
    if exclude_meeting_id is not None:
        query = query.where(Meeting.id != exclude_meeting_id)
    for pid, response, start, end in session.exec(query).all():
        if response == "declined":
            continue
        busy[pid]["tentative" if response == "tentative" else "busy"].append((_floor(start), _ceil(end)))
    for pid, extra in (extra_busy or {}).items():
        for b in extra:
            busy[pid][b.kind].append((_floor(b.start), _ceil(b.end)))
    out = []
    for participant, required in invitees:
        mine = busy.get(participant.id, {})
        out.append(Attendee.from_seconds(
            participant.id, participant.display_name, required,
            working=working_seconds(participant, window_start, window_end),
            busy=mine.get("busy", ()), out_of_office=mine.get("out_of_office", ()),
            tentative=mine.get("tentative", ())))
    return out
