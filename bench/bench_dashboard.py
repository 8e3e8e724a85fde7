"""Benchmark: the dashboards with 5,000 reviews, each page beside the JSON API it is built on.

    python bench/bench_dashboard.py [--reviews 5000] [--runs 30]

Makes scratch databases (bench/_stack.py, no processes started), seeds the notification
service with `--reviews` reviews spread over the six boards (the monitoring tests' generator:
every status, proceedings, overdue reviews), signs in with the quick start's key sign-in, and
times, in the same run and the same in-process HTTP client:

* Welsh Government's national dashboard, one board's view (as Welsh Government and as the board),
  beside GET /v1/monitoring (the baseline: the JSON the pages are drawn from);
* the overdue list (50 per page, every listed review audited) beside GET /v1/reviews?overdue=true;
* a review's timeline beside GET /v1/reviews/{id};
* the CSV and ODS downloads of the consistency and overdue tables.

Runs the cases round robin and prints median and p95 per page and its ratio to its baseline's
median; the aim is every page
under 200 ms. Also counts the SQL statements each request runs. Not a test: nothing is asserted. Drops the databases at the end.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _stack import percentile, scratch_stack  # noqa: E402


def timed(client, path: str | tuple, runs: int, headers: dict | None = None) -> list[float]:
    """Milliseconds per run; a tuple of paths is fetched one after the other as one sample."""
    paths = path if isinstance(path, tuple) else (path,)
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for one in paths:
            r = client.get(one, headers=headers or {})
            assert r.status_code == 200, (one, r.status_code, r.text[:300])
        out.append((time.perf_counter() - t0) * 1000)
    return out


def render_only(session_factory, principal, runs: int) -> tuple[list[float], list[float]]:
    """The page's own work without the database: building the sections from the two service
    results, and rendering the template (the same code the page runs)."""
    from services.notification_api.dashboard import figures, views
    from services.notification_api.monitoring import service as monitoring

    with session_factory() as session:
        mon = monitoring.monitoring(session, principal, None)
        dur = monitoring.durations(session, principal, None)
        names = views.names(session, "en")
    build, render = [], []
    # What the account partial reads from the request: the signed-in session.
    request = SimpleNamespace(state=SimpleNamespace(web_session=SimpleNamespace(welsh_government=True,
                                                                                display_name=None)))
    template = views.PAGES.env.get_template("dashboard/home.html")
    for _ in range(runs):
        t0 = time.perf_counter()
        sections = figures.sections(mon, dur, names)
        t1 = time.perf_counter()
        template.render({"request": request, "board_label": None, "lang": "en", "other_lang": "cy", "switch_url": "/dashboard?lang=cy",
                         "alternates": {}, "csrf_field": "csrf_token", "csrf_token": "x", "principal": principal,
                         "sections": sections, "national": True, "scope": "All Wales", "board": None,
                         "board_list": sorted(names.boards.items()), "query": "", "as_of": mon["as_of"]})
        t2 = time.perf_counter()
        build.append((t1 - t0) * 1000)
        render.append((t2 - t1) * 1000)
    return build, render


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reviews", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()

    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from services.registry import specs
    from shared.http.app import create_app
    from shared.service import make_runtime
    from tests.integration.notification.test_monitoring import make_dataset, seed
    from tests.signin_support import sign_in_client

    with scratch_stack(start=False) as (_stack, settings, keys, _names):
        runtime = make_runtime(specs()["notification_api"], settings)
        t0 = time.perf_counter()
        dataset = make_dataset(n=args.reviews, seed=14)
        seed(runtime.engine, dataset)
        with runtime.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
            overdue_id = conn.execute(text("SELECT id FROM reviews WHERE status = 'in_progress' AND board_code = "
                                           "'gwent' ORDER BY id LIMIT 1")).scalar()
        print(f"seeded {len(dataset[0])} reviews and {len(dataset[1])} proceedings in "
              f"{time.perf_counter() - t0:.1f} s")
        app = create_app(runtime)
        api = TestClient(app)
        wg, gwent = TestClient(app), TestClient(app)
        sign_in_client(wg, keys.welsh_government)
        sign_in_client(gwent, keys.boards["gwent"])

        cases = [  # (label, client, path, headers, baseline label)
            ("GET /v1/monitoring (Welsh Government)", api, "/v1/monitoring", keys.wg, None),
            ("GET /v1/monitoring/durations", api, "/v1/monitoring/durations", keys.wg, None),
            ("GET /v1/reviews?overdue=true&limit=50", api, "/v1/reviews?overdue=true&limit=50", keys.wg, None),
            ("GET /v1/reviews/{id}", api, f"/v1/reviews/{overdue_id}", keys.wg, None),
            ("GET /v1/monitoring + /durations", api, ("/v1/monitoring", "/v1/monitoring/durations"), keys.wg, None),
            ("national dashboard (en)", wg, "/dashboard?lang=en", None, "GET /v1/monitoring + /durations"),
            ("national dashboard (cy)", wg, "/dashboard?lang=cy", None, "GET /v1/monitoring + /durations"),
            ("one board, as Welsh Government", wg, "/dashboard?board=gwent", None,
             "GET /v1/monitoring + /durations"),
            ("board view, as the board", gwent, "/dashboard", None, "GET /v1/monitoring + /durations"),
            ("overdue reviews, 50 a page", wg, "/dashboard/reviews", None, "GET /v1/reviews?overdue=true&limit=50"),
            ("a review's timeline", wg, f"/dashboard/reviews/{overdue_id}", None, "GET /v1/reviews/{id}"),
            ("consistency.csv", wg, "/dashboard/download/consistency.csv", None, "GET /v1/monitoring (Welsh Government)"),
            ("consistency.ods", wg, "/dashboard/download/consistency.ods", None, "GET /v1/monitoring (Welsh Government)"),
            ("reviews.ods (overdue, 50)", wg, "/dashboard/download/reviews.ods", None,
             "GET /v1/reviews?overdue=true&limit=50"),
        ]
        for _label, client, path, headers, _ in cases:  # warm up: templates compiled, plans cached
            timed(client, path, 3, headers)
        # SQL statements per request: a figure the machine's load does not move.
        from sqlalchemy import event

        statements = [0]

        def count(*_args):
            statements[0] += 1

        event.listen(runtime.engine, "before_cursor_execute", count)
        queries = {}
        for label, client, path, headers, _ in cases:
            statements[0] = 0
            timed(client, path, 1, headers)
            queries[label] = statements[0]
        event.remove(runtime.engine, "before_cursor_execute", count)
        # Round robin: every case once per round, so a busy moment on a shared machine falls on
        # pages and baselines alike and the ratios stay fair.
        results = {label: [] for label, *_ in cases}
        for _ in range(args.runs):
            for label, client, path, headers, _base in cases:
                results[label] += timed(client, path, 1, headers)
        print(f"\n{args.runs} runs each, in-process HTTP client, milliseconds")
        print(f"{'':42} {'median':>8} {'p95':>8} {'/ baseline':>11} {'SQL':>5}")
        for label, _c, _p, _h, base in cases:
            ms = results[label]
            ratio = f"{statistics.median(ms) / statistics.median(results[base]):.2f}" if base else "baseline"
            print(f"{label:42} {statistics.median(ms):8.1f} {percentile(ms, 95):8.1f} {ratio:>11} {queries[label]:5}")
        from sqlmodel import Session

        from shared.auth import Principal

        build, render = render_only(lambda: Session(runtime.engine),
                                    Principal(key_id="bench", board_code=None, welsh_government=True), args.runs)
        print(f"{'national page without the database: sections':42} {statistics.median(build):8.1f} "
              f"{percentile(build, 95):8.1f}")
        print(f"{'national page without the database: template':42} {statistics.median(render):8.1f} "
              f"{percentile(render, 95):8.1f}")
        runtime.engine.dispose()


if __name__ == "__main__":
    main()
