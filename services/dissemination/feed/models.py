"""The national feed (a projection of other services' events for Welsh Government) and the
small projection of reviews this service keeps (board and type, to check and filter)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, Index, Integer
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime, utcnow


class FeedEntry(SQLModel, table=True):
    __tablename__ = "feed_entries"
    __table_args__ = (
        # Keyset paging with a filter reads these in order: a deep page costs what the first does.
        Index("ix_feed_entries_board_seq", "board_code", "seq"),
        Index("ix_feed_entries_type_seq", "entry_type", "seq"),
    )

    # Keyset position: strictly increasing in commit order (writers serialise, see handlers).
    seq: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                           primary_key=True, autoincrement=True))
    id: str = Field(max_length=36, unique=True)  # the entry's UUID (the event id when it is one)
    event_id: str = Field(max_length=64, unique=True)  # the source event: one entry per event
    event_type: str = Field(max_length=100)
    entry_type: str = Field(max_length=64)
    board_code: str = Field(max_length=64)
    review_id: str | None = Field(default=None, max_length=64, index=True)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    recorded_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class KnownReview(SQLModel, table=True):
    """review_id -> board (from review.referred) and type (from review.decision_recorded)."""

    __tablename__ = "feed_reviews"

    review_id: str = Field(primary_key=True, max_length=64)
    board_code: str = Field(max_length=64)
    review_type: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)


class FeedReviewType(SQLModel, table=True):
    """Which review types a review is, for the feed's `review_type` filter: the type decided on
    (review.decision_recorded) and, for a SUSR (review.susr_recorded), `susr` and every type it
    covers, so a domestic homicide review held as part of a SUSR is found as either."""

    __tablename__ = "feed_review_types"

    review_id: str = Field(primary_key=True, max_length=64)
    review_type: str = Field(primary_key=True, max_length=64, index=True)
