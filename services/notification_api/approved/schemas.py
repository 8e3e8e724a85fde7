"""Request and response bodies for the approved list and appointments."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.http.types import EMAIL_PATTERN, IsoDate, RequestModel, StrictBool
from services.notification_api.rules.susr import CONSTITUENT_TYPES

RoleCode = Literal["chair", "reviewer"]
FamilyCode = Literal[CONSTITUENT_TYPES]  # type: ignore[valid-type]
PHONE = r"^\+?[0-9 ()-]{6,40}$"


class ApprovedReviewerCreate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "display_name": "Dr Eleri Price", "organisation": "Independent safeguarding consultant",
        "work_email": "eleri.price@safeguarding-reviews.example.wales", "work_phone": "029 2000 0000",
        "roles": ["chair", "reviewer"], "review_types": ["cpr", "dhr"]}]})

    display_name: str = Field(min_length=1, max_length=200, description="The professional's name.")
    organisation: str = Field(min_length=1, max_length=200)
    work_email: str = Field(max_length=320, pattern=EMAIL_PATTERN,
                            description="Work e-mail (a personal mail domain is refused).")
    work_phone: str | None = Field(default=None, max_length=40, pattern=PHONE)
    roles: list[RoleCode] = Field(min_length=1, max_length=2)
    review_types: list[FamilyCode] = Field(min_length=1, max_length=len(CONSTITUENT_TYPES),
                                           description="The review types they may review: "
                                                       + ", ".join(CONSTITUENT_TYPES) + ".")


class ApprovedReviewerUpdate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"active": False}, {"review_types": ["cpr", "apr", "dhr"], "work_phone": "029 2000 0001"}]})

    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    organisation: str | None = Field(default=None, min_length=1, max_length=200)
    work_email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    work_phone: str | None = Field(default=None, max_length=40, pattern=PHONE)
    roles: list[RoleCode] | None = Field(default=None, min_length=1, max_length=2)
    review_types: list[FamilyCode] | None = Field(default=None, min_length=1, max_length=len(CONSTITUENT_TYPES))
    active: StrictBool | None = None


class ApprovedReviewerPublic(BaseModel):
    id: str
    display_name: str
    organisation: str
    work_email: str
    work_phone: str | None
    roles: list[str]
    review_types: list[str]
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class ApprovedReviewerPage(BaseModel):
    items: list[ApprovedReviewerPublic]
    next_cursor: str | None = None


class AppointmentCreate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "approved_reviewer_id": "5b0c1f7e-8d7a-4a8e-9a59-1f7a3c2d9e10", "role": "chair",
        "appointed_on": "2026-03-20"}]})

    approved_reviewer_id: str = Field(min_length=1, max_length=36)
    role: RoleCode
    appointed_on: IsoDate


class AppointmentPublic(BaseModel):
    id: str
    review_id: str
    role: str
    appointed_on: dt.date
    approved_reviewer: ApprovedReviewerPublic
    created_at: dt.datetime


class AppointmentList(BaseModel):
    items: list[AppointmentPublic]
