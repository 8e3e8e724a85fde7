"""Request and response bodies. Unknown fields are refused so nothing unexpected is stored."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"board_reference": "GW-2026-0042", "referral_date": "2026-11-02"}]})

    board_reference: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
                                 description="The board's own pseudonymous case reference; unique per board.")
    referral_date: date


class ReviewPublic(BaseModel):
    id: str
    board_code: str
    board_reference: str
    referral_date: date
    status: str
    created_at: datetime
