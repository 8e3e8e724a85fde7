"""Request and response bodies for proposals and meetings."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.http.types import IsoDateTime, RequestModel, StrictBool, StrictFloat, StrictInt
from services.scheduler.participants.schemas import EMAIL_PATTERN

MeetingKind = Literal["panel_meeting", "learning_event", "cprg_meeting", "other"]
Availability = Literal["free", "tentative", "busy", "out_of_office", "outside_working_hours"]
Response = Literal["accepted", "declined", "tentative"]
# Limits of a proposal (README "Proposals"): far beyond a real review, and what keeps the
# largest allowed question cheap (bench/bench_proposals.py --maximal).
MAX_WINDOW_DAYS = 366
MAX_PROPOSAL_PARTICIPANTS = 100  # required and optional together
MAX_GRID_STEPS = 366 * 24 * 4  # window / granularity: a year at 15 minutes, 122 days at 5
MAX_BUSY_PER_PARTICIPANT = 2_000  # busy periods and booked meetings of one person in the window


class _Request(RequestModel):
    model_config = ConfigDict(extra="forbid")


def _unique(ids: list[str], what: str) -> None:
    if len(set(ids)) != len(ids):
        raise ValueError(f"{what} lists a participant twice")


class ProposalRequest(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "review_id": "0b6f0d7e-1f7e-4c55-9d38-1d1c6b1c2a10", "kind": "learning_event", "duration_minutes": 180,
        "window_start": "2027-03-22T00:00:00+00:00", "window_end": "2027-04-10T00:00:00+01:00",
        "required_participants": ["5d1c0c3e-8a4b-4f7e-9b0a-2f6e1c9d4a71", "9e7a4b21-3c6d-4e8f-a1b2-7c3d5e9f0a14"],
        "optional_participants": ["c42f8e16-0b9d-4a3e-8f27-6d1e5a9b3c08"], "max_suggestions": 5, "min_optional_attendance": 0.5}]})

    review_id: str = Field(max_length=36)
    kind: MeetingKind
    duration_minutes: StrictInt = Field(ge=15, le=720)
    window_start: IsoDateTime
    window_end: IsoDateTime
    required_participants: list[str] = Field(default_factory=list, max_length=100)
    optional_participants: list[str] = Field(default_factory=list, max_length=100)
    max_suggestions: StrictInt = Field(default=5, ge=1, le=20)
    min_optional_attendance: StrictFloat = Field(default=0.0, ge=0.0, le=1.0)
    granularity_minutes: Literal[5, 10, 15, 20, 30, 60] = 30
    buffer_minutes: StrictInt = Field(default=0, ge=0, le=240)

    @model_validator(mode="after")
    def _check(self):
        if self.window_end <= self.window_start:
            raise ValueError("window_end must be after window_start")
        if (self.window_end - self.window_start).days > MAX_WINDOW_DAYS:
            raise ValueError(f"the window may be at most {MAX_WINDOW_DAYS} days long")
        if not self.required_participants and not self.optional_participants:
            raise ValueError("name at least one participant")
        if len(self.required_participants) + len(self.optional_participants) > MAX_PROPOSAL_PARTICIPANTS:
            raise ValueError(f"a proposal may have at most {MAX_PROPOSAL_PARTICIPANTS} participants "
                             "(required and optional together)")
        _unique(self.required_participants + self.optional_participants, "the request")
        return self


class AttendeeAvailability(BaseModel):
    participant_id: str
    display_name: str
    required: bool
    availability: Availability


class SuggestionOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "rank": 1, "start": "2027-03-30T10:00:00+01:00", "end": "2027-03-30T13:00:00+01:00", "confidence": 0.938,
        "reason": "All 2 required attendees free; 0 of 1 optional attendees free; 1 tentative conflict "
                  "(Officer, optional)",
        "target_date": "2027-04-09", "meets_target": True,
        "availability": [{"participant_id": "5d1c0c3e-8a4b-4f7e-9b0a-2f6e1c9d4a71", "display_name": "Chair",
                          "required": True, "availability": "free"}]}]})

    rank: int = Field(description="1 is best: highest confidence, then meeting the plan's target date, "
                                  "then earliest.")
    start: datetime
    end: datetime
    confidence: float = Field(description="Expected attendance, required people first: 1.0 when every invitee is "
                                          "free; each tentative required invitee halves it; optional attendance "
                                          "is a quarter of it.")
    reason: str
    target_date: date | None = Field(default=None, description="The review plan's target date for this step "
                                     "(first panel meeting, Learning Event); null when the review has no plan or "
                                     "the kind of meeting is no plan step.")
    meets_target: bool | None = Field(default=None, description="The slot starts on or before `target_date` "
                                      "(London date); false is a late slot. Null without a target date.")
    availability: list[AttendeeAvailability]


class AlternativesRequest(_Request):
    """Fresh times for a booked meeting; every field optional (the defaults suit a re-proposal)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "window_start": "2027-03-22T00:00:00+00:00", "window_end": "2027-04-30T00:00:00+01:00",
        "max_suggestions": 5}]})

    window_start: IsoDateTime | None = None
    window_end: IsoDateTime | None = None
    max_suggestions: StrictInt = Field(default=5, ge=1, le=20)
    granularity_minutes: StrictInt = Field(default=30, ge=5, le=60)
    min_optional_attendance: StrictFloat = Field(default=0.0, ge=0.0, le=1.0)


