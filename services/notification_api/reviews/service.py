"""Use cases on reviews. Each takes a Session and a Principal, raises Problem for anything
the caller did wrong, stages its events with add_event in the same transaction as its
change, and audits every read and write of a review. The view commits once."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date

from sqlalchemy import and_, not_, or_
from sqlmodel import Session, select

from shared.auth import Principal
from shared.clock import london_today
from shared.db import utcnow
from shared.events.reviews import (
    ReviewClosedV1,
    ReviewDecisionRecordedV1,
    ReviewMilestoneRecordedV1,
    ReviewProceedingsChangedV1,
    ReviewReferredV1,
    ReviewSusrRecordedV1,
)
from shared.http.deps import board_scope, visible_or_404
from shared.http.pagination import keyset, page_of
from shared.http.identifiers import NOT_NAMES, check_free_text, reject_identifiers
from shared.http.problems import Problem, field_problem
from shared.logs import log
from shared.outbox import add_event
from shared.service import settings_for
from shared.settings import Settings
from services.notification_api.reviews.models import (
    Review,
    ReviewAudit,
    ReviewMilestone,
    ReviewProceeding,
    ReviewType,
)
from services.notification_api.reviews.schemas import (
    CloseCreate,
    DecisionCreate,
    MilestoneCreate,
    ProceedingConclude,
    ProceedingCreate,
    ReviewCreate,
)
from services.notification_api.rules import lifecycle, susr, timescale
from services.notification_api.rules.criteria import CriteriaAssessment
from services.notification_api.rules.errors import RuleViolation
from services.notification_api.rules import review_types as rt_rules
from services.notification_api.rules.review_types import ReviewTypeSpec

logger = logging.getLogger(__name__)

OPEN_STATUSES = ("in_progress", "report_approved", "published")


today = london_today  # dates people see (and "in the future" checks) are Europe/London dates


# -- helpers --------------------------------------------------------------------------------
def rule_problem(exc: RuleViolation) -> Problem:
    return Problem(exc.status, exc.detail, slug=exc.code.replace("_", "-"), code=exc.code)


def audit(session: Session, principal: Principal | None, review: Review, action: str, what: str,
          *, actor: str | None = None) -> None:
    session.add(ReviewAudit(review_id=review.id, board_code=review.board_code,
                            principal=actor or principal.name, key_id=principal.key_id if principal else None,
                            action=action, what=what[:100]))


def get_review(session: Session, principal: Principal, review_id: str, *, for_update: bool = False) -> Review:
    """The review if this key may see it (`visible_or_404`); locked when it is to be changed."""
    query = select(Review).where(Review.id == review_id)
    if for_update:
        query = query.with_for_update()  # serialises concurrent writes to one review (PostgreSQL)
    return visible_or_404(session.exec(query).first(), principal, f"No review {review_id} visible to this key.")


def review_type_spec(row: ReviewType) -> ReviewTypeSpec:
    return ReviewTypeSpec(code=row.code, name_en=row.name_en, name_cy=row.name_cy,
                          reviewers_expected=row.reviewers_expected, is_review=row.is_review,
                          target_months=row.target_months, target_days=row.target_days, family=row.family,
                          standalone=row.standalone)


def susr_policy(settings: Settings) -> susr.SusrPolicy:
    """The SUSR thresholds the guidance leaves to policy, from the settings."""
    return susr.SusrPolicy(dhr_min_age=settings.susr_dhr_min_age, owhr_min_age=settings.susr_owhr_min_age,
                           mhhr_contact_months=settings.susr_mhhr_contact_months,
                           owhr_excludes_dhr=settings.susr_owhr_excludes_dhr,
                           apr_extended_by_care_and_support=settings.susr_apr_extended_by_care_and_support)


def covered_families(session: Session, review: Review) -> list[str]:
    """The constituent types (cpr, apr, dhr, mhhr, owhr) a decided review covers, from the
    review types' rows: what an appointee must be approved for. Empty for a MAPF or no review."""
    codes = list(review.covered_types or [])
    if not codes:
        return []
    rows = session.exec(select(ReviewType).where(ReviewType.code.in_(codes))).all()
    return sorted({r.family for r in rows if r.family})


