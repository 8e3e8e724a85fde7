"""Benchmark: the national feed with a million entries, and search over 10,000 publications.

    python bench/bench_feed_search.py [--entries 1000000] [--publications 10000]

Creates a scratch PostgreSQL database (CPR_TEST_PG_URL or postgres@127.0.0.1), migrates it,
fills it with COPY, then times requests through the real app (in-process HTTP client):

* the first page of GET /v1/feed and a page deep in the feed (keyset paging: their ratio
  should stay near 1 however deep the page is), with a raw SQL keyset query as the baseline;
* GET /v1/publications?q=... in English and in Welsh over the publications (GIN indexes), with
  the unfiltered list as the baseline.

Prints medians and ratios; drops the database at the end. Not a test: nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.auth import new_api_key  # noqa: E402
from shared.db import session_scope  # noqa: E402
from shared.migrations import upgrade  # noqa: E402
from shared.settings import Settings  # noqa: E402

PG_ADMIN_URL = os.environ.get("CPR_TEST_PG_URL", "postgresql://postgres:postgres@127.0.0.1:5432/postgres")
BOARDS = ["north-wales", "mid-and-west-wales", "west-glamorgan", "cwm-taf-morgannwg", "cardiff-and-vale", "gwent"]
ENTRY_TYPES = ["review_referred", "review_decision_recorded", "review_milestone_recorded", "learning_event_booked",
               "learning_event_held", "review_overdue", "review_closed"]
EN_WORDS = ("agency police health school nursery visit assessment plan strategy meeting chronology referral "
            "father mother household sleep injury bruise hospital midwife health-visitor supervision record "
            "threshold curiosity compliance voice child baby alcohol drugs mental housing").split()
CY_WORDS = ("asiantaeth heddlu iechyd ysgol meithrinfa ymweliad asesiad cynllun strategaeth cyfarfod cronoleg "
            "atgyfeiriad tad mam aelwyd cwsg anaf clais ysbyty bydwraig goruchwyliaeth cofnod trothwy "
            "chwilfrydedd cydymffurfiaeth llais plentyn babi alcohol cyffuriau meddwl tai").split()
THEMES = ["neglect", "domestic_abuse", "information_sharing", "risk_assessment", "professional_curiosity",
          "voice_of_the_child", "recording", "vulnerability_of_babies"]


def admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_URL.replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        conn.execute(sql)


def libpq_url(dbname: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=dbname, drivername="postgresql").render_as_string(hide_password=False)


def fill_feed(url: str, n: int) -> float:
    started = time.perf_counter()
    t0 = datetime(2020, 1, 1, tzinfo=UTC)
    rng = random.Random(1)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY feed_entries (id, event_id, event_type, entry_type, board_code, review_id, "
                      "occurred_at, recorded_at, data) FROM STDIN") as copy:
            for i in range(n):
                eid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                when = t0 + timedelta(seconds=i * 60)
                et = ENTRY_TYPES[i % len(ENTRY_TYPES)]
                copy.write_row((eid, eid, "review.referred.v1", et, BOARDS[i % 6], str(uuid.uuid4()), when, when,
                                json.dumps({"status": "referred", "referral_date": when.date().isoformat()})))
        conn.commit()
        cur.execute("ANALYZE feed_entries")
        conn.commit()
    return time.perf_counter() - started


def fill_publications(url: str, n: int) -> float:
    from services.dissemination.publications.search import search_texts

    started = time.perf_counter()
    rng = random.Random(2)
    now = datetime.now(UTC)
    pubs, themes = [], []
    for i in range(n):
        pid = str(uuid.uuid4())
        chosen = rng.sample(THEMES, 2)
        neglect = i % 20 == 0
        en = " ".join(rng.choices(EN_WORDS, k=60)) + (" neglected" if neglect else "")
        cy = " ".join(rng.choices(CY_WORDS, k=60)) + (" esgeulustod" if neglect else "")
        title = {"en": f"Review {i}", "cy": f"Adolygiad {i}"}
        summary = {"en": en, "cy": cy}
        s_en, s_cy = search_texts(title, summary, [], [])
        published = date(2016, 1, 1) + timedelta(days=i % 3000)
        pubs.append((pid, BOARDS[i % 6], str(uuid.uuid4()), "concise_cpr", "published", title["en"], title["cy"],
                     en, cy, "[]", "[]", json.dumps(chosen), published, now, now, now, s_en, s_cy))
        themes += [(pid, t) for t in chosen]
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY publications (id, board_code, review_id, review_type, status, title_en, title_cy, "
                      "summary_en, summary_cy, learning_points, recommendations, themes, published_on, created_at, "
                      "updated_at, published_at, search_en, search_cy) FROM STDIN") as copy:
            for row in pubs:
                copy.write_row(row)
        with cur.copy("COPY publication_themes (publication_id, theme_code) FROM STDIN") as copy:
            for row in themes:
                copy.write_row(row)
        conn.commit()
        cur.execute("ANALYZE publications")
        cur.execute("ANALYZE publication_themes")
        conn.commit()
    return time.perf_counter() - started


def median_ms(fn, repeat: int = 15) -> float:
    fn()  # warm
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--publications", type=int, default=10_000)
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from services.registry import specs
    from shared.http.app import create_app
    from shared.http.pagination import encode_cursor
    from shared.service import make_runtime

    dbname = f"cprbench_{uuid.uuid4().hex[:8]}"
    admin(f'CREATE DATABASE "{dbname}"')
    url = make_url(PG_ADMIN_URL).set(database=dbname, drivername="postgresql+psycopg").render_as_string(
        hide_password=False)
    runtime = None
    try:
        spec = specs()["dissemination"]
        upgrade(spec.name, spec.migrations, url)
        print(f"filling feed_entries with {args.entries:,} rows (COPY) ...", flush=True)
        secs = fill_feed(libpq_url(dbname), args.entries)
        print(f"  {secs:.1f} s ({args.entries / secs:,.0f} rows/s)")
        print(f"filling publications with {args.publications:,} rows (COPY) ...", flush=True)
        secs = fill_publications(libpq_url(dbname), args.publications)
        print(f"  {secs:.1f} s")

        settings = Settings(dissemination_database_url=url, secret_key="bench")
        runtime = make_runtime(spec, settings)
        row, key = new_api_key(settings.secret_key, board_code=None, welsh_government=True)
        with session_scope(runtime.engine) as s:
            s.add(row)
        client = TestClient(create_app(runtime))
        wg = {"Authorization": f"Bearer {key}"}

        def get(path, params=None, headers=wg):
            r = client.get(path, params=params, headers=headers)
            assert r.status_code == 200, r.text
            return r

        deep_cursor = encode_cursor([args.entries - 1000])
        first = median_ms(lambda: get("/v1/feed", {"limit": 100}))
        deep = median_ms(lambda: get("/v1/feed", {"limit": 100, "cursor": deep_cursor}))
        deep_filtered = median_ms(lambda: get("/v1/feed", {"limit": 100, "cursor": deep_cursor, "board": "gwent"}))
        atom_deep = median_ms(lambda: get("/v1/feed.atom", {"limit": 100, "cursor": deep_cursor}))
        with psycopg.connect(libpq_url(dbname)) as conn:
            raw = median_ms(lambda: conn.execute("SELECT * FROM feed_entries WHERE seq > %s ORDER BY seq LIMIT 101",
                                                 (args.entries - 1000,)).fetchall())
            offset = median_ms(lambda: conn.execute("SELECT * FROM feed_entries ORDER BY seq LIMIT 101 OFFSET %s",
                                                    (args.entries - 1000,)).fetchall(), repeat=3)
        print(f"\nnational feed, {args.entries:,} entries, 100 per page (median ms)")
        print(f"  first page (JSON Feed)              {first:8.2f}")
        print(f"  deep page at seq {args.entries - 1000:,} (JSON)   {deep:8.2f}   deep/first = {deep / first:.2f}")
        print(f"  deep page, board filter (JSON)      {deep_filtered:8.2f}")
        print(f"  deep page (Atom)                    {atom_deep:8.2f}")
        print(f"  baseline: raw SQL keyset page       {raw:8.2f}   (API/raw = {deep / raw:.1f}: rendering + HTTP)")
        print(f"  for contrast: raw SQL OFFSET page   {offset:8.2f}   (what paging by offset would cost)")

        en = median_ms(lambda: get("/v1/publications", {"q": "neglected", "limit": 20}, {}))
        cy = median_ms(lambda: get("/v1/publications", {"q": "esgeulustod", "lang": "cy", "limit": 20}, {}))
        en2 = median_ms(lambda: get("/v1/publications", {"q": "father alcohol", "theme": "neglect", "limit": 20}, {}))
        listing = median_ms(lambda: get("/v1/publications", {"limit": 20}, {}))
        hits = len(get("/v1/publications", {"q": "esgeulustod", "lang": "cy", "limit": 200}, {}).json()["items"])
        print(f"\nsearch over {args.publications:,} publications, 20 per page (median ms)")
        print(f"  q=neglected (English)               {en:8.2f}")
        print(f"  q=esgeulustod lang=cy (Welsh)       {cy:8.2f}   ({hits} hits on the first 200)")
        print(f"  q='father alcohol' theme=neglect    {en2:8.2f}")
        print(f"  baseline: newest 20, no query       {listing:8.2f}   (English search/baseline = {en / listing:.2f})")
    finally:
        if runtime is not None:
            runtime.engine.dispose()
        admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


if __name__ == "__main__":
    main()
