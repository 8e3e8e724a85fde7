"""Reminders and chasers of booked meetings, and the coordinator's notice of a required
decline, bilingual like the invitations.

- A required invitee who has not replied `meeting_chase_working_days` working days (Monday to
  Friday, Welsh bank holidays excluded) after the invitation is chased once.
- Every invitee who has not declined is reminded once, `meeting_reminder_hours_before` the start.
- Both follow the meeting: a move restarts the chaser's clock and the reminder (for the new
  time), a cancellation stops both, and either withdraws any still unsent for the old time."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from shared.clock import LONDON
from shared.db import utcnow
from shared.mail import MailMessage, language_order, render_mail, stage_mail, withdraw_mail
from shared.service import in_one_transaction
from shared.settings import Settings
from shared.web.templating import make_env
from services.scheduler.availability import welsh_bank_holidays
from services.scheduler.meetings.invitations import KIND_NAMES, reply_token, reply_url
from services.scheduler.meetings.models import Meeting, MeetingInvitee
from services.scheduler.meetings.rules import ACTIVE
from services.scheduler.participants.models import Participant


def add_working_days(instant: datetime, days: int) -> datetime:
    """The same Welsh wall-clock time `days` working days later (weekends and Welsh bank
    holidays are not working days)."""
    local = instant.astimezone(LONDON)
    day = local.date()
    holidays = welsh_bank_holidays(range(day.year, day.year + 2 + days // 200))
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            counted += 1
    return datetime.combine(day, local.time(), LONDON).astimezone(instant.tzinfo)


def _key(meeting: Meeting, what: str, participant_id: str, sequence: int | None = None) -> str:
    return f"scheduler:meeting:{meeting.id}:{meeting.sequence if sequence is None else sequence}:{what}:{participant_id}"


def _stage(session: Session, meeting: Meeting, invitee: MeetingInvitee, participant: Participant, what: str,
           settings: Settings) -> None:
    env = make_env("services.scheduler")
    langs = language_order(participant.preferred_language)
    en, cy = KIND_NAMES.get(meeting.kind, KIND_NAMES["other"])
    context = {"meeting": meeting, "participant": participant, "required": invitee.required, "kind_en": en,
               "kind_cy": cy, "response": invitee.response,
               "link": reply_url(settings, reply_token(settings, meeting, participant.id))}
    rendered = render_mail(env, f"meeting_{what}", context, langs)
    stage_mail(session, MailMessage(
        key=_key(meeting, what, participant.id), to=participant.email, to_name=participant.display_name,
        subject=rendered.subject, text=rendered.text, html=rendered.html, languages=langs,
        purpose=f"meeting.{what}", reply_to=meeting.organizer_email), settings)


def withdraw_pending(session: Session, meeting: Meeting, settings: Settings,
                     participant_ids: set[str] | None = None) -> int:
    """On a move or cancellation (or for invitees removed): drop chasers and reminders for
    the meeting as it was that are staged but not yet sent (any SEQUENCE so far)."""
    ids = participant_ids if participant_ids is not None else session.exec(
        select(MeetingInvitee.participant_id).where(MeetingInvitee.meeting_id == meeting.id)).all()
    return withdraw_mail(session, [_key(meeting, what, pid, seq) for pid in ids for what in ("chase", "reminder")
                                   for seq in range(meeting.sequence + 1)], settings)


def restart(session: Session, meeting: Meeting, now: datetime) -> None:
    """A moved meeting is a new invitation: the chaser's clock and the reminder start again."""
    for invitee in session.exec(select(MeetingInvitee).where(MeetingInvitee.meeting_id == meeting.id)).all():
        invitee.invited_at, invitee.chased_at, invitee.reminded_sequence = now, None, None
        session.add(invitee)


def run_due(session: Session, settings: Settings, now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    done = {"chased": 0, "reminded": 0}
    base = (select(MeetingInvitee, Meeting, Participant)
            .join(Meeting, Meeting.id == MeetingInvitee.meeting_id)
            .join(Participant, Participant.id == MeetingInvitee.participant_id)
            .where(Meeting.status.in_(ACTIVE), Meeting.starts_at > now))
    locking = session.get_bind().dialect.name == "postgresql"
    # Chasers: at least N calendar days have passed (the working-day rule is checked per row).
    chase = base.where(MeetingInvitee.required.is_(True), MeetingInvitee.response == "needs_action",
                       MeetingInvitee.chased_at.is_(None),
                       MeetingInvitee.invited_at <= now - timedelta(days=settings.meeting_chase_working_days))
    if locking:
        chase = chase.with_for_update(of=MeetingInvitee, skip_locked=True)
    for invitee, meeting, participant in session.exec(chase).all():
        if add_working_days(invitee.invited_at, settings.meeting_chase_working_days) <= now:
            _stage(session, meeting, invitee, participant, "chase", settings)
            invitee.chased_at = now
            session.add(invitee)
            done["chased"] += 1
    remind = base.where(Meeting.starts_at <= now + timedelta(hours=settings.meeting_reminder_hours_before),
                        MeetingInvitee.response != "declined", MeetingInvitee.reminded_sequence.is_(None))
    if locking:
        remind = remind.with_for_update(of=MeetingInvitee, skip_locked=True)
    for invitee, meeting, participant in session.exec(remind).all():
        _stage(session, meeting, invitee, participant, "reminder", settings)
        invitee.reminded_sequence = meeting.sequence
        session.add(invitee)
        done["reminded"] += 1
    return done


run_due_job = in_one_transaction(run_due)


def stage_decline_notice(session: Session, meeting: Meeting, participant: Participant, alternatives,
                         settings: Settings) -> None:
    """The coordinator hears of a required decline with the alternatives already computed
    (`alternatives` is the ProposalPublic of GET /v1/meetings/{id}/alternatives)."""
    env = make_env("services.scheduler")
    langs = language_order(None)
    en, cy = KIND_NAMES.get(meeting.kind, KIND_NAMES["other"])
    rendered = render_mail(env, "meeting_declined", {
        "meeting": meeting, "participant": participant, "kind_en": en, "kind_cy": cy,
        "alternatives": alternatives,
        "api_url": f"{settings.base_url('scheduler')}/v1/meetings/{meeting.id}/alternatives"}, langs)
    stage_mail(session, MailMessage(
        key=_key(meeting, "declined", participant.id), to=meeting.coordinator_email or meeting.organizer_email,
        subject=rendered.subject, text=rendered.text, html=rendered.html, languages=langs,
        purpose="meeting.declined"), settings)
