"""Events the scheduler publishes about panel meetings and Learning Events.
Counts and times only: never participants' names or e-mail addresses."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal


from shared.events.registry import Payload, event_type

MeetingKind = Literal["panel_meeting", "learning_event", "cprg_meeting", "other"]



@event_type("meeting.booked.v1")
class MeetingBookedV1(Payload):
    meeting_id: str
    review_id: str
    board_code: str
    kind: MeetingKind
    start: datetime
    end: datetime
    required_count: int
    optional_count: int
    sequence: int


@event_type("meeting.rescheduled.v1")
class MeetingRescheduledV1(Payload):
    meeting_id: str
    review_id: str
    board_code: str
    kind: MeetingKind
    start: datetime
    end: datetime
    sequence: int
    # Optional (added later): where it was before, so consumers need not keep a copy.
    previous_start: datetime | None = None


@event_type("meeting.cancelled.v1")
class MeetingCancelledV1(Payload):
    meeting_id: str
    review_id: str
    board_code: str
    kind: MeetingKind
    sequence: int


@event_type("meeting.at_risk.v1")
class MeetingAtRiskV1(Payload):
    """A required participant declined: the meeting may need to move."""

    meeting_id: str
    review_id: str
    board_code: str
    kind: MeetingKind
    start: datetime
    declined_required_count: int


@event_type("meeting.held.v1")
class MeetingHeldV1(Payload):
    """Attendance was recorded after the meeting; a held Learning Event is a review milestone."""

    meeting_id: str
    review_id: str
    board_code: str
    kind: MeetingKind
    held_on: date
    invited_count: int
    attended_count: int
    required_count: int
    required_attended_count: int
