"""Proposals and meetings: book, reply, reschedule, cancel, record attendance. Every state
change that other services care about stages its event in the same transaction."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from shared.auth import Principal
from shared.db import utcnow
from shared.events.meetings import (
    MeetingAtRiskV1,
    MeetingBookedV1,
    MeetingCancelledV1,
    MeetingHeldV1,
    MeetingRescheduledV1,
)
from shared.http.deps import board_scope, visible_or_404
from shared.http.pagination import keyset, page_of, where_given
from shared.http.identifiers import NOT_NAMES
from shared.http.problems import Problem, field_error
from shared.outbox import add_event
from shared.service import settings_for
from shared.settings import Settings
from services.scheduler.availability import (
    BusyInterval,
    availability_at,
    propose_slots,
)
from shared.clock import LONDON
from shared.http.identifiers import check_free_text
from services.scheduler.common import local, review_for
from services.scheduler.diary import DiaryTooLarge, attendees_for
from services.scheduler.meetings.invitations import invitees_of, render_ics, stage_invitation_mail
from services.scheduler.meetings import reminders
from services.scheduler.meetings.models import Meeting, MeetingInvitee, MeetingProposal
from services.scheduler.meetings.rules import after_reply, is_active
from services.scheduler.meetings.schemas import (
    MAX_BUSY_PER_PARTICIPANT,
    MAX_GRID_STEPS,
    MAX_PROPOSAL_PARTICIPANTS,
    AlternativesRequest,
    AttendanceIn,
    AttendeeAvailability,
    InviteeOut,
    MeetingCreate,
    MeetingPublic,
    MeetingUpdate,
    ProposalPublic,
    ProposalRequest,
    ResponseIn,
    SuggestionOut,
)
from services.scheduler.participants.models import Participant
from services.scheduler.participants.service import participants_of_board
from services.scheduler.plans.models import ReviewPlan
from services.scheduler.plans.rules import STEP_MEETING_KIND

# A required invitee in one of these states makes a booking a conflict (409 unless allowed).
CONFLICTING = ("busy", "out_of_office", "outside_working_hours")
SLACK = timedelta(days=1)  # diaries are read a day beyond a slot so working days are whole


# ------------------------------------------------------------------------ proposals
STEP_OF_KIND = {kind: step for step, kind in STEP_MEETING_KIND.items()}


def target_date_for(session: Session, review_id: str, kind: str):
    """The review plan's target date for the step a meeting of this kind completes, if any."""
    step = STEP_OF_KIND.get(kind)
    plan = session.get(ReviewPlan, review_id) if step else None
    return getattr(plan, f"{step}_by") if plan is not None else None


def _too_large(detail: str, **extensions) -> Problem:
    return Problem(422, detail + " See the limits of proposals in the README.", slug="proposal-too-large",
                   **extensions)


def _check_limits(invitees: list[tuple[Participant, bool]], window_start: datetime, window_end: datetime,
                  granularity_minutes: int) -> None:
    """The documented limits of a proposal that the request itself shows (the diary size is
    checked while reading it)."""
    if len(invitees) > MAX_PROPOSAL_PARTICIPANTS:
        raise _too_large(f"A proposal may have at most {MAX_PROPOSAL_PARTICIPANTS} participants.")
    if granularity_minutes > 0 and (window_end - window_start).total_seconds() / 60 / granularity_minutes \
            > MAX_GRID_STEPS:
        raise _too_large(f"The window holds more than {MAX_GRID_STEPS:,} steps of granularity_minutes "
                         "(a year at 15 minutes, 122 days at 5): use a shorter window or a coarser step.")


