"""The periodic overdue check: `review.overdue.v1` once per review, when an open review
(decided, report not yet approved) passes its target completion date. The emission is
stored on the review (`overdue_notified_on`) in the same transaction as the event, and rows
are claimed with SKIP LOCKED, so two workers never emit twice."""
from __future__ import annotations

import logging
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from shared.db import is_postgres, session_scope
from shared.events.reviews import ReviewOverdueV1
from shared.logs import log
from shared.outbox import add_event
from services.notification_api.reviews.models import Review
from services.notification_api.reviews.service import overdue_clause, today

logger = logging.getLogger(__name__)
BATCH = 500


def emit_overdue(engine: Engine, on: date | None = None) -> int:
    """Emit review.overdue.v1 for every review that became overdue; returns how many."""
    on = on or today()
    total = 0
    while True:
        with session_scope(engine) as session:
            n = _batch(session, on)
        total += n
        if n < BATCH:
            break
    if total:
        log(logger, logging.INFO, "overdue reviews notified", count=total, on=on.isoformat())
    return total


def _batch(session: Session, on: date) -> int:
    query = (select(Review).where(overdue_clause(on), Review.overdue_notified_on.is_(None))
             .order_by(Review.target_completion_date, Review.id).limit(BATCH))
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    rows = session.exec(query).all()
    for review in rows:
        review.overdue_notified_on = on
        add_event(session, subject=review.id, data=ReviewOverdueV1(
            review_id=review.id, board_code=review.board_code, review_type=review.review_type,
            target_completion_date=review.target_completion_date, detected_on=on))
    return len(rows)


def run(runtime) -> None:
    emit_overdue(runtime.engine)
