"""Participants use cases: create, read, update, and their busy time per source."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, func, insert
from sqlmodel import Session, select

from shared.auth import Principal
from shared.db import utcnow
from shared.http.deps import board_scope, can_see, visible_or_404
from shared.http.pagination import keyset, page_of
from shared.http.identifiers import NOT_NAMES, check_free_text
from shared.http.problems import Problem, field_error
from shared.settings import Settings
from services.scheduler.availability import BusyInterval, CalendarParseError, parse_busy_sandboxed
from services.scheduler.participants.models import BusyPeriod, Participant
from services.scheduler.participants.schemas import (
    DEFAULT_WORKING_HOURS,
    BusyReplace,
    CalendarFeed,
    ParticipantCreate,
    ParticipantPublic,
    ParticipantUpdate,
    working_hours_out,
)


def get_participant(session: Session, principal: Principal, participant_id: str) -> Participant:
    return visible_or_404(session.get(Participant, participant_id), principal,
                          f"No participant {participant_id} for this key.")


def participants_of_board(session: Session, principal: Principal, ids: list[str]) -> dict[str, Participant]:
    """The named participants, all of the caller's board, else 404 naming the missing ones."""
    rows = session.exec(select(Participant).where(Participant.id.in_(ids))).all() if ids else []
    found = {r.id: r for r in rows if can_see(principal, r.board_code)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise Problem(404, f"No participant {', '.join(missing)} for this key.", missing=missing)
    return found


def to_public(session: Session, row: Participant) -> ParticipantPublic:
    counts = dict(session.exec(
        select(BusyPeriod.source, func.count()).where(BusyPeriod.participant_id == row.id)
        .group_by(BusyPeriod.source)).all())
    return ParticipantPublic(
        id=row.id, board_code=row.board_code, display_name=row.display_name, email=row.email,
        agency_code=row.agency_code, role=row.role, time_zone=row.time_zone,
        preferred_language=row.preferred_language, working_hours=working_hours_out(row.working_hours),
        calendar_feed=CalendarFeed(
            configured=row.calendar_url is not None,
            host=urlsplit(row.calendar_url).hostname if row.calendar_url else None,
            status=row.calendar_status, last_attempt_at=row.calendar_last_attempt_at,
            last_refreshed_at=row.calendar_last_refreshed_at, last_error=row.calendar_last_error),
        calendar_uploaded_at=row.calendar_uploaded_at,
        busy_intervals={s: counts.get(s, 0) for s in ("manual", "calendar_upload", "calendar_url")},
        created_at=row.created_at, updated_at=row.updated_at)


def create(session: Session, principal: Principal, body: ParticipantCreate) -> Participant:
    # A professional's work name is allowed; an NHS number or a child's date of birth is not.
    check_free_text(session, {"display_name": body.display_name, "role": body.role}, kinds=NOT_NAMES)
    hours = body.working_hours.as_mapping() if body.working_hours is not None else DEFAULT_WORKING_HOURS
    row = Participant(
        board_code=principal.board_code, display_name=body.display_name, email=body.email,
        agency_code=body.agency_code, role=body.role, time_zone=body.time_zone,
        preferred_language=body.preferred_language, working_hours=json.dumps(hours), calendar_url=body.calendar_url,
        calendar_status="pending" if body.calendar_url else "none")
    session.add(row)
    session.flush()
    return row


def from_appointment(session: Session, *, board_code: str, approved_reviewer_id: str, display_name: str,
                     email: str, role: str) -> Participant:
    """The board's participant for a chair or reviewer it appointed from the approved list, so
    it can invite them: one per person and board (a stable id), kept up to date by later
    appointments. Their diary is added as for anyone else."""
    pid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"cpr:approved-reviewer:{board_code}:{approved_reviewer_id}"))
    row = session.get(Participant, pid)
    if row is None:
        row = Participant(id=pid, board_code=board_code, display_name=display_name, email=email,
                          agency_code="approved_list", role=role, working_hours=json.dumps(DEFAULT_WORKING_HOURS))
    else:
        row.email, row.role, row.updated_at = email, role, utcnow()
    session.add(row)
    return row


