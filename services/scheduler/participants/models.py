"""Participants (professionals, never children) and their busy time, per source."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime, utcnow

# Where a busy interval came from; replacing one source never touches the others.
SOURCES = ("manual", "calendar_upload", "calendar_url")


class Participant(SQLModel, table=True):
    __tablename__ = "participants"

    id: str = Field(primary_key=True, max_length=36, default_factory=lambda: str(uuid.uuid4()))
    board_code: str = Field(max_length=64, index=True)
    display_name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    agency_code: str = Field(max_length=64)
    role: str | None = Field(default=None, max_length=200)
    time_zone: str = Field(default="Europe/London", max_length=64)
    # cy | en: the language put first in what we send them (both are always there).
    preferred_language: str = Field(default="cy", max_length=2)
    # {"mon": [["09:00", "17:00"]], ...}; days not listed are non-working.
    working_hours: str = Field(sa_column=Column(Text, nullable=False))
    calendar_url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # none | pending | ok | error
    calendar_status: str = Field(default="none", max_length=16)
    calendar_etag: str | None = Field(default=None, max_length=500)
    calendar_last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    calendar_last_refreshed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    calendar_last_error: str | None = Field(default=None, max_length=500)
    calendar_uploaded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    updated_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)


class BusyPeriod(SQLModel, table=True):
    """A parsed busy interval (parsed once when the diary arrives, not per proposal)."""

    __tablename__ = "participant_busy"

    id: int | None = Field(default=None, primary_key=True)
    participant_id: str = Field(max_length=36, foreign_key="participants.id", index=True)
    source: str = Field(max_length=16)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(max_length=16)
