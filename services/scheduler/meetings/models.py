"""Meetings (panel meetings, Learning Events...), their invitees and stored proposals."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime, utcnow

# Status: booked | at_risk | cancelled | held; the transitions are meetings/rules.py.


class Meeting(SQLModel, table=True):
    __tablename__ = "meetings"

    id: str = Field(primary_key=True, max_length=36, default_factory=lambda: str(uuid.uuid4()))
    board_code: str = Field(max_length=64, index=True)
    review_id: str = Field(max_length=36, index=True)
    kind: str = Field(max_length=32)
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    location: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default="booked", max_length=16)
    # iCalendar: the UID never changes; SEQUENCE rises on every change the invitees must see.
    uid: str = Field(max_length=200)
    sequence: int = 0
    organizer_email: str = Field(max_length=320)
    organizer_name: str | None = Field(default=None, max_length=200)
    # Who is told about required declines (the organizer address is the system's replies mailbox).
    coordinator_email: str | None = Field(default=None, max_length=320)
    held_on: date | None = None
    attendance_recorded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    updated_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)


class MeetingInvitee(SQLModel, table=True):
    __tablename__ = "meeting_participants"

    meeting_id: str = Field(primary_key=True, max_length=36, foreign_key="meetings.id")
    participant_id: str = Field(primary_key=True, max_length=36, foreign_key="participants.id", index=True)
    required: bool = True
    # needs_action | accepted | declined | tentative
    response: str = Field(default="needs_action", max_length=16)
    responded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attended: bool | None = None
    # Reminders and chasers (services/scheduler/meetings/reminders.py): the chaser's clock starts
    # at the invitation (again when the meeting moves); a reminder is sent once per SEQUENCE.
    invited_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    chased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_sequence: int | None = None


class MeetingProposal(SQLModel, table=True):
    """A proposal as answered (request and result as JSON), so it can be read again."""

    __tablename__ = "meeting_proposals"

    id: str = Field(primary_key=True, max_length=36, default_factory=lambda: str(uuid.uuid4()))
    board_code: str = Field(max_length=64, index=True)
    review_id: str = Field(max_length=36, index=True)
    meeting_id: str | None = Field(default=None, max_length=36)
    kind: str = Field(max_length=32)
    result: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)


class CalendarReply(SQLModel, table=True):
    """Every iMIP REPLY e-mail read from the replies mailbox, once (keyed by Message-ID), with
    what was done with it: applied, or why it was ignored (unknown UID, forged, out of date)."""

    __tablename__ = "calendar_replies"

    message_id: str = Field(primary_key=True, max_length=255)
    received_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    uid: str | None = Field(default=None, max_length=255)
    meeting_id: str | None = Field(default=None, max_length=36, index=True)
    attendee: str | None = Field(default=None, max_length=320)
    partstat: str | None = Field(default=None, max_length=32)
    outcome: str = Field(max_length=200)
