"""Ingest: notifications per second and p50/p99 latency at concurrency 32 against the full
stack on PostgreSQL, beside a raw psycopg loop inserting the same rows (a review row and its
outbox row per transaction) in the same run. Prints figures and ratios; asserts nothing.

    .venv/bin/python bench/bench_ingest.py [--requests 3000] [--concurrency 32]
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx
import psycopg

from _stack import percentile, pg_url, scratch_stack

TODAY = date.today()


def body(i: int, run: str) -> dict:
    return {
        "board_reference": f"B{run}-{i:06d}",
        "referral_date": str(TODAY - timedelta(days=10)),
        "trigger": {"kind": "death", "date": str(TODAY - timedelta(days=12))},
        "abuse_or_neglect": "suspected",
        "child": {"age_years": 2, "on_child_protection_register_in_prior_6_months": False,
                  "looked_after_in_prior_6_months": i % 2 == 0},
        "agencies_involved": ["police", "health", "education"],
    }


def baseline(dbname: str, n: int) -> float:
    """Rows per second for the same two inserts per transaction, straight through psycopg."""
    url = pg_url(dbname).replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TEMP TABLE b_reviews (id text primary key, board_code text, board_reference text, "
                     "payload jsonb, created_at timestamptz default now())")
        conn.execute("CREATE TEMP TABLE b_outbox (seq bigserial primary key, event_id text unique, "
                     "body text, created_at timestamptz default now())")
        conn.commit()
        start = time.perf_counter()
        for i in range(n):
            rid = str(uuid.uuid4())
            doc = json.dumps(body(i, "base"))
            conn.execute("INSERT INTO b_reviews (id, board_code, board_reference, payload) VALUES (%s, %s, %s, %s)",
                         (rid, "gwent", f"base-{i}", doc))
            conn.execute("INSERT INTO b_outbox (event_id, body) VALUES (%s, %s)", (str(uuid.uuid4()), doc))
            conn.commit()
        return n / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args()
    with scratch_stack() as (stack, settings, keys, names):
        api = stack.url("notification_api")
        base_rate = baseline(names["notification_api"], args.requests)
        client = httpx.Client(base_url=api, headers=keys.board("gwent"), timeout=30,
                              limits=httpx.Limits(max_connections=args.concurrency))
        run = uuid.uuid4().hex[:6]
        for i in range(50):  # warm-up
            client.post("/v1/reviews", json=body(i, run + "w"))
        latencies: list[float] = []
        failures = 0

        def one(i: int):
            t = time.perf_counter()
            r = client.post("/v1/reviews", json=body(i, run))
            return time.perf_counter() - t, r.status_code

        start = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            for elapsed, status in pool.map(one, range(args.requests)):
                latencies.append(elapsed)
                failures += status != 201
        wall = time.perf_counter() - start
        rate = args.requests / wall
        print(f"ingest, {args.requests} notifications at concurrency {args.concurrency} (full stack, PostgreSQL)")
        print(f"  API               : {rate:8.1f} notifications/s, p50 {percentile(latencies, 50) * 1000:6.1f} ms, "
              f"p99 {percentile(latencies, 99) * 1000:6.1f} ms, mean {statistics.mean(latencies) * 1000:6.1f} ms, "
              f"non-201: {failures}")
        print(f"  raw psycopg loop  : {base_rate:8.1f} rows/s (review + outbox row per transaction, one connection)")
        print(f"  ratio             : API / raw = {rate / base_rate:.2f}")


if __name__ == "__main__":
    main()
