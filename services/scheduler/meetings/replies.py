"""Calendar clients' answers (METHOD:REPLY e-mail to the ORGANIZER mailbox) applied exactly as
the API applies a reply, once per message. Anything that cannot be trusted or placed (an
unknown UID, an attendee who is not invited, a sender who is not the attendee, a reply to an
older SEQUENCE) is recorded and logged, never applied."""
from __future__ import annotations

import email
import email.policy
import hashlib
import logging

from sqlmodel import Session, select

from shared.http.problems import Problem
from shared.logs import log
from services.scheduler.meetings.imip import calendar_replies_in, sender_of
from services.scheduler.meetings.invitations import RESPONSE_OF_PARTSTAT, invitees_of
from services.scheduler.meetings.models import CalendarReply, Meeting

logger = logging.getLogger("cpr.scheduler.replies")


def _apply_one(session: Session, reply, sender: str | None) -> tuple[str, str | None]:
    from services.scheduler.meetings.service import apply_response

    meeting = session.exec(select(Meeting).where(Meeting.uid == reply.uid)).first()
    if meeting is None:
        return "ignored: unknown UID", None
    if reply.sequence < meeting.sequence:
        return f"ignored: reply to SEQUENCE {reply.sequence}, meeting is at {meeting.sequence}", meeting.id
    invited = [(i, p) for i, p in invitees_of(session, meeting) if p.email.strip().lower() == reply.attendee]
    if not invited:
        return "ignored: attendee not invited", meeting.id
    if sender not in (reply.attendee, reply.sent_by):
        return "ignored: sender is not the attendee", meeting.id
    response = RESPONSE_OF_PARTSTAT.get(reply.partstat)
    if response is None or response == "needs_action":
        return f"ignored: PARTSTAT {reply.partstat}", meeting.id
    try:
        for _, participant in invited:  # a shared address answers for each invitee behind it
            apply_response(session, meeting, participant.id, response)
    except Problem as exc:
        return f"ignored: {exc.detail}"[:200], meeting.id
    return f"applied: {response}", meeting.id


def handle_reply_message(session: Session, raw: bytes) -> list[str]:
    """Apply the replies in one e-mail, in the caller's transaction; a message seen before
    (same Message-ID) changes nothing."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = (str(msg.get("Message-ID") or "").strip() or "sha256:" + hashlib.sha256(raw).hexdigest())[:255]
    if session.get(CalendarReply, message_id) is not None:
        return ["duplicate"]
    sender = sender_of(msg)
    replies = calendar_replies_in(msg)
    if not replies:
        session.add(CalendarReply(message_id=message_id, outcome="ignored: no calendar reply"))
        log(logger, logging.INFO, "mailbox message without a calendar reply ignored", message_id=message_id)
        return ["ignored: no calendar reply"]
    outcomes = []
    for i, reply in enumerate(replies):
        outcome, meeting_id = _apply_one(session, reply, sender)
        outcomes.append(outcome)
        level = logging.INFO if outcome.startswith("applied") else logging.WARNING
        log(logger, level, "calendar reply " + outcome, message_id=message_id, uid=reply.uid, meeting_id=meeting_id,
            sequence=reply.sequence)
        session.add(CalendarReply(message_id=message_id if i == 0 else f"{message_id}#{i}"[:255], uid=reply.uid[:255],
                                  meeting_id=meeting_id, attendee=reply.attendee[:320], partstat=reply.partstat[:32],
                                  outcome=outcome[:200]))
    return outcomes


def poll_reply_mailbox(runtime) -> None:
    """Worker job: read unseen messages from CPR_IMAP_URL's mailbox."""
    settings = runtime.settings
    if not settings.imap_url:
        return
    from shared.mail.inbound import parse_imap_url, read_unseen

    def handle(raw: bytes) -> None:
        with Session(runtime.engine, expire_on_commit=False, info={"settings": settings}) as session:
            handle_reply_message(session, raw)
            session.commit()

    read_unseen(parse_imap_url(settings.imap_url), handle)
