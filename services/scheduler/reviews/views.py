from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel

from shared.http.deps import PrincipalDep, SessionDep
from shared.http.responses import not_found
from services.scheduler.common import review_for
from services.scheduler.plans.schemas import PlanPublic
from services.scheduler.plans.service import read_plan

router = APIRouter(prefix="/v1/reviews", tags=["reviews"])
NOT_FOUND = not_found("review")


class ReviewRecordPublic(BaseModel):
    review_id: str
    board_code: str
    referral_date: date | None
    status: str
    outcome: str | None = None
    decided_on: date | None = None
    created_at: datetime


@router.get("/{review_id}", response_model=ReviewRecordPublic, summary="The scheduler's record of a review",
            responses=NOT_FOUND)
def read(review_id: str, session: SessionDep, principal: PrincipalDep):
    return review_for(session, principal, review_id)


@router.get("/{review_id}/plan", response_model=PlanPublic,
            summary="The review's plan (target date per step) against reality; which steps are late",
            responses={404: {"description": "No such review for this key, or no plan (no CPR/MAPF decision)"}})
def plan(review_id: str, session: SessionDep, principal: PrincipalDep):
    return read_plan(session, principal, review_id)
