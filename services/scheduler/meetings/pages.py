"""The reply page an invitation links to. The token names one meeting and one participant;
GET only shows (mail scanners open every link), the answer is a POST with CSRF protection,
and it goes through the same rule as the API's replies (service.apply_response)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from shared.http.deps import SessionDep, get_runtime
from shared.http.problems import Problem
from shared.web.pages import Pages
from shared.web.tokens import TokenExpired, TokenInvalid, read_token
from services.scheduler.meetings import service
from services.scheduler.meetings.invitations import KIND_NAMES, REPLY_PURPOSE
from services.scheduler.meetings.models import Meeting, MeetingInvitee
from services.scheduler.participants.models import Participant

PAGES = Pages("services.scheduler")
router = APIRouter(include_in_schema=False)
ANSWERS = ("accepted", "tentative", "declined")


def _error(request: Request, status: int, en: tuple[str, str], cy: tuple[str, str]):
    lang = PAGES.language(request)
    heading, message = cy if lang == "cy" else en
    return PAGES.render(request, "error.html", {"heading": heading, "message": message}, status=status)


def _load(request: Request, session, token: str):
    """(meeting, invitee, participant) for a valid token, else the error page to show."""
    try:
        subject = read_token(get_runtime(request).settings.secret_key, REPLY_PURPOSE, token)
    except TokenExpired:
        return None, _error(request, 410, ("This link has expired", "The meeting is over, so it no longer takes answers."),
                            ("Mae'r ddolen hon wedi dod i ben", "Mae'r cyfarfod drosodd, felly nid yw'n derbyn atebion mwyach."))
    except TokenInvalid:
        subject = None
    meeting = session.get(Meeting, subject.get("m")) if subject else None
    invitee = session.get(MeetingInvitee, (meeting.id, subject.get("p"))) if meeting else None
    if invitee is None:
        return None, _error(request, 404, ("This link does not work", "Check that you copied the whole link from the e-mail."),
                            ("Nid yw'r ddolen hon yn gweithio", "Gwiriwch eich bod wedi copïo'r ddolen gyfan o'r e-bost."))
    return (meeting, invitee, session.get(Participant, invitee.participant_id)), None


@router.get("/meetings/reply/{token}")
def reply_page(token: str, request: Request, session: SessionDep, done: str | None = None):
    found, error = _load(request, session, token)
    if error is not None:
        return error
    meeting, invitee, participant = found
    en, cy = KIND_NAMES.get(meeting.kind, KIND_NAMES["other"])
    return PAGES.render(request, "reply.html", {
        "meeting": meeting, "invitee": invitee, "participant": participant, "kind_en": en, "kind_cy": cy,
        "answers": ANSWERS, "done": done == "1", "invalid": False, "open": meeting.status in ("booked", "at_risk")})


@router.post("/meetings/reply/{token}")
def reply_submit(token: str, request: Request, session: SessionDep,
                 response: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = ""):
    found, error = _load(request, session, token)
    if error is not None:
        return error
    meeting, invitee, participant = found
    if not PAGES.csrf_valid(request, csrf_token):
        return _error(request, 403, ("The form had expired", "Go back, reload the page and answer again."),
                      ("Roedd y ffurflen wedi dod i ben", "Ewch yn ôl, ail-lwythwch y dudalen ac atebwch eto."))
    en, cy = KIND_NAMES.get(meeting.kind, KIND_NAMES["other"])
    context = {"meeting": meeting, "invitee": invitee, "participant": participant, "kind_en": en, "kind_cy": cy,
               "answers": ANSWERS, "done": False, "open": meeting.status in ("booked", "at_risk")}
    if response not in ANSWERS:
        return PAGES.render(request, "reply.html", {**context, "invalid": True}, status=422)
    try:
        service.apply_response(session, meeting, participant.id, response)
    except Problem:
        return PAGES.render(request, "reply.html", {**context, "invalid": False, "open": False}, status=409)
    session.commit()
    lang = PAGES.language(request)
    return RedirectResponse(f"/meetings/reply/{token}?done=1&lang={lang}", status_code=303)
