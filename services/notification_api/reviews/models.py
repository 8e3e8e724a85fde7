"""Review records as the notification API stores them. The board's own pseudonymous case
reference is the only link to the child; no names, dates of birth or addresses."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime, utcnow


class Review(SQLModel, table=True):
    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("board_code", "board_reference", name="uq_reviews_board_reference"),)

    id: str = Field(primary_key=True, max_length=36, default_factory=lambda: str(uuid.uuid4()))
    board_code: str = Field(max_length=64, foreign_key="boards.code", index=True)
    board_reference: str = Field(max_length=64)
    referral_date: date
    status: str = Field(max_length=32, default="referred", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    updated_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
