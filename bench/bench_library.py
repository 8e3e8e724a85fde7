"""Benchmark: the public library's pages beside the JSON API, and a weekly digest to 10,000
subscribers handed to a local SMTP server.

    python bench/bench_library.py [--publications 10000] [--subscribers 10000]

Creates a scratch PostgreSQL database (CPR_TEST_PG_URL or postgres@127.0.0.1), migrates it,
fills it with COPY (bench_feed_search.fill_publications), then, in the same run:

* the search page (`/en/search?q=...`, `/cy/chwilio?q=...`) beside `GET /v1/publications` with
  the same query, and the publication page beside `GET /v1/publications/{id}` (in-process HTTP
  client; medians; page/API ratio: what rendering HTML and counting results add);
* a weekly digest: 10,000 confirmed weekly subscribers (each choosing two of eight themes) and
  the publications of last week; the time to stage every message (`alerts.send_due`: period
  claim + mail row in one transaction per batch) and the time for the mail worker
  (`shared/mail` MailDelivery) to hand them all to a local aiosmtpd server, beside a baseline of
  smtplib sending the same number of ready-made messages over one connection to that server.

Prints medians and ratios; drops the database at the end. Not a test: nothing is asserted.
"""
from __future__ import annotations

import argparse
import random
import smtplib
import socket
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_feed_search import PG_ADMIN_URL, THEMES, admin, fill_publications, libpq_url, median_ms  # noqa: E402