def review_type_specs(session: Session, *, active_only: bool = False) -> Mapping[str, ReviewTypeSpec]:
    """The review types table as the pure rules take it: the one source of the codes."""
    query = select(ReviewType).order_by(ReviewType.code)
    if active_only:
        query = query.where(ReviewType.active)
    return rt_rules.review_types(review_type_spec(row) for row in session.exec(query).all())


def _milestones(session: Session, review_id: str) -> list[ReviewMilestone]:
    return list(session.exec(select(ReviewMilestone).where(ReviewMilestone.review_id == review_id)
                             .order_by(ReviewMilestone.occurred_on, ReviewMilestone.recorded_at)).all())


def _proceedings(session: Session, review_id: str) -> list[ReviewProceeding]:
    return list(session.exec(select(ReviewProceeding).where(ReviewProceeding.review_id == review_id)
                             .order_by(ReviewProceeding.started_on, ReviewProceeding.created_at)).all())


def state_of(session: Session, review: Review) -> lifecycle.ReviewState:
    return lifecycle.ReviewState(
        status=review.status, outcome=review.outcome, decided_on=review.decided_on,
        milestones={m.milestone: m.occurred_on for m in _milestones(session, review.id)},
        referred_on=review.referral_date)


def assessment_of(review: Review) -> CriteriaAssessment:
    return CriteriaAssessment(criteria_met=review.criteria_met, indicated_type=review.indicated_type,
                              reasons=list(review.criteria_reasons),
                              indicated_types=tuple(review.indicated_types or ()))


def completed_on(review: Review) -> date | None:
    """A review is complete when its report is approved; one that closes without a report (a
    MAPF after its forum, or after its action plan) is complete when it closes."""
    return review.report_approved_on or review.closed_on


def is_overdue(review: Review, on: date) -> bool:
    """Overdue: in progress and past its target date (the target day itself is on time, as in
    rules/timescale.compute). `overdue_clause` is the same rule as SQL; nothing else states it."""
    return (review.status == "in_progress" and review.target_completion_date is not None
            and review.target_completion_date < on)


def overdue_clause(on: date):
    """`is_overdue` as a SQL condition (lists, monitoring, the overdue job)."""
    return and_(Review.status == "in_progress", Review.target_completion_date < on)


def detail(session: Session, review: Review, *, new: bool = False) -> dict:
    """The review as the API shows it. `new`: just created, so it has no milestones or
    proceedings yet (two queries saved on the ingest path)."""
    milestones = [] if new else _milestones(session, review.id)
    proceedings = [] if new else _proceedings(session, review.id)
    figures = None
    if review.decided_on is not None and review.target_completion_date is not None:
        now = max(today(), review.decided_on)
        done = completed_on(review)
        ts = timescale.compute(review.decided_on, review.target_completion_date,
                               max(done, review.decided_on) if done else None, now,
                               [timescale.Proceeding(p.kind, p.started_on, p.ended_on) for p in proceedings])
        figures = {**ts.__dict__, "delay_reasons": [k.value for k in ts.delay_reasons],
                   "active_delay_reasons": [k.value for k in ts.active_delay_reasons]}
    decision = None
    if review.outcome is not None:
        decision = {"outcome": review.outcome, "decided_on": review.decided_on, "rationale": review.rationale,
                    "departs_from_criteria": bool(review.departs_from_criteria)}
    return {
        "id": review.id, "board_code": review.board_code, "board_reference": review.board_reference,
        "referral_date": review.referral_date, "status": review.status,
        "trigger": {"kind": review.trigger_kind, "date": review.trigger_date},
        "abuse_or_neglect": review.abuse_or_neglect,
        "child": {"age_years": review.child_age_years,
                  "on_child_protection_register_in_prior_6_months": review.on_child_protection_register_in_prior_6_months,
                  "looked_after_in_prior_6_months": review.looked_after_in_prior_6_months}
        if review.person == "child" else None,
        "adult_at_risk": review.adult_at_risk, "homicide": review.homicide,
        "susr_assessment": review.susr_assessment,
        "agencies_involved": list(review.agencies_involved), "summary": review.summary,
        "criteria_assessment": {"criteria_met": review.criteria_met, "indicated_type": review.indicated_type,
                                "reasons": list(review.criteria_reasons)},
        "review_type": review.review_type, "covered_types": list(review.covered_types or []),
        "decision": decision,
        "departs_from_criteria": review.departs_from_criteria,
        "target_completion_date": review.target_completion_date, "timescale": figures,
        "milestones": [{"milestone": m.milestone, "date": m.occurred_on, "note": m.note, "source": m.source,
                        "recorded_at": m.recorded_at} for m in milestones],
        "proceedings": [proceeding_public(p) for p in proceedings],
        "closed_on": review.closed_on, "created_at": review.created_at, "updated_at": review.updated_at,
    }


