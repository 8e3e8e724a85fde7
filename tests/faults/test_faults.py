"""Faults survived: with the full stack as real processes, a stream of notifications,
decisions and milestones runs while RabbitMQ is stopped and started, a worker is killed
with SIGKILL and restarted, and the database connections are cut twice. Afterwards every
accepted request is present exactly once everywhere, and nothing failed is half-applied."""
from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import text

from tests.support import wait_until

pytestmark = [pytest.mark.faults, pytest.mark.timeout(600)]

N = 500
TODAY = date.today()


def review_body(i: int) -> dict:
    return {
        "board_reference": f"FT-{i:05d}",
        "referral_date": str(TODAY - timedelta(days=40)),
        "trigger": {"kind": "life_threatening_injury", "date": str(TODAY - timedelta(days=45))},
        "abuse_or_neglect": "suspected",
        "child": {"age_years": 4, "on_child_protection_register_in_prior_6_months": i % 3 == 0,
                  "looked_after_in_prior_6_months": False},
        "agencies_involved": ["police", "health"],
    }


class CaseSystem:
    """Behaves as a board's case system: retries 503s and connection errors with the same
    Idempotency-Key, and records what the platform accepted."""

    def __init__(self, base: str, headers: dict):
        self.client = httpx.Client(base_url=base, headers=headers, timeout=15)
        self.statuses: Counter = Counter()
        self.bad: list[tuple[str, int, str]] = []
        self.lock = threading.Lock()

    def send(self, path: str, body: dict, key: str) -> httpx.Response | None:
        for attempt in range(60):
            try:
                r = self.client.post(path, json=body, headers={"Idempotency-Key": key})
            except httpx.TransportError:
                time.sleep(0.5)
                continue
            with self.lock:
                self.statuses[r.status_code] += 1
            if r.status_code == 503:
                assert r.headers["content-type"].startswith("application/problem+json")
                time.sleep(0.3)
                continue
            if r.status_code == 429:  # a well-behaved case system honours Retry-After
                time.sleep(float(r.headers.get("retry-after", "1")))
                continue
            if r.status_code >= 500:
                with self.lock:
                    self.bad.append((path, r.status_code, r.text[:300]))
            return r
        return None

    def drive(self, i: int) -> dict:
        r = self.send("/v1/reviews", review_body(i), f"ft-review-{i}")
        outcome = {"i": i, "review_id": None, "decided": False, "milestone": False}
        if r is None or r.status_code != 201:
            return outcome
        outcome["review_id"] = rid = r.json()["id"]
        indicated = r.json()["criteria_assessment"]["indicated_type"]
        d = self.send(f"/v1/reviews/{rid}/decision",
                      {"outcome": indicated, "decided_on": str(TODAY - timedelta(days=30)), "rationale": None},
                      f"ft-decision-{i}")
        outcome["decided"] = d is not None and d.status_code in (200, 201)
        if outcome["decided"]:
            m = self.send(f"/v1/reviews/{rid}/milestones",
                          {"milestone": "panel_convened", "date": str(TODAY - timedelta(days=20)), "note": None},
                          f"ft-milestone-{i}")
            outcome["milestone"] = m is not None and m.status_code in (200, 201)
        return outcome


def _terminate_backends(dbnames: list[str]) -> int:
    from tests.support import admin_execute  # noqa: F401
    import psycopg

    from tests.support import PG_ADMIN_URL

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ANY(%s) "
                            "AND pid <> pg_backend_pid()", (dbnames,)).fetchall()
    return len(rows)


