"""Participants' diaries as the availability engine's Attendees: working time from their
stored working hours (Welsh bank holidays excluded, in their own time zone), busy time from
every stored source, the meetings they are booked into (a tentative reply counts as
tentative, a decline frees the time), and their own answers to availability polls (a "no"
is busy, an "if need be" tentative; answers pre-filled from a diary are that diary already)."""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, select

from services.scheduler.availability import Attendee, BusyInterval, working_intervals
from services.scheduler.meetings.models import Meeting, MeetingInvitee
from services.scheduler.meetings.rules import ACTIVE
from services.scheduler.participants.models import BusyPeriod, Participant
from services.scheduler.participants.schemas import to_engine
from services.scheduler.polls.models import PollAnswer, PollOption

POLL_ANSWER_KINDS = {"no": "busy", "if_need_be": "tentative"}


def attendees_for(
    session: Session,
    invitees: Sequence[tuple[Participant, bool]],
    window_start: datetime,
    window_end: datetime,
    *,
    exclude_meeting_id: str | None = None,
    extra_busy: dict[str, list[BusyInterval]] | None = None,
) -> list[Attendee]:
    ids = [p.id for p, _ in invitees]
    busy: dict[str, list[BusyInterval]] = defaultdict(list)
    rows = session.exec(select(BusyPeriod.participant_id, BusyPeriod.starts_at, BusyPeriod.ends_at, BusyPeriod.kind)
                        .where(BusyPeriod.participant_id.in_(ids), BusyPeriod.starts_at < window_end,
                               BusyPeriod.ends_at > window_start)).all()
    for pid, start, end, kind in rows:
        busy[pid].append(BusyInterval(start, end, kind))
    query = (select(MeetingInvitee.participant_id, MeetingInvitee.response, Meeting.starts_at, Meeting.ends_at)
             .join(Meeting, Meeting.id == MeetingInvitee.meeting_id)
             .where(MeetingInvitee.participant_id.in_(ids), Meeting.status.in_(ACTIVE),
                    Meeting.starts_at < window_end, Meeting.ends_at > window_start))
    if exclude_meeting_id is not None:
        query = query.where(Meeting.id != exclude_meeting_id)
    for pid, response, start, end in session.exec(query).all():
        if response == "declined":
            continue
        busy[pid].append(BusyInterval(start, end, "tentative" if response == "tentative" else "busy"))
    answers = (select(PollAnswer.participant_id, PollAnswer.answer, PollOption.starts_at, PollOption.ends_at)
               .join(PollOption, PollOption.id == PollAnswer.option_id)
               .where(PollAnswer.participant_id.in_(ids), PollAnswer.source == "person",
                      PollAnswer.answer.in_(tuple(POLL_ANSWER_KINDS)),
                      PollOption.starts_at < window_end, PollOption.ends_at > window_start))
    for pid, answer, start, end in session.exec(answers).all():
        busy[pid].append(BusyInterval(start, end, POLL_ANSWER_KINDS[answer]))
    for pid, extra in (extra_busy or {}).items():
        busy[pid].extend(extra)
    out = []
    # Most professionals share the default hours: lay out each distinct week once per request.
    working: dict[tuple[str, str], list] = {}
    for participant, required in invitees:
        shape = (participant.working_hours, participant.time_zone)
        if shape not in working:
            working[shape] = working_intervals(window_start, window_end,
                                               hours=to_engine(json.loads(participant.working_hours)),
                                               tz=participant.time_zone)
        out.append(Attendee(
            id=participant.id, name=participant.display_name, required=required, working=working[shape],
            busy=sorted(busy.get(participant.id, []), key=lambda b: (b.start, b.end))))
    return out
