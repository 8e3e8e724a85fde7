"""Thin routers: parse, authorise (dependency), call a service function, map the result."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shared.http.deps import BoardDep, PrincipalDep, SessionDep
from shared.http.idempotency import IdempotencyDep
from shared.http.pagination import CursorQuery, LimitQuery
from shared.http.responses import BOARD_ONLY, conflict, not_found
from shared.http.types import IsoDate, QueryBool
from services.notification_api.reviews import service
from services.notification_api.reviews.schemas import (
    AuditPage,
    CloseCreate,
    DecisionCreate,
    MilestoneCreate,
    OutcomeCode,
    ProceedingConclude,
    ProceedingCreate,
    ProceedingPublic,
    ReviewCreate,
    ReviewPage,
    ReviewPublic,
    ReviewTypePublic,
    StatusCode,
)

router = APIRouter(prefix="/v1/reviews", tags=["reviews"])
types_router = APIRouter(prefix="/v1/review-types", tags=["review types"])
NOT_VISIBLE = not_found("review")
PROBLEM_409 = conflict("Conflicts with the review's current state")
# A board's write to one of its reviews.
REVIEW_WRITE = {**NOT_VISIBLE, **BOARD_ONLY, **PROBLEM_409}


def _public(session, review, *, new: bool = False) -> dict:
    return ReviewPublic.model_validate(service.detail(session, review, new=new)).model_dump(mode="json")


@router.post("", status_code=201, response_model=ReviewPublic, summary="Notify a referral",
             description="Records the referral facts and returns what the Child Practice Review criteria imply "
                         "(`criteria_assessment`). Honours `Idempotency-Key`.",
             responses={**BOARD_ONLY, **conflict("Duplicate board_reference")})
def notify(body: ReviewCreate, session: SessionDep, principal: BoardDep, idem: IdempotencyDep):
    return idem.create(lambda: _public(session, service.notify_referral(session, principal, body), new=True),
                       collection="/v1/reviews")


@router.get("", response_model=ReviewPage, summary="List reviews",
            description="Newest first, cursor-paginated. A board sees its own reviews; Welsh Government all "
                        "(filter with `board`). Each review listed is recorded in its audit trail as read.")
def list_reviews(session: SessionDep, principal: PrincipalDep,
                 status: Annotated[StatusCode | None, Query()] = None,
                 type: Annotated[OutcomeCode | None, Query(description="The decision outcome.")] = None,
                 board: Annotated[str | None, Query(max_length=64, description="Welsh Government: one board.")] = None,
                 overdue: Annotated[QueryBool | None, Query(description="In progress and past the target date.")] = None,
                 decided_from: Annotated[IsoDate | None, Query()] = None,
                 decided_to: Annotated[IsoDate | None, Query()] = None,
                 limit: LimitQuery = 50, cursor: CursorQuery = None):
    rows, next_cursor = service.list_reviews(session, principal, status=status, type=type, board=board,
                                             overdue=overdue, decided_from=decided_from, decided_to=decided_to,
                                             limit=limit, cursor=cursor)
    on = service.today()
    body = {"items": [service.summary(r, on) for r in rows], "next_cursor": next_cursor}
    session.commit()
    return body


@router.get("/{review_id}", response_model=ReviewPublic, summary="Read one review",
            description="The referral facts, criteria assessment, decision, milestones, proceedings and "
                        "timescale figures. The read is audited.", responses=NOT_VISIBLE)
def read(review_id: str, session: SessionDep, principal: PrincipalDep):
    review = service.read_review(session, principal, review_id)
    body = _public(session, review)
    session.commit()
    return body


@router.post("/{review_id}/decision", status_code=201, response_model=ReviewPublic,
             summary="Record the Board's decision (the notification to Welsh Government)",
             description="A decision that departs from what the criteria indicate requires a `rationale`; the "
                         "departure is stored. Sets `target_completion_date` from the review type's timescale. "
                         "`no_review` closes the review.",
             responses=REVIEW_WRITE)
def decide(review_id: str, body: DecisionCreate, session: SessionDep, principal: BoardDep,
           idem: IdempotencyDep):
    return idem.create(lambda: _public(session, service.record_decision(session, principal, review_id, body)))


@router.post("/{review_id}/milestones", status_code=201, response_model=ReviewPublic,
             summary="Record a milestone",
             description="201 when recorded; 200 when the same milestone with the same date is posted again "
                         "(nothing changes); 409 when it is already recorded with another date or the order is "
                         "impossible (e.g. approved before drafted); 422 for a future date or one before the "
                         "decision.",
             responses={200: {"description": "Already recorded with this date; nothing changed",
                              "model": ReviewPublic}, **REVIEW_WRITE})
def milestone(review_id: str, body: MilestoneCreate, session: SessionDep, principal: BoardDep,
              idem: IdempotencyDep):
    def make():
        review, created = service.record_milestone(session, principal, review_id, body)
        return (201 if created else 200), _public(session, review)
    return idem.create(make)


@router.post("/{review_id}/proceedings", status_code=201, response_model=ProceedingPublic,
             summary="Record parallel proceedings (a delay reason)",
             responses=REVIEW_WRITE)
def add_proceeding(review_id: str, body: ProceedingCreate, session: SessionDep, principal: BoardDep,
                   idem: IdempotencyDep):
    def make():
        row = service.add_proceeding(session, principal, review_id, body)
        return ProceedingPublic.model_validate(service.proceeding_public(row))
    return idem.create(make, collection=f"/v1/reviews/{review_id}/proceedings")


@router.patch("/{review_id}/proceedings/{proceeding_id}", response_model=ProceedingPublic,
              summary="Conclude parallel proceedings",
              description="Sets the end date. The same date again is a no-op; another date is 409.",
              responses=REVIEW_WRITE)
def conclude_proceeding(review_id: str, proceeding_id: str, body: ProceedingConclude, session: SessionDep,
                        principal: BoardDep):
    row = service.conclude_proceeding(session, principal, review_id, proceeding_id, body)
    result = ProceedingPublic.model_validate(service.proceeding_public(row))
    session.commit()
    return result


@router.post("/{review_id}/close", status_code=201, response_model=ReviewPublic, summary="Close a review",
             description="Once the report is published or the action plan completed (a MAPF once its learning "
                         "event is held). Publishes `review.closed.v1`.",
             responses=REVIEW_WRITE)
def close(review_id: str, body: CloseCreate, session: SessionDep, principal: BoardDep, idem: IdempotencyDep):
    return idem.create(lambda: _public(session, service.close_review(session, principal, review_id, body)))


@router.get("/{review_id}/audit", response_model=AuditPage, summary="Who read or changed a review",
            description="Oldest first, cursor-paginated. Reading the audit trail is itself audited.",
            responses=NOT_VISIBLE)
def audit(review_id: str, session: SessionDep, principal: PrincipalDep, limit: LimitQuery = 100,
          cursor: CursorQuery = None):
    rows, next_cursor = service.read_audit(session, principal, review_id, limit=limit, cursor=cursor)
    body = {"items": [{"id": r.id, "review_id": r.review_id, "principal": r.principal, "key_id": r.key_id,
                       "action": r.action, "what": r.what, "at": r.at} for r in rows],
            "next_cursor": next_cursor}
    session.commit()
    return body


@types_router.get("", response_model=list[ReviewTypePublic], summary="Review types a board can decide on",
                  description="Reference data (English and Welsh names, target from the decision, the SUSR "
                              "`family` a type stands for). `no_review` and `susr` are decisions, not types; a "
                              "`susr` decision covers types listed here.")
def list_review_types(session: SessionDep, principal: PrincipalDep,
                      all: Annotated[QueryBool, Query(description="Also the types decided only as part of a "
                                                                  "Single Unified Safeguarding Review (APR, DHR, "
                                                                  "MHHR, OWHR).")] = False):
    return [ReviewTypePublic.model_validate(t, from_attributes=True)
            for t in service.review_types(session, include_susr_only=all)]
