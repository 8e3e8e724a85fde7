"""What the sign-in costs a page: the sign-in page rendered for someone signed in (session
lookup by token hash, board name, template) beside the same page for nobody (template only)
and an API read with a key (key lookup by hash), measured in the same run on a scratch stack
(PostgreSQL, the notification API as a real process). Prints medians and ratios.

    python bench/bench_signin.py [requests]"""
from __future__ import annotations

import statistics
import sys
import time

import httpx

from _stack import percentile, scratch_stack  # noqa: E402  (puts the repo on sys.path)
from tests.signin_support import sign_in_client  # noqa: E402


def timed(client: httpx.Client, path: str, n: int, **kw) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        r = client.get(path, **kw)
        out.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 200, r.text[:200]
    return out


def main(n: int = 300) -> None:
    with scratch_stack() as (stack, settings, keys, _names):
        base = stack.url("notification_api")
        with httpx.Client(base_url=base) as nobody, httpx.Client(base_url=base) as signed_in, \
                httpx.Client(base_url=base, headers=keys.board()) as api:
            sign_in_client(signed_in, keys.boards["gwent"])
            for c, p in ((nobody, "/signin"), (signed_in, "/signin"), (api, "/v1/review-types")):
                timed(c, p, 20)  # warm up
            results = {
                "sign-in page, nobody signed in (baseline)": timed(nobody, "/signin", n),
                "sign-in page, signed in (session lookup)": timed(signed_in, "/signin", n),
                "API read with a key (GET /v1/review-types)": timed(api, "/v1/review-types", n),
            }
    baseline = statistics.median(next(iter(results.values())))
    print(f"{n} requests each, sequential, one API process")
    for name, values in results.items():
        med = statistics.median(values)
        print(f"  {name:46s} median {med:6.2f} ms  p95 {percentile(values, 95):6.2f} ms  x{med / baseline:4.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
