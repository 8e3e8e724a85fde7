"""Review plan rules (pure: no FastAPI, database or broker).

A plan works back from the review's target completion date: each step should be done a
configured number of days before it (settings `plan_*_days_before_target`). When a review
type's timescale is too short for those offsets (a MAPF has three months, the offsets are
sized for a six-month CPR) they are scaled down together so that at least a fifth of the
timescale lies between the decision and the first step: the steps keep their order and
their relative spacing instead of landing before the decision.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

STEPS = ("first_panel_meeting", "learning_event", "draft_report", "approval")
# The meeting kind whose held meeting completes a step, and the review milestone that does.
STEP_MEETING_KIND = {"first_panel_meeting": "panel_meeting", "learning_event": "learning_event"}
STEP_MILESTONE = {"learning_event": "learning_event_held", "draft_report": "report_drafted",
                  "approval": "report_approved"}
LEAD_SHARE = 0.2  # share of the timescale kept before the first step when compressing



def is_planned(review_type: str | None, target_completion_date) -> bool:
    """Every review type with a timescale is planned; no_review (no type, no target) is not.
    Review types are the notification API's data: none is named here."""
    return review_type is not None and target_completion_date is not None


StepStatus = Literal["done", "done_late", "scheduled", "pending", "late"]


@dataclass(frozen=True)
class PlanOffsets:
    """Days before the target completion date by which each step should be done."""

    first_panel_meeting: int = 140
    learning_event: int = 84
    draft_report: int = 42
    approval: int = 14

    def __post_init__(self) -> None:
        values = [getattr(self, s) for s in STEPS]
        if any(v < 0 for v in values):
            raise ValueError("plan offsets must not be negative")
        if values != sorted(values, reverse=True):
            raise ValueError("plan offsets must shrink step by step (panel, Learning Event, draft, approval)")


def plan_targets(decided_on: date, target_completion: date, offsets: PlanOffsets) -> dict[str, date]:
    """Target date of each step, in step order, never before the decision nor after the target."""
    span = (target_completion - decided_on).days
    if span <= 0:
        return {step: target_completion for step in STEPS}
    longest = offsets.first_panel_meeting
    scale = 1.0
    if longest > (1 - LEAD_SHARE) * span:
        scale = (1 - LEAD_SHARE) * span / longest
    out = {}
    for step in STEPS:
        days = math.floor(getattr(offsets, step) * scale)
        out[step] = max(decided_on, target_completion - timedelta(days=days))
    return out


def step_status(target: date, done_on: date | None, scheduled: bool, today: date) -> StepStatus:
    """done / done_late when it happened; late when the target passed without it; scheduled
    when a meeting for it is booked (and the target has not passed); else pending."""
    if done_on is not None:
        return "done" if done_on <= target else "done_late"
    if today > target:
        return "late"
    return "scheduled" if scheduled else "pending"
