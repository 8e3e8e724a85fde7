"""Plain helpers for the scheduler tests (fixtures are in conftest.py)."""
from __future__ import annotations

from shared.events import make_envelope
from shared.inbox import EventConsumer
from shared.messaging.transport import Delivery


def problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
    return r.json()


def busy(sched, keys, pid, *intervals, board="gwent"):
    body = {"intervals": [{"start": s, "end": e, "kind": k} for s, e, k in intervals]}
    r = sched.put(f"/v1/participants/{pid}/busy", json=body, headers=keys.board(board))
    assert r.status_code == 200, r.text
    return r.json()


def ics(*events: str) -> str:
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *events, "END:VCALENDAR"]) + "\r\n"


def vevent(uid: str, *props: str) -> str:
    return "\r\n".join(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261101T000000Z", *props, "END:VEVENT"])


def deliver(runtime, type_: str, data, event_id: str | None = None):
    """Hand one event to the scheduler's consumer as the broker would; returns the envelope."""
    from services.scheduler.service import SPEC

    envelope = make_envelope(source="/cpr/notification_api", data=data, subject=data.review_id,
                             event_id=event_id)
    EventConsumer(SPEC.name, runtime.engine, SPEC.handlers, runtime.settings)(Delivery(envelope.to_json().encode(), envelope.id, type_))
    return envelope
