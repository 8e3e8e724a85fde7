"""The mail outbox: one row per logical message, in the database of the service that sends it."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime, utcnow

# pending -> sending (claimed; the attempt is recorded before any byte goes out)
#         -> committing (recorded just before the final "." of DATA: from here on the server may have it)
#         -> sent | pending (4xx, retried with back-off) | failed (5xx, or out of attempts)
# A worker that dies leaves `sending` (the server never had the whole message: sent again) or
# `committing` (it may have been delivered: `unknown`, never sent again by itself).
STATUSES = ("pending", "sending", "committing", "sent", "failed", "unknown")
FINAL_FAILURES = ("failed", "unknown")


class MailOutbox(SQLModel, table=True):
    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_status_due", "status", "next_attempt_at"),)

    id: str = Field(primary_key=True, max_length=36, default_factory=lambda: str(uuid.uuid4()))
    # The logical message's identity: staging the same message again finds this row.
    message_id: str = Field(max_length=255, unique=True)
    purpose: str = Field(max_length=64)
    recipient: str = Field(max_length=320)
    subject: str = Field(max_length=500)
    # The whole RFC 5322 message, composed when staged (Date and Message-ID fixed then).
    raw: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    claim_token: str | None = Field(default=None, max_length=32)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
