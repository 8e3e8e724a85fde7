"""Availability polls. Board keys create and finalise their own; Welsh Government reads."""
from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response

from shared.http.deps import BoardDep, PrincipalDep, SessionDep, SettingsDep
from shared.http.idempotency import IdempotencyDep
from shared.http.pagination import CursorQuery, LimitQuery, Page
from shared.http.responses import not_found
from services.scheduler.meetings import service as meetings
from services.scheduler.meetings.schemas import MeetingPublic
from services.scheduler.polls import service
from services.scheduler.polls.schemas import PollCreate, PollFinalise, PollPublic

router = APIRouter(prefix="/v1/polls", tags=["polls"])
NOT_FOUND = not_found("poll")


@router.post("", status_code=201, response_model=PollPublic,
             summary="Ask invitees when they can come: each gets an e-mail with a personal link",
             description="Options are start times after the deadline (or a stored proposal's suggestions). People "
                         "with a connected diary have their answers pre-filled from it and are told so. A \"no\" is "
                         "busy time for that person in every later proposal, \"if need be\" tentative.",
             responses={404: {"description": "Review, proposal or participant unknown for this key"},
                        409: {"description": "The review is closed"}})
def create(body: PollCreate, session: SessionDep, principal: BoardDep, idem: IdempotencyDep, settings: SettingsDep):
    return idem.create(lambda: service.results(session, service.create(session, principal, body, settings)),
                       collection="/v1/polls")


@router.get("", response_model=Page[PollPublic], summary="List polls, oldest first (cursor pagination)")
def list_polls(session: SessionDep, principal: PrincipalDep, limit: LimitQuery = 50, cursor: CursorQuery = None,
               review_id: str | None = Query(default=None, max_length=36),
               status: str | None = Query(default=None, pattern="^(open|closed|finalised)$")):
    rows, next_cursor = service.list_page(session, principal, review_id=review_id, status=status, limit=limit,
                                          cursor=cursor)
    return Page(items=[service.results(session, p) for p in rows], next_cursor=next_cursor)


@router.get("/{poll_id}", response_model=PollPublic, responses=NOT_FOUND,
            summary="Results: per option, required and optional yes / if need be / no / not yet, and confidence")
def read(poll_id: str, session: SessionDep, principal: PrincipalDep):
    return service.results(session, service.get_poll(session, principal, poll_id))


@router.get("/{poll_id}/results.csv", response_class=Response, summary="The results as CSV (one row per option "
            "and invitee)", responses={**NOT_FOUND, 200: {"content": {"text/csv": {}}}})
def results_csv(poll_id: str, session: SessionDep, principal: PrincipalDep):
    body = service.results_csv(session, service.get_poll(session, principal, poll_id))
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="poll-{poll_id}.csv"'})


@router.post("/{poll_id}/finalise", status_code=201, response_model=MeetingPublic,
             summary="Book the chosen option: the meeting is booked and its invitations sent",
             responses={**NOT_FOUND, 409: {"description": "Already finalised, the review is closed, or a diary "
                                                          "shows a required invitee busy"},
                        422: {"description": "A required invitee said no and there is no override with a reason"}})
def finalise(poll_id: str, body: PollFinalise, session: SessionDep, principal: BoardDep, idem: IdempotencyDep,
             settings: SettingsDep):
    def make():
        _, meeting = service.finalise(session, principal, poll_id, body, settings)
        return meetings.to_public(session, meeting)
    return idem.create(make, collection="/v1/meetings")
