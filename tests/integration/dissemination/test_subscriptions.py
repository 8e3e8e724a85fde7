"""Subscriptions and signed webhook deliveries over the real RabbitMQ retry tiers."""
from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from sqlmodel import Session, select

from tests.integration.dissemination.conftest import publication_body
from tests.support import extra_key, wait_until

pytestmark = pytest.mark.integration


def _subscribe(c, headers, url, **filters):
    r = c.post("/v1/subscriptions", json={"callback_url": url, **filters}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _deliveries(c, headers, sub_id):
    r = c.get(f"/v1/subscriptions/{sub_id}/deliveries", params={"limit": 200}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_a_flaky_receiver_gets_every_event_exactly_once_in_effect(clients, keys, emit, workers, receiver_factory):
    """The receiver fails the first two requests; the deliveries retry through RabbitMQ with
    the same webhook-id and a fresh signature; deduplicating by webhook-id, it holds each
    event once."""
    c = clients["dissemination"]
    receiver = receiver_factory(fail_first=2)
    sub = _subscribe(c, keys.wg, receiver.url)
    receiver.secret = sub["secret"]
    rids = [str(uuid.uuid4()) for _ in range(3)]
    for rid in rids:
        emit("review.referred.v1", review_id=rid, board_code="gwent", referral_date=date(2026, 2, 1), status="referred")
    pub = c.post("/v1/publications", json=publication_body(), headers=keys.board()).json()

    wait_until(lambda: len(receiver.accepted) == 4, timeout=30, what="four accepted deliveries")
    wait_until(lambda: all(d["status"] == "delivered" for d in _deliveries(c, keys.wg, sub["id"])), what="delivered")
    deliveries = _deliveries(c, keys.wg, sub["id"])
    assert len(deliveries) == 4 and sum(d["attempts"] for d in deliveries) == 6
    assert receiver.bad_signatures == 0 and len(receiver.requests) == 6
    # The retried requests carried the same webhook-id as their first attempt.
    ids = [r["headers"]["webhook-id"] for r in receiver.requests]
    assert set(ids) == set(receiver.accepted) == {d["id"] for d in deliveries}
    bodies = list(receiver.accepted.values())
    assert sorted(b["data"]["review_id"] for b in bodies if b["type"] == "review_referred") == sorted(rids)
    [published] = [b for b in bodies if b["type"] == "publication_published"]
    assert published["data"]["publication"]["id"] == pub["id"]
    assert published["data"]["publication"]["title"]["cy"] == "Dysgu o adolygiad o esgeulustod"


def test_a_receiver_that_never_answers_is_given_up_not_dead_lettered(clients, keys, emit, workers, receiver_factory,
                                                                     runtimes, settings):
    c = clients["dissemination"]
    receiver = receiver_factory(always_fail=True)
    sub = _subscribe(c, keys.board("gwent"), receiver.url, event_types=["review.referred"])
    receiver.secret = sub["secret"]
    emit("review.referred.v1", review_id=str(uuid.uuid4()), board_code="gwent", referral_date=date(2026, 2, 1),
         status="referred")
    [d] = wait_until(lambda: [d for d in _deliveries(c, keys.board("gwent"), sub["id"]) if d["status"] == "given_up"],
                     timeout=30, what="a given-up delivery")
    assert d["attempts"] == settings.webhook_max_attempts == len(receiver.requests)
    assert d["last_status_code"] == 503
    spec = runtimes["dissemination"].spec
    assert runtimes["dissemination"].transport.dead_letters(spec.topology(settings)) == []


def test_what_a_subscription_receives(clients, keys, emit, workers, receiver_factory):
    c = clients["dissemination"]
    gwent, themed = receiver_factory(), receiver_factory()
    sub = _subscribe(c, keys.board("gwent"), gwent.url)
    gwent.secret = sub["secret"]
    themed_sub = _subscribe(c, keys.board("north-wales"), themed.url, themes=["domestic_abuse"])
    themed.secret = themed_sub["secret"]
    # Another board's case progress never reaches a board's subscription; its publications do.
    emit("review.referred.v1", review_id=str(uuid.uuid4()), board_code="north-wales", referral_date=date(2026, 2, 1),
         status="referred")
    emit("review.referred.v1", review_id=str(uuid.uuid4()), board_code="gwent", referral_date=date(2026, 2, 1),
         status="referred")
    c.post("/v1/publications", json=publication_body(), headers=keys.board("north-wales"))
    c.post("/v1/publications", json=publication_body(themes=["domestic_abuse"]), headers=keys.board("cardiff-and-vale"))
    wait_until(lambda: len(gwent.accepted) == 3 and len(themed.accepted) == 1, what="deliveries")
    import time

    time.sleep(0.5)
    types = sorted((b["type"], b["data"]["board_code"]) for b in gwent.accepted.values())
    assert types == [("publication_published", "cardiff-and-vale"), ("publication_published", "north-wales"),
                     ("review_referred", "gwent")]
    [only] = themed.accepted.values()
    assert only["data"]["board_code"] == "cardiff-and-vale" and only["data"]["themes"] == ["domestic_abuse"]


def test_subscription_lifecycle_secret_once_and_url_rules(clients, keys, runtimes, settings):
    c = clients["dissemination"]
    h = {**keys.board("gwent"), "Idempotency-Key": "sub-1"}
    body = {"callback_url": "http://127.0.0.1:9/hook", "event_types": ["publication.published"]}
    created = c.post("/v1/subscriptions", json=body, headers=h)
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    assert created.json()["event_types"] == ["publication_published"]
    replay = c.post("/v1/subscriptions", json=body, headers=h)
    assert replay.json() == created.json() and replay.headers["idempotent-replayed"] == "true"
    sid = created.json()["id"]
    got = c.get(f"/v1/subscriptions/{sid}", headers=keys.board("gwent"))
    assert got.status_code == 200 and "secret" not in got.json()
    # The secret is stored encrypted, not as is; and never in the idempotency record.
    from services.dissemination.subscriptions.models import Subscription
    from shared.http.idempotency import IdempotencyRecord

    with Session(runtimes["dissemination"].engine) as s:
        assert created.json()["secret"] not in s.exec(select(Subscription)).one().secret_enc
        assert created.json()["secret"] not in s.exec(select(IdempotencyRecord)).one().response_body
    # Someone else's subscription is a 404, to another board and to Welsh Government.
    assert c.get(f"/v1/subscriptions/{sid}", headers=keys.board("north-wales")).status_code == 404
    assert c.get(f"/v1/subscriptions/{sid}", headers=keys.wg).status_code == 404
    assert c.get(f"/v1/subscriptions/{sid}").status_code == 401
    assert c.delete(f"/v1/subscriptions/{sid}", headers=keys.board("gwent")).status_code == 204
    assert c.get(f"/v1/subscriptions/{sid}", headers=keys.board("gwent")).status_code == 404

    bad = c.post("/v1/subscriptions", json={"callback_url": "http://127.0.0.1:9/x", "event_types": ["gossip"]},
                 headers=keys.wg)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "event_types[0]"
    # With the deployment defaults: https only, and no private, loopback or link-local targets.
    strict = settings.model_copy(update={"webhook_allow_private": False, "webhook_allow_http": False})
    c.app.state.runtime.settings = strict
    for url in ("http://hooks.example.org/x", "https://127.0.0.1/x", "https://10.1.2.3/x",
                "https://169.254.169.254/latest", "https://user:pw@hooks.example.org/"):
        r = c.post("/v1/subscriptions", json={"callback_url": url}, headers=keys.wg)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "callback_url", url


def test_a_boards_case_system_hears_its_learning_event_moved_cancelled_and_at_risk(clients, keys, emit, workers,
                                                                                 receiver_factory):
    """Issue 9: these meeting events had no consumer, so no subscriber ever learnt of them."""
    from datetime import UTC, datetime, timedelta

    c = clients["dissemination"]
    receiver = receiver_factory()
    sub = _subscribe(c, keys.board("gwent"), receiver.url,
                     event_types=["learning_event_rescheduled", "learning_event.cancelled", "learning_event_at_risk"])
    receiver.secret = sub["secret"]
    start = datetime(2027, 3, 29, 9, tzinfo=UTC)
    common = dict(meeting_id="m1", review_id=str(uuid.uuid4()), board_code="gwent", kind="learning_event")
    emit("meeting.rescheduled.v1", start=start, end=start + timedelta(hours=3), sequence=1, **common)
    emit("meeting.at_risk.v1", start=start, declined_required_count=2, **common)
    emit("meeting.cancelled.v1", sequence=2, **common)
    wait_until(lambda: len(receiver.accepted) == 3, timeout=30, what="three deliveries")
    bodies = sorted(receiver.accepted.values(), key=lambda b: b["type"])
    assert [b["type"] for b in bodies] == ["learning_event_at_risk", "learning_event_cancelled",
                                           "learning_event_rescheduled"]
    assert bodies[0]["data"]["declined_required_count"] == 2 and bodies[1]["data"]["sequence"] == 2
    assert receiver.bad_signatures == 0


def test_replaying_a_subscriptions_idempotency_key_shows_its_secret_to_the_same_board(clients, keys, settings):
    """The README's rule: the Idempotency-Key belongs to the board, so a replay from any of the
    board's keys is the same response, secret included (a lost 201 must not leave a
    subscription nobody can verify); once deleted, a replay shows no secret; another board's
    key with the same Idempotency-Key makes its own subscription."""
    c = clients["dissemination"]
    body = {"callback_url": "http://127.0.0.1:9/hook-replay", "event_types": ["publication_published"]}
    created = c.post("/v1/subscriptions", json=body, headers={**keys.board("gwent"), "Idempotency-Key": "sub-r"})
    assert created.status_code == 201
    second_key = {"Authorization": f"Bearer {extra_key(settings, 'gwent')}", "Idempotency-Key": "sub-r"}
    replay = c.post("/v1/subscriptions", json=body, headers=second_key)
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == created.json() and replay.json()["secret"].startswith("whsec_")
    other = c.post("/v1/subscriptions", json=body, headers={**keys.board("north-wales"), "Idempotency-Key": "sub-r"})
    assert other.status_code == 201 and "idempotent-replayed" not in other.headers
    assert other.json()["id"] != created.json()["id"] and other.json()["secret"] != created.json()["secret"]
    assert c.delete(f"/v1/subscriptions/{created.json()['id']}", headers=keys.board("gwent")).status_code == 204
    gone = c.post("/v1/subscriptions", json=body, headers=second_key)
    assert gone.headers["idempotent-replayed"] == "true" and gone.json()["secret"] is None
