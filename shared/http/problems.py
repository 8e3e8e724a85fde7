"""RFC 9457 problem details for every error, so integrators parse one error shape."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.db import is_connection_error
from shared.logs import correlation_id, log

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://cpr.gov.wales/problems/"

TITLES = {
    400: "Bad request", 401: "Unauthorised", 403: "Forbidden", 404: "Not found",
    405: "Method not allowed", 406: "Not acceptable", 409: "Conflict", 413: "Request body too large",
    415: "Unsupported media type", 422: "Unprocessable content", 429: "Too many requests",
    500: "Internal server error", 503: "Service unavailable",
}
SLUGS = {
    400: "bad-request", 401: "unauthorised", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
    406: "not-acceptable", 409: "conflict", 413: "payload-too-large", 415: "unsupported-media-type",
    422: "validation-error", 429: "rate-limited", 500: "internal-error", 503: "unavailable",
}


class Problem(Exception):
    """Raise from anywhere below a router to answer with problem+json."""

    def __init__(self, status: int, detail: str, *, title: str | None = None, slug: str | None = None,
                 headers: dict[str, str] | None = None, **extensions: Any):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or TITLES.get(status, "Error")
        self.slug = slug or SLUGS.get(status, "error")
        self.headers = headers
        self.extensions = extensions


def field_error(field: str, message: str, code: str, where: str = "body") -> dict[str, str]:
    """One entry of a problem's `errors`: the shape every per-field 4xx uses (validation too)."""
    return {"field": field, "in": where, "message": message, "code": code}


def field_problem(code: str, detail: str, field: str, where: str = "body") -> Problem:
    """A 422 about one field, typed by its rule (`code` → slug), for the rules the request
    schema cannot express (dates in the future, facts one answer makes required)."""
    return Problem(422, detail, slug=code.replace("_", "-"), code=code,
                   errors=[field_error(field, detail, code, where)])


def problem_response(status: int, detail: str, *, title: str | None = None, slug: str | None = None,
                     headers: dict[str, str] | None = None, instance: str | None = None, **extensions: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + (slug or SLUGS.get(status, "error")),
        "title": title or TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    cid = correlation_id.get()
    if cid:
        body["correlation_id"] = cid
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc) -> str:
    # The first element says where (body, query, path, header); `in` carries it.
    parts = [str(p) for p in loc[1:]] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else [str(p) for p in loc]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"


MAX_ERRORS = 50  # a huge invalid array must not become a huge answer


def validation_errors(errors) -> list[dict[str, str]]:
    result = []
    for err in list(errors)[:MAX_ERRORS]:
        loc = err.get("loc", ())
        where = loc[0] if loc else "body"
        msg = err.get("msg", "invalid")
        if err.get("type") == "extra_forbidden":
            # The key is client text and could itself be an identifier: never repeat it.
            msg = "unknown field: not accepted"
            loc = (*loc[:-1], "(unknown field)")
        elif err.get("type") == "json_invalid":
            # FastAPI puts the character offset in `loc`; say it in words instead.
            reason = (err.get("ctx") or {}).get("error", "invalid JSON")
            msg = f"not valid JSON: {reason} at character {loc[1] if len(loc) > 1 else 0}"
            loc = ("body",)
        result.append(field_error(_field_path(loc), msg, err.get("type", "invalid"), str(where)))
    return result


def _allowed_methods(request: Request) -> list[str]:
    """Every method any route at this path accepts (Starlette names only the first route's)."""
    from starlette.routing import Match

    methods: set[str] = set()
    scope = {**request.scope, "method": "GET"}
    for route in request.app.routes:
        match, _ = route.matches(scope)
        if match != Match.NONE and getattr(route, "methods", None):
            methods |= set(route.methods)
    return sorted(methods)


def _unreadable_body(cause: BaseException | None) -> str:
    if isinstance(cause, UnicodeDecodeError):
        return "The body is not valid UTF-8."
    if isinstance(cause, RecursionError):
        return "The body is nested too deeply to read."
    return "The body could not be read as the declared content type."