def _proposal(session: Session, board_code: str, *, review_id: str, kind: str, meeting_id: str | None,
              invitees: list[tuple[Participant, bool]], window_start: datetime, window_end: datetime,
              duration_minutes: int, granularity_minutes: int, buffer_minutes: int, max_suggestions: int,
              min_optional_attendance: float, extra_busy=None, store: bool = True) -> ProposalPublic:
    """Propose slots; `store` keeps the answer as a proposal row (a write: board keys only).
    Ranked against the review plan's target date for the step this kind of meeting completes."""
    _check_limits(invitees, window_start, window_end, granularity_minutes)
    try:
        attendees = attendees_for(session, invitees, window_start, window_end, exclude_meeting_id=meeting_id,
                                  extra_busy=extra_busy, max_busy_per_participant=MAX_BUSY_PER_PARTICIPANT)
    except DiaryTooLarge as exc:
        raise _too_large(f"{len(exc.participant_ids)} participant(s) have more than {exc.limit:,} busy periods "
                         "in the window: use a shorter window.", participants=exc.participant_ids) from None
    try:
        result = propose_slots(attendees, window_start, window_end, duration_minutes,
                               granularity_minutes=granularity_minutes, buffer_minutes=buffer_minutes,
                               max_suggestions=max_suggestions, min_optional_attendance=min_optional_attendance,
                               target_date=target_date_for(session, review_id, kind))
    except ValueError as exc:
        raise Problem(422, f"The proposal request cannot be answered: {exc}.") from None
    people = {p.id: (p, required) for p, required in invitees}
    row = MeetingProposal(board_code=board_code, review_id=review_id, meeting_id=meeting_id, kind=kind,
                          result="")
    public = ProposalPublic(
        id=row.id if store else None, review_id=review_id, meeting_id=meeting_id, kind=kind, duration_minutes=duration_minutes,
        window_start=local(window_start), window_end=local(window_end), created_at=row.created_at,
        empty_reason=result.empty_reason,
        suggestions=[SuggestionOut(
            rank=s.rank, start=local(s.start), end=local(s.end), confidence=s.confidence, reason=s.reason,
            target_date=s.target_date, meets_target=s.meets_target, availability=[AttendeeAvailability(participant_id=pid, display_name=people[pid][0].display_name,
                                               required=people[pid][1], availability=state)
                          for pid, state in s.availability.items()])
            for s in result.suggestions])
    if store:
        row.result = public.model_dump_json()
        session.add(row)
    return public


def propose(session: Session, principal: Principal, body: ProposalRequest) -> ProposalPublic:
    review_for(session, principal, body.review_id)
    ids = body.required_participants + body.optional_participants
    found = participants_of_board(session, principal, ids)
    invitees = [(found[i], True) for i in body.required_participants] + \
               [(found[i], False) for i in body.optional_participants]
    return _proposal(session, principal.board_code, review_id=body.review_id, kind=body.kind, meeting_id=None,
                     invitees=invitees, window_start=body.window_start, window_end=body.window_end,
                     duration_minutes=body.duration_minutes, granularity_minutes=body.granularity_minutes,
                     buffer_minutes=body.buffer_minutes, max_suggestions=body.max_suggestions,
                     min_optional_attendance=body.min_optional_attendance)


def get_proposal(session: Session, principal: Principal, proposal_id: str) -> ProposalPublic:
    row = visible_or_404(session.get(MeetingProposal, proposal_id), principal,
                         f"No meeting proposal {proposal_id} for this key.")
    return ProposalPublic.model_validate_json(row.result)


# ------------------------------------------------------------------------ meetings
def get_meeting(session: Session, principal: Principal, meeting_id: str) -> Meeting:
    return visible_or_404(session.get(Meeting, meeting_id), principal, f"No meeting {meeting_id} for this key.")


_invitees = invitees_of


def to_public(session: Session, meeting: Meeting) -> MeetingPublic:
    return MeetingPublic(
        id=meeting.id, review_id=meeting.review_id, board_code=meeting.board_code, kind=meeting.kind,
        start=local(meeting.starts_at), end=local(meeting.ends_at), location=meeting.location, notes=meeting.notes,
        status=meeting.status, sequence=meeting.sequence, uid=meeting.uid, organizer_email=meeting.organizer_email,
        coordinator_email=meeting.coordinator_email,
        held_on=meeting.held_on, attendance_recorded_at=meeting.attendance_recorded_at,
        created_at=meeting.created_at, updated_at=meeting.updated_at,
        invite_url=f"/v1/meetings/{meeting.id}/invite.ics",
        participants=[InviteeOut(participant_id=p.id, display_name=p.display_name, email=p.email,
                                 agency_code=p.agency_code, required=i.required, response=i.response,
                                 responded_at=i.responded_at, attended=i.attended)
                      for i, p in _invitees(session, meeting)])


def _conflicts(session: Session, invitees: list[tuple[Participant, bool]], start: datetime, end: datetime,
               exclude_meeting_id: str | None) -> list[dict]:
    required = [(p, r) for p, r in invitees if r]
    if not required:
        return []
    attendees = attendees_for(session, required, start - SLACK, end + SLACK, exclude_meeting_id=exclude_meeting_id)
    out = []
    for attendee in attendees:
        state = availability_at(attendee, start, end)
        if state in CONFLICTING:
            out.append({"participant_id": attendee.id, "display_name": attendee.name, "availability": state})
    return out


