"""Small helpers every part of the scheduler uses."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from shared.auth import Principal
from shared.db import utcnow
from shared.http.deps import can_see
from shared.http.identifiers import reject_identifiers
from shared.http.problems import Problem
from shared.service import settings_for
from services.scheduler.reviews.models import ReviewRecord

SOURCE = "/cpr/scheduler"  # CloudEvents source (ServiceSpec.source of "scheduler")
LONDON = ZoneInfo("Europe/London")


def local(value: datetime | None) -> datetime | None:
    """A UTC instant as people read it: Europe/London wall time with its offset."""
    return None if value is None else value.astimezone(LONDON)


def london_today() -> date:
    return utcnow().astimezone(LONDON).date()


def review_for(session: Session, principal: Principal, review_id: str) -> ReviewRecord:
    """The scheduler's record of a review the caller may see, else 404 (existence is data too)."""
    record = session.get(ReviewRecord, review_id)
    if record is None or not can_see(principal, record.board_code):
        raise Problem(404, f"No review {review_id} known to the scheduler for this key.")
    return record


def check_free_text(session, fields: dict[str, str | None], *, kinds=None) -> None:
    """Free text (meeting location, notes) must not carry identifiers of a child or family.
    kinds=NOT_NAMES for fields that hold a professional's work name (display name, role)."""
    reject_identifiers(fields, settings_for(session).identifier_names, kinds=kinds)
