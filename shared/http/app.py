"""The FastAPI application factory every service uses, and its ASGI middleware."""
from __future__ import annotations

import hmac
import logging
import threading
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from shared.http.problems import (body_too_large, install_problem_handlers, media_type_of, problem_response,
                                  unhandled_response)
from shared.http.ratelimit import TokenBuckets
from shared.logs import correlation_id, log, new_correlation_id
from shared.mail.metrics import register_mail_metrics
from shared.outbox_metrics import register_outbox_metrics
from shared.service import Runtime
from shared.web.security import SecurityHeadersMiddleware

logger = logging.getLogger("cpr.http")

REQUESTS = Counter("cpr_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
LATENCY = Histogram("cpr_http_request_seconds", "HTTP request latency", ["service", "method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))


class RequestContextMiddleware:
    """Correlation id in and out, body size limit, metrics and one JSON log line per request.
    Pure ASGI (not BaseHTTPMiddleware) to stay cheap on the hot path."""

    def __init__(self, app, service: str, max_body_bytes: int):
        self.app = app
        self.service = service
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        cid = headers.get("x-correlation-id") or headers.get("x-request-id") or new_correlation_id()
        cid = "".join(ch for ch in cid if ch.isalnum() or ch in "-_.")[:64] or new_correlation_id()
        token = correlation_id.set(cid)
        started = time.perf_counter()
        status_holder = {"status": 500, "started": False}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [(b"x-correlation-id", cid.encode())]
            await send(message)

        try:
            if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b""):
                # No identifier or filter holds a NUL (and the database cannot compare one).
                response = problem_response(400, "The URL contains a NUL character (%00); no path or query "
                                                 "parameter may.")
                return await response(scope, receive, send_wrapper)
            content_type = media_type_of(headers)
            has_body = headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
            page_form = content_type == "application/x-www-form-urlencoded" and not scope["path"].startswith("/v1/")
            if scope["method"] in ("POST", "PUT", "PATCH") and has_body and content_type not in ACCEPTED_TYPES \
                    and not content_type.endswith("+json") and not page_form:
                response = problem_response(415, "Send application/json (or text/calendar, or multipart/form-data "
                                                 "where a route says so).")
                return await response(scope, receive, send_wrapper)
            declared = headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
                response = problem_response(413, body_too_large(self.max_body_bytes))
                return await response(scope, receive, send_wrapper)

            received = 0

            async def limited_receive():
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_body_bytes:
                        raise _BodyTooLarge(self.max_body_bytes)
                return message

            try:
                await self.app(scope, limited_receive, send_wrapper)
            except _BodyTooLarge:
                response = problem_response(413, body_too_large(self.max_body_bytes))
                await response(scope, receive, send_wrapper)
            except Exception as exc:
                if status_holder["started"]:
                    raise  # half a response is out: only closing the connection can say so
                # Answered here, while the correlation id is set, and not re-raised: the
                # server keeps the connection (Starlette's fallback re-raises, and uvicorn
                # then closes a keep-alive connection).
                response = unhandled_response(exc, scope.get("path", ""))
                await response(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            status = status_holder["status"]
            REQUESTS.labels(self.service, scope["method"], route, str(status)).inc()
            LATENCY.labels(self.service, scope["method"], route).observe(elapsed)
            principal = getattr(scope.get("state", {}).get("principal"), "name", None) if isinstance(scope.get("state"), dict) else None
            log(logger, logging.INFO, "request", method=scope["method"], route=route, status=status,
                duration_ms=round(elapsed * 1000, 2), principal=principal)
            correlation_id.reset(token)


ACCEPTED_TYPES = {"application/json", "text/calendar", "multipart/form-data"}


class _BodyTooLarge(StarletteHTTPException):
    """Raised while the body streams in. An HTTPException, so FastAPI's body reading passes it on
    to the problem handlers (413) instead of turning it into a 400 'error parsing the body'."""

    def __init__(self, limit: int):
        super().__init__(413, body_too_large(limit))


class _ReadinessCache:
    """The broker check opens a connection; cache it briefly so probes stay cheap."""

    def __init__(self, ttl: float = 3.0):
        self.ttl = ttl
        self._at = 0.0
        self._value = False
        self._lock = threading.Lock()

    def broker_ok(self, runtime: Runtime) -> bool:
        with self._lock:
            if time.monotonic() - self._at > self.ttl:
                self._value = runtime.transport.ping()
                self._at = time.monotonic()
            return self._value


def create_app(runtime: Runtime) -> FastAPI:
    spec = runtime.spec
    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version="1.0.0",
        openapi_tags=spec.openapi_tags or None,
    )
    app.state.runtime = runtime
    app.state.rate_limiter = TokenBuckets(runtime.settings.rate_limit_per_second, runtime.settings.rate_limit_burst)
    install_problem_handlers(app)
    # A page that needs a signed-in person answers 303 to /signin, not a problem.
    from shared.web.signin import SignInRequired, redirect_to_signin

    app.add_exception_handler(SignInRequired, redirect_to_signin)
    # The last added is the outermost: the security headers go on every answer, the ones
    # RequestContextMiddleware makes itself (413, 415, 500) too.
    app.add_middleware(RequestContextMiddleware, service=spec.name, max_body_bytes=runtime.settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    # The pages' stylesheet (shared/web/static); services' pages are routers like any other.
    app.mount("/static", StaticFiles(packages=[("shared.web", "static"), *spec.static_packages]), name="static")
    register_mail_metrics(spec.name, runtime.engine)
    register_outbox_metrics(spec.name, runtime.engine, runtime.settings.outbox_stale_seconds)
    readiness = _ReadinessCache()

    @app.get("/healthz", tags=["operations"], summary="Process is up")
    def healthz() -> dict:
        return {"status": "ok", "service": spec.name}

    @app.get("/readyz", tags=["operations"], summary="Database and broker reachable",
             responses={503: {"description": "A dependency is down (problem+json)"}})
    def readyz(request: Request):
        runtime = request.app.state.runtime
        checks = {"database": False, "broker": False}
        try:
            with runtime.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["database"] = True
        except Exception:
            pass
        checks["broker"] = readiness.broker_ok(runtime)
        if all(checks.values()):
            return JSONResponse({"status": "ready", "checks": checks})
        down = ", ".join(k for k, ok in checks.items() if not ok)
        return problem_response(503, f"Not ready: {down} unreachable.", checks=checks)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics (bearer CPR_METRICS_TOKEN)",
             description="Request counts by route and status and the mail outbox by status are business "
                         "figures (how many referrals, how many invitations): only a scraper holding "
                         "`CPR_METRICS_TOKEN` reads them. Without that setting the route is off (404).",
             response_class=Response,
             responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
                        401: {"description": "No metrics token, or the wrong one"},
                        404: {"description": "Metrics are off (CPR_METRICS_TOKEN is not set)"}})
    def metrics(request: Request) -> Response:
        token = request.app.state.runtime.settings.metrics_token
        if not token:
            return problem_response(404, "Metrics are off: set CPR_METRICS_TOKEN and scrape with it as a "
                                         "bearer token.", instance="/metrics")
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            return problem_response(401, "Send the metrics token (CPR_METRICS_TOKEN) as 'Authorization: Bearer "
                                         "<token>'.", headers={"WWW-Authenticate": 'Bearer realm="cpr-metrics"'},
                                    instance="/metrics")
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for router in spec.routers:
        app.include_router(router)
    install_problem_openapi(app)
    return app


PROBLEM_SCHEMA = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details. Validation errors add `errors`, one per offending field.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "correlation_id": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "in": {"type": "string"}, "message": {"type": "string"},
            "code": {"type": "string"}}}},
    },
    "additionalProperties": True,
}

