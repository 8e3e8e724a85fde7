"""Keys under stress: per-key rate limiting (429 with Retry-After, other keys unaffected),
revocation effective on the very next request on all three APIs (and for the webhooks a key
set up), no key or secret in the logs, and every read of a review in its audit trail."""
from __future__ import annotations

import io
import logging
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from services.registry import specs
from shared.http.app import create_app
from shared.logs import JsonFormatter
from shared.service import make_runtime
from tests.security.support import (
    WebhookReceiver,
    add_key,
    bearer,
    days_ago,
    forward_events,
    revoke_everywhere,
)

pytestmark = pytest.mark.integration

# A route on each API that any valid key may call and that costs little.
CHEAP = {"notification_api": "/v1/review-types", "scheduler": "/v1/participants",
         "dissemination": f"/v1/subscriptions/{uuid.uuid4()}"}
CHEAP_OK = {"notification_api": 200, "scheduler": 200, "dissemination": 404}


@pytest.fixture
def settings(settings):
    """Webhooks may go to a receiver on loopback over http (as the dissemination tests allow)."""
    return settings.model_copy(update={"webhook_allow_private": True, "webhook_allow_http": True,
                                       "webhook_timeout_seconds": 3.0})


def referral(ref: str) -> dict:
    return {"board_reference": ref, "referral_date": days_ago(300), "trigger": {"kind": "death", "date": days_ago(310)},
            "abuse_or_neglect": "suspected", "agencies_involved": ["childrens_services", "police"],
            "child": {"age_years": 2, "on_child_protection_register_in_prior_6_months": False,
                      "looked_after_in_prior_6_months": False}}


def assert_problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
    return r.json()


# -- rate limiting --------------------------------------------------------------------------------
@pytest.fixture
def limited_clients(settings):
    """The three apps built with a small limit: 1 request a second, bursts of 3."""
    limited = settings.model_copy(update={"rate_limit_per_second": 1, "rate_limit_burst": 3})
    rts = {name: make_runtime(spec, limited) for name, spec in specs().items()}
    cs = {name: TestClient(create_app(rt), raise_server_exceptions=False) for name, rt in rts.items()}
    yield cs
    for c in cs.values():
        c.close()
    for rt in rts.values():
        rt.engine.dispose()


@pytest.mark.parametrize("service", list(CHEAP))
def test_a_key_that_spends_its_burst_gets_429_with_retry_after_and_other_keys_do_not(service, limited_clients,
                                                                                     keys):
    c, path = limited_clients[service], CHEAP[service]
    gwent = keys.board("gwent")
    for _ in range(3):  # the burst
        assert c.get(path, headers=gwent).status_code == CHEAP_OK[service]
    # Refilling at 1 a second, the bucket is empty again within a few requests even on a slow machine.
    for _ in range(20):
        r = c.get(path, headers=gwent)
        if r.status_code == 429:
            break
        assert r.status_code == CHEAP_OK[service], r.text
    body = assert_problem(r, 429)
    assert body["status"] == 429 and "retry" in body["detail"].lower()
    assert r.headers["retry-after"].isdigit() and int(r.headers["retry-after"]) >= 1, r.headers
    # A write is limited the same way (the limit is per key, not per route).
    assert_problem(c.post("/v1/subscriptions", json={"callback_url": "http://127.0.0.1:9/h"}, headers=gwent)
                   if service == "dissemination" else c.get(path, headers=gwent), 429)
    # Another board's key and Welsh Government's have their own buckets.
    for other in (keys.board("north-wales"), keys.wg):
        for _ in range(3):
            assert c.get(path, headers=other).status_code == CHEAP_OK[service]
    # Calls without a valid key are refused as such (401), not counted against gwent's key.
    assert_problem(c.get(path, headers=bearer("cpr_not-a-key")), 401)


# -- revocation -----------------------------------------------------------------------------------
@pytest.mark.parametrize("owner", ["gwent", "welsh-government"])
def test_revocation_takes_effect_on_the_very_next_request_on_all_three_apis(owner, settings, clients, keys):
    key, key_id = add_key(settings, board_code=None if owner == "welsh-government" else owner)
    h = {**bearer(key), "Idempotency-Key": "same-request-retried"}
    for name, path in CHEAP.items():
        assert clients[name].get(path, headers=h).status_code == CHEAP_OK[name], name
    if owner == "gwent":  # a creation whose stored response a retry would replay
        r = clients["notification_api"].post("/v1/reviews", json=referral("GW-REVOKE-1"), headers=h)
        assert r.status_code == 201, r.text
    revoke_everywhere(settings, key_id)
    for name, path in CHEAP.items():
        body = assert_problem(clients[name].get(path, headers=h), 401)
        assert "revoked" in body["detail"]
    # Not even an idempotent replay of what the key created before: the key is checked first.
    if owner == "gwent":
        r = clients["notification_api"].post("/v1/reviews", json=referral("GW-REVOKE-1"), headers=h)
        assert_problem(r, 401)
        assert "GW-REVOKE-1" not in r.text
    # Other keys carry on.
    for name, path in CHEAP.items():
        assert clients[name].get(path, headers=keys.board("gwent")).status_code == CHEAP_OK[name]
        assert clients[name].get(path, headers=keys.wg).status_code == CHEAP_OK[name]


