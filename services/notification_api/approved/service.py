"""Use cases on the approved list (Welsh Government writes, every key reads) and on a review's
appointments (its board appoints from the list). The view commits once."""
from __future__ import annotations

from sqlalchemy import String, cast
from sqlmodel import Session, select

from shared.auth import Principal
from shared.db import utcnow
from shared.events.reviews import ReviewAppointmentMadeV1
from shared.http.pagination import keyset, page_of
from shared.http.problems import Problem, field_problem
from shared.outbox import add_event
from shared.settings import Settings
from services.notification_api.approved.models import ApprovedReviewer, ReviewAppointment
from services.notification_api.approved.schemas import (
    AppointmentCreate,
    ApprovedReviewerCreate,
    ApprovedReviewerUpdate,
)
from services.notification_api.reviews.service import (
    audit,
    covered_families,
    get_review,
    rule_problem,
    today,
)
from services.notification_api.rules.appointments import Candidate, check_appointment
from services.notification_api.rules.errors import RuleViolation


def public(row: ApprovedReviewer) -> dict:
    return {"id": row.id, "display_name": row.display_name, "organisation": row.organisation,
            "work_email": row.work_email, "work_phone": row.work_phone, "roles": list(row.roles),
            "review_types": list(row.review_types), "active": row.active, "created_at": row.created_at,
            "updated_at": row.updated_at}


def _check_work_email(settings: Settings, email: str | None) -> str | None:
    """Work contact details only: an address at a personal mail domain is refused."""
    if email is None:
        return None
    email = email.strip()
    domain = email.rsplit("@", 1)[-1].lower()
    if domain in {d.lower() for d in settings.approved_list_personal_email_domains}:
        raise field_problem("personal_email", "The approved list holds work contact details only; use the "
                       "professional's work e-mail address.", "work_email")
    return email


def _email_taken(session: Session, email: str, but: str | None = None) -> None:
    row = session.exec(select(ApprovedReviewer).where(ApprovedReviewer.work_email == email)).first()
    if row is not None and row.id != but:
        raise Problem(409, "Someone on the approved list already has this work e-mail address.",
                      slug="duplicate-work-email", existing_id=row.id)


def add_reviewer(session: Session, body: ApprovedReviewerCreate, settings: Settings) -> ApprovedReviewer:
    email = _check_work_email(settings, body.work_email)
    _email_taken(session, email)
    row = ApprovedReviewer(display_name=body.display_name.strip(), organisation=body.organisation.strip(),
                           work_email=email, work_phone=body.work_phone, roles=sorted(set(body.roles)),
                           review_types=sorted(set(body.review_types)))
    session.add(row)
    return row


def get_reviewer(session: Session, reviewer_id: str) -> ApprovedReviewer:
    row = session.get(ApprovedReviewer, reviewer_id)
    if row is None:
        raise Problem(404, f"No one with id {reviewer_id} is on the approved list.")
    return row


def update_reviewer(session: Session, reviewer_id: str, body: ApprovedReviewerUpdate,
                    settings: Settings) -> ApprovedReviewer:
    row = get_reviewer(session, reviewer_id)
    given = body.model_dump(exclude_unset=True)
    for name in ("display_name", "organisation", "roles", "review_types", "active"):
        if given.get(name) is None and name in given:
            raise field_problem("value_required", f"{name} cannot be null.", name)
    if "work_email" in given:
        if given["work_email"] is None:
            raise field_problem("value_required", "work_email cannot be null.", "work_email")
        email = _check_work_email(settings, given["work_email"])
        _email_taken(session, email, but=row.id)
        row.work_email = email
    for name in ("display_name", "organisation"):
        if name in given:
            setattr(row, name, given[name].strip())
    if "work_phone" in given:
        row.work_phone = given["work_phone"]
    for name in ("roles", "review_types"):
        if name in given:
            setattr(row, name, sorted(set(given[name])))
    if "active" in given:
        row.active = given["active"]
    row.updated_at = utcnow()
    session.add(row)
    return row


