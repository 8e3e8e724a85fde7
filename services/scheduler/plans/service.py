"""Review plans: created from the decision event, read as plan against reality."""
from __future__ import annotations

from sqlmodel import Session, select

from shared.auth import Principal
from shared.db import utcnow
from shared.events.reviews import ReviewDecisionRecordedV1
from shared.http.problems import Problem
from shared.settings import Settings
from shared.clock import london_today
from services.scheduler.common import local, review_for
from services.scheduler.meetings.models import Meeting
from services.scheduler.meetings.rules import is_active
from services.scheduler.plans.models import ReviewMilestone, ReviewPlan
from services.scheduler.plans.schemas import MeetingCounts, PlanPublic, PlanStep
from services.scheduler.plans.rules import (
    STEP_MEETING_KIND,
    STEP_MILESTONE,
    STEPS,
    PlanOffsets,
    is_planned,
    plan_targets,
    step_status,
)


def offsets_from(settings: Settings) -> PlanOffsets:
    return PlanOffsets(
        first_panel_meeting=settings.plan_first_panel_meeting_days_before_target,
        learning_event=settings.plan_learning_event_days_before_target,
        draft_report=settings.plan_draft_report_days_before_target,
        approval=settings.plan_approval_days_before_target)


def apply_decision(session: Session, event_id: str, event: ReviewDecisionRecordedV1, settings: Settings) -> None:
    """Create (or, for an amended decision, re-target) the plan; no_review has none."""
    plan = session.get(ReviewPlan, event.review_id)
    if not is_planned(event.review_type, event.target_completion_date):
        if plan is not None:
            session.delete(plan)
        return
    targets = plan_targets(event.decided_on, event.target_completion_date, offsets_from(settings))
    if plan is None:
        plan = ReviewPlan(review_id=event.review_id, board_code=event.board_code, outcome=event.outcome,
                          decided_on=event.decided_on, target_completion_date=event.target_completion_date,
                          decision_event_id=event_id, **{f"{s}_by": d for s, d in targets.items()})
    else:
        plan.outcome, plan.decided_on = event.outcome, event.decided_on
        plan.target_completion_date, plan.decision_event_id = event.target_completion_date, event_id
        for step, day in targets.items():
            setattr(plan, f"{step}_by", day)
        plan.updated_at = utcnow()
    session.add(plan)


def read_plan(session: Session, principal: Principal, review_id: str) -> PlanPublic:
    review_for(session, principal, review_id)
    plan = session.get(ReviewPlan, review_id)
    if plan is None:
        raise Problem(404, f"Review {review_id} has no plan: no CPR or MAPF decision has been recorded for it.",
                      slug="no-plan")
    today = london_today()
    meetings = session.exec(select(Meeting).where(Meeting.review_id == review_id)).all()
    milestones = {m.milestone: m.on for m in session.exec(
        select(ReviewMilestone).where(ReviewMilestone.review_id == review_id)).all()}
    now = utcnow()
    steps = []
    for step in STEPS:
        target = getattr(plan, f"{step}_by")
        counts = None
        done_dates = []
        scheduled = False
        kind = STEP_MEETING_KIND.get(step)
        if kind:
            mine = [m for m in meetings if m.kind == kind]
            upcoming = sorted(m.starts_at for m in mine if is_active(m.status) and m.starts_at >= now)
            counts = MeetingCounts(
                kind=kind, booked=sum(m.status != "cancelled" for m in mine),
                held=sum(m.status == "held" for m in mine), at_risk=sum(m.status == "at_risk" for m in mine),
                cancelled=sum(m.status == "cancelled" for m in mine),
                next_start=local(upcoming[0]) if upcoming else None)
            done_dates += [m.held_on for m in mine if m.status == "held" and m.held_on]
            scheduled = any(is_active(m.status) for m in mine)
        if step in STEP_MILESTONE and STEP_MILESTONE[step] in milestones:
            done_dates.append(milestones[STEP_MILESTONE[step]])
        done_on = min(done_dates) if done_dates else None
        status = step_status(target, done_on, scheduled, today)
        steps.append(PlanStep(step=step, target_date=target, status=status, done_on=done_on,
                              late=status in ("late", "done_late"), meetings=counts))
    return PlanPublic(review_id=plan.review_id, board_code=plan.board_code, outcome=plan.outcome,
                      decided_on=plan.decided_on, target_completion_date=plan.target_completion_date, as_of=today,
                      steps=steps, late_steps=[s.step for s in steps if s.status == "late"],
                      created_at=plan.created_at, updated_at=plan.updated_at)
