"""The operator's CLI against the real databases and broker."""
from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from services.cli import app as cli
from shared.db import session_scope
from shared.events.reviews import ReviewReferredV1
from shared.outbox import add_event
from tests.support import settings_env, wait_until

pytestmark = pytest.mark.integration


def run(settings, *args):
    result = CliRunner().invoke(cli, list(args), env=settings_env(settings))
    assert result.exit_code == 0, result.output
    return result.output


def test_key_create_works_on_all_three_apis_and_revoke_takes_effect_next_request(settings, clients):
    from shared.settings import get_settings

    get_settings.cache_clear()
    key = run(settings, "admin", "key", "create", "--board", "north-wales", "--label", "case system").strip()
    assert key.startswith("cpr_")
    h = {"Authorization": f"Bearer {key}"}
    r = clients["notification_api"].post("/v1/reviews", json={"board_reference": "NW-1", "referral_date": "2026-10-01",
                                               "trigger": {"kind": "death", "date": "2026-09-20"}, "abuse_or_neglect": "suspected", "child": {"age_years": 2, "on_child_protection_register_in_prior_6_months": False, "looked_after_in_prior_6_months": False}},
                                         headers=h)
    assert r.status_code == 201 and r.json()["board_code"] == "north-wales"
    assert clients["scheduler"].get(f"/v1/reviews/{uuid.uuid4()}", headers=h).status_code == 404
    assert clients["dissemination"].get("/v1/feed", headers=h).status_code == 403  # a board key, not 401
    listing = run(settings, "admin", "key", "list")
    assert key not in listing  # never shown again
    key_id = next(line.split()[0] for line in listing.splitlines() if "north-wales" in line)
    run(settings, "admin", "key", "revoke", key_id)
    for name, c in clients.items():
        path = "/v1/feed" if name == "dissemination" else f"/v1/reviews/{uuid.uuid4()}"
        assert c.get(path, headers=h).status_code == 401
    get_settings.cache_clear()


def test_board_add_and_list(settings):
    from shared.settings import get_settings

    get_settings.cache_clear()
    run(settings, "admin", "board", "add", "powys", "--name-en", "Powys Safeguarding Board",
        "--name-cy", "Bwrdd Diogelu Powys")
    out = run(settings, "admin", "board", "list")
    assert "powys" in out and "Bwrdd Diogelu Powys" in out and "gwent" in out
    key = run(settings, "admin", "key", "create", "--board", "powys").strip()
    assert key.startswith("cpr_")
    get_settings.cache_clear()


def test_dead_letter_list_and_replay_applies_the_message_once(settings, runtimes, workers, monkeypatch):
    from services.scheduler.reviews.models import ReviewRecord
    from services.scheduler.service import SPEC
    from shared.settings import get_settings

    get_settings.cache_clear()
    real = SPEC.handlers["review.referred.v1"]

    def broken(session, envelope, payload):
        raise RuntimeError("scheduler bug")

    monkeypatch.setitem(SPEC.handlers, "review.referred.v1", broken)
    review_id = str(uuid.uuid4())
    with session_scope(runtimes["notification_api"].engine) as s:
        env = add_event(s, data=ReviewReferredV1(
            review_id=review_id, board_code="gwent", referral_date=date(2026, 9, 1), status="referred"))

    def parked():
        out = run(settings, "dlq", "list", "scheduler")
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]

    [letter] = wait_until(parked, timeout=30, what="the message in the scheduler's dead-letter queue")
    assert letter["message_id"] == env.id and letter["attempts"] == 3 and "scheduler bug" in letter["last_error"]
    monkeypatch.setitem(SPEC.handlers, "review.referred.v1", real)  # the fix is deployed
    assert "replayed 1" in run(settings, "dlq", "replay", "scheduler")

    def applied():
        with Session(runtimes["scheduler"].engine) as s:
            return s.exec(select(ReviewRecord).where(ReviewRecord.review_id == review_id)).all()

    assert len(wait_until(applied, what="the replayed event applied")) == 1
    assert parked() == []
    get_settings.cache_clear()
