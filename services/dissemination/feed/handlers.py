"""Projection of events into the national feed (and the review projection), then fan-out of
each new entry to matching webhook subscriptions, all in the inbox's transaction."""
from __future__ import annotations

import logging
import uuid

from pydantic import BaseModel
from sqlalchemy import text, update
from sqlmodel import Session

from shared.db import utcnow
from shared.events import Envelope
from shared.logs import log
from services.dissemination.feed.models import FeedEntry, FeedReviewType, KnownReview
from services.dissemination.feed.projection import project
from services.dissemination.publications.models import Publication
from services.dissemination.subscriptions.service import fan_out

logger = logging.getLogger(__name__)

# Feed writers take this transaction-level advisory lock, so entries commit in `seq` order and
# a reader paging by seq never skips an entry that commits late with a smaller seq.
FEED_WRITE_LOCK = 0x43505246  # "CPRF"


def entry_uuid(event_id: str) -> str:
    try:
        return str(uuid.UUID(event_id))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:cpr:event:{event_id}"))


def _remember_review(session: Session, envelope: Envelope, data: dict) -> None:
    review_id, board = data.get("review_id"), data.get("board_code")
    if not review_id or not board:
        return
    known = session.get(KnownReview, review_id)
    if known is None:
        known = KnownReview(review_id=review_id, board_code=board)
    if envelope.type == "review.decision_recorded.v1" and data.get("review_type"):
        known.review_type = data["review_type"]
        session.execute(update(Publication).where(Publication.review_id == review_id,
                                                  Publication.board_code == known.board_code)
                        .values(review_type=data["review_type"]))
    known.updated_at = utcnow()
    session.add(known)
    types = set()
    if envelope.type == "review.decision_recorded.v1" and data.get("review_type"):
        types.add(data["review_type"])
    if envelope.type == "review.susr_recorded.v1":
        types |= {"susr", data["review_type"], *data.get("covered_types", ())}
    for code in types:  # only added: the two events may arrive in either order
        session.merge(FeedReviewType(review_id=review_id, review_type=code))


def on_event(session: Session, envelope: Envelope, payload: BaseModel) -> None:
    data = payload.model_dump(mode="json")
    if envelope.type.startswith("review."):
        _remember_review(session, envelope, data)
    projected = project(envelope.type, data)
    if projected is None:
        return
    if projected.dropped:
        log(logger, logging.WARNING, "fields dropped from the national feed: not structured data",
            event_id=envelope.id, event_type=envelope.type, fields=list(projected.dropped))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FEED_WRITE_LOCK})
    entry = FeedEntry(id=entry_uuid(envelope.id), event_id=envelope.id, event_type=envelope.type,
                      entry_type=projected.entry_type, board_code=projected.board_code,
                      review_id=projected.review_id, occurred_at=envelope.time, recorded_at=utcnow(),
                      data=projected.data)
    session.add(entry)
    session.flush()
    fan_out(session, entry, projected.themes)
