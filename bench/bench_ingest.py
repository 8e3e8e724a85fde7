"""Ingest: notifications per second and p50/p99 latency at concurrency 32 against the full
stack on PostgreSQL, beside a raw psycopg loop inserting the same rows (a review row and its
outbox row per transaction) in the same run. Prints figures and ratios; asserts nothing.

    .venv/bin/python bench/bench_ingest.py [--requests 3000] [--concurrency 32]
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import tempfile
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


WRK_SCRIPT = """
local counter = 0
function init(args)
  run = args[1]
  key = args[2]
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  salt = math.random(1, 1000000000)
end
request = function()
  counter = counter + 1
  local body = string.format(
    '{"board_reference":"W%s-%d-%d","referral_date":"%s","trigger":{"kind":"death","date":"%s"},'
    .. '"abuse_or_neglect":"suspected","child":{"age_years":2,'
    .. '"on_child_protection_register_in_prior_6_months":false,"looked_after_in_prior_6_months":true},'
    .. '"agencies_involved":["police","health","education"]}',
    run, salt, counter, REFERRAL, TRIGGER)
  return wrk.format("POST", "/v1/reviews",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end
"""


def with_wrk(api: str, key: str, seconds: int, concurrency: int) -> dict:
    """wrk (C, a fraction of a core) as the load generator, so the figure is the server's."""
    script = WRK_SCRIPT.replace("REFERRAL", repr(str(TODAY - timedelta(days=10)))).replace(
        "TRIGGER", repr(str(TODAY - timedelta(days=12))))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run(["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "--latency", "-s", f.name, api,
                          "--", uuid.uuid4().hex[:6], key], capture_output=True, text=True, timeout=seconds + 60).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50"),
            "p99": ms("99"), "non2xx": int(non2xx.group(1)) if non2xx else 0}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--api-workers", type=int, default=1, help="uvicorn processes for the notification API")
    ap.add_argument("--wrk-seconds", type=int, default=15, help="also load with wrk, if installed, this long")
    args = ap.parse_args()
    with scratch_stack(api_workers=args.api_workers) as (stack, settings, keys, names):
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
        print(f"ingest, {args.requests} notifications at concurrency {args.concurrency} (full stack, PostgreSQL, "
              f"{args.api_workers} API process{'es' if args.api_workers > 1 else ''})")
        print(f"  API               : {rate:8.1f} notifications/s, p50 {percentile(latencies, 50) * 1000:6.1f} ms, "
              f"p99 {percentile(latencies, 99) * 1000:6.1f} ms, mean {statistics.mean(latencies) * 1000:6.1f} ms, "
              f"non-201: {failures}")
        if shutil.which("wrk") and args.wrk_seconds:
            w = with_wrk(api, keys.boards["gwent"], args.wrk_seconds, args.concurrency)
            print(f"  API (wrk client)  : {w['rate']:8.1f} notifications/s, p50 {w['p50']:6.1f} ms, "
                  f"p99 {w['p99']:6.1f} ms, non-2xx: {w['non2xx']}")
        print(f"  raw psycopg loop  : {base_rate:8.1f} rows/s (review + outbox row per transaction, one connection)")
        print(f"  ratio             : API / raw = {rate / base_rate:.2f} (Python client)")


if __name__ == "__main__":
    main()
