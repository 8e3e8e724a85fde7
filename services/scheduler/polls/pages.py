"""The pages a poll's e-mails link to. An invitee's token names one poll and one participant:
GET only shows (mail scanners open every link), the answers are a POST with CSRF protection
through the same rule as any other path (service.submit_answers). The coordinator's token
shows the poll's results (service.results), read-only."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from shared.http.deps import SessionDep, get_runtime
from shared.http.problems import Problem
from shared.web.i18n import format_time
from shared.web.tokens import TokenExpired, TokenInvalid, read_token
from services.scheduler.meetings.invitations import KIND_NAMES
from services.scheduler.meetings.pages import PAGES, _error
from services.scheduler.polls import service
from services.scheduler.polls.models import ANSWERS, Poll, PollInvitee
from services.scheduler.polls.notices import ANSWER_PURPOSE, RESULTS_PURPOSE
from services.scheduler.participants.models import Participant

router = APIRouter(include_in_schema=False)
EXPIRED = (("This link has expired", "The poll closed a while ago."),
           ("Mae'r ddolen hon wedi dod i ben", "Caeodd yr arolwg beth amser yn ôl."))
BROKEN = (("This link does not work", "Check that you copied the whole link from the e-mail."),
          ("Nid yw'r ddolen hon yn gweithio", "Gwiriwch eich bod wedi copïo'r ddolen gyfan o'r e-bost."))


def _subject(request: Request, purpose: str, token: str):
    try:
        return read_token(get_runtime(request).settings.secret_key, purpose, token), None
    except TokenExpired:
        return None, _error(request, 410, *EXPIRED)
    except TokenInvalid:
        return None, _error(request, 404, *BROKEN)


def _load(request: Request, session, token: str):
    """(poll, invitee, participant) for a valid answer token, else the error page to show."""
    subject, error = _subject(request, ANSWER_PURPOSE, token)
    if error is not None:
        return None, error
    poll = session.get(Poll, subject.get("poll"))
    invitee = session.get(PollInvitee, (poll.id, subject.get("p"))) if poll else None
    if invitee is None:
        return None, _error(request, 404, *BROKEN)
    return (poll, invitee, session.get(Participant, invitee.participant_id)), None


def _context(session, poll, invitee, participant, **extra) -> dict:
    en, cy = KIND_NAMES.get(poll.kind, KIND_NAMES["other"])
    mine = service.answers_of(session, poll, participant.id)
    chosen = {option_id: a.answer for (option_id, _), a in mine.items()}
    return {"poll": poll, "invitee": invitee, "participant": participant, "kind_en": en, "kind_cy": cy,
            "options": service.options_of(session, poll), "answer_values": ANSWERS, "chosen": chosen,
            "comment": invitee.comment, "open": service.is_open(poll), "done": False, "problems": [],
            "deadline_time": format_time(poll.deadline), **extra}


@router.get("/polls/answer/{token}")
def answer_page(token: str, request: Request, session: SessionDep, done: str | None = None):
    found, error = _load(request, session, token)
    if error is not None:
        return error
    return PAGES.render(request, "poll_answer.html", _context(session, *found, done=done == "1"))


async def _form(request: Request) -> dict[str, str]:
    """The posted form (its field names depend on the poll's options)."""
    return {k: str(v) for k, v in (await request.form()).items()}


@router.post("/polls/answer/{token}")
def answer_submit(token: str, request: Request, session: SessionDep, form: Annotated[dict, Depends(_form)]):
    found, error = _load(request, session, token)
    if error is not None:
        return error
    poll, invitee, participant = found
    if not PAGES.csrf_valid(request, str(form.get("csrf_token", ""))):
        return _error(request, 403, ("The form had expired", "Go back, reload the page and answer again."),
                      ("Roedd y ffurflen wedi dod i ben", "Ewch yn ôl, ail-lwythwch y dudalen ac atebwch eto."))
    options = service.options_of(session, poll)
    given = {o.id: str(form.get(f"answer-{o.id}", "")) for o in options}
    comment = str(form.get("comment", ""))[:1000]
    try:
        service.submit_answers(session, poll, participant.id, given, comment, get_runtime(request).settings)
    except Problem as problem:
        session.rollback()
        context = _context(session, poll, invitee, participant)
        context["chosen"] = {k: v for k, v in given.items() if v in ANSWERS}
        context["comment"] = comment
        if problem.status == 409:
            return PAGES.render(request, "poll_answer.html", {**context, "open": False}, status=409)
        problems = [(f"#answer-1-{o.id}", f"Choose an answer for option {i}", f"Dewiswch ateb ar gyfer opsiwn {i}")
                    for i, o in enumerate(options, start=1) if given[o.id] not in ANSWERS]
        if not problems:  # the comment held something that identifies a child or family: never shown back
            context["comment"] = ""
            problems = [("#comment", "Write the comment again without anything that could identify a child or "
                                     "family", "Ysgrifennwch y sylw eto heb unrhyw beth a allai adnabod plentyn "
                                               "neu deulu")]
        return PAGES.render(request, "poll_answer.html", {**context, "problems": problems}, status=422)
    session.commit()
    lang = PAGES.language(request)
    return RedirectResponse(f"/polls/answer/{token}?done=1&lang={lang}", status_code=303)


@router.get("/polls/results/{token}")
def results_page(token: str, request: Request, session: SessionDep):
    subject, error = _subject(request, RESULTS_PURPOSE, token)
    if error is not None:
        return error
    poll = session.get(Poll, subject.get("poll"))
    if poll is None:
        return _error(request, 404, *BROKEN)
    results = service.results(session, poll)
    names = {i.participant_id: i for i in results.invitees}
    en, cy = KIND_NAMES.get(poll.kind, KIND_NAMES["other"])
    return PAGES.render(request, "poll_results.html", {
        "poll": poll, "results": results, "kind_en": en, "kind_cy": cy,
        "not_answered": [names[pid] for pid in results.not_answered]})
