"""Small helpers every part of the scheduler uses."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from shared.auth import Principal
from shared.db import utcnow
from shared.http.deps import can_see
from shared.http.problems import Problem
from shared.pii import check_fields, message
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


def check_free_text(fields: dict[str, str | None]) -> None:
    """Free text (meeting location, notes) must not carry identifiers of a child or family."""
    from shared.settings import get_settings

    findings = check_fields(fields, get_settings().identifier_names)
    if findings:
        raise Problem(422, message(findings), errors=[
            {"field": f.field, "in": "body", "message": f.message, "code": f"contains_{f.kind}"} for f in findings])
