"""Fixtures and helpers for the notification API's integration tests (real PostgreSQL)."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from shared.outbox import OutboxMessage

TODAY = datetime.now(ZoneInfo("Europe/London")).date()


def days_ago(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


def referral(ref: str = "GW-1", *, kind: str = "death", abuse: str = "suspected", register: bool = False,
             looked_after: bool = False, age: int = 2, referral_days_ago: int = 300, trigger_days_ago: int = 310,
             **extra) -> dict:
    body = {"board_reference": ref, "referral_date": days_ago(referral_days_ago),
            "trigger": {"kind": kind, "date": days_ago(trigger_days_ago)}, "abuse_or_neglect": abuse,
            "child": {"age_years": age, "on_child_protection_register_in_prior_6_months": register,
                      "looked_after_in_prior_6_months": looked_after},
            "agencies_involved": ["childrens_services", "police"]}
    body.update(extra)
    return body


def problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    return r.json()


class Api:
    """The notification API as a board's case system uses it."""

    def __init__(self, client, keys, engine):
        self.c = client
        self.keys = keys
        self.engine = engine

    def h(self, board: str = "gwent") -> dict:
        return self.keys.board(board)

    def notify(self, ref: str = "GW-1", board: str = "gwent", **kw) -> dict:
        r = self.c.post("/v1/reviews", json=referral(ref, **kw), headers=self.h(board))
        assert r.status_code == 201, r.text
        return r.json()

    def decide(self, review_id: str, outcome: str, days: int = 290, rationale: str | None = None,
               board: str = "gwent", expect: int = 201):
        r = self.c.post(f"/v1/reviews/{review_id}/decision",
                        json={"outcome": outcome, "decided_on": days_ago(days), "rationale": rationale},
                        headers=self.h(board))
        assert r.status_code == expect, r.text
        return r.json()

    def milestone(self, review_id: str, milestone: str, days: int, note: str | None = None,
                  board: str = "gwent", expect: int = 201):
        body = {"milestone": milestone, "date": days_ago(days)}
        if note is not None:
            body["note"] = note
        r = self.c.post(f"/v1/reviews/{review_id}/milestones", json=body, headers=self.h(board))
        assert r.status_code == expect, r.text
        return r.json()

    def started(self, ref: str = "GW-1", outcome: str = "concise_cpr", board: str = "gwent", days: int = 290,
                **kw) -> dict:
        """A referral decided as `outcome` (matching the default facts' criteria: concise)."""
        review = self.notify(ref, board=board, **kw)
        return self.decide(review["id"], outcome, days=days, board=board,
                           rationale=None if outcome == review["criteria_assessment"]["indicated_type"]
                           else "Board's reasoned departure.")

    def get(self, review_id: str, board: str = "gwent") -> dict:
        r = self.c.get(f"/v1/reviews/{review_id}", headers=self.h(board))
        assert r.status_code == 200, r.text
        return r.json()

    def events(self, type: str | None = None) -> list[dict]:
        with Session(self.engine) as s:
            rows = s.exec(select(OutboxMessage).order_by(OutboxMessage.seq)).all()
        out = [json.loads(r.body) for r in rows]
        return [e for e in out if type is None or e["type"] == type]


@pytest.fixture
def api(clients, keys, runtimes) -> Api:
    return Api(clients["notification_api"], keys, runtimes["notification_api"].engine)


@pytest.fixture
def engine(runtimes):
    return runtimes["notification_api"].engine


def as_date(s: str) -> date:
    return date.fromisoformat(s)
