"""An Idempotency-Key belongs to the board, not to one API key, and concurrent retries with it
make one record: 12 same-key POSTs at once from a board's two keys, over a real uvicorn server
on PostgreSQL, give one creation and replays (or 409 in-progress, then a replay), never a
duplicate-board-reference 409 (issue 17)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlmodel import Session, select

from shared.http.app import create_app
from tests.support import extra_key, served

BODY = {"board_reference": "GW-IDEM-1", "referral_date": "2026-11-01",
        "trigger": {"kind": "death", "date": "2026-10-20"}, "abuse_or_neglect": "suspected",
        "child": {"age_years": 2, "on_child_protection_register_in_prior_6_months": False,
                  "looked_after_in_prior_6_months": False}}
N = 12


def test_concurrent_same_key_posts_from_a_boards_two_keys_create_once(runtimes, keys, settings):
    from services.notification_api.reviews.models import Review

    second = extra_key(settings, "gwent")
    auths = [keys.boards["gwent"], second]
    barrier = threading.Barrier(N)
    with served(create_app(runtimes["notification_api"])) as url:
        def post(i: int) -> httpx.Response:
            with httpx.Client(timeout=60) as client:
                headers = {"Authorization": f"Bearer {auths[i % 2]}", "Idempotency-Key": "case-system-GW-IDEM-1"}
                barrier.wait()
                r = client.post(f"{url}/v1/reviews", json=BODY, headers=headers)
                while r.status_code == 409 and r.json()["type"].endswith("/idempotency-key-in-progress"):
                    r = client.post(f"{url}/v1/reviews", json=BODY, headers=headers)  # bounded by the test timeout
                return r

        with ThreadPoolExecutor(N) as pool:
            responses = list(pool.map(post, range(N)))
        assert [r.status_code for r in responses] == [201] * N, [r.text for r in responses if r.status_code != 201]
        created = [r for r in responses if r.headers.get("idempotent-replayed") != "true"]
        assert len(created) == 1
        assert {r.json()["id"] for r in responses} == {created[0].json()["id"]}
        # Another board's key with the same Idempotency-Key is its own scope: a new review.
        other = httpx.post(f"{url}/v1/reviews", json={**BODY, "board_reference": "NW-IDEM-1"}, timeout=30,
                           headers={**keys.board("north-wales"), "Idempotency-Key": "case-system-GW-IDEM-1"})
        assert other.status_code == 201 and "idempotent-replayed" not in other.headers
    with Session(runtimes["notification_api"].engine) as s:
        assert len(s.exec(select(Review).where(Review.board_reference == "GW-IDEM-1")).all()) == 1
