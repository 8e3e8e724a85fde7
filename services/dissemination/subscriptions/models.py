"""Webhook subscriptions and their deliveries."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime, utcnow

DELIVERY_STATUSES = ("pending", "delivered", "given_up", "cancelled")


class Subscription(SQLModel, table=True):
    __tablename__ = "subscriptions"

    id: str = Field(primary_key=True, max_length=36, default_factory=lambda: str(uuid.uuid4()))
    # The owner: one board, or Welsh Government (board_code None).
    board_code: str | None = Field(default=None, max_length=64, index=True)
    welsh_government: bool = False
    key_id: str = Field(max_length=36)
    callback_url: str = Field(max_length=2048)
    # The signing secret, encrypted under CPR_SECRET_KEY (subscriptions/secrets.py).
    secret_enc: str = Field(sa_column=Column(Text, nullable=False))
    themes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    boards: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    event_types: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One event to one subscriber. Its id is the `webhook-id` on every attempt."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id", name="uq_webhook_deliveries_subscription_event"),
        Index("ix_webhook_deliveries_subscription_order", "subscription_id", "created_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=40)
    subscription_id: str = Field(sa_column=Column(String(36), ForeignKey("subscriptions.id"), nullable=False))
    event_id: str = Field(max_length=64)
    entry_type: str = Field(max_length=64)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=300)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
