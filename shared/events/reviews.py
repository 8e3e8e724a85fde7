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
# closed list here), "susr" (a Single Unified Safeguarding Review covering types) or "no_review".
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


@event_type("review.susr_recorded.v1")
class ReviewSusrRecordedV1(Payload):
    """A board decided to hold a Single Unified Safeguarding Review (Welsh Government is notified
    whenever one takes place). Follows the review's ``review.decision_recorded.v1`` (outcome
    ``susr``), which keeps the shape CPR clients know; this one says which types it covers."""

    review_id: str
    board_code: str
    decided_on: date
    covered_types: list[str]
    # The covered type with the earliest target: its timescale governs the review.
    review_type: str
    target_completion_date: date
    departs_from_criteria: bool


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


@event_type("review.appointment_made.v1")
class ReviewAppointmentMadeV1(Payload):
    """A board appointed a chair or reviewer from Welsh Government's approved list. Carries the
    professional's work e-mail (never anything about a child or family) so the scheduler can
    invite them to the review's panel meetings and learning event; no name (payloads hold
    codes, ids and addresses, not prose)."""

    review_id: str
    board_code: str
    appointment_id: str
    approved_reviewer_id: str
    role: Literal["chair", "reviewer"]
    appointed_on: date
    work_email: str