def proceeding_public(p: ReviewProceeding) -> dict:
    return {"id": p.id, "review_id": p.review_id, "kind": p.kind, "started_on": p.started_on,
            "ended_on": p.ended_on, "note": p.note, "created_at": p.created_at, "updated_at": p.updated_at}


def summary(review: Review, on: date) -> dict:
    return {"id": review.id, "board_code": review.board_code, "board_reference": review.board_reference,
            "referral_date": review.referral_date, "status": review.status, "criteria_met": review.criteria_met,
            "indicated_type": review.indicated_type, "outcome": review.outcome, "decided_on": review.decided_on,
            "departs_from_criteria": review.departs_from_criteria,
            "target_completion_date": review.target_completion_date, "overdue": is_overdue(review, on),
            "closed_on": review.closed_on, "created_at": review.created_at}


def _touch(review: Review) -> None:
    review.updated_at = utcnow()


# -- use cases ------------------------------------------------------------------------------
def notify_referral(session: Session, principal: Principal, body: ReviewCreate) -> Review:
    now = today()
    if body.referral_date > now:
        raise field_problem("referral_in_future", f"The referral date {body.referral_date} is in the future.",
                       "referral_date")
    if body.trigger.date > now:
        raise field_problem("trigger_in_future", f"The trigger date {body.trigger.date} is in the future.",
                       "trigger.date")
    if body.trigger.date > body.referral_date:
        raise field_problem("trigger_after_referral", f"The trigger date {body.trigger.date} is after the referral "
                       f"date {body.referral_date}; an incident is referred after it happens.", "trigger.date")
    check_free_text(session, {"summary": body.summary})
    # A board's own case reference is pseudonymous; an NHS number or postcode there is not.
    reject_identifiers({"board_reference": body.board_reference}, kinds=NOT_NAMES)
    existing = session.exec(select(Review.id).where(
        Review.board_code == principal.board_code, Review.board_reference == body.board_reference)).first()
    if existing:
        raise Problem(409, "This board has already notified a review with this board_reference.",
                      slug="duplicate-board-reference", existing_review_id=existing)
    if body.child is None and body.adult_at_risk is None and body.homicide is None:
        raise field_problem("no_subject", "A referral is about a child harmed (`child`), an adult at risk harmed "
                       "(`adult_at_risk`) or a homicide (`homicide`): give each that applies.", "child")
    facts = susr.SusrFacts(
        harm=None if body.trigger.kind == "other" else body.trigger.kind, abuse_or_neglect=body.abuse_or_neglect,
        trigger_date=body.trigger.date,
        child=susr.ChildFacts(**body.child.model_dump()) if body.child else None,
        adult_at_risk=susr.AdultAtRiskFacts(**body.adult_at_risk.model_dump()) if body.adult_at_risk else None,
        homicide=susr.HomicideFacts(**body.homicide.model_dump()) if body.homicide else None)
    policy = susr_policy(settings_for(session))
    missing = susr.missing_facts(facts, policy)
    if missing:
        raise field_problem("fact_required", f"{missing[0]} is required for these facts (it decides whether a review "
                       "type's criteria are met).", missing[0])
    full = susr.assess_susr(facts, policy)
    result = susr.criteria_answer(facts, full)
    child = body.child
    review = Review(
        board_code=principal.board_code, board_reference=body.board_reference, referral_date=body.referral_date,
        trigger_kind=body.trigger.kind, trigger_date=body.trigger.date, abuse_or_neglect=body.abuse_or_neglect,
        person="child" if child else ("adult_at_risk" if body.adult_at_risk else "none"),
        child_age_years=child.age_years if child else 0,
        on_child_protection_register_in_prior_6_months=bool(child and child.on_child_protection_register_in_prior_6_months),
        looked_after_in_prior_6_months=bool(child and child.looked_after_in_prior_6_months),
        adult_at_risk=body.adult_at_risk.model_dump() if body.adult_at_risk else None,
        homicide=body.homicide.model_dump() if body.homicide else None,
        agencies_involved=sorted(set(body.agencies_involved)), summary=body.summary,
        criteria_met=result.criteria_met, indicated_type=result.indicated_type, criteria_reasons=result.reasons,
        indicated_types=list(result.indicated_types), susr_assessment=susr.public(full))
    session.add(review)
    audit(session, principal, review, "create", "referral")
    add_event(session, subject=review.id, data=ReviewReferredV1(
        review_id=review.id, board_code=review.board_code, referral_date=review.referral_date,
        status=review.status, trigger_kind=review.trigger_kind, criteria_met=review.criteria_met,
        indicated_type=review.indicated_type))
    return review