def test_revoking_a_key_stops_the_webhooks_it_subscribed(settings, clients, runtimes, keys):
    """A subscription made with a key lasts only as long as the key: a leaked key, once revoked,
    must not keep receiving a board's (or, for a Welsh Government key, every board's) case
    progress through a webhook it set up."""
    from services.dissemination.subscriptions.models import WebhookDelivery

    receiver = WebhookReceiver()
    try:
        dis, notif = clients["dissemination"], clients["notification_api"]
        doomed_key, doomed_id = add_key(settings, board_code="gwent")
        subs = {}
        for name, h in (("doomed", bearer(doomed_key)), ("active", keys.board("gwent"))):
            r = dis.post("/v1/subscriptions", json={"callback_url": receiver.url}, headers=h)
            assert r.status_code == 201, r.text
            subs[name] = r.json()["id"]
        seen: set[str] = set()
        assert notif.post("/v1/reviews", json=referral("GW-HOOK-1"), headers=keys.board("gwent")).status_code == 201
        forward_events(runtimes, "notification_api", seen)  # the feed fans out: a delivery per subscription
        revoke_everywhere(settings, doomed_id)
        assert notif.post("/v1/reviews", json=referral("GW-HOOK-2"), headers=keys.board("gwent")).status_code == 201
        forward_events(runtimes, "notification_api", seen)
        forward_events(runtimes, "dissemination", seen, to_self=True)  # the webhook sender

        with Session(runtimes["dissemination"].engine) as s:
            rows = s.exec(select(WebhookDelivery)).all()
        by_sub = {name: sorted(d.status for d in rows if d.subscription_id == sid) for name, sid in subs.items()}
        # Queued before the revocation: cancelled, not sent; after it: not even queued.
        assert by_sub["doomed"] == ["cancelled"], by_sub
        assert by_sub["active"] == ["delivered", "delivered"], by_sub
        assert len(receiver.received) == 2
    finally:
        receiver.close()