# Statuses any operation may answer, whatever it does: documented once, here.
COMMON_PROBLEMS = {
    "400": "Malformed request (bad JSON, bad cursor)",
    "413": "Body larger than the configured limit",
    "415": "Unsupported content type",
    "422": "Invalid request; `errors` names the fields",
    "429": "Rate limited; see Retry-After",
    "500": "Unexpected error (logged with the correlation id)",
    "503": "A dependency (database) is unavailable; retry",
}
AUTH_PROBLEMS = {
    "401": "No API key, or an invalid or revoked one",
    "403": "This key may not do this",
    "404": "Not found, or not visible to this key",
    "409": "Conflicts with the current state",
}


# Headers that come with some problems (documented, not required: a readiness 503 has none).
PROBLEM_HEADERS = {
    "401": {"WWW-Authenticate": "Bearer challenge"},
    "405": {"Allow": "The methods this path accepts"},
    "429": {"Retry-After": "Seconds to wait before retrying"},
    "503": {"Retry-After": "Seconds to wait before retrying"},
}


def _all_models() -> list[type]:
    from pydantic import BaseModel

    out, pending = [], [BaseModel]
    while pending:
        for sub in pending.pop().__subclasses__():
            out.append(sub)
            pending.append(sub)
    return out


def _restore_examples(doc: dict) -> None:
    """FastAPI serialises the document with `exclude_none`, which also strips every `null` out of
    the examples: a required nullable field vanished from the monitoring example, and a PATCH
    example's "set to null" became "leave alone". Put the models' own examples back."""
    from fastapi.encoders import jsonable_encoder

    schemas = doc.get("components", {}).get("schemas", {})
    declared: dict[str, list] = {}
    ambiguous: set[str] = set()
    for model in _all_models():
        extra = (getattr(model, "model_config", None) or {}).get("json_schema_extra")
        if not isinstance(extra, dict) or "examples" not in extra or model.__name__ not in schemas:
            continue
        examples = jsonable_encoder(extra["examples"])
        if declared.setdefault(model.__name__, examples) != examples:
            ambiguous.add(model.__name__)
    for name, examples in declared.items():
        if name not in ambiguous and "examples" in schemas[name]:
            schemas[name]["examples"] = examples


def install_problem_openapi(app: FastAPI) -> None:
    """Document problem+json responses on every operation (schemathesis holds us to it), the
    API-key security of each operation (public ones say `security: []`), and give the document a
    server so clients and linters know where it is served (relative: the same origin)."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description,
                          routes=app.routes, tags=app.openapi_tags, servers=[{"url": "/"}])
        _restore_examples(doc)
        doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for item in doc.get("paths", {}).values():
            for operation in item.values():
                # FastAPI states the key where a route depends on it (shared/http/deps.py);
                # every other operation is public, and says so.
                operation.setdefault("security", [])
        ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, item in doc.get("paths", {}).items():
            for method, operation in item.items():
                responses = operation.setdefault("responses", {})
                extra = dict(COMMON_PROBLEMS)
                if path.startswith("/v1/"):
                    extra.update(AUTH_PROBLEMS)
                for status in set(extra) | {s for s in responses if s >= "400"}:
                    # Every error is problem+json, whatever a route declared for it.
                    description = responses.get(status, {}).get("description")
                    if not description or "HTTPValidationError" in str(responses.get(status)):
                        description = extra.get(status, "Error")
                    responses[status] = {"description": description, "content": ref}
                    if status in PROBLEM_HEADERS:
                        responses[status]["headers"] = {
                            name: {"description": text, "schema": {"type": "string"}}
                            for name, text in PROBLEM_HEADERS[status].items()}
        doc["components"]["schemas"].pop("HTTPValidationError", None)
        doc["components"]["schemas"].pop("ValidationError", None)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi
