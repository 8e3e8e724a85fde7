"""The approved list (Welsh Government's register of SUSR chairs and reviewers) and the
appointments boards make from it. Professionals' work contact details only: no home address,
no personal e-mail, and nothing about a child or family."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime, utcnow


def _uuid() -> str:
    return str(uuid.uuid4())


class ApprovedReviewer(SQLModel, table=True):
    __tablename__ = "approved_reviewers"

    id: str = Field(primary_key=True, max_length=36, default_factory=_uuid)
    display_name: str = Field(max_length=200)
    organisation: str = Field(max_length=200)
    work_email: str = Field(max_length=320, unique=True)
    work_phone: str | None = Field(default=None, max_length=40)
    # chair and/or reviewer
    roles: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # constituent review types they may review: cpr, apr, dhr, mhhr, owhr
    review_types: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    updated_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)


class ReviewAppointment(SQLModel, table=True):
    """A chair or reviewer a board appointed to one of its reviews from the approved list."""

    __tablename__ = "review_appointments"
    __table_args__ = (UniqueConstraint("review_id", "approved_reviewer_id", name="uq_review_appointments_person"),)

    id: str = Field(primary_key=True, max_length=36, default_factory=_uuid)
    review_id: str = Field(max_length=36, foreign_key="reviews.id", index=True)
    approved_reviewer_id: str = Field(max_length=36, foreign_key="approved_reviewers.id")
    role: str = Field(max_length=16)
    appointed_on: date
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
