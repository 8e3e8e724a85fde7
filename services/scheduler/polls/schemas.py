"""Request and response bodies for availability polls."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.http.types import EMAIL_PATTERN, IsoDateTime, RequestModel, StrictBool, strict_int
from services.scheduler.meetings.schemas import MeetingKind

Answer = Literal["yes", "if_need_be", "no"]
MAX_OPTIONS = 20


class _Request(RequestModel):
    model_config = ConfigDict(extra="forbid")


class PollCreate(_Request):
    """Options given as start times (each lasts `duration_minutes`), or taken from a stored
    proposal's suggestions (`proposal_id`; its duration is the poll's)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "review_id": "0b6f0d7e-1f7e-4c55-9d38-1d1c6b1c2a10", "kind": "learning_event", "duration_minutes": 180,
        "options": ["2027-03-23T10:00:00+00:00", "2027-03-25T13:00:00+00:00", "2027-04-01T10:00:00+01:00"],
        "required_participants": ["5d1c0c3e-8a4b-4f7e-9b0a-2f6e1c9d4a71", "9e7a4b21-3c6d-4e8f-a1b2-7c3d5e9f0a14"],
        "optional_participants": ["c42f8e16-0b9d-4a3e-8f27-6d1e5a9b3c08"],
        "deadline": "2027-03-12T17:00:00+00:00", "coordinator_email": "reviews@gwent-board.example.wales"}]})

    review_id: str = Field(max_length=36)
    kind: MeetingKind
    duration_minutes: strict_int(ge=15, le=720) | None = Field(
        default=None, description="Required with `options`; taken from the proposal otherwise.")
    options: list[IsoDateTime] | None = Field(default=None, min_length=1, max_length=MAX_OPTIONS,
                                             description="Start times; each must be after the deadline.")
    proposal_id: str | None = Field(default=None, max_length=36,
                                    description="A stored proposal (`POST /v1/meeting-proposals`): its suggestions "
                                                "become the options.")
    required_participants: list[str] = Field(min_length=1, max_length=100)
    optional_participants: list[str] = Field(default_factory=list, max_length=100)
    deadline: IsoDateTime = Field(description="Answers can be given and changed until then.")
    coordinator_email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN,
                                          description="Told when every required invitee has answered and when the "
                                                      "deadline passes (default: CPR_MEETING_ORGANIZER_EMAIL).")
    coordinator_name: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _check(self):
        if (self.options is None) == (self.proposal_id is None):
            raise ValueError("give either options or proposal_id")
        if self.options is not None and self.duration_minutes is None:
            raise ValueError("duration_minutes is needed with options")
        if self.options is not None and len(set(self.options)) != len(self.options):
            raise ValueError("options lists a time twice")
        ids = self.required_participants + self.optional_participants
        if len(set(ids)) != len(ids):
            raise ValueError("the poll lists a participant twice")
        return self


class PollFinalise(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"option_id": "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "location": "Board office, room 2 (and Teams)"},
        {"option_id": "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "override": True,
         "reason": "The police lead will send a deputy; no other date before the plan's target."}]})

    option_id: str = Field(max_length=36)
    override: StrictBool = Field(default=False, description="Needed when a required invitee said no to this option.")
    reason: str | None = Field(default=None, max_length=1000,
                               description="Why, when overriding (free text: checked for identifiers).")
    allow_conflicts: StrictBool = Field(default=False, description="Book even when a diary shows a required "
                                                                  "invitee busy (an override implies it).")
    location: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=4000)
    organizer_email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    organizer_name: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _check(self):
        if self.override and not (self.reason or "").strip():
            raise ValueError("an override needs a reason")
        return self


class Counts(BaseModel):
    yes: int = 0
    if_need_be: int = 0
    no: int = 0
    not_yet: int = 0


class OptionAnswer(BaseModel):
    participant_id: str
    display_name: str
    required: bool
    answer: Answer | None = Field(description="null: not answered yet")
    source: Literal["person", "diary"] | None = Field(
        description="`diary`: pre-filled from their connected diary and not yet confirmed by them")


class OptionResult(BaseModel):
    id: str
    start: datetime
    end: datetime
    confidence: float = Field(description="As proposals compute it, from diaries and the answers so far.")
    reason: str
    required: Counts
    optional: Counts
    required_no: list[str] = Field(description="Required invitees who said no (finalising needs an override).")
    answers: list[OptionAnswer]


class InviteeResult(BaseModel):
    participant_id: str
    display_name: str
    agency_code: str
    required: bool
    invited_at: datetime
    responded_at: datetime | None
    reminded_at: datetime | None
    prefilled_from_diary: bool
    comment: str | None


class PollPublic(BaseModel):
    id: str
    review_id: str
    board_code: str
    kind: MeetingKind
    duration_minutes: int
    deadline: datetime
    status: Literal["open", "closed", "finalised"]
    proposal_id: str | None
    coordinator_email: str
    meeting_id: str | None
    finalised_option_id: str | None
    override_reason: str | None
    options: list[OptionResult]
    invitees: list[InviteeResult]
    all_required_answered: bool
    not_answered: list[str] = Field(description="Invitees who have not answered (ids), required first.")
    results_csv_url: str
    created_at: datetime
