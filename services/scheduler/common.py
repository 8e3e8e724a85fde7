"""Small helpers every part of the scheduler uses."""
from __future__ import annotations

from sqlmodel import Session

from shared.auth import Principal
from shared.clock import london_time
from shared.http.deps import visible_or_404
from services.scheduler.reviews.models import ReviewRecord

local = london_time  # the scheduler's short name for it


def review_for(session: Session, principal: Principal, review_id: str) -> ReviewRecord:
    """The scheduler's record of a review the caller may see, else 404 (existence is data too)."""
    return visible_or_404(session.get(ReviewRecord, review_id), principal,
                          f"No review {review_id} known to the scheduler for this key.")

