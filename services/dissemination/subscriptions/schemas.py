"""Request and response bodies for subscriptions."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.http.types import RequestModel


class SubscriptionCreate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"callback_url": "https://hooks.example-safeguarding.wales/cpr/learning",
         "themes": ["vulnerability_of_babies", "information_sharing"], "boards": ["gwent", "cardiff-and-vale"],
         "event_types": ["publication_published", "publication_withdrawn"]},
        {"callback_url": "https://casework.example-safeguarding.wales/webhooks/cpr",
         "event_types": ["review_overdue", "panel_meeting_booked", "learning_event_held"]},
    ]})

    callback_url: str = Field(max_length=2048, description="https; public addresses only (no redirects followed)")
    themes: list[str] = Field(default_factory=list, max_length=30, description="Theme codes; publications only")
    boards: list[str] = Field(default_factory=list, max_length=30)
    event_types: list[str] = Field(default_factory=list, max_length=30,
                                   description="Feed entry types, e.g. publication_published; "
                                               "dots are accepted (publication.published)")


class SubscriptionPublic(BaseModel):
    id: str
    callback_url: str
    themes: list[str]
    boards: list[str]
    event_types: list[str]
    owner: str
    created_at: datetime


class SubscriptionCreated(SubscriptionPublic):
    secret: str = Field(description="Standard Webhooks signing secret (whsec_...), shown this once")


class DeliveryPublic(BaseModel):
    id: str = Field(description="The webhook-id header of every attempt")
    event_id: str
    entry_type: str
    status: str
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None


class DeliveryPage(BaseModel):
    items: list[DeliveryPublic]
    next_cursor: str | None = None
