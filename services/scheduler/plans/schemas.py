"""Response bodies of a review's plan."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class MeetingCounts(BaseModel):
    kind: str
    booked: int = Field(description="Booked and not cancelled (at risk and held included).")
    held: int
    at_risk: int
    cancelled: int
    next_start: datetime | None = Field(description="The next booked meeting of this kind, if any.")


class PlanStep(BaseModel):
    step: str
    target_date: date
    status: str = Field(description="done, done_late, scheduled, pending or late.")
    done_on: date | None
    late: bool
    meetings: MeetingCounts | None = None


class PlanPublic(BaseModel):
    review_id: str
    board_code: str
    outcome: str
    decided_on: date
    target_completion_date: date
    as_of: date
    steps: list[PlanStep]
    late_steps: list[str]
    created_at: datetime
    updated_at: datetime