def test_stream_survives_broker_restart_worker_kill_and_database_cuts(stack, keys, settings, runtimes,
                                                                      private_broker):
    api = stack.url("notification_api")
    case_system = CaseSystem(api, keys.board("gwent"))
    from sqlalchemy.engine import make_url

    dbnames = [make_url(settings.database_url(s)).database for s in ("notification_api", "scheduler", "dissemination")]
    readiness_during_broker_outage: list[int] = []
    cut: list[int] = []
    done = threading.Event()

    def chaos():
        def wait_sent(n):
            while sum(case_system.statuses.values()) < n and not done.is_set():
                time.sleep(0.05)

        wait_sent(150)
        private_broker.stop_app()
        try:
            time.sleep(2)
            for _ in range(10):
                r = httpx.get(f"{api}/readyz", timeout=10)
                readiness_during_broker_outage.append(r.status_code)
                if r.status_code == 503:
                    break
                time.sleep(1)  # the readiness cache holds for a few seconds
        finally:
            private_broker.start_app()
        wait_sent(500)
        stack.kill("worker-scheduler")
        time.sleep(1)
        stack.start("worker", "scheduler")
        wait_sent(800)
        cut.append(_terminate_backends(dbnames))
        wait_sent(1100)
        cut.append(_terminate_backends(dbnames))

    chaos_thread = threading.Thread(target=chaos, daemon=True)
    chaos_thread.start()
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(case_system.drive, range(N)))
    done.set()
    chaos_thread.join(timeout=180)

    assert case_system.bad == [], f"5xx other than 503: {case_system.bad[:5]}"
    assert len(cut) == 2 and all(n > 0 for n in cut), f"database connections cut: {cut}"
    assert 503 in readiness_during_broker_outage, "readiness should report the broker outage"
    accepted = [o for o in outcomes if o["review_id"]]
    assert len(accepted) == N, "every notification is eventually accepted (the case system retries)"
    ids = {o["review_id"] for o in accepted}

    # Exactly once in the notification API: one review per board_reference, each decided once.
    with runtimes["notification_api"].engine.connect() as conn:
        per_ref = conn.execute(text("SELECT board_reference, count(*) FROM reviews GROUP BY board_reference")).all()
        assert len(per_ref) == N and all(c == 1 for _, c in per_ref)
        milestones = conn.execute(text("SELECT review_id, milestone, count(*) FROM review_milestones "
                                       "GROUP BY review_id, milestone")).all()
        assert all(c == 1 for *_, c in milestones)
        decided = conn.execute(text("SELECT count(*) FROM reviews WHERE decided_on IS NOT NULL")).scalar()
        assert decided == sum(o["decided"] for o in outcomes)

    def scheduler_count():
        with runtimes["scheduler"].engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM review_records")).scalar()

    wait_until(lambda: scheduler_count() == N, timeout=120, what="every review in the scheduler")
    with runtimes["scheduler"].engine.connect() as conn:
        rows = conn.execute(text("SELECT review_id FROM review_records")).scalars().all()
    assert set(rows) == ids

    def feed_counts():
        with runtimes["dissemination"].engine.connect() as conn:
            return dict(conn.execute(text("SELECT entry_type, count(*) FROM feed_entries GROUP BY entry_type")).all())

    wait_until(lambda: feed_counts().get("review_referred") == N, timeout=120, what="every referral in the feed")
    expected_decisions = sum(o["decided"] for o in outcomes)
    wait_until(lambda: feed_counts().get("review_decision_recorded") == expected_decisions, timeout=120,
               what="every decision in the feed")
    expected_milestones = sum(o["milestone"] for o in outcomes)
    wait_until(lambda: feed_counts().get("review_milestone_recorded") == expected_milestones, timeout=120,
               what="every milestone in the feed")
    with runtimes["dissemination"].engine.connect() as conn:
        dupes = conn.execute(text("SELECT review_id, entry_type, count(*) FROM feed_entries "
                                  "GROUP BY review_id, entry_type, data->>'milestone' HAVING count(*) > 1")).all()
    assert dupes == []
    # The APIs recovered without a restart.
    for service in ("notification_api", "scheduler", "dissemination"):
        wait_until(lambda: httpx.get(stack.url(service) + "/readyz", timeout=10).status_code == 200, timeout=30,
                   what=f"{service} ready again")


def test_poison_message_is_parked_after_n_attempts_while_the_rest_flows_and_replay_applies_it_once(
        stack, keys, settings, runtimes):
    """A referral for a board the scheduler does not know fails on every attempt: after
    max_attempts it is parked in the scheduler's dead-letter queue while later events flow.
    The operator adds the board, replays, and it is applied exactly once."""
    import json
    import uuid

    import pika
    from typer.testing import CliRunner

    from services.cli import app as cli
    from shared.events import make_envelope
    from shared.events.reviews import ReviewReferredV1
    from tests.support import settings_env

    env = settings_env(settings)

    def cpr(*args):
        from shared.settings import get_settings

        get_settings.cache_clear()
        result = CliRunner().invoke(cli, list(args), env=env)
        get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        return result.output

    poison_review = str(uuid.uuid4())
    envelope = make_envelope(source="/cpr/notification_api", subject=poison_review,
                             data=ReviewReferredV1(review_id=poison_review, board_code="powys",
                                                   referral_date=TODAY, status="referred"))
    conn = pika.BlockingConnection(pika.URLParameters(settings.amqp_url))
    ch = conn.channel()
    ch.confirm_delivery()
    ch.basic_publish(f"{settings.amqp_prefix}.events", "review.referred.v1", envelope.to_json().encode(),
                     pika.BasicProperties(message_id=envelope.id, delivery_mode=2), mandatory=True)
    conn.close()

    # The rest flows while the poison message is retried.
    r = httpx.post(f"{stack.url('notification_api')}/v1/reviews", json=review_body(9001), headers=keys.board("gwent"),
                   timeout=10)
    assert r.status_code == 201, r.text
    good = r.json()["id"]
    wait_until(lambda: httpx.get(f"{stack.url('scheduler')}/v1/reviews/{good}", headers=keys.board("gwent"),
                                 timeout=10).status_code == 200, what="the healthy event to flow")

    def parked():
        return [json.loads(line) for line in cpr("dlq", "list", "scheduler").splitlines() if line.startswith("{")]

    [letter] = wait_until(parked, timeout=60, what="the poison message in the scheduler's DLQ")
    assert letter["message_id"] == envelope.id and letter["attempts"] == settings.max_attempts
    assert "ForeignKey" in letter["last_error"] or "foreign key" in letter["last_error"].lower()

    cpr("admin", "board", "add", "powys", "--name-en", "Powys Safeguarding Board", "--name-cy", "Bwrdd Diogelu Powys")
    assert "replayed 1" in cpr("dlq", "replay", "scheduler")

    def records():
        with runtimes["scheduler"].engine.connect() as c:
            return c.execute(text("SELECT count(*) FROM review_records WHERE review_id = :r"), {"r": poison_review}).scalar()

    wait_until(lambda: records() == 1, what="the replayed referral applied")
    time.sleep(1)
    assert records() == 1 and parked() == []
