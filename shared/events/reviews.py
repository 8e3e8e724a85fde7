"""Events the notification API publishes about reviews. No free text, no identifiers."""
from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from shared.events.registry import event_type


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


@event_type("review.referred.v1")
class ReviewReferredV1(_Payload):
    """A board notified a referral (the first thread's `review.notified`)."""

    review_id: str
    board_code: str
    referral_date: date
    status: str
    criteria_met: bool | None = None
    indicated_type: str | None = None
