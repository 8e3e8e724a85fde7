"""Events the notification API publishes about reviews.

Ids, board codes, types, dates and statuses only: no free text, no identifiers, so any
consumer (and the national feed) can hold them without becoming a store of case detail.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from shared.events.registry import Payload, event_type

# A review type's code (rows of the notification API's review_types table: data, so not a
# closed list here) or "no_review".
ReviewOutcome = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)]


@event_type("review.referred.v1")
class ReviewReferredV1(Payload):
    """A board notified a referral (the foundation issue's "review notified")."""

    review_id: str
    board_code: str
    referral_date: date
    status: str
    trigger_kind: str | None = None
    criteria_met: bool | None = None
    indicated_type: str | None = None


@event_type("review.decision_recorded.v1")
class ReviewDecisionRecordedV1(Payload):
    review_id: str
    board_code: str
    outcome: ReviewOutcome
    decided_on: date
    departs_from_criteria: bool
    status: str
    # None for no_review; otherwise worked out from the review type's timescale.
    target_completion_date: date | None = None
    indicated_type: str | None = None
    # The review type decided on (None for no_review): consumers read it, never derive it.
    review_type: str | None = None


@event_type("review.milestone_recorded.v1")
class ReviewMilestoneRecordedV1(Payload):
    review_id: str
    board_code: str
    milestone: str
    on: date
    status: str
    review_type: str | None = None


@event_type("review.proceedings_changed.v1")
class ReviewProceedingsChangedV1(Payload):
    """Parallel proceedings (criminal, coroner_inquest, disciplinary, other) began or ended."""

    review_id: str
    board_code: str
    proceeding_id: str
    kind: str
    change: Literal["started", "concluded"]
    started_on: date
    ended_on: date | None = None


@event_type("review.overdue.v1")
class ReviewOverdueV1(Payload):
    """Emitted once per review, when it passes its target completion date unfinished."""

    review_id: str
    board_code: str
    review_type: str
    target_completion_date: date
    detected_on: date


@event_type("review.closed.v1")
class ReviewClosedV1(Payload):
    review_id: str
    board_code: str
    closed_on: date
    outcome: ReviewOutcome | None = None
