"""Request and response bodies for participants and their diaries."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.http.types import EMAIL_PATTERN, IsoDateTime, RequestModel
from services.scheduler.availability import WorkingHours

TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
END_TIME = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BusyKindIn = Literal["busy", "tentative", "out_of_office"]


class _Request(RequestModel):
    model_config = ConfigDict(extra="forbid")


class Period(_Request):
    start: str = Field(pattern=TIME, examples=["09:00"])
    end: str = Field(pattern=END_TIME, examples=["17:00"], description="`24:00` means midnight at the end of the day.")


class WorkingHoursIn(_Request):
    """Working periods per weekday in the participant's time zone; a day not given is non-working."""

    mon: list[Period] = Field(default_factory=list, max_length=6)
    tue: list[Period] = Field(default_factory=list, max_length=6)
    wed: list[Period] = Field(default_factory=list, max_length=6)
    thu: list[Period] = Field(default_factory=list, max_length=6)
    fri: list[Period] = Field(default_factory=list, max_length=6)
    sat: list[Period] = Field(default_factory=list, max_length=6)
    sun: list[Period] = Field(default_factory=list, max_length=6)

    @model_validator(mode="after")
    def _valid(self):
        try:
            to_engine(self.as_mapping())
        except ValueError as exc:
            raise ValueError(f"working hours: {exc}") from None
        return self

    def as_mapping(self) -> dict[str, list[list[str]]]:
        return {d: [[p.start, p.end] for p in getattr(self, d)] for d in DAYS if getattr(self, d)}


DEFAULT_WORKING_HOURS = {d: [["09:00", "17:00"]] for d in DAYS[:5]}


def to_engine(mapping: dict[str, list[list[str]]]) -> WorkingHours:
    return WorkingHours.from_mapping({d: [tuple(p) for p in periods] for d, periods in mapping.items()})


def working_hours_out(raw: str) -> dict[str, list[dict[str, str]]]:
    mapping = json.loads(raw)
    return {d: [{"start": s, "end": e} for s, e in mapping.get(d, [])] for d in DAYS}


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not an IANA time zone (e.g. Europe/London)") from None
    return value


def _calendar_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https", "webcal") or not parts.hostname:
        raise ValueError("must be an http(s) or webcal URL of an iCalendar feed")
    return value


class ParticipantCreate(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "display_name": "Ceri Jones", "email": "ceri.jones@example-health.wales", "agency_code": "health",
        "role": "Designated nurse for safeguarding", "time_zone": "Europe/London",
        "working_hours": {"mon": [{"start": "09:00", "end": "17:00"}], "tue": [{"start": "09:00", "end": "17:00"}],
                          "wed": [{"start": "09:00", "end": "13:00"}]}}]})

    display_name: str = Field(min_length=1, max_length=200, description="How invitations address the professional.")
    email: str = Field(max_length=320, pattern=EMAIL_PATTERN, description="Work e-mail: invitations go here.")
    agency_code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$",
                             description="The agency the professional works for (e.g. `police`, `health`).")
    role: str | None = Field(default=None, max_length=200)
    time_zone: str = Field(default="Europe/London", max_length=64)
    preferred_language: Literal["cy", "en"] = Field(
        default="cy", description="Put first in invitations and pages (both languages are always there).")
    working_hours: WorkingHoursIn | None = Field(
        default=None, description="Default: Monday to Friday 09:00-17:00.")
    calendar_url: str | None = Field(
        default=None, max_length=2000,
        description="An iCalendar feed the agency publishes; the worker fetches and re-reads it periodically.")

    _tz = field_validator("time_zone")(_zone)
    _url = field_validator("calendar_url")(_calendar_url)


class ParticipantUpdate(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"role": "Named nurse for safeguarding children",
         "working_hours": {"mon": [{"start": "08:30", "end": "16:30"}], "tue": [{"start": "08:30", "end": "16:30"}],
                           "thu": [{"start": "08:30", "end": "12:30"}]},
         "calendar_url": "https://calendar.example-health.wales/ical/ceri.jones/free-busy.ics"},
        {"calendar_url": None}]})

    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    agency_code: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")
    role: str | None = Field(default=None, max_length=200)
    time_zone: str | None = Field(default=None, max_length=64)
    preferred_language: Literal["cy", "en"] | None = None
    working_hours: WorkingHoursIn | None = None
    calendar_url: str | None = Field(default=None, max_length=2000, description="`null` removes the feed.")

    _tz = field_validator("time_zone")(lambda v: None if v is None else _zone(v))
    _url = field_validator("calendar_url")(_calendar_url)


class CalendarFeed(BaseModel):
    configured: bool
    # The host only: feed URLs often carry a secret token, so the URL is never shown back.
    host: str | None = None
    status: Literal["none", "pending", "ok", "error"]
    last_attempt_at: datetime | None = None
    last_refreshed_at: datetime | None = None
    last_error: str | None = None


class ParticipantPublic(BaseModel):
    id: str
    board_code: str
    display_name: str
    email: str
    agency_code: str
    role: str | None
    time_zone: str
    preferred_language: str
    working_hours: dict[str, list[dict[str, str]]]
    calendar_feed: CalendarFeed
    calendar_uploaded_at: datetime | None
    busy_intervals: dict[str, int] = Field(description="Stored busy intervals per source.")
    created_at: datetime
    updated_at: datetime


class BusyIn(_Request):
    start: IsoDateTime
    end: IsoDateTime
    kind: BusyKindIn = "busy"

    @model_validator(mode="after")
    def _order(self):
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class BusyReplace(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"intervals": [
        {"start": "2027-03-29T10:00:00+01:00", "end": "2027-03-29T12:00:00+01:00", "kind": "busy"},
        {"start": "2027-04-05T00:00:00+01:00", "end": "2027-04-10T00:00:00+01:00", "kind": "out_of_office"}]}]})

    intervals: list[BusyIn] = Field(max_length=5000, description="Replaces every interval entered by hand.")


class BusyOut(BaseModel):
    start: datetime
    end: datetime
    kind: str
    source: str


class BusyReplaced(BaseModel):
    participant_id: str
    source: str
    stored: int
    window_start: datetime | None = None
    window_end: datetime | None = None