def _raise_conflicts(conflicts: list[dict]) -> None:
    if conflicts:
        names = "; ".join(f"{c['display_name']} ({c['availability'].replace('_', ' ')})" for c in conflicts)
        raise Problem(409, f"Required participants cannot attend at that time: {names}. Choose another time "
                           "(see /v1/meeting-proposals) or send allow_conflicts.",
                      slug="participant-busy", conflicts=conflicts)


def book(session: Session, principal: Principal, body: MeetingCreate, settings: Settings) -> Meeting:
    review = review_for(session, principal, body.review_id)
    if review.status == "closed":
        raise Problem(409, f"Review {review.review_id} is closed; no more meetings can be booked for it.")
    check_free_text(session, {"location": body.location, "notes": body.notes})
    check_free_text(session, {"organizer_name": body.organizer_name}, kinds=NOT_NAMES)
    found = participants_of_board(session, principal, [p.participant_id for p in body.participants])
    invitees = [(found[p.participant_id], p.required) for p in body.participants]
    if not body.allow_conflicts:
        _raise_conflicts(_conflicts(session, invitees, body.start, body.end, None))
    meeting = Meeting(board_code=principal.board_code, review_id=body.review_id, kind=body.kind,
                      starts_at=body.start, ends_at=body.end, location=body.location, notes=body.notes,
                      organizer_email=body.organizer_email or settings.meeting_organizer_email,
                      organizer_name=body.organizer_name or settings.meeting_organizer_name,
                      coordinator_email=body.coordinator_email, uid="")
    meeting.uid = f"cpr-meeting-{meeting.id}@scheduler.cpr.gov.wales"
    session.add(meeting)
    session.flush()
    for participant, required in invitees:
        session.add(MeetingInvitee(meeting_id=meeting.id, participant_id=participant.id, required=required))
    session.flush()
    required_count = sum(1 for _, r in invitees if r)
    add_event(session, subject=meeting.id, data=MeetingBookedV1(
        meeting_id=meeting.id, review_id=meeting.review_id, board_code=meeting.board_code, kind=meeting.kind,
        start=meeting.starts_at, end=meeting.ends_at, required_count=required_count,
        optional_count=len(invitees) - required_count, sequence=meeting.sequence))
    stage_invitation_mail(session, meeting, settings)
    return meeting


def list_page(session: Session, principal: Principal, *, review_id: str | None, status: str | None,
              kind: str | None, limit: int, cursor: str | None):
    query = where_given(board_scope(select(Meeting), principal, Meeting.board_code),
                        (Meeting.review_id, review_id), (Meeting.status, status), (Meeting.kind, kind))
    rows = session.exec(keyset(query, [Meeting.starts_at, Meeting.id], cursor, limit)).all()
    return page_of(list(rows), limit, key=lambda r: [r.starts_at.isoformat(), r.id])


def invitation(session: Session, principal: Principal, meeting_id: str, participant_id: str | None) -> bytes:
    meeting = get_meeting(session, principal, meeting_id)
    rows = _invitees(session, meeting)
    only = None
    if participant_id is not None:
        match = [p for _, p in rows if p.id == participant_id]
        if not match:
            raise Problem(404, f"Participant {participant_id} is not invited to meeting {meeting_id}.")
        only = match[0].email
    return render_ics(meeting, rows, only_email=only)


def _require_active(meeting: Meeting, action: str) -> None:
    if not is_active(meeting.status):
        raise Problem(409, f"Meeting {meeting.id} is {meeting.status}; it cannot {action}.", slug="meeting-not-active")


def respond(session: Session, principal: Principal, meeting_id: str, body: ResponseIn) -> Meeting:
    meeting = get_meeting(session, principal, meeting_id)
    return apply_response(session, meeting, body.participant_id, body.response)


def apply_response(session: Session, meeting: Meeting, participant_id: str, response: str) -> Meeting:
    """An invitee's answer, however it came (API, reply link, calendar REPLY): one rule."""
    _require_active(meeting, "take replies")
    invitee = session.get(MeetingInvitee, (meeting.id, participant_id))
    if invitee is None:
        raise Problem(404, f"Participant {participant_id} is not invited to meeting {meeting.id}.")
    previous = invitee.response
    invitee.response = response
    invitee.responded_at = utcnow()
    session.add(invitee)
    session.flush()
    declined_required = session.exec(select(MeetingInvitee).where(
        MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.required.is_(True),
        MeetingInvitee.response == "declined")).all()
    outcome = after_reply(meeting.status, required=invitee.required, response=response, previous=previous,
                          declined_required=len(declined_required))
    meeting.status = outcome.status
    if outcome.at_risk_event:
        add_event(session, subject=meeting.id, data=MeetingAtRiskV1(
            meeting_id=meeting.id, review_id=meeting.review_id, board_code=meeting.board_code, kind=meeting.kind,
            start=meeting.starts_at, declined_required_count=len(declined_required)))
        # The coordinator hears of it with what GET .../alternatives would answer, already computed.
        try:
            found = alternatives_for(session, meeting, AlternativesRequest(), store=False)
        except Problem:
            found = None  # the reply stands; the notice says none could be computed
        reminders.stage_decline_notice(session, meeting, session.get(Participant, participant_id), found,
                                       settings_for(session))
    meeting.updated_at = utcnow()
    session.add(meeting)
    return meeting


