"""E-mail alerts: a practitioner's subscription to themes and/or boards, and the record of each
message sent to them (the claim that makes a period go out once)."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime, utcnow

STATUSES = ("pending", "confirmed")


class AlertSubscription(SQLModel, table=True):
    """The address is stored only to send to it: no page, API answer, log line or event carries
    it. `address_hash` (HMAC under CPR_SECRET_KEY of the normalised address) finds an existing
    subscription without comparing the address itself. Unsubscribing deletes the row."""

    __tablename__ = "alert_subscriptions"
    __table_args__ = (Index("ix_alert_subscriptions_due", "status", "frequency", "covered_until"),)

    id: str = Field(primary_key=True, max_length=36, default_factory=lambda: str(uuid.uuid4()))
    address: str = Field(max_length=320)
    address_hash: str = Field(max_length=64, unique=True)
    themes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    boards: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    frequency: str = Field(max_length=16)
    language: str = Field(max_length=2)
    status: str = Field(default="pending", max_length=16)
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Publications made public before this instant have been dealt with (alerts/periods.py).
    covered_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Raised on every change of preferences or confirmation: a link token names the version it
    # was made for, so an old confirmation link cannot re-confirm changed preferences.
    version: int = 1


class AlertMessage(SQLModel, table=True):
    """One message sent (staged) to one subscription for one period: the unique pair is the
    claim, written in the transaction that stages the mail, so a period goes out once."""

    __tablename__ = "alert_messages"
    __table_args__ = (UniqueConstraint("subscription_id", "period_key", name="uq_alert_messages_period"),)

    id: str = Field(primary_key=True, max_length=36, default_factory=lambda: str(uuid.uuid4()))
    subscription_id: str = Field(sa_column=Column(String(36), ForeignKey("alert_subscriptions.id",
                                                                         ondelete="CASCADE"), nullable=False))
    period_key: str = Field(max_length=64)
    window_start: datetime = Field(sa_type=UTCDateTime)
    window_end: datetime = Field(sa_type=UTCDateTime)
    publications: int
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