def record_decision(session: Session, principal: Principal, review_id: str, body: DecisionCreate) -> Review:
    review = get_review(session, principal, review_id, for_update=True)
    check_free_text(session, {"rationale": body.rationale})
    offered = review_type_specs(session, active_only=True)
    covers = list(dict.fromkeys(body.covers)) if body.covers else None
    if body.outcome == lifecycle.SUSR:
        codes = covers or []
        bad = [c for c in codes if c not in offered or offered[c].family is None]
        if bad:
            raise field_problem("unknown_review_type", f"Review type {bad[0]} is not offered as part of a SUSR.", "covers")
    elif body.outcome == lifecycle.NO_REVIEW:
        codes = []
    else:
        spec = offered.get(body.outcome)
        if spec is None or not spec.standalone:
            raise field_problem("unknown_review_type", f"Review type {body.outcome} is not offered.", "outcome")
        codes = [body.outcome]
    try:
        result = lifecycle.decide(state_of(session, review), body.outcome, body.decided_on, body.rationale,
                                  assessment_of(review), today(), offered, covers=covers)
    except RuleViolation as exc:
        raise rule_problem(exc) from None
    review.outcome = body.outcome
    review.covered_types = codes
    review.decided_on = body.decided_on
    review.rationale = result.rationale
    review.departs_from_criteria = result.departs_from_criteria
    review.status = result.status.value
    if codes:
        # One type: its target. A SUSR: the earliest of the types it covers, and that type governs.
        review.review_type, review.target_completion_date = susr.governing_target(
            [offered[c] for c in codes], body.decided_on)
    else:
        review.review_type, review.target_completion_date = None, None
    if review.status == "closed":
        review.closed_on = body.decided_on
    _touch(review)
    audit(session, principal, review, "update", f"decision:{body.outcome}")
    add_event(session, subject=review.id,
              data=ReviewDecisionRecordedV1(
                  review_id=review.id, board_code=review.board_code, outcome=review.outcome,
                  decided_on=review.decided_on, departs_from_criteria=review.departs_from_criteria,
                  status=review.status, target_completion_date=review.target_completion_date,
                  indicated_type=review.indicated_type, review_type=review.review_type))
    if review.outcome == lifecycle.SUSR:
        add_event(session, subject=review.id, data=ReviewSusrRecordedV1(
            review_id=review.id, board_code=review.board_code, decided_on=review.decided_on,
            covered_types=list(review.covered_types), review_type=review.review_type,
            target_completion_date=review.target_completion_date,
            departs_from_criteria=review.departs_from_criteria))
    if review.status == "closed":
        _closed_event(session, review)
    return review


def _closed_event(session: Session, review: Review) -> None:
    add_event(session, subject=review.id, data=ReviewClosedV1(
        review_id=review.id, board_code=review.board_code, closed_on=review.closed_on, outcome=review.outcome))


