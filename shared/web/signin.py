"""Signing in to our pages: who a page's reader is, as the same `Principal` an API key gives.

`PagePrincipalDep` is the one dependency a page that shows case records takes: it finds the
server-side session (shared/web/websessions.py) from the `cpr_session` cookie, or redirects
(303) to /signin?next=<this path>. Every scoping rule of shared/http/deps.py (board_scope,
can_see) then applies unchanged.

Two ways to sign in, mounted by `router` on the notification API:
- OpenID Connect with the organisation's identity provider (shared/web/oidc.py): the board or
  Welsh Government comes from the configured claim mappings, never from anything typed;
- the quick start's key sign-in: paste an API key, checked as the API checks it, exchanged for
  a session (the key itself never reaches a cookie or the page again).
Every sign-in, refusal, expiry and sign-out is recorded in `signin_audit`."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.auth import Principal, authenticate
from shared.db import utcnow
from shared.http.deps import SessionDep, admit, limit_rate
from shared.web import websessions
from shared.web.pages import Pages

SESSION_COOKIE = "cpr_session"
FLOW_COOKIE = "cpr_signin_flow"
# Where a sign-in lands without a `next`: the dashboard (services/notification_api/dashboard).
DEFAULT_NEXT = "/dashboard"
PAGES = Pages("shared.web")
router = APIRouter(include_in_schema=False)


class SignInRequired(StarletteHTTPException):
    """Nobody is signed in: the app answers 303 to the sign-in page (shared/http/app.py)."""

    def __init__(self, next_path: str):
        self.location = "/signin?" + urlencode({"next": safe_next(next_path)})
        super().__init__(303, "Sign in to see this page.", headers={"Location": self.location})


def redirect_to_signin(request: Request, exc: SignInRequired) -> Response:
    response = RedirectResponse(exc.location, status_code=303)
    response.headers["cache-control"] = "no-store"
    return response


def safe_next(value: str | None) -> str:
    """A same-origin path only: '/x?y'. Anything else (another site, '//host', a scheme,
    backslashes, control characters) becomes the default."""
    if not value or len(value) > 1000 or not value.startswith("/") or value.startswith(("//", "/\\")):
        return DEFAULT_NEXT
    if any(ch in value for ch in "\\\r\n\t") or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return DEFAULT_NEXT
    return value


def now(request: Request) -> datetime:
    """The clock sessions are judged by (tests set `app.state.clock`)."""
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock else utcnow()


def _settings(request: Request):
    return request.app.state.runtime.settings


def idle(request: Request) -> timedelta:
    return timedelta(minutes=_settings(request).signin_idle_minutes)


def absolute(request: Request) -> timedelta:
    return timedelta(hours=_settings(request).signin_absolute_hours)


def cookie_secure(request: Request) -> bool:
    configured = _settings(request).signin_cookie_secure
    return request.url.scheme == "https" if configured is None else configured


def key_signin_enabled(settings) -> bool:
    if settings.signin_key_enabled is not None:
        return settings.signin_key_enabled
    return not settings.oidc_issuer


def current_session(request: Request, session: Session) -> websessions.WebSession | None:
    cached = getattr(request.state, "web_session", None)
    if cached is not None:
        return cached
    row = websessions.find(session, request.cookies.get(SESSION_COOKIE), now=now(request), idle=idle(request))
    request.state.web_session = row
    return row


def page_principal(request: Request, session: SessionDep) -> Principal:
    """The signed-in person's Principal (a board, or Welsh Government); 303 to /signin if none."""
    row = current_session(request, session)
    if row is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return admit(request, row.principal(), "Too many requests; slow down and retry after the given seconds.")


PagePrincipalDep = Annotated[Principal, Depends(page_principal)]


def signed_in_response(request: Request, session: Session, principal: Principal, *, method: str, next_path: str,
                       issuer: str | None = None, subject: str | None = None,
                       display_name: str | None = None) -> Response:
    """End any session this browser had, start a new one (a new token: no fixation), go on."""
    old = current_session(request, session)
    if old is not None:
        websessions.end(session, old, now=now(request))
    _row, token = websessions.start(session, principal, method=method, now=now(request), absolute=absolute(request),
                                    issuer=issuer, subject=subject, display_name=display_name)
    session.commit()
    response = RedirectResponse(safe_next(next_path), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=cookie_secure(request), path="/")
    response.delete_cookie(FLOW_COOKIE, path="/signin")
    response.headers["cache-control"] = "no-store"
    return response


