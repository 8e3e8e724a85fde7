"""Scheduler fixtures: reviews made known through the real event consumer, participants
through the API, and a look into the scheduler's outbox."""
from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from sqlmodel import Session, select

from shared.db import session_scope
from shared.events.reviews import ReviewDecisionRecordedV1, ReviewReferredV1
from shared.outbox import OutboxMessage
from tests.integration.scheduler.helpers import deliver


@pytest.fixture
def settings(settings):
    """Diaries expanded from ten years back (the tests use fixed 2027 dates), and loopback
    http calendar feeds allowed for the local test server."""
    return settings.model_copy(update={"calendar_past_days": 3650, "calendar_url_allow_http": True,
                                       "calendar_url_allow_private": True, "calendar_fetch_timeout_seconds": 1.0})


@pytest.fixture
def sched(clients):
    return clients["scheduler"]


@pytest.fixture
def make_review(runtimes):
    def make(board: str = "gwent", referral_date: date = date(2026, 10, 1)) -> str:
        review_id = str(uuid.uuid4())
        deliver(runtimes["scheduler"], "review.referred.v1", ReviewReferredV1(
            review_id=review_id, board_code=board, referral_date=referral_date, status="referred"))
        return review_id

    return make


@pytest.fixture
def decide(runtimes):
    def decide_(review_id: str, *, outcome="concise_cpr", decided_on: date, target: date | None, board="gwent",
                event_id=None):
        return deliver(runtimes["scheduler"], "review.decision_recorded.v1", ReviewDecisionRecordedV1(
            review_id=review_id, board_code=board, outcome=outcome, decided_on=decided_on,
            departs_from_criteria=False, status="closed" if outcome == "no_review" else "in_progress",
            target_completion_date=target, review_type=None if outcome == "no_review" else outcome),
            event_id=event_id)

    return decide_


@pytest.fixture
def make_participant(sched, keys):
    def make(name: str = "Ceri Jones", board: str = "gwent", **extra) -> str:
        body = {"display_name": name, "email": f"{name.lower().replace(' ', '.')}@agency.example.wales",
                "agency_code": "health", **extra}
        r = sched.post("/v1/participants", json=body, headers=keys.board(board))
        assert r.status_code == 201, r.text
        return r.json()["id"]

    return make


@pytest.fixture
def outbox(runtimes):
    def events(type_: str) -> list[dict]:
        with Session(runtimes["scheduler"].engine) as s:
            rows = s.exec(select(OutboxMessage).where(OutboxMessage.event_type == type_)
                          .order_by(OutboxMessage.seq)).all()
        return [json.loads(r.body) for r in rows]

    return events
