"""Event handlers: the scheduler keeps a record of each review it may plan meetings for."""
from __future__ import annotations

from sqlmodel import Session

from shared.events import Envelope
from shared.events.reviews import ReviewReferredV1
from services.scheduler.reviews.models import ReviewRecord


def on_review_referred(session: Session, envelope: Envelope, event: ReviewReferredV1) -> None:
    if session.get(ReviewRecord, event.review_id) is None:
        session.add(ReviewRecord(review_id=event.review_id, board_code=event.board_code,
                                 referral_date=event.referral_date, status=event.status))
