"""Thin routers for the approved list (Welsh Government writes; any key reads) and a review's
appointments (its board appoints; its board and Welsh Government read)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from shared.http.deps import BoardDep, PrincipalDep, SessionDep, SettingsDep, WelshGovernmentDep
from shared.http.idempotency import IdempotencyDep
from shared.http.pagination import CursorQuery, LimitQuery
from shared.http.responses import conflict
from shared.http.types import QueryBool
from services.notification_api.approved import service
from services.notification_api.approved.schemas import (
    AppointmentCreate,
    AppointmentList,
    AppointmentPublic,
    ApprovedReviewerCreate,
    ApprovedReviewerPage,
    ApprovedReviewerPublic,
    ApprovedReviewerUpdate,
    FamilyCode,
    RoleCode,
)
from services.notification_api.reviews.views import NOT_VISIBLE, REVIEW_WRITE

router = APIRouter(prefix="/v1/approved-reviewers", tags=["approved list"])
appointments = APIRouter(prefix="/v1/reviews", tags=["reviews"])

WG_ONLY = {403: {"description": "Only Welsh Government keeps the approved list"}}
SAME_EMAIL = "Someone on the list already has this work e-mail address"
ReviewerId = Annotated[str, Path(max_length=36)]


@router.post("", status_code=201, response_model=ApprovedReviewerPublic, responses={**WG_ONLY, **conflict(SAME_EMAIL)},
             summary="Add a chair or reviewer to the approved list (Welsh Government only)",
             description="Work contact details only (a personal e-mail domain is 422). Honours `Idempotency-Key`.")
def add(body: ApprovedReviewerCreate, session: SessionDep, principal: WelshGovernmentDep, idem: IdempotencyDep,
        settings: SettingsDep):
    def make():
        row = service.add_reviewer(session, body, settings)
        return ApprovedReviewerPublic.model_validate(service.public(row)).model_dump(mode="json")
    return idem.create(make, collection="/v1/approved-reviewers")


@router.get("", response_model=ApprovedReviewerPage, summary="The approved list",
            description="Boards choose chairs and reviewers from it. Filter by the review type they may review, "
                        "role, or active.")
def list_(session: SessionDep, principal: PrincipalDep,
          review_type: Annotated[FamilyCode | None, Query()] = None,
          role: Annotated[RoleCode | None, Query()] = None,
          active: Annotated[QueryBool | None, Query()] = None,
          limit: LimitQuery = 50, cursor: CursorQuery = None):
    rows, next_cursor = service.list_reviewers(session, review_type=review_type, role=role, active=active,
                                               limit=limit, cursor=cursor)
    return {"items": [service.public(r) for r in rows], "next_cursor": next_cursor}


@router.get("/{reviewer_id}", response_model=ApprovedReviewerPublic, summary="One entry of the approved list",
            responses={404: {"description": "Not on the list"}})
def read(reviewer_id: ReviewerId, session: SessionDep, principal: PrincipalDep):
    return service.public(service.get_reviewer(session, reviewer_id))


@router.patch("/{reviewer_id}", response_model=ApprovedReviewerPublic, summary="Change an entry (Welsh Government "
              "only)", description="Contact details, roles, review types, or `active: false` to take someone off "
              "the list (their past appointments stay).", responses={**WG_ONLY, 409: {"description": SAME_EMAIL}})
def update(reviewer_id: ReviewerId, body: ApprovedReviewerUpdate, session: SessionDep,
           principal: WelshGovernmentDep, settings: SettingsDep):
    row = service.update_reviewer(session, reviewer_id, body, settings)
    result = service.public(row)
    session.commit()
    return result


@appointments.post("/{review_id}/appointments", status_code=201, response_model=AppointmentPublic,
                   summary="Appoint a chair or reviewer from the approved list",
                   description="Refused (422) unless the person is active on the approved list, holds the role and "
                               "is approved for every review type the review covers; one chair per review (409). "
                               "Publishes `review.appointment_made.v1`, so the scheduler can invite them.",
                   responses=REVIEW_WRITE)
def appoint(review_id: str, body: AppointmentCreate, session: SessionDep, principal: BoardDep,
            idem: IdempotencyDep):
    def make():
        result = service.appoint(session, principal, review_id, body)
        return AppointmentPublic.model_validate(result).model_dump(mode="json")
    return idem.create(make)


@appointments.get("/{review_id}/appointments", response_model=AppointmentList, responses=NOT_VISIBLE,
                  summary="The review's chair and reviewers", description="The read is audited.")
def list_appointments(review_id: str, session: SessionDep, principal: PrincipalDep):
    items = service.list_appointments(session, principal, review_id)
    session.commit()
    return {"items": items}
