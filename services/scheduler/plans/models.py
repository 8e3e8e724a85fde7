"""Review plans (target dates per step) and the review milestones the scheduler hears of."""
from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime, utcnow


class ReviewPlan(SQLModel, table=True):
    __tablename__ = "review_plans"

    review_id: str = Field(primary_key=True, max_length=36)
    board_code: str = Field(max_length=64, index=True)
    outcome: str = Field(max_length=32)
    decided_on: date
    target_completion_date: date
    first_panel_meeting_by: date
    learning_event_by: date
    draft_report_by: date
    approval_by: date
    decision_event_id: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    updated_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)


class ReviewMilestone(SQLModel, table=True):
    """Milestones recorded at the notification API (review.milestone_recorded.v1)."""

    __tablename__ = "plan_milestones"

    review_id: str = Field(primary_key=True, max_length=36)
    milestone: str = Field(primary_key=True, max_length=64)
    on: date
    recorded_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
