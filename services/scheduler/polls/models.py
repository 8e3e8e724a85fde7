"""Availability polls, their options, invitees and answers.

An answer is diary data: a "no" by the person makes the option's time busy for them in every
later proposal, an "if need be" tentative (services/scheduler/diary.py reads them)."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime, utcnow

# Status: open (taking answers) -> closed (deadline passed) -> finalised (a meeting booked);
# open -> finalised directly when the coordinator does not wait for the deadline.
STATUSES = ("open", "closed", "finalised")
ANSWERS = ("yes", "if_need_be", "no")


class Poll(SQLModel, table=True):
    __tablename__ = "polls"

    id: str = Field(primary_key=True, max_length=36, default_factory=lambda: str(uuid.uuid4()))
    board_code: str = Field(max_length=64, index=True)
    review_id: str = Field(max_length=36, index=True)
    kind: str = Field(max_length=32)
    duration_minutes: int
    deadline: datetime = Field(sa_type=UTCDateTime, index=True)
    status: str = Field(default="open", max_length=16)
    proposal_id: str | None = Field(default=None, max_length=36)
    coordinator_email: str = Field(max_length=320)
    coordinator_name: str | None = Field(default=None, max_length=200)
    meeting_id: str | None = Field(default=None, max_length=36)
    finalised_option_id: str | None = Field(default=None, max_length=36)
    # Why a required "no" was overridden when finalising (checked for identifiers).
    override_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    all_answered_notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deadline_notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finalised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    updated_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)


class PollOption(SQLModel, table=True):
    __tablename__ = "poll_options"

    id: str = Field(primary_key=True, max_length=36, default_factory=lambda: str(uuid.uuid4()))
    poll_id: str = Field(max_length=36, foreign_key="polls.id", index=True)
    position: int
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime)


class PollInvitee(SQLModel, table=True):
    __tablename__ = "poll_invitees"

    poll_id: str = Field(primary_key=True, max_length=36, foreign_key="polls.id")
    participant_id: str = Field(primary_key=True, max_length=36, foreign_key="participants.id", index=True)
    required: bool = True
    invited_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    # When the person last sent their answers (pre-filled answers alone are not an answer).
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Answers were pre-filled from their connected diary (and they were told so).
    prefilled: bool = False
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class PollAnswer(SQLModel, table=True):
    __tablename__ = "poll_answers"

    option_id: str = Field(primary_key=True, max_length=36, foreign_key="poll_options.id")
    participant_id: str = Field(primary_key=True, max_length=36, foreign_key="participants.id", index=True)
    poll_id: str = Field(max_length=36, foreign_key="polls.id", index=True)
    # yes | if_need_be | no
    answer: str = Field(max_length=16)
    # person (they said so) | diary (pre-filled from their connected diary, not yet confirmed)
    source: str = Field(default="person", max_length=8)
    answered_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