def list_reviewers(session: Session, *, review_type: str | None, role: str | None, active: bool | None,
                   limit: int, cursor: str | None) -> tuple[list[ApprovedReviewer], str | None]:
    query = select(ApprovedReviewer)
    if active is not None:
        query = query.where(ApprovedReviewer.active == active)
    # The lists are JSON arrays of codes; a quoted code matches one element (PostgreSQL and SQLite).
    if review_type is not None:
        query = query.where(cast(ApprovedReviewer.review_types, String).like(f'%"{review_type}"%'))
    if role is not None:
        query = query.where(cast(ApprovedReviewer.roles, String).like(f'%"{role}"%'))
    rows = list(session.exec(keyset(query, [ApprovedReviewer.created_at, ApprovedReviewer.id], cursor,
                                    limit)).all())
    return page_of(rows, limit, key=lambda r: [r.created_at.isoformat(), r.id])


def appointment_public(appointment: ReviewAppointment, person: ApprovedReviewer) -> dict:
    return {"id": appointment.id, "review_id": appointment.review_id, "role": appointment.role,
            "appointed_on": appointment.appointed_on, "approved_reviewer": public(person),
            "created_at": appointment.created_at}


def _appointments(session: Session, review_id: str) -> list[tuple[ReviewAppointment, ApprovedReviewer]]:
    return list(session.exec(
        select(ReviewAppointment, ApprovedReviewer)
        .join(ApprovedReviewer, ApprovedReviewer.id == ReviewAppointment.approved_reviewer_id)
        .where(ReviewAppointment.review_id == review_id)
        .order_by(ReviewAppointment.appointed_on, ReviewAppointment.created_at)).all())


def appoint(session: Session, principal: Principal, review_id: str, body: AppointmentCreate) -> dict:
    """Appoint a chair or reviewer from the approved list; refused unless the rules allow it."""
    review = get_review(session, principal, review_id, for_update=True)
    person = session.get(ApprovedReviewer, body.approved_reviewer_id)
    existing = _appointments(session, review.id)
    candidate = None if person is None else Candidate(person.id, person.active, frozenset(person.roles),
                                                      frozenset(person.review_types))
    try:
        role = check_appointment(candidate, body.role, covered_families(session, review),
                                 [(a.approved_reviewer_id, a.role) for a, _ in existing])
    except RuleViolation as exc:
        raise rule_problem(exc) from None
    now = today()
    if body.appointed_on > now:
        raise field_problem("appointment_in_future", f"The appointment date {body.appointed_on} is in the future.",
                       "appointed_on")
    if review.decided_on is not None and body.appointed_on < review.decided_on:
        raise field_problem("appointment_before_decision", f"The appointment date {body.appointed_on} is before the "
                       f"decision ({review.decided_on}).", "appointed_on")
    row = ReviewAppointment(review_id=review.id, approved_reviewer_id=person.id, role=role.value,
                            appointed_on=body.appointed_on)
    session.add(row)
    review.updated_at = utcnow()
    session.add(review)
    audit(session, principal, review, "update", f"appointment:{role.value}")
    add_event(session, subject=review.id,
              data=ReviewAppointmentMadeV1(
                  review_id=review.id, board_code=review.board_code, appointment_id=row.id,
                  approved_reviewer_id=person.id, role=role.value, appointed_on=row.appointed_on,
                  work_email=person.work_email))
    session.flush()
    return appointment_public(row, person)


def list_appointments(session: Session, principal: Principal, review_id: str) -> list[dict]:
    review = get_review(session, principal, review_id)
    audit(session, principal, review, "read", "appointments")
    return [appointment_public(a, p) for a, p in _appointments(session, review.id)]


__all__ = ["add_reviewer", "update_reviewer", "get_reviewer", "list_reviewers", "appoint", "list_appointments",
           "public"]
