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
    body = {"board_reference": "GW-2026-0042", "referral_date": "2026-11-02"}
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
