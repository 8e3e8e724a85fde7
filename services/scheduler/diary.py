"""Participants' diaries as the availability engine's Attendees: working time from their
stored working hours (Welsh bank holidays excluded, in their own time zone), busy time from
every stored source, the meetings they are booked into (a tentative reply counts as
tentative, a decline frees the time), and their own answers to availability polls (a "no"
is busy, an "if need be" tentative; answers pre-filled from a diary are that diary already).

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

import numpy as np

from sqlalchemy import text
from sqlmodel import Session, select

from services.scheduler.availability import Attendee, BusyInterval, working_intervals
from services.scheduler.meetings.models import Meeting, MeetingInvitee
from services.scheduler.meetings.rules import ACTIVE
from services.scheduler.participants.models import BusyPeriod, Participant
from services.scheduler.participants.schemas import to_engine
from services.scheduler.polls.models import PollAnswer, PollOption

POLL_ANSWER_KINDS = {"no": "busy", "if_need_be": "tentative"}

class _Times:
    """Starts and ends of one participant's intervals of one kind, as two flat lists
    (what numpy turns into an array fastest)."""

    __slots__ = ("starts", "ends")

    def __init__(self):
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, start: int, end: int) -> None:
        self.starts.append(start)
        self.ends.append(end)

    def __len__(self) -> int:
        return len(self.starts)

    def pairs(self) -> np.ndarray:
        return np.column_stack((np.array(self.starts, dtype=np.int64), np.array(self.ends, dtype=np.int64)))


Diary = dict[str, dict[str, _Times]]


def _floor(value: datetime) -> int:
    return math.floor(value.timestamp())


def _ceil(value: datetime) -> int:
    return math.ceil(value.timestamp())


@lru_cache(maxsize=256)
def _working_seconds(hours_json: str, tz: str, start: datetime, end: datetime) -> np.ndarray:
    intervals = working_intervals(start, end, hours=to_engine(json.loads(hours_json)), tz=tz)
    pairs = np.array([(_ceil(i.start), _floor(i.end)) for i in intervals], dtype=np.int64).reshape(-1, 2)
    pairs.flags.writeable = False  # shared by every request that asks for the same hours and window
    return pairs


def working_seconds(participant: Participant, window_start: datetime, window_end: datetime) -> np.ndarray:
    """The participant's working time in the window as an (n, 2) array of epoch seconds
    (cached per hours, zone and window; read-only)."""
    return _working_seconds(participant.working_hours, participant.time_zone, window_start, window_end)


class DiaryTooLarge(Exception):
    """Some participants have more busy intervals in the window than the caller allows."""

    def __init__(self, participant_ids: list[str], limit: int):
        super().__init__(f"{len(participant_ids)} participant(s) over {limit} busy intervals")
        self.participant_ids, self.limit = participant_ids, limit


# One row per participant and kind, two integer arrays; each participant's read stops at
# :cap rows (LATERAL ... LIMIT), so an oversized diary costs its cap, not its size.
_PG_DIARY = text("""
SELECT p.id, b.kind, array_agg(b.s), array_agg(b.e)
FROM unnest(CAST(:ids AS text[])) AS p(id)
CROSS JOIN LATERAL (
    SELECT kind, floor(date_part('epoch', starts_at))::bigint AS s,
           ceil(date_part('epoch', ends_at))::bigint AS e
    FROM participant_busy
    WHERE participant_id = p.id AND starts_at < :window_end AND ends_at > :window_start
    LIMIT :cap) AS b