JSON_TYPES = ("application/json",)
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def media_type_of(headers) -> str:
    """The bare media type of a request (`Content-Type` without parameters, lower case)."""
    return headers.get("content-type", "").split(";")[0].strip().lower()


def unsupported_media_type(takes: str, got: str) -> str:
    """The words of every 415 that names what a route takes."""
    return f"This route takes {takes}, not {got or 'a body without a content type'}."


def body_too_large(limit: int) -> str:
    """The words of every 413 (the limit is `CPR_MAX_BODY_BYTES`)."""
    return f"The body is larger than {limit} bytes."


def _unsupported_media_type(request: Request, errors) -> str | None:
    """A body of a type the route does not read reaches validation unparsed (bytes, or an empty
    form): that is a 415 naming the type the route takes, not a 422 about fields."""
    from fastapi import params
    from fastapi.routing import APIRoute

    route = request.scope.get("route")
    body_field = getattr(route, "body_field", None) if isinstance(route, APIRoute) else None
    if body_field is None:
        return None
    media_type = media_type_of(request.headers)
    if isinstance(body_field.field_info, params.Form):
        if media_type in FORM_TYPES:
            return None
        return unsupported_media_type("multipart/form-data", media_type)
    if media_type in JSON_TYPES or media_type.endswith("+json"):
        return None
    if any(e.get("loc", ())[:1] == ("body",) and isinstance(e.get("input"), (bytes, bytearray)) for e in errors):
        return unsupported_media_type("application/json", media_type)
    return None


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem):
        return problem_response(exc.status, exc.detail, title=exc.title, slug=exc.slug,
                                headers=exc.headers, instance=request.url.path, **exc.extensions)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            # FastAPI's words for any failure reading the body; name the cause.
            detail = _unreadable_body(exc.__cause__)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No resource at {request.url.path}."
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            allowed = _allowed_methods(request)
            detail = f"{request.method} is not allowed on {request.url.path}; use {', '.join(allowed)}."
            headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        return problem_response(exc.status_code, detail, headers=headers, instance=request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        if (unsupported := _unsupported_media_type(request, exc.errors())) is not None:
            return problem_response(415, unsupported, instance=request.url.path)
        errors = validation_errors(exc.errors())
        if any(e["code"] == "json_invalid" for e in errors):
            detail = "The body is " + next(e["message"] for e in errors if e["code"] == "json_invalid") + "."
        else:
            detail = f"The request is not valid: {', '.join(sorted({e['field'] for e in errors}))}."
        return problem_response(422, detail, instance=request.url.path, errors=errors)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError):
        # Two requests raced past the same check (a duplicate reference, the same
        # Idempotency-Key at once): the database kept one; this one conflicts.
        log(logger, logging.INFO, "integrity conflict", path=request.url.path,
            error=type(getattr(exc, "orig", exc)).__name__)
        return problem_response(409, "This conflicts with a record written at the same moment by another request; "
                                     "retry to see the current state.", slug="concurrent-conflict",
                                instance=request.url.path)

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception):
        # Reached only from outside RequestContextMiddleware (which answers first, with the
        # correlation id): Starlette's ServerErrorMiddleware calls this, then re-raises.
        return unhandled_response(exc, request.url.path)


def unhandled_response(exc: Exception, path: str) -> JSONResponse:
    """The answer to an exception nothing handled: 503 when the database is unreachable,
    otherwise a 500 that names no cause. Logged with the request's correlation id, which the
    problem carries too (call it while that id is set: `RequestContextMiddleware` does)."""
    if is_connection_error(exc):
        log(logger, logging.WARNING, "database unavailable", path=path, error=type(exc).__name__)
        return problem_response(503, "The database is unavailable; try again shortly.",
                                headers={"Retry-After": "2"}, instance=path)
    logger.error("unhandled error on %s", path, exc_info=exc)
    return problem_response(500, "Something went wrong on our side; it has been logged with its "
                                 "correlation_id.", instance=path)
