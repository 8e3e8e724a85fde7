"""Invitations as people get them: the iCalendar object (one renderer,
availability/invite.py) and iMIP e-mail per invitee (RFC 6047), staged in the transaction
of the change that causes it, with a personal reply link in Welsh and English.

What each change sends: booking a REQUEST to everyone; a change invitees see (time, place,
notes) a REQUEST with the raised SEQUENCE to everyone; cancelling a CANCEL to everyone.
Each message's key holds the meeting, SEQUENCE, METHOD and participant, so one change is
one e-mail per person however often it is staged."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from shared.mail import CalendarPart, MailMessage, language_order, render_mail, stage_mail
from shared.settings import Settings
from shared.web.templating import make_env
from shared.web.tokens import make_token
from services.scheduler.availability import InviteAttendee, build_invitation
from services.scheduler.meetings.models import Meeting, MeetingInvitee
from services.scheduler.participants.models import Participant

KIND_NAMES = {"panel_meeting": ("Review panel meeting", "Cyfarfod y panel adolygu"),
              "learning_event": ("Learning Event", "Digwyddiad Dysgu"),
              "cprg_meeting": ("CPR Group meeting", "Cyfarfod y Grŵp Adolygu Ymarfer Plant"),
              "other": ("Meeting", "Cyfarfod")}
PARTSTAT = {"needs_action": "NEEDS-ACTION", "accepted": "ACCEPTED", "declined": "DECLINED", "tentative": "TENTATIVE"}
RESPONSE_OF_PARTSTAT = {v: k for k, v in PARTSTAT.items()}
REPLY_PURPOSE = "meeting-reply"


def invitees_of(session: Session, meeting: Meeting) -> list[tuple[MeetingInvitee, Participant]]:
    return list(session.exec(
        select(MeetingInvitee, Participant).join(Participant, Participant.id == MeetingInvitee.participant_id)
        .where(MeetingInvitee.meeting_id == meeting.id)
        .order_by(MeetingInvitee.required.desc(), Participant.display_name, Participant.id)).all())


def _distinct_addresses(rows):
    """A shared address (a team mailbox) appears once, as its first invitee."""
    seen, out = set(), []
    for invitee, participant in rows:
        if participant.email.lower() not in seen:
            seen.add(participant.email.lower())
            out.append((invitee, participant))
    return out


def render_ics(meeting: Meeting, rows, *, only_email: str | None = None, cancelled: bool | None = None) -> bytes:
    attendees = [InviteAttendee(email=p.email, name=p.display_name, required=i.required,
                                partstat=PARTSTAT[i.response]) for i, p in _distinct_addresses(rows)]
    return build_invitation(
        uid=meeting.uid, sequence=meeting.sequence, start=meeting.starts_at, end=meeting.ends_at,
        summary=f"{KIND_NAMES.get(meeting.kind, KIND_NAMES['other'])[0]}: Child Practice Review",
        organizer_email=meeting.organizer_email, organizer_name=meeting.organizer_name,
        attendees=attendees, location=meeting.location, description=meeting.notes,
        cancelled=meeting.status == "cancelled" if cancelled is None else cancelled,
        only_attendee=only_email, dtstamp=meeting.updated_at)


def reply_token(settings: Settings, meeting: Meeting, participant_id: str) -> str:
    """Good for answering this meeting as this participant, until a while after it ends."""
    expires = meeting.ends_at + timedelta(days=settings.reply_link_days_after_meeting)
    return make_token(settings.secret_key, REPLY_PURPOSE, {"m": meeting.id, "p": participant_id}, expires)


def reply_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url('scheduler')}/meetings/reply/{token}"


def stage_invitation_mail(session: Session, meeting: Meeting, settings: Settings, *, cancel: bool = False,
                          only_participant_ids: set[str] | None = None) -> int:
    """Stage one iMIP message per invitee (or per those named): REQUEST, or CANCEL."""
    rows = invitees_of(session, meeting)
    env = make_env("services.scheduler")
    method = "CANCEL" if cancel else "REQUEST"
    staged = 0
    for invitee, participant in _distinct_addresses(rows):
        if only_participant_ids is not None and participant.id not in only_participant_ids:
            continue
        ics = render_ics(meeting, rows, only_email=participant.email, cancelled=cancel)
        langs = language_order(participant.preferred_language)
        en, cy = KIND_NAMES.get(meeting.kind, KIND_NAMES["other"])
        context = {"meeting": meeting, "participant": participant, "required": invitee.required,
                   "kind_en": en, "kind_cy": cy, "changed": meeting.sequence > 0,
                   "link": None if cancel else reply_url(settings, reply_token(settings, meeting, participant.id))}
        rendered = render_mail(env, "cancellation" if cancel else "invitation", context, langs)
        stage_mail(session, MailMessage(
            key=f"scheduler:meeting:{meeting.id}:{meeting.sequence}:{method}:{participant.id}",
            to=participant.email, to_name=participant.display_name, subject=rendered.subject,
            text=rendered.text, html=rendered.html, languages=langs, purpose=f"meeting.{method.lower()}",
            calendar=CalendarPart(ics), from_addr=meeting.organizer_email, from_name=meeting.organizer_name,
            reply_to=meeting.organizer_email), settings)
        staged += 1
    return staged
