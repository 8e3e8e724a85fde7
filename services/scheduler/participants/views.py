"""Participants and their diaries. Board keys only change their own board's participants;
Welsh Government reads all and writes none (403)."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from shared.http.deps import BoardDep, PrincipalDep, SessionDep, SettingsDep
from shared.http.idempotency import IdempotencyDep
from shared.http.pagination import CursorQuery, LimitQuery, Page
from shared.http.problems import Problem, media_type_of, unsupported_media_type
from shared.http.responses import BOARD_ONLY, not_found
from shared.http.types import IsoDateTime, query_int
from services.scheduler.common import local
from services.scheduler.participants import service
from services.scheduler.participants.schemas import (
    BusyOut,
    BusyReplace,
    BusyReplaced,
    ParticipantCreate,
    ParticipantPublic,
    ParticipantUpdate,
)

router = APIRouter(prefix="/v1/participants", tags=["participants"])
NOT_FOUND = not_found("participant")
CALENDAR_TYPES = ("text/calendar",)
# A diary export: a weekly clinic, a tentative forum and annual leave shown as out of office.
# Only the times are kept; the summaries are never stored.
CALENDAR_EXAMPLE = "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Example Health Board//Diary export//EN",
    "BEGIN:VEVENT", "UID:clinic-weekly-0001@example-health.wales", "DTSTAMP:20261102T090000Z",
    "DTSTART;TZID=Europe/London:20260907T090000", "DTEND;TZID=Europe/London:20260907T123000",
    "RRULE:FREQ=WEEKLY;BYDAY=MO", "SUMMARY:Safeguarding supervision clinic", "END:VEVENT",
    "BEGIN:VEVENT", "UID:forum-20270114@example-health.wales", "DTSTAMP:20261102T090000Z",
    "DTSTART;TZID=Europe/London:20270114T133000", "DTEND;TZID=Europe/London:20270114T163000",
    "STATUS:TENTATIVE", "SUMMARY:Regional safeguarding forum", "END:VEVENT",
    "BEGIN:VEVENT", "UID:leave-20261221@example-health.wales", "DTSTAMP:20261102T090000Z",
    "DTSTART;VALUE=DATE:20261221", "DTEND;VALUE=DATE:20270102", "SUMMARY:Annual leave",
    "X-MICROSOFT-CDO-BUSYSTATUS:OOF", "END:VEVENT",
    "END:VCALENDAR", ""])


@router.post("", status_code=201, response_model=ParticipantPublic, summary="Add a participant (a professional)",
             responses=BOARD_ONLY)
def create(body: ParticipantCreate, session: SessionDep, principal: BoardDep, idem: IdempotencyDep):
    return idem.create(lambda: service.to_public(session, service.create(session, principal, body)),
                       collection="/v1/participants")


@router.get("", response_model=Page[ParticipantPublic], summary="List participants (cursor pagination)")
def list_participants(session: SessionDep, principal: PrincipalDep, limit: LimitQuery = 50,
                      cursor: CursorQuery = None, agency_code: str | None = Query(default=None, max_length=64)):
    rows, next_cursor = service.list_page(session, principal, agency_code=agency_code, limit=limit, cursor=cursor)
    return Page(items=[service.to_public(session, r) for r in rows], next_cursor=next_cursor)


@router.get("/{participant_id}", response_model=ParticipantPublic, summary="Read a participant and their calendar feed state",
            responses=NOT_FOUND)
def read(participant_id: str, session: SessionDep, principal: PrincipalDep):
    return service.to_public(session, service.get_participant(session, principal, participant_id))


@router.patch("/{participant_id}", response_model=ParticipantPublic, summary="Change a participant", responses=NOT_FOUND)
def update(participant_id: str, body: ParticipantUpdate, session: SessionDep, principal: BoardDep):
    row = service.update(session, principal, participant_id, body)
    session.commit()
    return service.to_public(session, row)


@router.put("/{participant_id}/busy", response_model=BusyReplaced, summary="Replace the busy time entered by hand",
            responses=NOT_FOUND)
def replace_busy(participant_id: str, body: BusyReplace, session: SessionDep, principal: BoardDep):
    stored = service.replace_manual(session, principal, participant_id, body)
    session.commit()
    return BusyReplaced(participant_id=participant_id, source="manual", stored=stored)


@router.get("/{participant_id}/busy", response_model=list[BusyOut], summary="Stored busy intervals (all sources)",
            responses=NOT_FOUND)
def read_busy(participant_id: str, session: SessionDep, principal: PrincipalDep,
              start: Annotated[IsoDateTime | None, Query(alias="from")] = None,
              end: Annotated[IsoDateTime | None, Query(alias="to")] = None,
              source: Literal["manual", "calendar_upload", "calendar_url"] | None = None,
              limit: Annotated[query_int(ge=1, le=5000), Query()] = 1000):
    rows = service.busy_between(session, principal, participant_id, start, end, source, limit)
    return [BusyOut(start=local(r.starts_at), end=local(r.ends_at), kind=r.kind, source=r.source) for r in rows]


async def calendar_body(request: Request) -> bytes:
    media_type = media_type_of(request.headers)
    if media_type not in CALENDAR_TYPES:
        raise Problem(415, unsupported_media_type("text/calendar (an iCalendar diary)", media_type))
    return await request.body()


@router.put(
    "/{participant_id}/calendar", response_model=BusyReplaced,
    summary="Upload a diary (text/calendar): replaces the previously uploaded one",
    description="The body is an iCalendar file (VEVENTs with recurrence, or a VFREEBUSY), sent as "
                "`Content-Type: text/calendar`. It is expanded once, from `calendar_past_days` before today to "
                "`calendar_horizon_days` ahead; only when people are busy is kept, never what the events are.",
    openapi_extra={"requestBody": {"required": True, "content": {"text/calendar": {
        "schema": {"type": "string"}, "example": CALENDAR_EXAMPLE}}}},
    responses={**NOT_FOUND, 415: {"description": "Not text/calendar"}, 422: {"description": "Not a readable calendar"}})
def upload_calendar(participant_id: str, session: SessionDep, principal: BoardDep, settings: SettingsDep,
                    body: Annotated[bytes, Depends(calendar_body)]):
    stored, start, end = service.replace_uploaded_calendar(
        session, principal, participant_id, body, settings)
    session.commit()
    return BusyReplaced(participant_id=participant_id, source="calendar_upload", stored=stored,
                        window_start=local(start), window_end=local(end))


@router.delete("/{participant_id}/calendar", status_code=204, summary="Remove the uploaded diary", responses=NOT_FOUND)
def remove_calendar(participant_id: str, session: SessionDep, principal: BoardDep):
    service.remove_uploaded_calendar(session, principal, participant_id)
    session.commit()
