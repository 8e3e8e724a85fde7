"""Availability polls: create (options given or from a proposal), answer (by personal link),
results with each option's confidence as proposals compute it, finalise (books the meeting
through the meetings service), CSV export, and the worker's reminder and deadline pass.

An answer is diary data (services/scheduler/diary.py): after a person says "no" to an
option, that time is busy for them in every proposal; "if need be" is tentative."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from sqlmodel import Session, select

from shared.auth import Principal
from shared.db import utcnow
from shared.http.deps import board_scope, visible_or_404
from shared.http.identifiers import NOT_NAMES, check_free_text
from shared.http.pagination import keyset, page_of, where_given
from shared.http.problems import Problem, field_error, field_problem
from shared.service import in_one_transaction
from shared.settings import Settings
from services.scheduler.availability import availability_at, evaluate_slot
from services.scheduler.common import local, review_for
from services.scheduler.diary import attendees_for
from services.scheduler.meetings import service as meetings
from services.scheduler.meetings.models import Meeting
from services.scheduler.meetings.schemas import InviteeIn, MeetingCreate
from services.scheduler.participants.models import Participant
from services.scheduler.participants.service import participants_of_board
from services.scheduler.polls import notices
from services.scheduler.polls.models import ANSWERS, Poll, PollAnswer, PollInvitee, PollOption
from services.scheduler.polls.schemas import (
    Counts,
    InviteeResult,
    OptionAnswer,
    OptionResult,
    PollCreate,
    PollFinalise,
    PollPublic,
)

SLACK = timedelta(days=1)  # diaries are read a day beyond the options so working days are whole
# A diary's state for an option, as the answer it pre-fills.
PREFILL = {"free": "yes", "tentative": "if_need_be"}


def has_connected_diary(participant: Participant) -> bool:
    return participant.calendar_url is not None or participant.calendar_uploaded_at is not None


# ------------------------------------------------------------------------ reading
def get_poll(session: Session, principal: Principal, poll_id: str) -> Poll:
    return visible_or_404(session.get(Poll, poll_id), principal, f"No poll {poll_id} for this key.")


def options_of(session: Session, poll: Poll) -> list[PollOption]:
    return list(session.exec(select(PollOption).where(PollOption.poll_id == poll.id)
                             .order_by(PollOption.position)).all())


def invitees_of(session: Session, poll: Poll) -> list[tuple[PollInvitee, Participant]]:
    return list(session.exec(
        select(PollInvitee, Participant).join(Participant, Participant.id == PollInvitee.participant_id)
        .where(PollInvitee.poll_id == poll.id)
        .order_by(PollInvitee.required.desc(), Participant.display_name, Participant.id)).all())


def answers_of(session: Session, poll: Poll, participant_id: str | None = None) -> dict[tuple[str, str], PollAnswer]:
    """(option id, participant id) -> answer."""
    query = select(PollAnswer).where(PollAnswer.poll_id == poll.id)
    if participant_id is not None:
        query = query.where(PollAnswer.participant_id == participant_id)
    return {(a.option_id, a.participant_id): a for a in session.exec(query).all()}


def list_page(session: Session, principal: Principal, *, review_id: str | None, status: str | None,
              limit: int, cursor: str | None):
    query = where_given(board_scope(select(Poll), principal, Poll.board_code),
                        (Poll.review_id, review_id), (Poll.status, status))
    rows = session.exec(keyset(query, [Poll.created_at, Poll.id], cursor, limit)).all()
    return page_of(list(rows), limit, key=lambda r: [r.created_at.isoformat(), r.id])


def _window(options: list[PollOption]) -> tuple[datetime, datetime]:
    return min(o.starts_at for o in options) - SLACK, max(o.ends_at for o in options) + SLACK


def required_noes(session: Session, poll: Poll, option_id: str) -> list[Participant]:
    """Required invitees whose answer to this option is no (theirs, or their diary's)."""
    rows = session.exec(
        select(Participant).join(PollInvitee, PollInvitee.participant_id == Participant.id)
        .join(PollAnswer, (PollAnswer.participant_id == Participant.id) & (PollAnswer.poll_id == PollInvitee.poll_id))
        .where(PollInvitee.poll_id == poll.id, PollInvitee.required.is_(True), PollAnswer.option_id == option_id,
               PollAnswer.answer == "no").order_by(Participant.display_name)).all()
    return list(rows)


def results(session: Session, poll: Poll) -> PollPublic:
    options = options_of(session, poll)
    rows = invitees_of(session, poll)
    answers = answers_of(session, poll)
    start, end = _window(options)
    # The same attendees a proposal would see now: diaries, meetings and every answer so far.
    attendees = attendees_for(session, [(p, i.required) for i, p in rows], start, end)
    out = []
    for option in options:
        judged = evaluate_slot(attendees, option.starts_at, option.ends_at)
        counts = {True: Counts(), False: Counts()}
        per_person, noes = [], []
        for invitee, participant in rows:
            answer = answers.get((option.id, participant.id))
            bucket = counts[invitee.required]
            key = answer.answer if answer else "not_yet"
            setattr(bucket, key, getattr(bucket, key) + 1)
            if answer and answer.answer == "no" and invitee.required:
                noes.append(participant.id)
            per_person.append(OptionAnswer(participant_id=participant.id, display_name=participant.display_name,
                                           required=invitee.required, answer=answer.answer if answer else None,
                                           source=answer.source if answer else None))
        out.append(OptionResult(id=option.id, start=local(option.starts_at), end=local(option.ends_at),
                                confidence=judged.confidence, reason=judged.reason, required=counts[True],
                                optional=counts[False], required_no=noes, answers=per_person))
    not_answered = [p.id for i, p in rows if i.responded_at is None]
    return PollPublic(
        id=poll.id, review_id=poll.review_id, board_code=poll.board_code, kind=poll.kind,
        duration_minutes=poll.duration_minutes, deadline=local(poll.deadline), status=poll.status,
        proposal_id=poll.proposal_id, coordinator_email=poll.coordinator_email, meeting_id=poll.meeting_id,
        finalised_option_id=poll.finalised_option_id, override_reason=poll.override_reason, options=out,
        invitees=[InviteeResult(participant_id=p.id, display_name=p.display_name, agency_code=p.agency_code,
                                required=i.required, invited_at=local(i.invited_at),
                                responded_at=local(i.responded_at), reminded_at=local(i.reminded_at),
                                prefilled_from_diary=i.prefilled, comment=i.comment) for i, p in rows],
        all_required_answered=all(i.responded_at is not None for i, _ in rows if i.required),
        not_answered=not_answered, results_csv_url=f"/v1/polls/{poll.id}/results.csv",
        created_at=local(poll.created_at))


CSV_COLUMNS = ("option_start", "option_end", "option_confidence", "participant_id", "display_name", "agency_code",
               "required", "answer", "answer_source", "responded_at", "comment")


def _cell(value) -> str:
    """A cell a spreadsheet shows as text: never a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def results_csv(session: Session, poll: Poll) -> str:
    """One row per option and invitee, options in order; `answer` empty when not answered yet."""
    public = results(session, poll)
    people = {i.participant_id: i for i in public.invitees}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for option in public.options:
        for answer in option.answers:
            person = people[answer.participant_id]
            writer.writerow([_cell(v) for v in (
                option.start.isoformat(), option.end.isoformat(), option.confidence, answer.participant_id,
                answer.display_name, person.agency_code, "yes" if answer.required else "no", answer.answer or "",
                answer.source or "", person.responded_at.isoformat() if person.responded_at else "",
                person.comment or "")])
    return buffer.getvalue()


# ------------------------------------------------------------------------ creating
def _option_times(session: Session, principal: Principal, body: PollCreate) -> tuple[int, list[tuple[datetime, datetime]]]:
    if body.proposal_id is not None:
        proposal = meetings.get_proposal(session, principal, body.proposal_id)
        if proposal.review_id != body.review_id:
            raise field_problem("other_review", "The proposal is for another review.", "proposal_id")
        if not proposal.suggestions:
            raise field_problem("empty_proposal", "The proposal has no suggestions to offer as options.", "proposal_id")
        if body.duration_minutes is not None and body.duration_minutes != proposal.duration_minutes:
            raise field_problem("duration_mismatch", "duration_minutes differs from the proposal's.", "duration_minutes")
        return proposal.duration_minutes, [(s.start, s.end) for s in sorted(proposal.suggestions, key=lambda s: s.rank)]
    length = timedelta(minutes=body.duration_minutes)
    return body.duration_minutes, [(start, start + length) for start in body.options]


def create(session: Session, principal: Principal, body: PollCreate, settings: Settings) -> Poll:
    review = review_for(session, principal, body.review_id)
    if review.status == "closed":
        raise Problem(409, f"Review {review.review_id} is closed; no meeting can be arranged for it.")
    check_free_text(session, {"coordinator_name": body.coordinator_name}, kinds=NOT_NAMES)
    now = utcnow()
    if body.deadline <= now:
        raise field_problem("deadline_past", "The deadline must be in the future.", "deadline")
    duration, times = _option_times(session, principal, body)
    early = [i for i, (start, _) in enumerate(times) if start <= body.deadline]
    if early:
        raise Problem(422, "Every option must start after the deadline, so people can answer before it.",
                      errors=[field_error(f"options.{i}", "starts before the deadline", "before_deadline")
                              for i in early])
    found = participants_of_board(session, principal, body.required_participants + body.optional_participants)
    poll = Poll(board_code=principal.board_code, review_id=body.review_id, kind=body.kind, duration_minutes=duration,
                deadline=body.deadline, proposal_id=body.proposal_id,
                coordinator_email=body.coordinator_email or settings.meeting_organizer_email,
                coordinator_name=body.coordinator_name)
    session.add(poll)
    session.flush()
    options = [PollOption(poll_id=poll.id, position=i, starts_at=start, ends_at=end)
               for i, (start, end) in enumerate(times)]
    session.add_all(options)
    invitees = [(found[i], True) for i in body.required_participants] + \
               [(found[i], False) for i in body.optional_participants]
    for participant, required in invitees:
        session.add(PollInvitee(poll_id=poll.id, participant_id=participant.id, required=required, invited_at=now))
    session.flush()
    _prefill(session, poll, options, [(p, r) for p, r in invitees if has_connected_diary(p)])
    for invitee, participant in invitees_of(session, poll):
        notices.stage_invitation(session, poll, options, invitee, participant, settings)
    return poll


def _prefill(session: Session, poll: Poll, options: list[PollOption], connected) -> None:
    """People with connected diaries get each option answered from their diary (unconfirmed)."""
    if not connected:
        return
    start, end = _window(options)
    for attendee in attendees_for(session, connected, start, end):
        for option in options:
            state = availability_at(attendee, option.starts_at, option.ends_at)
            session.add(PollAnswer(option_id=option.id, participant_id=attendee.id, poll_id=poll.id,
                                   answer=PREFILL.get(state, "no"), source="diary"))
        invitee = session.get(PollInvitee, (poll.id, attendee.id))
        invitee.prefilled = True
        session.add(invitee)
    session.flush()


# ------------------------------------------------------------------------ answering
def is_open(poll: Poll, now: datetime | None = None) -> bool:
    return poll.status == "open" and (now or utcnow()) < poll.deadline


def submit_answers(session: Session, poll: Poll, participant_id: str, answers: dict[str, str],
                   comment: str | None, settings: Settings) -> PollInvitee:
    """A person's answers to every option (and an optional comment), however they came: one
    rule. Changeable until the deadline; afterwards, or once finalised, 409."""
    # One answer at a time per poll (row lock), so the last required answer is seen as the
    # last and the coordinator is told once; a deadline closing at the same moment wins or waits.
    session.refresh(poll, with_for_update=True)
    if not is_open(poll):
        raise Problem(409, f"Poll {poll.id} no longer takes answers.", slug="poll-closed")
    invitee = session.get(PollInvitee, (poll.id, participant_id))
    if invitee is None:
        raise Problem(404, f"Participant {participant_id} is not invited to poll {poll.id}.")
    options = options_of(session, poll)
    missing = [o.id for o in options if answers.get(o.id) not in ANSWERS]
    unknown = [k for k in answers if k not in {o.id for o in options}]
    if missing or unknown:
        raise Problem(422, "Answer every option with yes, if_need_be or no.",
                      errors=[field_error(f"answers.{oid}", "yes, if_need_be or no", "missing") for oid in missing]
                      + [field_error("answers", "not an option of this poll", "unknown_option")] * bool(unknown))
    comment = (comment or "").strip() or None
    check_free_text(session, {"comment": comment})
    now = utcnow()
    existing = answers_of(session, poll, participant_id)
    for option in options:
        row = existing.get((option.id, participant_id)) or PollAnswer(
            option_id=option.id, participant_id=participant_id, poll_id=poll.id, answer="")
        row.answer, row.source, row.answered_at = answers[option.id], "person", now
        session.add(row)
    invitee.responded_at, invitee.comment = now, comment
    session.add(invitee)
    poll.updated_at = now
    session.add(poll)
    session.flush()
    _maybe_all_answered(session, poll, settings, now)
    return invitee


def _maybe_all_answered(session: Session, poll: Poll, settings: Settings, now: datetime) -> None:
    if poll.all_answered_notified_at is not None:
        return
    rows = invitees_of(session, poll)
    if all(i.responded_at is not None for i, _ in rows if i.required):
        poll.all_answered_notified_at = now
        session.add(poll)
        notices.stage_coordinator(session, poll, results(session, poll), settings, event="all_answered")


# ------------------------------------------------------------------------ finalising
def finalise(session: Session, principal: Principal, poll_id: str, body: PollFinalise,
             settings: Settings) -> tuple[Poll, Meeting]:
    """Book the chosen option as a meeting of the poll's invitees (the meetings service's
    booking: its checks, event and invitations). A required "no" needs override and reason."""
    poll = get_poll(session, principal, poll_id)
    session.refresh(poll, with_for_update=True)  # two coordinators finalising at once book one meeting
    if poll.status == "finalised":
        raise Problem(409, f"Poll {poll.id} was already finalised (meeting {poll.meeting_id}).",
                      slug="poll-finalised")
    option = session.get(PollOption, body.option_id)
    if option is None or option.poll_id != poll.id:
        raise field_problem("unknown_option", "That option is not one of this poll's.", "option_id")
    noes = required_noes(session, poll, option.id)
    if noes and not body.override:
        names = "; ".join(p.display_name for p in noes)
        raise Problem(422, f"Required invitees said no to that option: {names}. Choose another option, or send "
                           "override: true with a reason.", slug="required-said-no",
                      errors=[field_error("override", "a required invitee said no", "required_said_no")],
                      required_no=[p.id for p in noes])
    check_free_text(session, {"reason": body.reason})
    rows = invitees_of(session, poll)
    meeting = meetings.book(session, principal, MeetingCreate(
        review_id=poll.review_id, kind=poll.kind, start=option.starts_at, end=option.ends_at,
        location=body.location, notes=body.notes,
        participants=[InviteeIn(participant_id=p.id, required=i.required) for i, p in rows],
        allow_conflicts=body.override or body.allow_conflicts, organizer_email=body.organizer_email,
        organizer_name=body.organizer_name, coordinator_email=poll.coordinator_email), settings)
    now = utcnow()
    poll.status, poll.meeting_id, poll.finalised_option_id = "finalised", meeting.id, option.id
    poll.override_reason = body.reason.strip() if body.override and body.reason else None
    poll.finalised_at = poll.updated_at = now
    session.add(poll)
    return poll, meeting


# ------------------------------------------------------------------------ the worker's pass
def run_due(session: Session, settings: Settings, now: datetime | None = None) -> dict[str, int]:
    """One reminder per non-responder once the deadline is near; at the deadline the poll
    closes and the coordinator is told who never answered. Each at most once."""
    now = now or utcnow()
    done = {"reminded": 0, "closed": 0}
    soon = now + timedelta(hours=settings.poll_reminder_hours_before_deadline)
    query = select(Poll).where(Poll.status == "open", Poll.deadline <= soon).order_by(Poll.deadline)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # two workers never remind twice
    due = session.exec(query).all()
    for poll in due:
        if poll.deadline <= now:
            poll.status, poll.deadline_notified_at, poll.updated_at = "closed", now, now
            session.add(poll)
            session.flush()
            notices.stage_coordinator(session, poll, results(session, poll), settings, event="deadline")
            done["closed"] += 1
            continue
        options = None
        for invitee, participant in invitees_of(session, poll):
            if invitee.responded_at is None and invitee.reminded_at is None:
                options = options or options_of(session, poll)
                notices.stage_invitation(session, poll, options, invitee, participant, settings, reminder=True)
                invitee.reminded_at = now
                session.add(invitee)
                done["reminded"] += 1
    return done


run_due_job = in_one_transaction(run_due)
