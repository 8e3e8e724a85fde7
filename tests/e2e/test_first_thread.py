"""A board's notification reaches the national feed and the scheduler exactly once, with
every service a real process talking over HTTP and RabbitMQ only."""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from tests.support import wait_until

pytestmark = pytest.mark.e2e


def test_notification_reaches_feed_and_scheduler_exactly_once(stack, keys, runtimes):
    api = stack.url("notification_api")
    body = {"board_reference": "GW-2026-0042", "referral_date": "2026-11-02",
            "trigger": {"kind": "death", "date": "2026-10-20"}, "abuse_or_neglect": "suspected",
            "child": {"age_years": 2, "on_child_protection_register_in_prior_6_months": False,
                      "looked_after_in_prior_6_months": False}}
    headers = {**keys.board("gwent"), "Idempotency-Key": "notify-0042"}
    first = httpx.post(f"{api}/v1/reviews", json=body, headers=headers, timeout=10)
    assert first.status_code == 201, first.text
    review_id = first.json()["id"]
    # The case system retries after a lost response: same key, same body, same answer.
    again = httpx.post(f"{api}/v1/reviews", json=body, headers=headers, timeout=10)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"

    feed_url = f"{stack.url('dissemination')}/v1/feed"

    def feed_items():
        r = httpx.get(feed_url, headers=keys.wg, timeout=10)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/feed+json")
        return [i for i in r.json()["items"] if i["_cpr"]["review_id"] == review_id]

    items = wait_until(feed_items, what="the notification in the national feed")
    sched = wait_until(
        lambda: (r := httpx.get(f"{stack.url('scheduler')}/v1/reviews/{review_id}", headers=keys.board("gwent"),
                                timeout=10)).status_code == 200 and r,
        what="the scheduler's review record")
    assert sched.json()["board_code"] == "gwent"
    assert items[0]["_cpr"]["board_code"] == "gwent"

    # Kill and restart a worker: a redelivery or replay must not duplicate anything.
    stack.kill("worker-dissemination")
    stack.start("worker", "dissemination")
    import time

    time.sleep(2)
    assert len(feed_items()) == 1
    with runtimes["scheduler"].engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM review_records WHERE review_id = :r"),
                            {"r": review_id}).scalar() == 1
    # A board key cannot read the national feed; no key at all is 401.
    assert httpx.get(feed_url, headers=keys.board("gwent"), timeout=10).status_code == 403
    assert httpx.get(feed_url, timeout=10).status_code == 401


def test_logs_are_json_with_correlation_ids_and_never_hold_keys_or_secrets(stack, keys, settings):
    import json

    api = stack.url("notification_api")
    httpx.post(f"{api}/v1/reviews", json={"board_reference": "GW-LOG-1", "referral_date": "2026-11-02",
                                              "trigger": {"kind": "death", "date": "2026-09-20"}, "abuse_or_neglect": "suspected", "child": {"age_years": 2, "on_child_protection_register_in_prior_6_months": False, "looked_after_in_prior_6_months": False}},
               headers={**keys.board("gwent"), "X-Correlation-ID": "trace-me-123"}, timeout=10)
    httpx.get(f"{stack.url('dissemination')}/v1/feed", headers=keys.wg, timeout=10)
    httpx.get(f"{stack.url('dissemination')}/v1/feed", headers={"Authorization": "Bearer cpr_wrong"}, timeout=10)
    # the worker handles the event under the request's correlation id
    wait_until(lambda: "trace-me-123" in (stack.log_dir / "worker-scheduler.log").read_text(),
               what="the scheduler worker to log under the request's correlation id")
    logs = stack.logs(tail=None)
    for secret in [keys.welsh_government, *keys.boards.values(), settings.secret_key, "cpr_wrong"]:
        assert secret not in logs
    lines = [line for line in (stack.log_dir / "api-notification_api.log").read_text().splitlines() if line.strip()]
    docs = [json.loads(line) for line in lines]  # every line is JSON
    assert any(d.get("correlation_id") == "trace-me-123" and d.get("message") == "request" for d in docs)
