from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel

from shared.http.deps import PrincipalDep, SessionDep, can_see
from shared.http.problems import Problem
from services.scheduler.reviews.models import ReviewRecord

router = APIRouter(prefix="/v1/reviews", tags=["reviews"])


class ReviewRecordPublic(BaseModel):
    review_id: str
    board_code: str
    referral_date: date
    status: str
    created_at: datetime


@router.get("/{review_id}", response_model=ReviewRecordPublic, summary="The scheduler's record of a review")
def read(review_id: str, session: SessionDep, principal: PrincipalDep):
    record = session.get(ReviewRecord, review_id)
    if record is None or not can_see(principal, record.board_code):
        raise Problem(404, f"No review {review_id} known to the scheduler for this key.")
    return record