def apply_milestone(session: Session, review: Review, milestone: str, on: date, *, note: str | None,
                    source: str, recorded_by: str) -> bool:
    """Record a milestone on a (locked) review. True if recorded, False for an identical
    re-post (idempotent). Raises RuleViolation for anything the lifecycle refuses."""
    state = state_of(session, review)
    if state.outcome is not None and lifecycle.milestone_repost(state, milestone, on) == "identical":
        return False
    new_state = lifecycle.apply_milestone(state, milestone, on, today())
    session.add(ReviewMilestone(review_id=review.id, milestone=milestone, occurred_on=on, note=note,
                                source=source, recorded_by=recorded_by))
    review.status = new_state.status.value
    if milestone == lifecycle.Milestone.REPORT_APPROVED:
        review.report_approved_on = on
    elif milestone == lifecycle.Milestone.REPORT_PUBLISHED:
        review.report_published_on = on
    _touch(review)
    add_event(session, subject=review.id,
              data=ReviewMilestoneRecordedV1(review_id=review.id, board_code=review.board_code,
                                             milestone=milestone, on=on, status=review.status,
                                             review_type=review.review_type))
    return True


def record_milestone(session: Session, principal: Principal, review_id: str, body: MilestoneCreate) -> tuple[Review, bool]:
    review = get_review(session, principal, review_id, for_update=True)
    check_free_text(session, {"note": body.note})
    try:
        created = apply_milestone(session, review, body.milestone, body.date, note=body.note, source="api",
                                  recorded_by=principal.name)
    except RuleViolation as exc:
        raise rule_problem(exc) from None
    if created:
        audit(session, principal, review, "update", f"milestone:{body.milestone}")
    else:
        # Nothing changed; the caller is shown the review, which is a read.
        audit(session, principal, review, "read", f"milestone_repost:{body.milestone}")
    return review, created


def record_milestone_fact(session: Session, *, review_id: str, board_code: str, milestone: str, on: date,
                          source: str) -> bool:
    """A milestone another service reports as a fact (a Learning Event held, a report
    published). Applied once and idempotently. If the lifecycle refuses it (no decision yet,
    the report not yet approved, the review closed, a different date already recorded) it is
    logged and nothing is recorded: the board can still post the milestone itself, and a valid
    fact must never be retried into the dead-letter queue."""
    review = session.exec(select(Review).where(Review.id == review_id).with_for_update()).first()
    if review is None or review.board_code != board_code:
        log(logger, logging.WARNING, "milestone fact for an unknown review ignored", review_id=review_id,
            board_code=board_code, milestone=milestone, source=source)
        return False
    try:
        created = apply_milestone(session, review, milestone, on, note=None, source=source,
                                  recorded_by=f"event:{source}")
    except RuleViolation as exc:
        log(logger, logging.WARNING, "milestone fact not recorded: the lifecycle refuses it",
            review_id=review_id, milestone=milestone, source=source, rule=exc.code)
        return False
    if created:
        audit(session, None, review, "update", f"milestone:{milestone}", actor=f"event:{source}")
    return created


def add_proceeding(session: Session, principal: Principal, review_id: str, body: ProceedingCreate) -> ReviewProceeding:
    review = get_review(session, principal, review_id, for_update=True)
    check_free_text(session, {"note": body.note})
    if review.status == "closed":
        raise Problem(409, "Cannot add a proceeding: the review is closed.", slug="review-closed",
                      code="review_closed")
    try:
        timescale.validate_proceeding(body.kind, body.started_on, body.ended_on, today())
    except RuleViolation as exc:
        raise rule_problem(exc) from None
    row = ReviewProceeding(review_id=review.id, kind=body.kind, started_on=body.started_on,
                           ended_on=body.ended_on, note=body.note)
    session.add(row)
    _touch(review)
    audit(session, principal, review, "update", f"proceeding_added:{body.kind}")
    add_event(session, subject=review.id,
              data=ReviewProceedingsChangedV1(review_id=review.id, board_code=review.board_code,
                                              proceeding_id=row.id, kind=row.kind,
                                              change="concluded" if row.ended_on else "started",
                                              started_on=row.started_on, ended_on=row.ended_on))
    return row


