"""Use cases on reviews: each stages its events in the same transaction as its change."""
from __future__ import annotations

from sqlmodel import Session, select

from shared.auth import Principal
from shared.events.reviews import ReviewReferredV1
from shared.http.problems import Problem
from shared.outbox import add_event
from services.notification_api.reviews.models import Review
from services.notification_api.reviews.schemas import ReviewCreate

SOURCE = "/cpr/notification_api"


def notify_referral(session: Session, principal: Principal, body: ReviewCreate) -> Review:
    existing = session.exec(select(Review.id).where(
        Review.board_code == principal.board_code, Review.board_reference == body.board_reference)).first()
    if existing:
        raise Problem(409, "This board has already notified a review with this board_reference.",
                      slug="duplicate-board-reference", existing_review_id=existing)
    review = Review(board_code=principal.board_code, board_reference=body.board_reference,
                    referral_date=body.referral_date)
    session.add(review)
    add_event(session, source=SOURCE, type="review.referred.v1", subject=review.id, data=ReviewReferredV1(
        review_id=review.id, board_code=review.board_code, referral_date=review.referral_date, status=review.status))
    return review


def get_review(session: Session, principal: Principal, review_id: str) -> Review:
    review = session.get(Review, review_id)
    # Another board's review is reported as absent, never as forbidden: its existence is data too.
    if review is None or not (principal.welsh_government or review.board_code == principal.board_code):
        raise Problem(404, f"No review {review_id} visible to this key.")
    return review
