"""Helpers for the security tests: keys made and revoked as `cpr admin key create/revoke` do,
events handed from one service's outbox to the others' consumers, and request bodies built
from the examples the OpenAPI documents carry."""
from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from shared.auth import ApiKey, new_api_key
from shared.db import make_engine, session_scope, utcnow
from shared.settings import SERVICE_NAMES, Settings

LONDON = ZoneInfo("Europe/London")


def today() -> date:
    return datetime.now(LONDON).date()


def days_ago(n: int) -> str:
    return (today() - timedelta(days=n)).isoformat()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def add_key(settings: Settings, *, board_code: str | None = None, label: str = "security test") -> tuple[str, str]:
    """A new key stored in every service database (as `cpr admin key create`); (key, key id)."""
    row, key = new_api_key(settings.secret_key, board_code=board_code, welsh_government=board_code is None,
                           label=label)
    for name in SERVICE_NAMES:
        engine = make_engine(settings.database_url(name))
        with session_scope(engine) as session:
            session.add(ApiKey.model_validate(row.model_dump()))
        engine.dispose()
    return key, row.id


def revoke_everywhere(settings: Settings, key_id: str) -> None:
    """Set `revoked_at` on the key's row in every service database, as `cpr admin key revoke`."""
    found = 0
    for name in SERVICE_NAMES:
        engine = make_engine(settings.database_url(name))
        with session_scope(engine) as session:
            row = session.get(ApiKey, key_id)
            if row is not None:
                row.revoked_at = row.revoked_at or utcnow()
                session.add(row)
                found += 1
        engine.dispose()
    assert found == len(SERVICE_NAMES), f"key {key_id} is missing from some service database"


def forward_events(runtimes, source: str, already: set[str], *, to_self: bool = False) -> int:
    """Hand every event in `source`'s outbox not yet forwarded to the consumers of the other
    services (and of `source` itself with `to_self`) that handle its type, as the relay and the
    broker would. Returns how many deliveries were made."""
    from shared.inbox import EventConsumer
    from shared.messaging.transport import Delivery
    from shared.outbox import OutboxMessage

    with Session(runtimes[source].engine) as s:
        rows = [(r.event_id, r.event_type, r.body) for r in
                s.exec(select(OutboxMessage).order_by(OutboxMessage.seq)).all() if r.event_id not in already]
    n = 0
    for event_id, event_type, body in rows:
        already.add(event_id)
        for name, rt in runtimes.items():
            if (to_self or name != source) and event_type in rt.spec.handlers:
                EventConsumer(rt.spec.name, rt.engine, rt.spec.handlers, rt.settings)(
                    Delivery(body.encode(), event_id, event_type))
                n += 1
    return n


def request_example(openapi: dict, method: str, path: str, **overrides) -> dict:
    """The first example of an operation's JSON request body (from its schema's `examples`),
    with `overrides` applied; just the overrides if the document has no example."""
    op = openapi["paths"][path][method.lower()]
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    examples = schema.get("examples") or []
    body = copy.deepcopy(examples[0]) if examples and isinstance(examples[0], dict) else {}
    body.update(overrides)
    return body


class WebhookReceiver:
    """A local webhook receiver (a real HTTP server on a thread) that answers 204 and keeps
    what it was sent."""

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                received.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/security"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
