from __future__ import annotations

from fastapi import APIRouter

from shared.http.deps import BoardDep, PrincipalDep, SessionDep
from shared.http.idempotency import IdempotencyDep
from services.notification_api.reviews import service
from services.notification_api.reviews.schemas import ReviewCreate, ReviewPublic

router = APIRouter(prefix="/v1/reviews", tags=["reviews"])


@router.post("", status_code=201, response_model=ReviewPublic, summary="Notify a referral",
             responses={409: {"description": "Duplicate board_reference, or Idempotency-Key reused"}})
def notify(body: ReviewCreate, session: SessionDep, principal: BoardDep, idem: IdempotencyDep):
    if (replayed := idem.replay()) is not None:
        return replayed
    review = service.notify_referral(session, principal, body)
    response = idem.respond(201, ReviewPublic.model_validate(review, from_attributes=True),
                            headers={"Location": f"/v1/reviews/{review.id}"})
    session.commit()
    return response


@router.get("/{review_id}", response_model=ReviewPublic, summary="Read one review")
def read(review_id: str, session: SessionDep, principal: PrincipalDep):
    return service.get_review(session, principal, review_id)