def account_context(request: Request, session: Session) -> dict:
    """What signin/account.html (who is signed in, sign out) needs besides the session:
    the board's name in the page's language. Add it to the context of pages that include it."""
    from shared.auth import Board

    row = getattr(request.state, "web_session", None)
    label = None
    if row is not None and row.board_code:
        board = session.get(Board, row.board_code)
        lang = PAGES.language(request)
        label = (board.name_cy if lang == "cy" else board.name_en) if board else row.board_code
    return {"board_label": label}


# -- pages ---------------------------------------------------------------------------------

# Refusals, by our reason code: heading and message, en / cy. Never the provider's own words.
REFUSALS = {
    "no-organisation": (
        "Your account is not set up for this service", "Nid yw eich cyfrif wedi'i osod ar gyfer y gwasanaeth hwn",
        "You signed in, but your organisation's account does not say which Safeguarding Board or Welsh "
        "Government team you work for, so we cannot show you any records. Ask your organisation's IT "
        "service desk to add you to the group for this service.",
        "Rydych wedi mewngofnodi, ond nid yw cyfrif eich sefydliad yn dweud ar gyfer pa Fwrdd Diogelu neu dîm "
        "Llywodraeth Cymru rydych yn gweithio, felly ni allwn ddangos unrhyw gofnodion i chi. Gofynnwch i ddesg "
        "gwasanaeth TG eich sefydliad eich ychwanegu at y grŵp ar gyfer y gwasanaeth hwn."),
    "ambiguous-organisation": (
        "Your account names more than one organisation", "Mae eich cyfrif yn enwi mwy nag un sefydliad",
        "Your account says you work for more than one Safeguarding Board (or for a board and Welsh Government). "
        "We cannot tell whose records to show. Ask your organisation's IT service desk to correct your groups.",
        "Mae eich cyfrif yn dweud eich bod yn gweithio i fwy nag un Bwrdd Diogelu (neu i fwrdd ac i Lywodraeth "
        "Cymru). Ni allwn ddweud cofnodion pwy i'w dangos. Gofynnwch i ddesg gwasanaeth TG eich sefydliad gywiro "
        "eich grwpiau."),
    "sign-in-failed": (
        "We could not sign you in", "Ni allem eich mewngofnodi",
        "The answer from your organisation's sign-in service could not be verified, or it took too long. "
        "Nothing was changed. Please try again.",
        "Ni ellid gwirio'r ateb gan wasanaeth mewngofnodi eich sefydliad, neu fe gymerodd ormod o amser. "
        "Ni newidiwyd dim. Rhowch gynnig arall arni."),
    "form-expired": (
        "The form had expired", "Roedd y ffurflen wedi dod i ben",
        "Nothing was changed. Please go back, reload the page and try again.",
        "Ni newidiwyd dim. Ewch yn ôl, ail-lwythwch y dudalen a rhoi cynnig arall arni."),
    "not-available": (
        "This way of signing in is not available", "Nid yw'r ffordd hon o fewngofnodi ar gael",
        "Use the sign-in button on the sign-in page.",
        "Defnyddiwch y botwm mewngofnodi ar y dudalen mewngofnodi."),
}


def _switch(lang: str, path: str, params: dict) -> dict:
    """The language links of a page that may be the answer to a POST: to its GET address."""
    from shared.web import i18n

    alternates = {code: f"{path}?{urlencode({**params, 'lang': code})}" for code in i18n.LANGUAGES}
    return {"alternates": alternates, "switch_url": alternates[i18n.other_language(lang)]}


def refusal(request: Request, reason: str, status: int = 403) -> Response:
    hen, hcy, men, mcy = REFUSALS[reason]
    lang = PAGES.language(request)
    response = PAGES.render(request, "signin/refused.html", {
        "heading": hcy if lang == "cy" else hen, "message": mcy if lang == "cy" else men,
        "reason": reason, **_switch(lang, "/signin/refused", {"reason": reason})}, status=status)
    response.delete_cookie(FLOW_COOKIE, path="/signin")
    return response


def _signin_page(request: Request, session: Session, *, next_path: str, error: str | None = None,
                 status: int = 200) -> Response:
    settings = _settings(request)
    row = current_session(request, session)
    nxt = safe_next(next_path)
    return PAGES.render(request, "signin/signin.html", {
        **_switch(PAGES.language(request), "/signin", {"next": nxt} if nxt != DEFAULT_NEXT else {}),
        "next": nxt, "key_enabled": key_signin_enabled(settings),
        "oidc_enabled": bool(settings.oidc_issuer), "signed_in": row, **account_context(request, session),
        "start_url": "/signin/start?next=" + quote(safe_next(next_path), safe="/"),
        "error": error, "signed_out": request.query_params.get("signed_out") == "1"}, status=status)


