"""FastAPI dependencies. Board scoping lives here: `board_scope` for queries, `visible_or_404`
for one record."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from shared.auth import Principal, authenticate
from shared.http.problems import Problem
from shared.http.ratelimit import retry_after_header
from shared.settings import Settings

T = TypeVar("T")


def get_runtime(request: Request):
    return request.app.state.runtime


def get_session(request: Request) -> Iterator[Session]:
    """A session per request. Handlers commit explicitly; anything uncommitted is rolled back."""
    runtime = request.app.state.runtime
    with Session(runtime.engine, expire_on_commit=False, info={"settings": runtime.settings}) as session:
        try:
            yield session
        finally:
            session.close()
            for release in session.info.pop("on_close", []):
                release()  # locks held until the transaction ended (idempotency on SQLite)


SessionDep = Annotated[Session, Depends(get_session)]


# The OpenAPI security scheme: any route depending on get_principal lists it, so Swagger UI's
# Authorize sends the key and generated clients know to. The header is still read below (a missing
# or malformed one is a problem+json 401, not FastAPI's 403).
SECURITY_SCHEME = "apiKey"
bearer_key = HTTPBearer(
    auto_error=False, scheme_name=SECURITY_SCHEME,
    description="An API key from `cpr admin key create` (a board's or Welsh Government's), sent as "
                "`Authorization: Bearer <key>`; the same key works on all three APIs. In Swagger UI (/docs) "
                "press Authorize and paste the key alone, without `Bearer `.")
OPTIONAL_KEY = {"security": [{}, {SECURITY_SCHEME: []}]}
"""`openapi_extra` of a route that is public but reads a key when one is sent."""


def get_principal(request: Request, session: SessionDep,
                  _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_key)] = None) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "Send an API key as 'Authorization: Bearer <key>'.",
                      headers={"WWW-Authenticate": 'Bearer realm="cpr"'})
    principal = authenticate(session, request.app.state.runtime.settings.secret_key, token.strip())
    if principal is None:
        raise Problem(401, "The API key is not valid or has been revoked.",
                      headers={"WWW-Authenticate": 'Bearer realm="cpr", error="invalid_token"'})
    return admit(request, principal, "Too many requests for this API key; slow down and retry after the given seconds.")


def limit_rate(request: Request, bucket: str, detail: str) -> None:
    """A 429 with Retry-After once `bucket` has spent its tokens (the app's `rate_limiter`)."""
    wait = request.app.state.rate_limiter.take(bucket)
    if wait:
        raise Problem(429, detail, headers={"Retry-After": retry_after_header(wait)})


def admit(request: Request, principal: Principal, too_many: str) -> Principal:
    """The one gate once a caller is identified, by API key or by page session: the key's rate
    limit, then the principal recorded on the request."""
    limit_rate(request, principal.key_id, too_many)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_settings(request: Request) -> Settings:
    """The settings of the runtime serving this request: the one way a view reads them."""
    return request.app.state.runtime.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def require_welsh_government(principal: PrincipalDep) -> Principal:
    if not principal.welsh_government:
        raise Problem(403, "Only a Welsh Government key may use this resource.")
    return principal


def require_board(principal: PrincipalDep) -> Principal:
    if principal.welsh_government:
        raise Problem(403, "Welsh Government reads; only a board's key may change a board's records.")
    return principal


WelshGovernmentDep = Annotated[Principal, Depends(require_welsh_government)]
BoardDep = Annotated[Principal, Depends(require_board)]


def board_scope(query, principal: Principal, board_column):
    """Restrict a query to what the principal may see: its own board, or all for Welsh Government."""
    if principal.welsh_government:
        return query
    return query.where(board_column == principal.board_code)


def can_see(principal: Principal, board_code: str) -> bool:
    return principal.welsh_government or principal.board_code == board_code


def visible_or_404(row: T | None, principal: Principal, detail: str) -> T:
    """The one load-or-404 rule behind every `get_<thing>(session, principal, id)`: the row if
    the caller may see its board's records, else 404. Another board's record is reported as
    absent, never as forbidden: its existence is data too."""
    if row is None or not can_see(principal, row.board_code):
        raise Problem(404, detail)
    return row
