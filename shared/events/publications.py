"""Events the dissemination service publishes about published learning."""
from __future__ import annotations

from datetime import date
from typing import Literal


from shared.events.registry import Payload, event_type



@event_type("publication.published.v1")
class PublicationPublishedV1(Payload):
    """The board published the anonymised learning: the review's `report_published` milestone."""

    publication_id: str
    review_id: str
    board_code: str
    published_on: date
    themes: list[str]
    review_type: str | None = None


@event_type("publication.withdrawn.v1")
class PublicationWithdrawnV1(Payload):
    """The publication left the public lists: withdrawn by its board, or past `available_until`
    (`reason` "expired"). Optional field: consumers of the first version still parse it."""

    publication_id: str
    review_id: str
    board_code: str
    withdrawn_on: date
    reason: Literal["withdrawn", "expired"] = "withdrawn"