def conclude_proceeding(session: Session, principal: Principal, review_id: str, proceeding_id: str,
                        body: ProceedingConclude) -> ReviewProceeding:
    review = get_review(session, principal, review_id, for_update=True)
    row = session.get(ReviewProceeding, proceeding_id)
    if row is None or row.review_id != review.id:
        raise Problem(404, f"No proceeding {proceeding_id} on review {review_id}.")
    try:
        updated = timescale.conclude_proceeding(timescale.Proceeding(row.kind, row.started_on, row.ended_on),
                                                body.ended_on, today())
    except RuleViolation as exc:
        raise rule_problem(exc) from None
    if row.ended_on == updated.ended_on:
        audit(session, principal, review, "read", f"proceeding_repost:{row.kind}")
        return row
    row.ended_on = updated.ended_on
    row.updated_at = utcnow()
    _touch(review)
    audit(session, principal, review, "update", f"proceeding_concluded:{row.kind}")
    add_event(session, subject=review.id,
              data=ReviewProceedingsChangedV1(review_id=review.id, board_code=review.board_code,
                                              proceeding_id=row.id, kind=row.kind, change="concluded",
                                              started_on=row.started_on, ended_on=row.ended_on))
    return row


def close_review(session: Session, principal: Principal, review_id: str, body: CloseCreate) -> Review:
    review = get_review(session, principal, review_id, for_update=True)
    try:
        new_state = lifecycle.close(state_of(session, review), body.closed_on, today(),
                                    review_type_specs(session))
    except RuleViolation as exc:
        raise rule_problem(exc) from None
    review.status = new_state.status.value
    review.closed_on = body.closed_on
    _touch(review)
    audit(session, principal, review, "update", "closed")
    _closed_event(session, review)
    return review


def read_review(session: Session, principal: Principal, review_id: str) -> Review:
    review = get_review(session, principal, review_id)
    audit(session, principal, review, "read", "review")
    return review


def list_reviews(session: Session, principal: Principal, *, status: str | None, type: str | None,
                 board: str | None, overdue: bool | None, decided_from: date | None, decided_to: date | None,
                 limit: int, cursor: str | None) -> tuple[list[Review], str | None]:
    """Every review returned is audited as read (what="list"): a list shows case facts, and
    "every read of a case record is auditable" should not depend on which endpoint read it."""
    now = today()
    query = board_scope(select(Review), principal, Review.board_code)
    if board is not None:
        query = query.where(Review.board_code == board)
    if status is not None:
        query = query.where(Review.status == status)
    if type is not None:
        query = query.where(Review.outcome == type)
    if decided_from is not None:
        query = query.where(Review.decided_on >= decided_from)
    if decided_to is not None:
        query = query.where(Review.decided_on <= decided_to)
    if overdue is not None:
        cond = overdue_clause(now)
        query = query.where(cond if overdue else or_(not_(cond), Review.target_completion_date.is_(None)))
    rows = list(session.exec(keyset(query, [Review.created_at, Review.id], cursor, limit, descending=True)).all())
    rows, next_cursor = page_of(rows, limit, key=lambda r: [r.created_at.isoformat(), r.id])
    for r in rows:
        audit(session, principal, r, "read", "list")
    return rows, next_cursor


def read_audit(session: Session, principal: Principal, review_id: str, *, limit: int,
               cursor: str | None) -> tuple[list[ReviewAudit], str | None]:
    review = get_review(session, principal, review_id)
    query = select(ReviewAudit).where(ReviewAudit.review_id == review.id)
    rows = list(session.exec(keyset(query, [ReviewAudit.id], cursor, limit)).all())
    rows, next_cursor = page_of(rows, limit, key=lambda r: [r.id])
    # Reading the audit trail is itself a read of the case record; it shows on the next page.
    audit(session, principal, review, "read", "audit")
    return rows, next_cursor


def review_types(session: Session, *, include_susr_only: bool = False) -> list[ReviewType]:
    """Active types; by default those that are outcomes of their own (what the CPR API offered),
    with ``include_susr_only`` also the types decided only as part of a SUSR."""
    query = select(ReviewType).where(ReviewType.active)
    if not include_susr_only:
        query = query.where(ReviewType.standalone)
    return list(session.exec(query.order_by(ReviewType.code)).all())
