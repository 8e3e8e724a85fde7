"""Dissemination fixtures: settings that let webhooks reach a receiver on loopback over http,
an event emitter that publishes other services' events into the real RabbitMQ, and a local
webhook receiver (a real HTTP server on a thread)."""
from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shared.events import make_envelope, payload_model


@pytest.fixture
def settings(settings):
    """The root fixture's settings (own databases and RabbitMQ prefix), plus: webhooks may go to
    127.0.0.1 over http; 4 delivery attempts within the broker's 5, and a names list."""
    return settings.model_copy(update={
        "webhook_allow_private": True, "webhook_allow_http": True, "webhook_timeout_seconds": 3.0,
        "max_attempts": 5, "webhook_max_attempts": 4, "identifier_names": ["Tegan Price"],
    })


class Emitter:
    """Publishes events as the other services would (CloudEvents over the real exchange)."""

    def __init__(self, runtime):
        self.publisher = runtime.transport.publisher()

    def __call__(self, type: str, event_id: str | None = None, **data):
        envelope = make_envelope(source="/cpr/test", data=payload_model(type)(**data),
                                 event_id=event_id, time=datetime.now(UTC))
        self.publisher.publish(type, envelope.to_json().encode(), envelope.id)
        return envelope

    def close(self):
        self.publisher.close()


@pytest.fixture
def emit(runtimes):
    e = Emitter(runtimes["dissemination"])
    yield e
    e.close()


class Receiver:
    """A webhook receiver: verifies each delivery with the subscription's secret, fails the
    first `fail_first` requests with 503, and keeps what it accepted by webhook-id."""

    def __init__(self, fail_first: int = 0, always_fail: bool = False):
        self.fail_first = fail_first
        self.always_fail = always_fail
        self.secret: str | None = None
        self.requests: list[dict] = []
        self.accepted: dict[str, dict] = {}
        self.bad_signatures = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                from services.dissemination.subscriptions.signing import WebhookVerificationError, verify

                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    receiver.requests.append({"headers": headers, "body": body})
                    n = len(receiver.requests)
                    try:
                        verify(receiver.secret, headers, body)
                    except WebhookVerificationError:
                        receiver.bad_signatures += 1
                        self.send_response(400)
                        self.end_headers()
                        return
                    if receiver.always_fail or n <= receiver.fail_first:
                        self.send_response(503)
                        self.end_headers()
                        return
                    # Dedupe by webhook-id, as the Standard Webhooks receiver should.
                    receiver.accepted.setdefault(headers["webhook-id"], json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/{uuid.uuid4().hex[:8]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory():
    made = []

    def make(**kw) -> Receiver:
        r = Receiver(**kw)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def publication_body(review_id: str | None = None, **over) -> dict:
    body = {
        "review_id": review_id or str(uuid.uuid4()),
        "status": "published",
        "title": {"en": "Learning from a review of neglect", "cy": "Dysgu o adolygiad o esgeulustod"},
        "summary": {"en": "Agencies did not share what they knew about neglected children in time.",
                    "cy": "Ni rannodd asiantaethau yr hyn a wyddent am esgeulustod plant mewn pryd."},
        "learning_points": [{"en": "Professional curiosity matters.", "cy": "Mae chwilfrydedd proffesiynol yn bwysig."}],
        "themes": ["neglect", "information_sharing"],
        "recommendations": ["Agencies share chronologies at the strategy meeting."],
    }
    body.update(over)
    return body
