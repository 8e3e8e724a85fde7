"""Facts other services report about a review, recorded as milestones (idempotently; see
service.record_milestone_fact for what happens when the lifecycle refuses one)."""
from __future__ import annotations

from sqlmodel import Session

from shared.events import Envelope
from shared.events.meetings import MeetingHeldV1
from shared.events.publications import PublicationPublishedV1
from services.notification_api.reviews import service


def on_meeting_held(session: Session, envelope: Envelope, event: MeetingHeldV1) -> None:
    """A Learning Event held (attendance recorded) is the review's learning_event_held milestone.
    Other meetings (panel meetings, CPR Group) are not milestones."""
    if event.kind != "learning_event":
        return
    service.record_milestone_fact(session, review_id=event.review_id, board_code=event.board_code,
                                  milestone="learning_event_held", on=event.held_on, source=envelope.type)


def on_publication_published(session: Session, envelope: Envelope, event: PublicationPublishedV1) -> None:
    service.record_milestone_fact(session, review_id=event.review_id, board_code=event.board_code,
                                  milestone="report_published", on=event.published_on, source=envelope.type)
