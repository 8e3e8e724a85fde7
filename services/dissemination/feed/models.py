"""The national feed: a projection of other services' events for Welsh Government."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, Integer
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime, utcnow


class FeedEntry(SQLModel, table=True):
    __tablename__ = "feed_entries"

    # Keyset position: strictly increasing in insertion order.
    seq: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                                           primary_key=True, autoincrement=True))
    id: str = Field(max_length=36, unique=True)  # the source event's id: one entry per event
    event_type: str = Field(max_length=100)
    entry_type: str = Field(max_length=64, index=True)
    board_code: str = Field(max_length=64, index=True)
    review_id: str | None = Field(default=None, max_length=36, index=True)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    recorded_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
