"""Review records as the notification API stores them. The board's own pseudonymous case
reference is the only link to the child; no names, dates of birth or addresses."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime, utcnow


def _uuid() -> str:
    return str(uuid.uuid4())


class ReviewType(SQLModel, table=True):
    """A kind of review a board can decide to hold: reference data seeded by the migration
    (concise_cpr, extended_cpr, mapf). Further kinds (e.g. the Single Unified Safeguarding
    Review's) are rows, not code."""

    __tablename__ = "review_types"

    code: str = Field(primary_key=True, max_length=32)
    name_en: str = Field(max_length=200)
    name_cy: str = Field(max_length=200)
    target_months: int | None = None
    target_days: int | None = None
    reviewers_expected: int
    is_review: bool
    active: bool = True
    # The constituent type of a Single Unified Safeguarding Review this type stands for
    # (cpr, apr, dhr, mhhr, owhr): what the approved list approves people for. None for a MAPF.
    family: str | None = Field(default=None, max_length=16)
    # False: decided only as part of a SUSR (APR, DHR, MHHR, OWHR), never an outcome of its own.
    standalone: bool = True


class Review(SQLModel, table=True):
    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("board_code", "board_reference", name="uq_reviews_board_reference"),
        Index("ix_reviews_created_at_id", "created_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=36, default_factory=_uuid)
    board_code: str = Field(max_length=64, foreign_key="boards.code", index=True)
    board_reference: str = Field(max_length=64)
    referral_date: date
    # -- referral facts (the criteria are applied to these) ---------------------------
    trigger_kind: str = Field(max_length=40)
    trigger_date: date
    abuse_or_neglect: str = Field(max_length=20)
    # The child block (CPR). A referral with no child harmed stores person "adult_at_risk" or
    # "none" here and False/0 in the child columns, which the API does not show.
    person: str = Field(default="child", max_length=20)
    child_age_years: int
    on_child_protection_register_in_prior_6_months: bool
    looked_after_in_prior_6_months: bool
    # The adult at risk block (APR) and the homicide block (DHR, MHHR, OWHR), when given.
    adult_at_risk: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    homicide: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    agencies_involved: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    summary: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # -- what the criteria imply -------------------------------------------------------
    criteria_met: bool
    indicated_type: str | None = Field(default=None, max_length=32)
    criteria_reasons: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Every type's criteria (the SUSR assessment): review type codes indicated, and per type.
    indicated_types: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    susr_assessment: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # -- the Board's decision ----------------------------------------------------------
    outcome: str | None = Field(default=None, max_length=32)
    # The type whose timescale governs (a SUSR: the covered type with the earliest target).
    review_type: str | None = Field(default=None, max_length=32, foreign_key="review_types.code")
    # The review types the decision covers: one for a CPR or MAPF, one or more for a SUSR.
    covered_types: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    decided_on: date | None = None
    rationale: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    departs_from_criteria: bool | None = None
    target_completion_date: date | None = None
    # -- lifecycle (denormalised from milestones so monitoring is one GROUP BY) -------
    status: str = Field(max_length=32, default="referred", index=True)
    report_approved_on: date | None = None
    report_published_on: date | None = None
    closed_on: date | None = None
    overdue_notified_on: date | None = None
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    updated_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)


class ReviewMilestone(SQLModel, table=True):
    __tablename__ = "review_milestones"
    __table_args__ = (UniqueConstraint("review_id", "milestone", name="uq_review_milestones_review_milestone"),)

    id: str = Field(primary_key=True, max_length=36, default_factory=_uuid)
    review_id: str = Field(max_length=36, foreign_key="reviews.id", index=True)
    milestone: str = Field(max_length=40)
    occurred_on: date
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # "api", or the event type that recorded it (e.g. "meeting.held.v1").
    source: str = Field(max_length=100)
    recorded_by: str = Field(max_length=100)
    recorded_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)


class ReviewProceeding(SQLModel, table=True):
    """A parallel proceeding (criminal, coroner_inquest, disciplinary, other): a delay reason."""

    __tablename__ = "review_proceedings"

    id: str = Field(primary_key=True, max_length=36, default_factory=_uuid)
    review_id: str = Field(max_length=36, foreign_key="reviews.id", index=True)
    kind: str = Field(max_length=32)
    started_on: date
    ended_on: date | None = None
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    updated_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)


class ReviewAudit(SQLModel, table=True):
    """Who read or changed a review, when, with which key."""

    __tablename__ = "review_audit"
    __table_args__ = (Index("ix_review_audit_review_id_id", "review_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    review_id: str = Field(max_length=36)
    board_code: str = Field(max_length=64)
    principal: str = Field(max_length=100)
    key_id: str | None = Field(default=None, max_length=36)
    action: str = Field(max_length=10)  # read | create | update
    what: str = Field(max_length=100)
    at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
