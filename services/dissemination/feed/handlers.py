"""Projection of events into the national feed. Only structured fields are copied."""
from __future__ import annotations

from sqlmodel import Session

from shared.events import Envelope
from shared.events.reviews import ReviewReferredV1
from services.dissemination.feed.models import FeedEntry


def on_review_referred(session: Session, envelope: Envelope, event: ReviewReferredV1) -> None:
    session.add(FeedEntry(id=envelope.id, event_type=envelope.type, entry_type="review_referred",
                          board_code=event.board_code, review_id=event.review_id, occurred_at=envelope.time,
                          data=event.model_dump(mode="json")))