def update(session: Session, principal: Principal, participant_id: str, body: ParticipantUpdate) -> Participant:
    row = get_participant(session, principal, participant_id)
    given = body.model_dump(exclude_unset=True)
    check_free_text(session, {k: given.get(k) for k in ("display_name", "role")}, kinds=NOT_NAMES)
    for name in ("display_name", "email", "agency_code", "time_zone", "preferred_language"):
        if name in given:
            if given[name] is None:
                raise Problem(422, f"{name} cannot be removed.", errors=[
                    field_error(name, "may not be null", "null")])
            setattr(row, name, given[name])
    if "role" in given:
        row.role = given["role"]
    if "working_hours" in given:
        hours = body.working_hours.as_mapping() if body.working_hours is not None else DEFAULT_WORKING_HOURS
        row.working_hours = json.dumps(hours)
    if "calendar_url" in given and given["calendar_url"] != row.calendar_url:
        row.calendar_url = given["calendar_url"]
        row.calendar_etag = None
        row.calendar_last_attempt_at = None
        row.calendar_last_error = None
        if row.calendar_url is None:
            row.calendar_status = "none"
            row.calendar_last_refreshed_at = None
            session.exec(delete(BusyPeriod).where(BusyPeriod.participant_id == row.id,
                                                  BusyPeriod.source == "calendar_url"))
        else:
            row.calendar_status = "pending"  # the worker's next pass fetches it
    row.updated_at = utcnow()
    session.add(row)
    return row


def list_page(session: Session, principal: Principal, *, agency_code: str | None, limit: int, cursor: str | None):
    query = board_scope(select(Participant), principal, Participant.board_code)
    if agency_code:
        query = query.where(Participant.agency_code == agency_code)
    rows = session.exec(keyset(query, [Participant.created_at, Participant.id], cursor, limit)).all()
    return page_of(list(rows), limit, key=lambda r: [r.created_at.isoformat(), r.id])


def replace_source(session: Session, participant_id: str, source: str, intervals: list[BusyInterval]) -> int:
    """Replace one source's intervals (the other sources are untouched)."""
    session.exec(delete(BusyPeriod).where(BusyPeriod.participant_id == participant_id, BusyPeriod.source == source))
    if intervals:
        session.execute(insert(BusyPeriod.__table__), [
            {"participant_id": participant_id, "source": source, "starts_at": b.start, "ends_at": b.end, "kind": b.kind}
            for b in intervals])
    return len(intervals)


def replace_manual(session: Session, principal: Principal, participant_id: str, body: BusyReplace) -> int:
    row = get_participant(session, principal, participant_id)
    intervals = [BusyInterval(i.start, i.end, i.kind) for i in body.intervals]
    row.updated_at = utcnow()
    session.add(row)
    return replace_source(session, row.id, "manual", intervals)


def calendar_window(settings: Settings, now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or utcnow()
    start = (now - timedelta(days=settings.calendar_past_days)).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=settings.calendar_past_days + settings.calendar_horizon_days)


def parse_calendar(body: bytes, time_zone: str, settings: Settings) -> tuple[list[BusyInterval], datetime, datetime]:
    """Expand a diary once, over the configured window, in a child process with limits;
    CalendarParseError for a bad one (CalendarTooLargeError over a limit)."""
    start, end = calendar_window(settings)
    return parse_busy_sandboxed(body, start, end, tz=time_zone), start, end


def replace_uploaded_calendar(session: Session, principal: Principal, participant_id: str, body: bytes,
                              settings: Settings) -> tuple[int, datetime, datetime]:
    row = get_participant(session, principal, participant_id)
    try:
        intervals, start, end = parse_calendar(body, row.time_zone, settings)
    except CalendarParseError as exc:
        raise Problem(422, f"The calendar could not be read: {exc}", slug="calendar-unreadable") from None
    row.calendar_uploaded_at = row.updated_at = utcnow()
    session.add(row)
    return replace_source(session, row.id, "calendar_upload", intervals), start, end


def remove_uploaded_calendar(session: Session, principal: Principal, participant_id: str) -> None:
    row = get_participant(session, principal, participant_id)
    replace_source(session, row.id, "calendar_upload", [])
    row.calendar_uploaded_at = None
    row.updated_at = utcnow()
    session.add(row)


def busy_between(session: Session, principal: Principal, participant_id: str, start: datetime | None,
                 end: datetime | None, source: str | None, limit: int) -> list[BusyPeriod]:
    row = get_participant(session, principal, participant_id)
    query = select(BusyPeriod).where(BusyPeriod.participant_id == row.id)
    if start is not None:
        query = query.where(BusyPeriod.ends_at > start)
    if end is not None:
        query = query.where(BusyPeriod.starts_at < end)
    if source is not None:
        query = query.where(BusyPeriod.source == source)
    return list(session.exec(query.order_by(BusyPeriod.starts_at, BusyPeriod.id).limit(limit)).all())
