"""Events the scheduler publishes about panel meetings and Learning Events.
Counts and times only: never participants' names or e-mail addresses."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal


from shared.events.registry import Payload, event_type

MeetingKind = Literal["panel_meeting", "learning_event", "cprg_meeting", "other"]


class MeetingPayload(Payload):
    """Which meeting an event is about: the fields every meeting event starts with (not an
    event itself; subclasses keep these first, so the published schemas are unchanged)."""

    meeting_id: str
    review_id: str
    board_code: str
    kind: MeetingKind


@event_type("meeting.booked.v1")
class MeetingBookedV1(MeetingPayload):
    start: datetime
    end: datetime
    required_count: int
    optional_count: int
    sequence: int


@event_type("meeting.rescheduled.v1")
class MeetingRescheduledV1(MeetingPayload):
    start: datetime
    end: datetime
    sequence: int
    # Optional (added later): where it was before, so consumers need not keep a copy.
    previous_start: datetime | None = None


@event_type("meeting.cancelled.v1")
class MeetingCancelledV1(MeetingPayload):
    sequence: int


@event_type("meeting.at_risk.v1")
class MeetingAtRiskV1(MeetingPayload):
    """A required participant declined: the meeting may need to move."""

    start: datetime
    declined_required_count: int


@event_type("meeting.held.v1")
class MeetingHeldV1(MeetingPayload):
    """Attendance was recorded after the meeting; a held Learning Event is a review milestone."""

    held_on: date
    invited_count: int
    attended_count: int
    required_count: int
    required_attended_count: int