# -- logs -----------------------------------------------------------------------------------------
@pytest.fixture
def captured_logs(caplog):
    """Everything logged at any level while the test runs, as the JSON lines production writes
    (with each record's structured fields), plus pytest's own capture."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("test"))
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    caplog.set_level(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield lambda: stream.getvalue() + "\n" + caplog.text + "\n" + "\n".join(
            repr(r.__dict__) for r in caplog.records)
    finally:
        root.removeHandler(handler)


def test_keys_and_secrets_never_appear_in_the_logs(settings, clients, runtimes, keys, captured_logs):
    notif, sched, dis = clients["notification_api"], clients["scheduler"], clients["dissemination"]
    gw, nw, wg = keys.board("gwent"), keys.board("north-wales"), keys.wg
    revoked_key, revoked_id = add_key(settings, board_code="gwent")
    revoke_everywhere(settings, revoked_id)
    wrong_key = "cpr_" + uuid.uuid4().hex * 2
    secrets: list[str] = [keys.welsh_government, *keys.boards.values(), revoked_key, wrong_key, settings.secret_key]
    receiver = WebhookReceiver()
    try:
        # Subscriptions: the signing secret is returned once (and again on an idempotent replay).
        for h in (gw, wg):
            headers = {**h, "Idempotency-Key": f"sub-{uuid.uuid4().hex[:6]}"}
            for _ in range(2):
                r = dis.post("/v1/subscriptions", json={"callback_url": receiver.url}, headers=headers)
                assert r.status_code == 201 and r.json()["secret"].startswith("whsec_"), r.text
            secrets += [r.json()["secret"], r.json()["secret"].removeprefix("whsec_")]
            assert dis.get(f"/v1/subscriptions/{r.json()['id']}", headers=h).status_code == 200

        # Successes and failures of every kind, on every API.
        review = notif.post("/v1/reviews", json=referral("GW-LOG-1"), headers={**gw, "Idempotency-Key": "log-1"})
        assert review.status_code == 201, review.text
        rid = review.json()["id"]
        calls = [
            (notif, "GET", f"/v1/reviews/{rid}", gw, None, 200),
            (notif, "GET", "/v1/reviews", wg, None, 200),
            (notif, "GET", f"/v1/reviews/{rid}/audit", gw, None, 200),
            (notif, "GET", f"/v1/reviews/{rid}", nw, None, 404),
            (notif, "POST", "/v1/reviews", wg, referral("WG-1"), 403),
            (notif, "POST", "/v1/reviews", gw, {"board_reference": "x", "unknown": 1}, 422),
            (notif, "POST", "/v1/reviews", {**gw, "Idempotency-Key": "log-1"}, referral("GW-LOG-2"), 409),
            (notif, "GET", "/v1/reviews", bearer(wrong_key), None, 401),
            (notif, "GET", "/v1/reviews", bearer(revoked_key), None, 401),
            (notif, "GET", "/v1/reviews", {"Authorization": f"Token {keys.boards['gwent']}"}, None, 401),
            (notif, "GET", "/v1/reviews", {"Authorization": keys.boards["gwent"]}, None, 401),
            (sched, "POST", "/v1/participants", gw, {"display_name": "Ceri Jones", "email": "ceri@health.example.wales",
                                                     "agency_code": "health"}, 201),
            (sched, "GET", f"/v1/reviews/{rid}", bearer(revoked_key), None, 401),
            (sched, "GET", "/v1/participants", bearer(wrong_key), None, 401),
            (dis, "GET", "/v1/feed", gw, None, 403),
            (dis, "GET", "/v1/feed", wg, None, 200),
            (dis, "GET", "/v1/feed", bearer(revoked_key), None, 401),
            (dis, "GET", f"/v1/publications/{uuid.uuid4()}", bearer(wrong_key), None, 401),
        ]
        for client, method, path, headers, body, status in calls:
            r = client.request(method, path, headers=headers, json=body)
            assert r.status_code == status, (method, path, r.status_code, r.text)
        # The feed and the webhook sender run (signing with the subscribers' secrets).
        seen: set[str] = set()
        forward_events(runtimes, "notification_api", seen)
        forward_events(runtimes, "dissemination", seen, to_self=True)
        assert len(receiver.received) == 2  # the referral, to gwent's and Welsh Government's subscription
    finally:
        receiver.close()

    logs = captured_logs()
    assert '"message": "request"' in logs and "board:gwent" in logs  # the capture works
    found = [s[:10] + "..." for s in secrets if s in logs]
    assert not found, f"secrets found in the logs: {found}"


# -- the audit trail ------------------------------------------------------------------------------
def test_every_read_of_a_review_is_in_its_audit_trail_with_principal_and_key(clients, keys):
    c = clients["notification_api"]
    gw, nw, wg = keys.board("gwent"), keys.board("north-wales"), keys.wg
    gw_id, wg_id = keys.key_ids["gwent"], keys.key_ids["welsh-government"]
    rid = c.post("/v1/reviews", json=referral("GW-AUDIT-1"), headers=gw).json()["id"]
    other = c.post("/v1/reviews", json=referral("GW-AUDIT-2"), headers=gw).json()["id"]

    def audit(headers=gw) -> list[dict]:
        r = c.get(f"/v1/reviews/{rid}/audit?limit=200", headers=headers)
        assert r.status_code == 200 and r.json()["next_cursor"] is None, r.text
        return r.json()["items"]

    reads = [  # (headers, path) -> the entry each must leave: (principal, key id, what)
        (gw, f"/v1/reviews/{rid}", ("board:gwent", gw_id, "review")),
        (wg, f"/v1/reviews/{rid}", ("welsh-government", wg_id, "review")),
        (gw, "/v1/reviews", ("board:gwent", gw_id, "list")),
        (wg, "/v1/reviews?board=gwent", ("welsh-government", wg_id, "list")),
        (wg, "/v1/reviews?limit=1", None),  # the newest only: `other`, so not a read of this review
        (wg, "/v1/reviews?status=referred&limit=2", ("welsh-government", wg_id, "list")),
    ]
    for headers, path, _ in reads:
        assert c.get(path, headers=headers).status_code == 200
    # Refused attempts are not reads.
    assert c.get(f"/v1/reviews/{rid}", headers=nw).status_code == 404
    assert c.get(f"/v1/reviews/{rid}/audit", headers=nw).status_code == 404
    assert c.get("/v1/reviews", headers=nw).json()["items"] == []
    first = audit(gw)   # reading the trail is a read too: it shows on the next reading
    second = audit(wg)

    def entries(trail):
        return [(e["principal"], e["key_id"], e["what"]) for e in trail if e["action"] == "read"]

    expected = [want for _, _, want in reads if want]
    assert entries(first) == expected
    assert entries(second) == expected + [("board:gwent", gw_id, "audit")]
    assert entries(audit(gw)) == expected + [("board:gwent", gw_id, "audit"), ("welsh-government", wg_id, "audit")]
    # The review the limited list showed was the other one, and its trail says so.
    other_trail = c.get(f"/v1/reviews/{other}/audit", headers=gw).json()["items"]
    assert ("welsh-government", wg_id, "list") in [(e["principal"], e["key_id"], e["what"]) for e in other_trail]
    assert all(e["principal"] != "board:north-wales" for e in first + second)