class ProposalPublic(BaseModel):
    id: str | None = Field(description="The stored proposal (`GET /v1/meeting-proposals/{id}`); null for "
                                       "`GET .../alternatives`, which stores nothing.")
    review_id: str
    meeting_id: str | None = Field(default=None, description="Set for alternatives to a booked meeting.")
    kind: MeetingKind
    duration_minutes: int
    window_start: datetime
    window_end: datetime
    suggestions: list[SuggestionOut]
    empty_reason: str | None = None
    created_at: datetime


class InviteeIn(_Request):
    participant_id: str = Field(max_length=36)
    required: StrictBool = True


class MeetingCreate(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "review_id": "0b6f0d7e-1f7e-4c55-9d38-1d1c6b1c2a10", "kind": "panel_meeting",
        "start": "2027-03-30T10:00:00+01:00", "end": "2027-03-30T12:00:00+01:00",
        "location": "Board office, meeting room 2 (and Teams)",
        "participants": [{"participant_id": "5d1c0c3e-8a4b-4f7e-9b0a-2f6e1c9d4a71", "required": True},
                         {"participant_id": "9e7a4b21-3c6d-4e8f-a1b2-7c3d5e9f0a14", "required": True},
                         {"participant_id": "c42f8e16-0b9d-4a3e-8f27-6d1e5a9b3c08", "required": False}]}]})

    review_id: str = Field(max_length=36)
    kind: MeetingKind
    start: IsoDateTime
    end: IsoDateTime
    location: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=4000,
                              description="Free text: checked for identifiers of children and families.")
    participants: list[InviteeIn] = Field(min_length=1, max_length=100)
    allow_conflicts: StrictBool = Field(default=False, description="Book even when a required participant is busy.")
    organizer_email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    organizer_name: str | None = Field(default=None, max_length=200)
    coordinator_email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN,
                                          description="Told by e-mail when a required invitee declines, with the "
                                                      "alternatives (default: the organizer address).")

    @model_validator(mode="after")
    def _check(self):
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if (self.end - self.start).total_seconds() > 24 * 3600:
            raise ValueError("a meeting may last at most 24 hours")
        _unique([p.participant_id for p in self.participants], "participants")
        return self


class MeetingUpdate(_Request):
    """Reschedule (start and end), move (location, notes), add or remove invitees, or cancel
    (`status: cancelled`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"start": "2027-04-13T10:00:00+01:00", "end": "2027-04-13T12:00:00+01:00",
         "location": "Board office, meeting room 1 (and Teams)"},
        {"add_participants": [{"participant_id": "c42f8e16-0b9d-4a3e-8f27-6d1e5a9b3c08", "required": False}],
         "remove_participants": ["9e7a4b21-3c6d-4e8f-a1b2-7c3d5e9f0a14"]},
        {"status": "cancelled"}]})

    start: IsoDateTime | None = None
    end: IsoDateTime | None = None
    location: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=4000)
    status: Literal["cancelled"] | None = None
    add_participants: list[InviteeIn] = Field(default_factory=list, max_length=100,
                                              description="Invited now: only they get an invitation.")
    remove_participants: list[str] = Field(default_factory=list, max_length=100,
                                           description="No longer invited: only they get a cancellation.")
    allow_conflicts: StrictBool = False

    @model_validator(mode="after")
    def _check(self):
        if self.status == "cancelled" and (self.start or self.end or self.location or self.notes
                                           or self.add_participants or self.remove_participants):
            raise ValueError("cancel on its own: no other change with status 'cancelled'")
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end to reschedule")
        if self.start is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        if self.start is not None and (self.end - self.start).total_seconds() > 24 * 3600:
            raise ValueError("a meeting may last at most 24 hours")
        _unique([p.participant_id for p in self.add_participants] + self.remove_participants, "the invitee changes")
        return self


class ResponseIn(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"participant_id": "5d1c0c3e-8a4b-4f7e-9b0a-2f6e1c9d4a71", "response": "accepted"},
        {"participant_id": "9e7a4b21-3c6d-4e8f-a1b2-7c3d5e9f0a14", "response": "declined"}]})

    participant_id: str = Field(max_length=36)
    response: Response


class AttendanceIn(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"attended": ["5d1c0c3e-8a4b-4f7e-9b0a-2f6e1c9d4a71", "c42f8e16-0b9d-4a3e-8f27-6d1e5a9b3c08"]}]})

    attended: list[str] = Field(max_length=100, description="Ids of the invitees who attended; the others did not.")

    @model_validator(mode="after")
    def _check(self):
        _unique(self.attended, "attended")
        return self


class InviteeOut(BaseModel):
    participant_id: str
    display_name: str
    email: str
    agency_code: str
    required: bool
    response: Literal["needs_action", "accepted", "declined", "tentative"]
    responded_at: datetime | None
    attended: bool | None


class MeetingPublic(BaseModel):
    id: str
    review_id: str
    board_code: str
    kind: MeetingKind
    start: datetime
    end: datetime
    location: str | None
    notes: str | None
    status: Literal["booked", "at_risk", "cancelled", "held"]
    sequence: int
    uid: str
    organizer_email: str
    coordinator_email: str | None = Field(default=None, description="Told of required declines (else the organizer).")
    participants: list[InviteeOut]
    held_on: date | None
    attendance_recorded_at: datetime | None
    created_at: datetime
    updated_at: datetime
    invite_url: str