GROUP BY p.id, b.kind""")


def _diary_seconds(session: Session, ids: Sequence[str], window_start: datetime, window_end: datetime,
                   cap: int | None) -> Diary:
    out: Diary = defaultdict(lambda: defaultdict(_Times))
    if session.get_bind().dialect.name == "postgresql":
        # date_part is double precision: exact to the second here, and far cheaper than numeric.
        rows = session.execute(_PG_DIARY, {"ids": list(ids), "window_start": window_start,
                                           "window_end": window_end, "cap": cap}).all()
        for pid, kind, s, e in rows:
            times = out[pid][kind]
            times.starts, times.ends = s, e
        return out
    query = (select(BusyPeriod.participant_id, BusyPeriod.kind, BusyPeriod.starts_at, BusyPeriod.ends_at)
             .where(BusyPeriod.participant_id.in_(ids), BusyPeriod.starts_at < window_end,
                    BusyPeriod.ends_at > window_start))
    for pid, kind, start, end in session.exec(query).all():
        out[pid][kind].add(_floor(start), _ceil(end))
    return out


def attendees_for(
    session: Session,
    invitees: Sequence[tuple[Participant, bool]],
    window_start: datetime,
    window_end: datetime,
    *,
    exclude_meeting_id: str | None = None,
    extra_busy: dict[str, list[BusyInterval]] | None = None,
    max_busy_per_participant: int | None = None,
) -> list[Attendee]:
    """Attendees (``Attendee.from_seconds``: their time is in ``seconds()``) for the
    invitees, with busy time overlapping the window. With ``max_busy_per_participant``,
    raises DiaryTooLarge when someone has more (stored periods and booked meetings); on
    PostgreSQL having read at most one more than that per person (SQLite reads them all)."""
    ids = [p.id for p, _ in invitees]
    cap = None if max_busy_per_participant is None else max_busy_per_participant + 1
    busy = _diary_seconds(session, ids, window_start, window_end, cap)
    query = (select(MeetingInvitee.participant_id, MeetingInvitee.response, Meeting.starts_at, Meeting.ends_at)
             .join(Meeting, Meeting.id == MeetingInvitee.meeting_id)
             .where(MeetingInvitee.participant_id.in_(ids), Meeting.status.in_(ACTIVE),
                    MeetingInvitee.response != "declined",
                    Meeting.starts_at < window_end, Meeting.ends_at > window_start))
    if exclude_meeting_id is not None:
        query = query.where(Meeting.id != exclude_meeting_id)
    if cap is not None:
        query = query.limit(cap * len(ids) + 1)
    for pid, response, start, end in session.exec(query).all():
        if response == "declined":
            continue
        busy[pid]["tentative" if response == "tentative" else "busy"].add(_floor(start), _ceil(end))
    if max_busy_per_participant is not None:
        over = sorted(pid for pid, kinds in busy.items()
                      if sum(len(v) for v in kinds.values()) > max_busy_per_participant)
        if over:
            raise DiaryTooLarge(over, max_busy_per_participant)
    # A person's own poll answers (a handful per poll; not counted against the cap).
    answers = (select(PollAnswer.participant_id, PollAnswer.answer, PollOption.starts_at, PollOption.ends_at)
               .join(PollOption, PollOption.id == PollAnswer.option_id)
               .where(PollAnswer.participant_id.in_(ids), PollAnswer.source == "person",
                      PollAnswer.answer.in_(tuple(POLL_ANSWER_KINDS)),
                      PollOption.starts_at < window_end, PollOption.ends_at > window_start))
    for pid, answer, start, end in session.exec(answers).all():
        busy[pid][POLL_ANSWER_KINDS[answer]].add(_floor(start), _ceil(end))
    for pid, extra in (extra_busy or {}).items():
        for b in extra:
            busy[pid][b.kind].add(_floor(b.start), _ceil(b.end))
    out = []
    for participant, required in invitees:
        mine = {kind: times.pairs() for kind, times in busy.get(participant.id, {}).items()}
        out.append(Attendee.from_seconds(
            participant.id, participant.display_name, required,
            working=working_seconds(participant, window_start, window_end),
            busy=mine.get("busy", ()), out_of_office=mine.get("out_of_office", ()),
            tentative=mine.get("tentative", ())))
    return out
