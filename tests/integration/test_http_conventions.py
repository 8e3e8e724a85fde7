"""Every app answers errors as problem+json, authenticates, and honours Idempotency-Key."""
from __future__ import annotations

import pytest

from tests.support import METRICS

pytestmark = pytest.mark.integration

SERVICES = ["notification_api", "scheduler", "dissemination"]

# The referral facts a notification carries besides its reference and date (issue 3).
FACTS = {"trigger": {"kind": "death", "date": "2026-10-20"}, "abuse_or_neglect": "suspected",
         "child": {"age_years": 2, "on_child_protection_register_in_prior_6_months": False,
                   "looked_after_in_prior_6_months": False}}


def _is_problem(r, status):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"].startswith("https://")
    return body


@pytest.mark.parametrize("service", SERVICES)
def test_404_405_422_401_are_problem_json_on_every_app(service, clients, keys):
    c = clients[service]
    _is_problem(c.get("/v1/no-such-thing", headers=keys.wg), 404)
    _is_problem(c.delete("/healthz"), 405)
    _is_problem(c.get("/v1/reviews/x" if service != "dissemination" else "/v1/feed"), 401)
    _is_problem(c.get("/v1/reviews/x" if service != "dissemination" else "/v1/feed",
                      headers={"Authorization": "Bearer cpr_not-a-real-key"}), 401)
    # A query parameter out of range is a 422 with the offending field named.
    path = "/v1/feed?limit=0" if service == "dissemination" else "/v1/reviews/x?limit=0"
    if service == "dissemination":
        body = _is_problem(c.get(path, headers=keys.wg), 422)
        assert body["errors"][0]["field"] == "limit"
    else:
        body = _is_problem(c.post("/v1/reviews" if service == "notification_api" else "/v1/reviews/x",
                                  content=b"{not json", headers={**keys.board(), "content-type": "application/json"}),
                           422 if service == "notification_api" else 405)


def test_unknown_fields_are_refused_and_nothing_is_stored(clients, keys):
    c = clients["notification_api"]
    r = c.post("/v1/reviews", json={"board_reference": "GW-1", "referral_date": "2026-11-01", "child_name": "x",
                                    "jo.bloggs@example.com": 1, **FACTS}, headers=keys.board())
    body = _is_problem(r, 422)
    assert {"field": "(unknown field)", "in": "body", "message": "unknown field: not accepted",
            "code": "extra_forbidden"} in body["errors"]
    # An unknown key is client text and could be an identifier: the 422 never repeats it.
    assert "child_name" not in r.text and "jo.bloggs" not in r.text
    ok = c.post("/v1/reviews", json={"board_reference": "GW-1", "referral_date": "2026-11-01", **FACTS}, headers=keys.board())
    assert ok.status_code == 201


def test_idempotency_key_replays_and_refuses_a_different_body(clients, keys):
    c = clients["notification_api"]
    h = {**keys.board(), "Idempotency-Key": "k-1"}
    a = c.post("/v1/reviews", json={"board_reference": "GW-7", "referral_date": "2026-11-01", **FACTS}, headers=h)
    b = c.post("/v1/reviews", json={"board_reference": "GW-7", "referral_date": "2026-11-01", **FACTS}, headers=h)
    assert a.status_code == b.status_code == 201 and a.json() == b.json()
    _is_problem(c.post("/v1/reviews", json={"board_reference": "GW-8", "referral_date": "2026-11-01", **FACTS}, headers=h), 409)
    # Without the key, the same board_reference is a duplicate notification: 409.
    _is_problem(c.post("/v1/reviews", json={"board_reference": "GW-7", "referral_date": "2026-11-01", **FACTS},
                       headers=keys.board()), 409)


def test_a_board_key_cannot_read_the_national_feed(clients, keys):
    _is_problem(clients["dissemination"].get("/v1/feed", headers=keys.board()), 403)
    assert clients["dissemination"].get("/v1/feed", headers=keys.wg).status_code == 200


def test_health_readiness_and_metrics(clients):
    for c in clients.values():
        assert c.get("/healthz").json()["status"] == "ok"
        ready = c.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"] == {"database": True, "broker": True}
        assert "cpr_http_requests_total" in c.get("/metrics", headers=METRICS).text


@pytest.mark.parametrize("service", SERVICES)
def test_metrics_need_the_scrapers_token(service, clients, keys, settings):
    """Request counts by route and status are business figures (how many referrals): only the
    scraper's CPR_METRICS_TOKEN reads them, no API key does, and without the setting they are off."""
    c = clients[service]
    for headers in ({}, keys.wg, keys.board(), {"Authorization": "Bearer wrong-token"}):
        r = c.get("/metrics", headers=headers)
        body = _is_problem(r, 401)
        assert r.headers["www-authenticate"].startswith("Bearer") and "cpr_" not in r.text, body
    assert c.get("/metrics", headers=METRICS).status_code == 200
    c.app.state.runtime.settings = settings.model_copy(update={"metrics_token": None})
    _is_problem(c.get("/metrics", headers=METRICS), 404)


def test_correlation_id_is_echoed_and_carried_into_the_event(clients, keys, runtimes):
    from sqlmodel import Session, select

    from shared.outbox import OutboxMessage

    r = clients["notification_api"].post("/v1/reviews", json={"board_reference": "GW-9", "referral_date": "2026-11-01", **FACTS},
                                         headers={**keys.board(), "X-Correlation-ID": "case-system-abc123"})
    assert r.headers["x-correlation-id"] == "case-system-abc123"
    with Session(runtimes["notification_api"].engine) as s:
        row = s.exec(select(OutboxMessage)).one()
    assert '"correlationid":"case-system-abc123"' in row.body


def test_a_race_past_a_uniqueness_check_is_a_409_not_a_500(clients, keys, runtimes):
    """Two notifications with one board_reference at the same moment: both pass the
    duplicate check, the database keeps one, the other is a 409 problem."""
    from concurrent.futures import ThreadPoolExecutor

    body = {"board_reference": "GW-RACE", "referral_date": "2026-11-01",
            "trigger": {"kind": "death", "date": "2026-10-30"}, "abuse_or_neglect": "suspected",
            "child": {"age_years": 2, "on_child_protection_register_in_prior_6_months": False,
                      "looked_after_in_prior_6_months": False}, "agencies_involved": ["police"]}
    c = clients["notification_api"]
    for attempt in range(5):
        body["board_reference"] = f"GW-RACE-{attempt}"
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: c.post("/v1/reviews", json=body, headers=keys.board()).status_code,
                                     range(8)))
        assert statuses.count(201) == 1 and set(statuses) <= {201, 409}, statuses
