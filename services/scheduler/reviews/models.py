"""The scheduler's own copy of what it needs to know about a review (from events only)."""
from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime, utcnow


class ReviewRecord(SQLModel, table=True):
    __tablename__ = "review_records"

    review_id: str = Field(primary_key=True, max_length=36)
    # A review of a board this service has not been told about fails (and is retried, then
    # parked) rather than being stored against a board nobody can administer.
    board_code: str = Field(max_length=64, index=True, foreign_key="boards.code")
    # None when the decision event overtook the referral event (events of different types
    # are not ordered); the referral fills it in when it arrives.
    referral_date: date | None = None
    status: str = Field(max_length=32)
    outcome: str | None = Field(default=None, max_length=32)
    decided_on: date | None = None
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    updated_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