@router.get("/signin")
def signin_page(request: Request, session: SessionDep, next: str | None = None):
    return _signin_page(request, session, next_path=next or DEFAULT_NEXT)


@router.post("/signin/key")
def signin_with_key(request: Request, session: SessionDep, key: Annotated[str, Form(max_length=200)] = "",
                    next: Annotated[str, Form(max_length=1000)] = DEFAULT_NEXT,
                    csrf_token: Annotated[str | None, Form(max_length=200)] = None):
    """The quick start: an API key pasted, checked exactly as the API checks a key."""
    settings = _settings(request)
    if not key_signin_enabled(settings):
        return refusal(request, "not-available", status=404)
    # Keys cannot be guessed (256 bits), but each attempt is a row of the record: bound them.
    limit_rate(request, f"signin:{request.client.host if request.client else '-'}",
               "Too many sign-in attempts; retry after the given seconds.")
    if not PAGES.csrf_valid(request, csrf_token):
        websessions.record(session, "refused", "key", reason="csrf")
        session.commit()
        return refusal(request, "form-expired")
    principal = authenticate(session, settings.secret_key, key.strip()) if key.strip() else None
    if principal is None:
        websessions.record(session, "refused", "key", reason="invalid_key")
        session.commit()
        return _signin_page(request, session, next_path=next, error="invalid-key", status=401)
    return signed_in_response(request, session, principal, method="key", next_path=next)


@router.get("/signin/start")
def signin_start(request: Request, next: str | None = None):
    """Off to the identity provider (a link, not a form: CSP form-action would stop the
    redirect to another origin). The flow's state, nonce and PKCE verifier ride in a signed,
    short-lived HttpOnly cookie bound to this browser."""
    from shared.web import oidc

    settings = _settings(request)
    if not settings.oidc_issuer:
        return refusal(request, "not-available", status=404)
    try:
        url, flow_cookie = oidc.begin(settings, safe_next(next), now=now(request), lang=PAGES.language(request))
    except oidc.OidcError:
        return refusal(request, "sign-in-failed", status=502)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(FLOW_COOKIE, flow_cookie, max_age=oidc.FLOW_SECONDS, httponly=True, samesite="lax",
                        secure=cookie_secure(request), path="/signin")
    response.headers["cache-control"] = "no-store"
    return response


@router.get("/signin/callback")
def signin_callback(request: Request, session: SessionDep):
    from shared.web import oidc

    settings = _settings(request)
    if not settings.oidc_issuer:
        return refusal(request, "not-available", status=404)
    try:
        person = oidc.finish(settings, session, request.cookies.get(FLOW_COOKIE), dict(request.query_params),
                             now=now(request))
    except oidc.Refused as exc:
        websessions.record(session, "refused", "oidc", issuer=settings.oidc_issuer, subject=exc.subject,
                           reason=exc.reason)
        session.commit()
        # To a stable address (its language switch works; a reload does not replay the code).
        response = RedirectResponse("/signin/refused?" + urlencode({"reason": exc.page}), status_code=303)
        response.delete_cookie(FLOW_COOKIE, path="/signin")
        response.headers["cache-control"] = "no-store"
        return response
    return signed_in_response(request, session, person.principal, method="oidc", next_path=person.next_path,
                              issuer=settings.oidc_issuer, subject=person.subject, display_name=person.name)


REFUSAL_STATUS = {"no-organisation": 403, "ambiguous-organisation": 403, "sign-in-failed": 400,
                  "form-expired": 403, "not-available": 404}


@router.get("/signin/refused")
def signin_refused(request: Request, reason: str | None = None):
    page = reason if reason in REFUSAL_STATUS else "sign-in-failed"
    return refusal(request, page, status=REFUSAL_STATUS[page])


@router.post("/signout")
def signout(request: Request, session: SessionDep, csrf_token: Annotated[str | None, Form(max_length=200)] = None):
    if not PAGES.csrf_valid(request, csrf_token):
        return refusal(request, "form-expired")
    row = current_session(request, session)
    if row is not None:
        websessions.end(session, row, now=now(request))
        session.commit()
    response = RedirectResponse("/signin?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.headers["cache-control"] = "no-store"
    return response