def alternatives(session: Session, principal: Principal, meeting_id: str, body: AlternativesRequest, *,
                 store: bool) -> ProposalPublic:
    """Fresh proposals for the same invitees and length; the meeting's own slot does not count
    as busy, except for those who declined it. `store` (POST) keeps the proposal, which is a
    write to the board's records: only the board's own key may (Welsh Government reads)."""
    return alternatives_for(session, get_meeting(session, principal, meeting_id), body, store=store)


def alternatives_for(session: Session, meeting: Meeting, body: AlternativesRequest, *, store: bool) -> ProposalPublic:
    """The rule behind alternatives(), for a meeting already found (the decline notice uses it)."""
    meeting_id = meeting.id
    window_start, window_end = body.window_start, body.window_end
    if meeting.status == "held":
        raise Problem(409, f"Meeting {meeting_id} has been held; there is nothing to move.")
    now = utcnow()
    start = window_start or max(now, meeting.starts_at - timedelta(days=14))
    end = window_end or max(start, meeting.starts_at) + timedelta(days=28)
    if end <= start:
        raise Problem(422, "window_end must be after window_start.")
    if (end - start).days > 366:
        raise Problem(422, "The window may be at most 366 days long.")
    rows = _invitees(session, meeting)
    invitees = [(p, i.required) for i, p in rows]
    slot = BusyInterval(meeting.starts_at, meeting.ends_at, "busy")
    extra = {p.id: [slot] for i, p in rows if i.response == "declined"}
    duration = int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)
    return _proposal(session, meeting.board_code, review_id=meeting.review_id, kind=meeting.kind, meeting_id=meeting.id,
                     invitees=invitees, window_start=start, window_end=end, duration_minutes=duration,
                     granularity_minutes=body.granularity_minutes, buffer_minutes=0,
                     max_suggestions=body.max_suggestions, min_optional_attendance=body.min_optional_attendance,
                     extra_busy=extra, store=store)


def update(session: Session, principal: Principal, meeting_id: str, body: MeetingUpdate) -> Meeting:
    meeting = get_meeting(session, principal, meeting_id)
    _require_active(meeting, "be changed")
    given = body.model_dump(exclude_unset=True)
    now = utcnow()
    if body.status == "cancelled":
        reminders.withdraw_pending(session, meeting, settings_for(session))
        meeting.status = "cancelled"
        meeting.cancelled_at = now
        meeting.sequence += 1
        add_event(session, subject=meeting.id, data=MeetingCancelledV1(
            meeting_id=meeting.id, review_id=meeting.review_id, board_code=meeting.board_code, kind=meeting.kind,
            sequence=meeting.sequence))
        meeting.updated_at = now
        stage_invitation_mail(session, meeting, settings_for(session), cancel=True)
    else:
        check_free_text(session, {"location": body.location, "notes": body.notes})
        added = _change_invitees(session, principal, meeting, body, now)
        changed = False
        for name in ("location", "notes"):
            if name in given and given[name] != getattr(meeting, name):
                setattr(meeting, name, given[name])
                changed = True
        moved = body.start is not None and (body.start != meeting.starts_at or body.end != meeting.ends_at)
        if moved:
            rows = _invitees(session, meeting)
            if not body.allow_conflicts:
                _raise_conflicts(_conflicts(session, [(p, i.required) for i, p in rows], body.start, body.end,
                                            meeting.id))
            previous_start = meeting.starts_at
            reminders.withdraw_pending(session, meeting, settings_for(session))
            reminders.restart(session, meeting, now)
            meeting.starts_at, meeting.ends_at = body.start, body.end
            for invitee, _ in rows:  # a new time needs new replies
                invitee.response, invitee.responded_at = "needs_action", None
                session.add(invitee)
            meeting.status = "booked"
            changed = True
        if not changed:
            if added:  # only the new invitees need anything: their invitation
                meeting.updated_at = now
                stage_invitation_mail(session, meeting, settings_for(session), only_participant_ids=added)
                session.add(meeting)
            return meeting  # nothing the other invitees would see: SEQUENCE stays
        meeting.sequence += 1
        if moved:
            add_event(session, subject=meeting.id,
                      data=MeetingRescheduledV1(
                          meeting_id=meeting.id, review_id=meeting.review_id, board_code=meeting.board_code,
                          kind=meeting.kind, start=meeting.starts_at, end=meeting.ends_at, sequence=meeting.sequence,
                          previous_start=previous_start))
        meeting.updated_at = now
        stage_invitation_mail(session, meeting, settings_for(session))
    meeting.updated_at = now
    session.add(meeting)
    return meeting


