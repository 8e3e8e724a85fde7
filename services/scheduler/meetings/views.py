"""Proposals and meetings. Board keys act on their own board's; Welsh Government reads."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from shared.http.deps import BoardDep, PrincipalDep, SessionDep, SettingsDep
from shared.http.idempotency import IdempotencyDep
from shared.http.pagination import CursorQuery, LimitQuery, Page
from shared.http.responses import conflict, not_found
from shared.http.types import IsoDateTime, query_float, query_int
from services.scheduler.meetings import service
from services.scheduler.meetings.schemas import (
    AlternativesRequest,
    AttendanceIn,
    MeetingCreate,
    MeetingKind,
    MeetingPublic,
    MeetingUpdate,
    ProposalPublic,
    ProposalRequest,
    ResponseIn,
)

proposals = APIRouter(prefix="/v1/meeting-proposals", tags=["proposals"])
router = APIRouter(prefix="/v1/meetings", tags=["meetings"])
NOT_FOUND = not_found("meeting")
UNKNOWN_REFERENCE = {404: {"description": "Review or participant unknown for this key"}}
NOT_ACTIVE = {409: {"description": "The meeting is cancelled or held"}}
TOO_LARGE = {422: {"description": "Invalid, or beyond the limits of a proposal (`proposal-too-large`: more than "
                                  "100 participants, more than 35,136 steps of `granularity_minutes` in the "
                                  "window, more than 2,000 busy periods of one participant in the window; "
                                  "a window of more than 366 days is a validation error)"}}


def _saved(session, meeting) -> MeetingPublic:
    """Committed before it is shown: the answer never shows a change that could still roll back."""
    session.commit()
    return service.to_public(session, meeting)


@proposals.post(
    "", status_code=201, response_model=ProposalPublic, summary="Propose times every required participant can make",
    description="Suggestions are best first (higher `confidence`, then on or before the review plan's "
                "`target_date` for this kind of meeting, then earlier), spread over different days; each says "
                "`meets_target`. Weekends and Welsh bank holidays are never proposed. With no suggestion, "
                "`empty_reason` says who or what blocks it.",
    responses={**UNKNOWN_REFERENCE, **TOO_LARGE})
def propose(body: ProposalRequest, session: SessionDep, principal: BoardDep, idem: IdempotencyDep):
    return idem.create(lambda: service.propose(session, principal, body), collection="/v1/meeting-proposals")


@proposals.get("/{proposal_id}", response_model=ProposalPublic, summary="Read a proposal as it was answered")
def read_proposal(proposal_id: str, session: SessionDep, principal: PrincipalDep):
    return service.get_proposal(session, principal, proposal_id)


@router.post("", status_code=201, response_model=MeetingPublic, summary="Book a meeting",
             responses={**conflict("A required participant is busy (see `conflicts`)"),
                        **UNKNOWN_REFERENCE})
def book(body: MeetingCreate, session: SessionDep, principal: BoardDep, idem: IdempotencyDep, settings: SettingsDep):
    return idem.create(lambda: service.to_public(session, service.book(session, principal, body, settings)),
                       collection="/v1/meetings")


@router.get("", response_model=Page[MeetingPublic], summary="List meetings, by start (cursor pagination)")
def list_meetings(session: SessionDep, principal: PrincipalDep, limit: LimitQuery = 50, cursor: CursorQuery = None,
                  review_id: str | None = Query(default=None, max_length=36),
                  status: str | None = Query(default=None, pattern="^(booked|at_risk|cancelled|held)$"),
                  kind: MeetingKind | None = None):
    rows, next_cursor = service.list_page(session, principal, review_id=review_id, status=status, kind=kind,
                                          limit=limit, cursor=cursor)
    return Page(items=[service.to_public(session, m) for m in rows], next_cursor=next_cursor)


@router.get("/{meeting_id}", response_model=MeetingPublic, summary="Read a meeting", responses=NOT_FOUND)
def read(meeting_id: str, session: SessionDep, principal: PrincipalDep):
    return service.to_public(session, service.get_meeting(session, principal, meeting_id))


@router.get("/{meeting_id}/invite.ics", summary="The iCalendar invitation (METHOD:REQUEST, or CANCEL when cancelled)",
            response_class=Response, responses={**NOT_FOUND, 200: {"content": {"text/calendar": {}}}})
def invite(meeting_id: str, session: SessionDep, principal: PrincipalDep,
           participant_id: str | None = Query(default=None, max_length=36,
                                              description="Only this invitee's ATTENDEE line (for sending one by one)")):
    body = service.invitation(session, principal, meeting_id, participant_id)
    method = "CANCEL" if b"METHOD:CANCEL" in body else "REQUEST"
    return Response(body, media_type=f"text/calendar; charset=utf-8; method={method}",
                    headers={"Content-Disposition": f'attachment; filename="meeting-{meeting_id}.ics"'})


@router.patch("/{meeting_id}", response_model=MeetingPublic, summary="Reschedule, move or cancel a meeting",
              responses={**NOT_FOUND, 409: {"description": "Cancelled or held; or a required participant is busy"}})
def update(meeting_id: str, body: MeetingUpdate, session: SessionDep, principal: BoardDep):
    return _saved(session, service.update(session, principal, meeting_id, body))


@router.post("/{meeting_id}/responses", response_model=MeetingPublic,
             summary="Record an invitee's reply; a required decline puts the meeting at risk",
             responses={**NOT_FOUND, **NOT_ACTIVE})
def respond(meeting_id: str, body: ResponseIn, session: SessionDep, principal: BoardDep):
    return _saved(session, service.respond(session, principal, meeting_id, body))


@router.get("/{meeting_id}/alternatives", response_model=ProposalPublic,
            summary="Fresh proposals for the same invitees (the meeting's own time is not counted as busy)",
            description="A read: nothing is stored (`id` is null). POST the same to keep the proposal.",
            responses={**NOT_FOUND, 409: {"description": "The meeting has been held"}, **TOO_LARGE})
def alternatives(meeting_id: str, session: SessionDep, principal: PrincipalDep,
                 window_start: IsoDateTime | None = None, window_end: IsoDateTime | None = None,
                 max_suggestions: Annotated[query_int(ge=1, le=20), Query()] = 5,
                 granularity_minutes: Annotated[query_int(ge=5, le=60), Query()] = 30,
                 min_optional_attendance: Annotated[query_float(ge=0, le=1), Query()] = 0.0):
    body = AlternativesRequest(window_start=window_start, window_end=window_end, max_suggestions=max_suggestions,
                               granularity_minutes=granularity_minutes,
                               min_optional_attendance=min_optional_attendance)
    return service.alternatives(session, principal, meeting_id, body, store=False)


@router.post("/{meeting_id}/alternatives", status_code=201, response_model=ProposalPublic,
             summary="Propose fresh times for the same invitees and keep the proposal",
             responses={**NOT_FOUND, 409: {"description": "The meeting has been held"}, **TOO_LARGE})
def store_alternatives(meeting_id: str, body: AlternativesRequest, session: SessionDep, principal: BoardDep,
                       idem: IdempotencyDep):
    return idem.create(lambda: service.alternatives(session, principal, meeting_id, body, store=True),
                       collection="/v1/meeting-proposals")


@router.post("/{meeting_id}/attendance", response_model=MeetingPublic,
             summary="Record who attended (after the meeting has started); publishes meeting.held",
             responses={**NOT_FOUND, 409: {"description": "Not started yet, cancelled, or already recorded"}})
def attendance(meeting_id: str, body: AttendanceIn, session: SessionDep, principal: BoardDep):
    return _saved(session, service.record_attendance(session, principal, meeting_id, body))