from shared.migrations import upgrade  # noqa: E402
from shared.settings import Settings  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """A local SMTP server (aiosmtpd) that counts what it accepts."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        sink = self
        self.count = 0

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                sink.count += 1
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()


def fill_subscribers(url: str, n: int, covered_until: datetime) -> None:
    rng = random.Random(3)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY alert_subscriptions (id, address, address_hash, themes, boards, frequency, language, "
                      "status, created_at, confirmed_at, covered_until, version) FROM STDIN") as copy:
            for i in range(n):
                copy.write_row((str(uuid.uuid4()), f"practitioner{i}@example.com", uuid.uuid4().hex * 2,
                                '["' + '","'.join(rng.sample(THEMES, 2)) + '"]', "[]", "weekly",
                                "cy" if i % 2 else "en", "confirmed", covered_until, covered_until, covered_until, 1))
        conn.commit()
        cur.execute("ANALYZE alert_subscriptions")
        conn.commit()


def last_week_publications(url: str, start: datetime, n: int) -> None:
    """Make `n` of the publications public during the week being digested."""
    with psycopg.connect(url) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM publications ORDER BY id LIMIT %s", (n,)).fetchall()]
        for i, pid in enumerate(ids):
            conn.execute("UPDATE publications SET published_at = %s, learning_points = %s WHERE id = %s",
                         (start + timedelta(hours=3 + 7 * i),
                          '[{"en": "Ask who else lives in the house.", "cy": "Gofynnwch pwy arall sy\'n byw yn y tŷ."}]',
                          pid))
        conn.commit()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--publications", type=int, default=10_000)
    ap.add_argument("--subscribers", type=int, default=10_000)
    ap.add_argument("--weekly-publications", type=int, default=20)
    args = ap.parse_args()

    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from services.dissemination.alerts import service as alerts
    from services.dissemination.alerts.periods import due_windows
    from services.dissemination.library.links import WebLinks
    from services.dissemination.library.mail import stage_alert
    from services.registry import specs
    from shared.http.app import create_app
    from shared.mail.outbox import MailDelivery
    from shared.service import make_runtime

    dbname = f"cprbench_{uuid.uuid4().hex[:8]}"
    admin(f'CREATE DATABASE "{dbname}"')
    url = make_url(PG_ADMIN_URL).set(database=dbname, drivername="postgresql+psycopg").render_as_string(
        hide_password=False)
    runtime, sink = None, None
    try:
        spec = specs()["dissemination"]
        upgrade(spec.name, spec.migrations, url)
        print(f"filling publications with {args.publications:,} rows (COPY) ...", flush=True)
        fill_publications(libpq_url(dbname), args.publications)

        sink = Sink()
        settings = Settings(dissemination_database_url=url, secret_key="bench", smtp_url=f"smtp://127.0.0.1:{sink.port}",
                            mail_batch_size=200)
        runtime = make_runtime(spec, settings)
        client = TestClient(create_app(runtime))

        def get(path, params=None):
            r = client.get(path, params=params)
            assert r.status_code == 200, (path, r.status_code)
            return r

        pid = get("/v1/publications", {"limit": 1}).json()["items"][0]["id"]
        api_en = median_ms(lambda: get("/v1/publications", {"q": "neglected", "limit": 20}))
        page_en = median_ms(lambda: get("/en/search", {"q": "neglected"}))
        api_cy = median_ms(lambda: get("/v1/publications", {"q": "esgeulustod", "lang": "cy", "limit": 20}))
        page_cy = median_ms(lambda: get("/cy/chwilio", {"q": "esgeulustod"}))
        api_list = median_ms(lambda: get("/v1/publications", {"limit": 20}))
        page_list = median_ms(lambda: get("/en/search"))
        api_one = median_ms(lambda: get(f"/v1/publications/{pid}"))
        page_one = median_ms(lambda: get(f"/cy/cyhoeddiadau/{pid}"))
        print(f"\npages over {args.publications:,} publications, 20 per page (median ms; same run)")
        print(f"  search q=neglected:   API {api_en:7.2f}   page {page_en:7.2f}   page/API = {page_en / api_en:.2f}")
        print(f"  search q=esgeulustod: API {api_cy:7.2f}   page {page_cy:7.2f}   page/API = {page_cy / api_cy:.2f}")
        print(f"  newest, no query:     API {api_list:7.2f}   page {page_list:7.2f}   page/API = {page_list / api_list:.2f}")
        print(f"  one publication:      API {api_one:7.2f}   page {page_one:7.2f}   page/API = {page_one / api_one:.2f}")

        # -- the weekly digest ------------------------------------------------------------
        now = datetime.now(UTC)
        week = due_windows("weekly", now - timedelta(days=7), now, timedelta(0))[0]
        last_week_publications(libpq_url(dbname), week.start, args.weekly_publications)
        fill_subscribers(libpq_url(dbname), args.subscribers, week.start)
        links = WebLinks("https://dysgu.example.wales", settings.secret_key, settings.alert_unconfirmed_days)
        t = time.perf_counter()
        staged = alerts.send_due(lambda: Session(runtime.engine, expire_on_commit=False, info={"settings": settings}),
                                 links=links, stage=stage_alert, now=now, grace=timedelta(0))
        stage_s = time.perf_counter() - t
        t = time.perf_counter()
        delivery = MailDelivery(runtime.engine, settings, "dissemination")
        handed = 0
        while handed < staged:
            got = delivery.run_once()
            if not got:
                break
            handed += got
        deliver_s = time.perf_counter() - t
        with psycopg.connect(libpq_url(dbname)) as conn:
            raw = conn.execute("SELECT raw FROM mail_outbox LIMIT 1").fetchone()[0].encode()
        base_count = sink.count
        t = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
            for i in range(staged):
                smtp.sendmail("cpr@example.gov.wales", [f"practitioner{i}@example.com"], raw)
        raw_s = time.perf_counter() - t
        print(f"\nweekly digest to {args.subscribers:,} subscribers, {args.weekly_publications} publications that week")
        print(f"  messages staged (claim + mail row)     {staged:,} in {stage_s:6.1f} s ({staged / stage_s:,.0f}/s)")
        print(f"  handed to the SMTP server              {handed:,} in {deliver_s:6.1f} s ({handed / deliver_s:,.0f}/s)")
        print(f"  baseline: smtplib, one connection      {sink.count - base_count:,} in {raw_s:6.1f} s "
              f"({staged / raw_s:,.0f}/s)   worker/baseline = {deliver_s / raw_s:.1f}")
        print(f"  total, staging and delivery            {stage_s + deliver_s:6.1f} s")
    finally:
        if runtime is not None:
            runtime.engine.dispose()
        if sink is not None:
            sink.stop()
        admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


if __name__ == "__main__":
    main()