def _change_invitees(session: Session, principal: Principal, meeting: Meeting, body: MeetingUpdate, now) -> set[str]:
    """Remove and add invitees. A removed invitee gets a CANCEL naming only them (under a raised
    SEQUENCE, so their calendar takes it); an added one is returned for its invitation. Nobody
    else is sent anything for it."""
    rows = {p.id: (i, p) for i, p in _invitees(session, meeting)}
    if body.remove_participants:
        missing = [pid for pid in body.remove_participants if pid not in rows]
        if missing:
            raise Problem(404, f"Not invited to meeting {meeting.id}: {', '.join(missing)}.")
        if len(rows) - len(body.remove_participants) + len(body.add_participants) < 1:
            raise Problem(422, "A meeting keeps at least one invitee; cancel it instead.")
        reminders.withdraw_pending(session, meeting, settings_for(session), set(body.remove_participants))
        meeting.sequence += 1
        meeting.updated_at = now
        stage_invitation_mail(session, meeting, settings_for(session), cancel=True,
                              only_participant_ids=set(body.remove_participants))
        for pid in body.remove_participants:
            session.delete(rows[pid][0])
        session.flush()
        declined_required = [i for pid, (i, _) in rows.items() if pid not in body.remove_participants
                             and i.required and i.response == "declined"]
        if meeting.status == "at_risk" and not declined_required:
            meeting.status = "booked"  # the one who could not come is no longer needed
    if not body.add_participants:
        return set()
    ids = [p.participant_id for p in body.add_participants]
    already = [pid for pid in ids if pid in rows and pid not in body.remove_participants]
    if already:
        raise Problem(409, f"Already invited to meeting {meeting.id}: {', '.join(already)}.", slug="already-invited")
    found = participants_of_board(session, principal, ids)
    invitees = [(found[p.participant_id], p.required) for p in body.add_participants]
    if not body.allow_conflicts and body.start is None:
        _raise_conflicts(_conflicts(session, invitees, meeting.starts_at, meeting.ends_at, meeting.id))
    for participant, required in invitees:
        session.add(MeetingInvitee(meeting_id=meeting.id, participant_id=participant.id, required=required))
    session.flush()
    return set(ids)


def record_attendance(session: Session, principal: Principal, meeting_id: str, body: AttendanceIn) -> Meeting:
    meeting = get_meeting(session, principal, meeting_id)
    if meeting.status == "held":
        raise Problem(409, f"Attendance at meeting {meeting_id} was already recorded.", slug="attendance-recorded")
    _require_active(meeting, "be held")
    now = utcnow()
    if now < meeting.starts_at:
        raise Problem(409, f"Meeting {meeting_id} has not started yet (it starts "
                           f"{local(meeting.starts_at).isoformat()}); record attendance afterwards.",
                      slug="meeting-not-started")
    rows = _invitees(session, meeting)
    invited = {p.id: i for i, p in rows}
    unknown = [pid for pid in body.attended if pid not in invited]
    if unknown:
        raise Problem(422, f"Not invited to this meeting: {', '.join(unknown)}.", errors=[
            field_error("attended", "not an invitee", "not_invited")])
    attended = set(body.attended)
    for pid, invitee in invited.items():
        invitee.attended = pid in attended
        session.add(invitee)
    meeting.status = "held"
    meeting.held_on = meeting.starts_at.astimezone(LONDON).date()
    meeting.attendance_recorded_at = meeting.updated_at = now
    session.add(meeting)
    required = [i for i in invited.values() if i.required]
    add_event(session, subject=meeting.id, data=MeetingHeldV1(
        meeting_id=meeting.id, review_id=meeting.review_id, board_code=meeting.board_code, kind=meeting.kind,
        held_on=meeting.held_on, invited_count=len(invited), attended_count=len(attended),
        required_count=len(required), required_attended_count=sum(1 for i in required if i.attended)))
    return meeting
