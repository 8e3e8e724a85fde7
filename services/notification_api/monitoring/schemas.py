"""Monitoring figures for Welsh Government (nationally and per board) and for a board (its own)."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class NotificationCount(BaseModel):
    year: int = Field(description="Calendar year of the decision.")
    type: str = Field(description="The decision: concise_cpr, extended_cpr, mapf or no_review.")
    count: int


class Duration(BaseModel):
    count: int = Field(description="Reviews with both dates.")
    median_days: float | None
    mean_days: float | None


class TypeTimescale(BaseModel):
    type: str
    decided: int
    decision_to_report_approval: Duration
    decision_to_publication: Duration
    completed: int = Field(description="Report approved (or closed without a report).")
    completed_within_target: int
    share_completed_within_target: float | None = Field(description="completed_within_target / completed.")


class DecisionConsistency(BaseModel):
    decisions: int
    criteria_met: int = Field(description="Decisions on referrals where the criteria were met.")
    departures: int = Field(description="Decisions departing from what the criteria indicate.")
    departure_share: float | None
    mapf: int
    mapf_share: float | None
    no_review: int
    no_review_share: float | None


class DelayReason(BaseModel):
    kind: str = Field(description="criminal, coroner_inquest, disciplinary or other.")
    reviews: int = Field(description="Reviews with at least one proceeding of this kind.")
    proceedings: int
    ongoing: int = Field(description="Proceedings not yet concluded.")


class Figures(BaseModel):
    referrals: int
    awaiting_decision: int
    open: int = Field(description="Decided reviews not yet closed (in_progress, report_approved, published).")
    overdue: int = Field(description="In progress and past the target completion date.")
    notifications: list[NotificationCount]
    timescales: list[TypeTimescale]
    decision_consistency: DecisionConsistency
    delay_reasons: list[DelayReason]


class BoardFigures(Figures):
    board_code: str


class MonitoringPublic(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{
        "as_of": "2026-11-30", "national": None,
        "boards": [{"board_code": "gwent", "referrals": 12, "awaiting_decision": 1, "open": 6, "overdue": 2,
                    "notifications": [{"year": 2026, "type": "concise_cpr", "count": 5}],
                    "timescales": [{"type": "concise_cpr", "decided": 5,
                                    "decision_to_report_approval": {"count": 3, "median_days": 201.0,
                                                                    "mean_days": 214.33},
                                    "decision_to_publication": {"count": 2, "median_days": 260.5,
                                                                "mean_days": 260.5},
                                    "completed": 3, "completed_within_target": 1,
                                    "share_completed_within_target": 0.3333}],
                    "decision_consistency": {"decisions": 11, "criteria_met": 7, "departures": 2,
                                             "departure_share": 0.1818, "mapf": 3, "mapf_share": 0.2727,
                                             "no_review": 1, "no_review_share": 0.0909},
                    "delay_reasons": [{"kind": "criminal", "reviews": 2, "proceedings": 2, "ongoing": 1}]}],
    }]}}

    as_of: dt.date = Field(description="Europe/London date the open and overdue figures are counted on.")
    national: Figures | None = Field(description="All boards together (Welsh Government only).")
    boards: list[BoardFigures]


class ReviewTypeCount(BaseModel):
    type: str = Field(description="A review type a decision covers (a SUSR counts under each type it covers).")
    reviews: int = Field(description="Decided reviews covering this type.")
    in_susr: int = Field(description="Of which as part of a Single Unified Safeguarding Review.")
    open: int
    overdue: int


class SusrCounts(BaseModel):
    susrs: int = Field(description="Decisions to hold a SUSR.")
    covering_more_than_one_type: int = Field(description="SUSRs covering two or more review types: the separate "
                                                         "reviews a family would otherwise have taken part in.")
    share_covering_more_than_one_type: float | None
    types_covered: int = Field(description="Review types covered by all SUSRs together.")


class TypeFigures(BaseModel):
    by_type: list[ReviewTypeCount]
    susr: SusrCounts


class BoardTypeFigures(TypeFigures):
    board_code: str


class ByReviewTypePublic(BaseModel):
    as_of: dt.date
    national: TypeFigures | None = Field(description="All boards together (Welsh Government only).")
    boards: list[BoardTypeFigures]


class Spread(BaseModel):
    type: str = Field(description="The review type decided.")
    count: int = Field(description="Reviews with both dates.")
    min_days: float
    q1_days: float = Field(description="Lower quartile (linear interpolation, as percentile_cont).")
    median_days: float = Field(description="The same median as `/v1/monitoring`.")
    q3_days: float = Field(description="Upper quartile.")
    max_days: float
    mean_days: float
    target_days: int | None = Field(description="The type's completion target in days (a month target as its "
                                                "average length: 6 months = 183 days).")


class DurationFigures(BaseModel):
    decision_to_report_approval: list[Spread]
    decision_to_publication: list[Spread]


class BoardDurationFigures(DurationFigures):
    board_code: str


class DurationsPublic(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{
        "as_of": "2026-11-30", "national": None,
        "boards": [{"board_code": "gwent",
                    "decision_to_report_approval": [{"type": "concise_cpr", "count": 3, "min_days": 150.0,
                                                     "q1_days": 175.5, "median_days": 201.0, "q3_days": 246.0,
                                                     "max_days": 291.0, "mean_days": 214.33, "target_days": 183}],
                    "decision_to_publication": []}]}]}}

    as_of: dt.date
    national: DurationFigures | None = Field(description="All boards together (Welsh Government only).")
    boards: list[BoardDurationFigures]
