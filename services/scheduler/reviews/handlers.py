"""Event handlers: the scheduler keeps a record of each review it may plan meetings for,
and a plan once a CPR or MAPF is decided. Each runs once per event (the inbox)."""
from __future__ import annotations

from sqlmodel import Session

from shared.db import utcnow
from shared.events import Envelope
from shared.events.reviews import (
    ReviewAppointmentMadeV1,
    ReviewClosedV1,
    ReviewDecisionRecordedV1,
    ReviewMilestoneRecordedV1,
    ReviewReferredV1,
)
from shared.service import settings_for
from services.scheduler.participants.service import from_appointment
from services.scheduler.plans.models import ReviewMilestone
from services.scheduler.plans.service import apply_decision
from services.scheduler.reviews.models import ReviewRecord


def _record(session: Session, review_id: str, board_code: str, status: str) -> ReviewRecord:
    """The review's record, created if this event overtook the referral."""
    record = session.get(ReviewRecord, review_id)
    if record is None:
        record = ReviewRecord(review_id=review_id, board_code=board_code, status=status)
    return record


def on_review_referred(session: Session, envelope: Envelope, event: ReviewReferredV1) -> None:
    record = session.get(ReviewRecord, event.review_id)
    if record is None:
        session.add(ReviewRecord(review_id=event.review_id, board_code=event.board_code,
                                 referral_date=event.referral_date, status=event.status))
    elif record.referral_date is None:  # a later event got here first: keep its status
        record.referral_date = event.referral_date
        session.add(record)


def on_decision_recorded(session: Session, envelope: Envelope, event: ReviewDecisionRecordedV1) -> None:
    record = _record(session, event.review_id, event.board_code, event.status)
    if record.status != "closed":
        record.status = event.status
    record.outcome, record.decided_on, record.updated_at = event.outcome, event.decided_on, utcnow()
    session.add(record)
    apply_decision(session, envelope.id, event, settings_for(session))


def on_milestone_recorded(session: Session, envelope: Envelope, event: ReviewMilestoneRecordedV1) -> None:
    record = _record(session, event.review_id, event.board_code, event.status)
    record.status, record.updated_at = event.status, utcnow()
    session.add(record)
    row = session.get(ReviewMilestone, (event.review_id, event.milestone))
    if row is None:
        session.add(ReviewMilestone(review_id=event.review_id, milestone=event.milestone, on=event.on))
    else:
        row.on = event.on
        session.add(row)


def on_review_closed(session: Session, envelope: Envelope, event: ReviewClosedV1) -> None:
    record = _record(session, event.review_id, event.board_code, "closed")
    record.status, record.updated_at = "closed", utcnow()
    session.add(record)


def on_appointment_made(session: Session, envelope: Envelope, event: ReviewAppointmentMadeV1) -> None:
    """A chair or reviewer appointed from the approved list becomes one of the board's
    participants, ready to be invited to the review's panel meetings and learning event."""
    # The event carries no name: invitations address them by e-mail until the board edits it.
    from_appointment(session, board_code=event.board_code, approved_reviewer_id=event.approved_reviewer_id,
                     display_name=event.work_email[:200], email=event.work_email,
                     role="SUSR chair" if event.role == "chair" else "SUSR reviewer")
