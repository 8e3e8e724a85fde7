"""Propagation: at a steady rate (default 100 notifications a second), the time from the
POST's response to the entry being readable in the national feed (p50/p99). A reader
follows the feed with its cursor, as Welsh Government's consumer would. Asserts nothing.

    .venv/bin/python bench/bench_propagation.py [--rate 100] [--seconds 20]
"""
from __future__ import annotations

import argparse
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from _stack import percentile, scratch_stack
from bench_ingest import body


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=100)
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()
    with scratch_stack() as (stack, settings, keys, names):
        api = httpx.Client(base_url=stack.url("notification_api"), headers=keys.board("gwent"), timeout=30,
                           limits=httpx.Limits(max_connections=64))
        feed = httpx.Client(base_url=stack.url("dissemination"), headers=keys.wg, timeout=30)
        answered: dict[str, float] = {}
        seen: dict[str, float] = {}
        stop = threading.Event()

        def reader():
            url = "/v1/feed?limit=200"
            while not stop.is_set():
                doc = feed.get(url).json()
                now = time.perf_counter()
                for item in doc["items"]:
                    seen.setdefault(item["_cpr"]["review_id"], now)
                if doc.get("next_url"):
                    url = doc["next_url"]
                elif doc["items"]:
                    last = doc.get("_cpr", {}).get("resume_url")
                    url = last or url
                    time.sleep(0.01)
                else:
                    time.sleep(0.01)

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        run = uuid.uuid4().hex[:6]
        total = int(args.rate * args.seconds)
        interval = 1 / args.rate

        def one(i: int):
            r = api.post("/v1/reviews", json=body(i, run))
            if r.status_code == 201:
                answered[r.json()["id"]] = time.perf_counter()

        start = time.perf_counter()
        with ThreadPoolExecutor(32) as pool:
            for i in range(total):
                target = start + i * interval
                delay = target - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(one, i)
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline and not set(answered) <= set(seen):
            time.sleep(0.05)
        stop.set()
        lags = [seen[rid] - at for rid, at in answered.items() if rid in seen]
        missing = len(set(answered) - set(seen))
        print(f"propagation at {args.rate:.0f}/s for {args.seconds:.0f}s ({len(answered)} accepted, {missing} not seen)")
        print(f"  POST response -> readable in national feed: p50 {percentile(lags, 50) * 1000:7.1f} ms, "
              f"p99 {percentile(lags, 99) * 1000:7.1f} ms, max {max(lags) * 1000:7.1f} ms")
        print(f"  baseline: relay poll interval {settings.relay_poll_seconds * 1000:.0f} ms; reader poll 10 ms")


if __name__ == "__main__":
    main()
