"""Benchmark: meeting proposals for 30 participants with a year of diaries.

Run by hand:  python bench/bench_proposals.py [--no-api] [--no-maximal] [--maximal-only] [--profile]

Prints the time slots.propose_slots takes and, as the machine's baseline in the
same run, the time a brute-force minute-resolution method takes to answer the
same question (a bytearray per participant with one cell per minute of the
year, every grid start checked minute by minute), plus their ratio and whether
both chose the same slots (same order: confidence, then the plan's target date,
then earliest). Then the same year through the API on PostgreSQL (median of 7,
and its ratio to the engine alone), and the largest proposal the documented
limits allow (100 participants, 2,000 busy periods each, a year at 15-minute
steps) with its CPU time and peak Python memory. ``--profile`` prints cProfile's
top functions of one API proposal. No assertion on time: figures are for people.
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.scheduler.availability import (  # noqa: E402
    Attendee,
    WorkingHours,
    parse_busy,
    propose_slots,
    working_intervals,
)

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
YEAR_START = datetime(2027, 1, 1, tzinfo=LONDON)
YEAR_END = datetime(2028, 1, 1, tzinfo=LONDON)
PARTICIPANTS = 30
REQUIRED = 8
LEARNING_EVENT_BY = date(2027, 9, 30)  # the review plan's target for the year-long question


def ics_diary(rng: random.Random, n_one_off: int) -> str:
    """A realistic-ish diary: weekly and fortnightly series (with EXDATEs and a
    moved occurrence), one-off meetings of mixed status, annual leave."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"]

    def ev(uid, *props):
        lines.extend(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261201T000000Z", *props, "END:VEVENT"])

    fmt = "%Y%m%dT%H%M%S"
    # Weekly team meeting, one week skipped, one occurrence moved.
    first = datetime(2027, 1, 4 + rng.randrange(5), 9 + rng.randrange(7), 0)
    ev(
        "team",
        f"DTSTART;TZID=Europe/London:{first:{fmt}}",
        "DURATION:PT1H",
        "RRULE:FREQ=WEEKLY;COUNT=52",
        f"EXDATE;TZID=Europe/London:{first + timedelta(weeks=7):{fmt}}",
    )
    moved_from = first + timedelta(weeks=10)
    ev(
        "team",
        f"RECURRENCE-ID;TZID=Europe/London:{moved_from:{fmt}}",
        f"DTSTART;TZID=Europe/London:{moved_from + timedelta(days=1, hours=-1):{fmt}}",
        "DURATION:PT90M",
    )
    # Fortnightly supervision, tentative.
    sup = datetime(2027, 1, 4 + rng.randrange(5), 13 + rng.randrange(3), 30)
    ev(
        "supervision",
        f"DTSTART;TZID=Europe/London:{sup:{fmt}}",
        "DURATION:PT1H",
        "STATUS:TENTATIVE",
        "RRULE:FREQ=WEEKLY;INTERVAL=2;UNTIL=20271231T235959Z",
    )
    # Daily 15-minute huddle on weekdays.
    ev(
        "huddle",
        "DTSTART;TZID=Europe/London:20270104T091500",
        "DURATION:PT15M",
        "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20271231T235959Z",
    )
    # One-off meetings.
    for i in range(n_one_off):
        day = date(2027, 1, 1) + timedelta(days=rng.randrange(365))
        start = datetime(day.year, day.month, day.day, 8 + rng.randrange(9), rng.choice((0, 15, 30, 45)))
        extra = rng.choices(
            [
                [],
                ["STATUS:TENTATIVE"],
                ["TRANSP:TRANSPARENT"],
                ["STATUS:CANCELLED"],
                ["X-MICROSOFT-CDO-BUSYSTATUS:OOF"],
            ],
            weights=[80, 10, 4, 4, 2],
        )[0]
        ev(
            f"m{i}",
            f"DTSTART;TZID=Europe/London:{start:{fmt}}",
            f"DURATION:PT{rng.choice((30, 45, 60, 90, 120))}M",
            *extra,
        )
    # Two weeks of leave twice a year, all-day, shown as out of office.
    for j in range(2):
        day = date(2027, 1, 1) + timedelta(days=rng.randrange(350))
        ev(
            f"leave{j}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + timedelta(days=14):%Y%m%d}",
            "X-MICROSOFT-CDO-BUSYSTATUS:OOF",
        )
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def build_attendees(rng: random.Random) -> tuple[list[Attendee], float]:
    part_time = WorkingHours.from_mapping({d: [("09:00", "17:00")] for d in ("mon", "tue", "wed", "thu")})
    split = WorkingHours.from_mapping(
        {d: [("08:00", "12:30"), ("13:15", "16:30")] for d in ("mon", "tue", "wed", "thu", "fri")}
    )
    t0 = time.perf_counter()
    attendees = []
    for i in range(PARTICIPANTS):
        hours = rng.choices([WorkingHours.default(), part_time, split], weights=[6, 2, 2])[0]
        diary = ics_diary(rng, n_one_off=260 + rng.randrange(60))
        busy = parse_busy(diary, YEAR_START, YEAR_END)
        attendees.append(
            Attendee(
                id=f"p{i:02d}",
                name=f"Participant {i:02d}",
                required=i < REQUIRED,
                working=working_intervals(YEAR_START, YEAR_END, hours=hours),
                busy=busy,
            )
        )
    return attendees, time.perf_counter() - t0


# ------------------------------------------------------------- brute force


def brute_force(
    attendees,
    window_start,
    window_end,
    duration_minutes,
    granularity_minutes,
    buffer_minutes,
    max_suggestions,
    min_optional_attendance,
    target_date=None,
):
    """Minute by minute: one cell per minute per participant (2 free, 1 tentative,
    0 cannot attend), then every local-grid start checked over its minutes and
    ranked by confidence, then on or before the target date, then earliest."""
    ws = math.ceil(window_start.timestamp() / 60)
    we = math.floor(window_end.timestamp() / 60)
    n = we - ws
    weekend = bytearray(n)
    m = 0
    while m < n:  # mark local weekend minutes
        local = datetime.fromtimestamp((ws + m) * 60, UTC).astimezone(LONDON)
        if local.weekday() >= 5:
            weekend[m] = 1
        m += 1
    cells = {}
    for a in attendees:
        arr = bytearray(n)
        for w in a.working:
            s, e = max(int(w.start.timestamp()) // 60 - ws, 0), min(int(w.end.timestamp()) // 60 - ws, n)
            for x in range(s, e):
                arr[x] = 2
        for b in a.busy:
            s = max(int(b.start.timestamp()) // 60 - buffer_minutes - ws, 0)
            e = min(int(b.end.timestamp()) // 60 + buffer_minutes - ws, n)
            for x in range(s, e):
                if b.kind == "tentative":
                    if arr[x] == 2:
                        arr[x] = 1
                else:
                    arr[x] = 0
        for x in range(n):
            if weekend[x]:
                arr[x] = 0
        cells[a.id] = arr
    required = [a for a in attendees if a.required]
    optional = [a for a in attendees if not a.required]
    need = math.ceil(min_optional_attendance * len(optional) - 1e-9)
    scored = []
    n_opt = len(optional)
    for t in range(0, n - duration_minutes + 1):
        local = datetime.fromtimestamp((ws + t) * 60, UTC).astimezone(LONDON)
        if (local.hour * 60 + local.minute) % granularity_minutes:
            continue
        slot = range(t, t + duration_minutes)
        required_part = 1.0
        ok = True
        for a in required:
            arr = cells[a.id]
            worst = min(arr[x] for x in slot)
            if worst == 0:
                ok = False
                break
            required_part *= 0.5 if worst == 1 else 1.0
        if not ok:
            continue
        can = 0
        attendance = 0.0
        for a in optional:
            worst = min(cells[a.id][x] for x in slot)
            if worst:
                can += 1
                attendance += 1.0 if worst == 2 else 0.5
        if can >= need:
            confidence = round(required_part * (0.75 + 0.25 * (attendance / n_opt if n_opt else 1.0)), 3)
            late = target_date is not None and local.date() > target_date
            scored.append((-confidence, late, t, local.date()))
    scored.sort()
    chosen, per_day, cap, remaining = [], {}, 1, scored
    while remaining and len(chosen) < max_suggestions:
        deferred = []
        for item in remaining:
            if len(chosen) >= max_suggestions:
                break
            if any(abs(item[2] - c[2]) < duration_minutes for c in chosen):
                continue
            if per_day.get(item[3], 0) >= cap:
                deferred.append(item)
                continue
            chosen.append(item)
            per_day[item[3]] = per_day.get(item[3], 0) + 1
        remaining, cap = deferred, cap + 1
    return [datetime.fromtimestamp((ws + c[2]) * 60, UTC) for c in chosen]


TIMES: list[float] = []
RESULTS: dict[str, float] = {}


def timed(fn, repeat):
    times, result = [], None
    TIMES[:] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        TIMES.append(times[-1])
    return min(times), statistics.median(times), result


def main() -> None:
    if "--maximal-only" in sys.argv:
        maximal()
        return
    rng = random.Random(2027)
    attendees, prep = build_attendees(rng)
    api = "--no-api" not in sys.argv
    per_person = [len(a.busy) for a in attendees]
    print(
        f"participants: {len(attendees)} ({REQUIRED} required), busy intervals per diary: "
        f"min {min(per_person)}, median {int(statistics.median(per_person))}, total {sum(per_person)}"
    )
    print(
        f"diary preparation (ICS parse + recurrence expansion + working time): {prep * 1000:.0f} ms "
        f"({prep * 1000 / len(attendees):.1f} ms per participant)"
    )

    questions = [
        (
            "whole year, 2 h Learning Event, 15 min buffer, >=50% optional",
            YEAR_START,
            YEAR_END,
            dict(
                duration_minutes=120,
                granularity_minutes=30,
                buffer_minutes=15,
                max_suggestions=5,
                min_optional_attendance=0.5,
                target_date=LEARNING_EVENT_BY,
            ),
        ),
        (
            "next 6 weeks, 90 min panel meeting",
            datetime(2027, 3, 15, tzinfo=LONDON),
            datetime(2027, 4, 26, tzinfo=LONDON),
            dict(
                duration_minutes=90,
                granularity_minutes=30,
                buffer_minutes=0,
                max_suggestions=5,
                min_optional_attendance=0.0,
            ),
        ),
    ]
    for label, start, end, params in questions:

        def fast(start=start, end=end, params=params):
            return propose_slots(attendees, start, end, **params)

        def slow_method(start=start, end=end, params=params):
            return brute_force(attendees, start, end, **params)

        fast_best, fast_median, proposal = timed(fast, 7)
        slow_best, _, slow = timed(slow_method, 1)
        fast_starts = [s.start for s in proposal.suggestions]
        print(f"\n{label}")
        median = f"median {fast_median * 1000:.1f} ms"
        print(f"  slots.propose_slots : {fast_best * 1000:8.1f} ms (best of 7, {median})")
        print(f"  brute force, minute : {slow_best * 1000:8.1f} ms")
        print(f"  ratio               : brute force / propose_slots = {slow_best / fast_best:,.0f}x")
        print(f"  same slots chosen   : {fast_starts == slow}")
        RESULTS.setdefault("engine", fast_median)
        for s in proposal.suggestions:
            when = s.start.astimezone(LONDON)
            late = {None: "", True: "on time", False: "LATE"}[s.meets_target]
            print(f"    {when:%a %Y-%m-%d %H:%M}  conf {s.confidence:.3f} {late:7} {s.reason[:80]}")
        if not proposal.suggestions:
            print(f"    none: {proposal.empty_reason}")
    if api:
        through_the_api(attendees)
        if "--no-maximal" not in sys.argv:
            maximal()


def through_the_api(attendees: list[Attendee]) -> None:
    """The same year-long question through the scheduler's HTTP API on PostgreSQL: the diaries
    stored as busy intervals, the proposal loading them and answering. Shows what the database
    and HTTP add to the engine's time."""
    import uuid as _uuid

    from fastapi.testclient import TestClient

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _stack import scratch_stack

    from services.registry import specs
    from services.scheduler.reviews.models import ReviewRecord
    from shared.db import session_scope
    from shared.http.app import create_app
    from shared.service import make_runtime

    with scratch_stack(start=False) as (_stack, settings, keys, _names):
        runtime = make_runtime(specs()["scheduler"], settings)
        client = TestClient(create_app(runtime))
        headers = keys.board("gwent")
        review_id = str(_uuid.uuid4())
        with session_scope(runtime.engine) as session:
            session.add(ReviewRecord(review_id=review_id, board_code="gwent", referral_date=date(2026, 12, 1),
                                     status="in_progress"))
        ids = []
        t0 = time.perf_counter()
        for a in attendees:
            r = client.post("/v1/participants", headers=headers, json={
                "display_name": a.name, "email": f"{a.id}@example-agency.wales", "agency_code": "health"})
            pid = r.json()["id"]
            ids.append(pid)
            intervals = [{"start": b.start.isoformat(), "end": b.end.isoformat(), "kind": b.kind} for b in a.busy]
            r = client.put(f"/v1/participants/{pid}/busy", headers=headers, json={"intervals": intervals})
            assert r.status_code == 200, r.text
        load = time.perf_counter() - t0
        body = {"review_id": review_id, "kind": "learning_event", "duration_minutes": 120,
                "window_start": YEAR_START.isoformat(), "window_end": (YEAR_END - timedelta(days=1)).isoformat(),
                "required_participants": ids[:REQUIRED], "optional_participants": ids[REQUIRED:],
                "buffer_minutes": 15, "min_optional_attendance": 0.5}

        def ask():
            r = client.post("/v1/meeting-proposals", headers=headers, json=body)
            assert r.status_code == 201, r.text
            return r.json()

        # The app runs in this process (TestClient) beside the bench's own year of diaries;
        # freeze those so the collector does not walk them, as it would not in an API process.
        import gc

        gc.collect()
        gc.freeze()
        ask()  # warm: the first request imports and prepares what every later one reuses
        cpu: list[float] = []

        def ask_cpu():
            c0 = time.process_time()
            out = ask()
            cpu.append(time.process_time() - c0)
            return out

        best, median, result = timed(ask_cpu, 15)
        if "--verbose" in sys.argv:
            print([round(t * 1000) for t in TIMES])
        print("\nthrough the API on PostgreSQL (POST /v1/meeting-proposals, 30 stored diaries, a year;"
              " default working hours)")
        print(f"  storing the diaries  : {load * 1000:8.0f} ms (PUT /busy x {len(attendees)})")
        print(f"  proposal             : {best * 1000:8.1f} ms (best of 15, median {median * 1000:.1f} ms), "
              f"{len(result['suggestions'])} suggestions; CPU of this process median "
              f"{statistics.median(cpu) * 1000:.1f} ms (less sensitive to a loaded machine)")
        if "engine" in RESULTS:
            print(f"  ratio                : API median / engine median = {median / RESULTS['engine']:.1f}x")
        if "--profile" in sys.argv:
            # The endpoint runs in the app's worker thread: profile the service call there.
            import cProfile
            import pstats

            from services.scheduler.meetings import service

            profiler, original = cProfile.Profile(), service.propose

            def profiled(*args, **kwargs):
                return profiler.runcall(original, *args, **kwargs)

            service.propose = profiled
            try:
                ask()
            finally:
                service.propose = original
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        runtime.engine.dispose()


def maximal() -> None:
    """The largest proposal the documented limits allow (meetings/schemas.py): 100 participants
    (50 required, 50 optional), 2,000 stored busy periods each in a year (short meetings
    scattered over working days), the whole year at 15-minute steps, through the API on
    PostgreSQL. Prints wall and CPU time (this process: HTTP, the ORM, the engine) and the
    peak of Python allocations during one request (tracemalloc), and a smaller baseline in
    the same run (the same 100 people over one week) for the ratio."""
    import gc
    import resource
    import tracemalloc
    import uuid as _uuid

    from fastapi.testclient import TestClient
    from sqlalchemy import insert, text

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _stack import scratch_stack

    from services.registry import specs
    from services.scheduler.meetings.schemas import MAX_BUSY_PER_PARTICIPANT, MAX_PROPOSAL_PARTICIPANTS
    from services.scheduler.participants.models import BusyPeriod
    from services.scheduler.reviews.models import ReviewRecord
    from shared.db import session_scope
    from shared.http.app import create_app
    from shared.service import make_runtime

    rng = random.Random(17)
    with scratch_stack(start=False) as (_stack, settings, keys, _names):
        runtime = make_runtime(specs()["scheduler"], settings)
        client = TestClient(create_app(runtime))
        headers = keys.board("gwent")
        review_id = str(_uuid.uuid4())
        with session_scope(runtime.engine) as session:
            session.add(ReviewRecord(review_id=review_id, board_code="gwent", referral_date=date(2026, 12, 1),
                                     status="in_progress"))
        ids = []
        for i in range(MAX_PROPOSAL_PARTICIPANTS):
            r = client.post("/v1/participants", headers=headers, json={
                "display_name": f"Person {i:03d}", "email": f"p{i}@example-agency.wales", "agency_code": "health"})
            ids.append(r.json()["id"])
        t0 = time.perf_counter()
        days = [YEAR_START + timedelta(days=d) for d in range(365)]
        days = [d for d in days if d.weekday() < 5]
        rows = []
        for pid in ids:
            for _ in range(MAX_BUSY_PER_PARTICIPANT):
                day = rng.choice(days)
                start = day.replace(hour=8 + rng.randrange(9), minute=rng.choice((0, 15, 30, 45))).astimezone(UTC)
                kind = rng.choices(["busy", "tentative", "out_of_office"], weights=[85, 12, 3])[0]
                rows.append({"participant_id": pid, "source": "manual", "starts_at": start,
                             "ends_at": start + timedelta(minutes=rng.choice((15, 30, 45, 60))), "kind": kind})
        with session_scope(runtime.engine) as session:
            session.execute(insert(BusyPeriod), rows)
        print(f"\nthe largest allowed proposal ({len(ids)} participants, {MAX_BUSY_PER_PARTICIPANT:,} busy periods "
              f"each, a year at 15-minute steps), through the API on PostgreSQL")
        print(f"  storing {len(rows):,} busy periods: {time.perf_counter() - t0:.1f} s")
        del rows

        def body(end, granularity, n_required):
            return {"review_id": review_id, "kind": "learning_event", "duration_minutes": 120,
                    "window_start": YEAR_START.isoformat(), "window_end": end.isoformat(),
                    "required_participants": ids[:n_required], "optional_participants": ids[n_required:],
                    "granularity_minutes": granularity}

        def ask(payload):
            r = client.post("/v1/meeting-proposals", headers=headers, json=payload)
            assert r.status_code == 201, r.text
            return r.json()

        gc.collect()
        gc.freeze()
        # 50 required: no common time, the answer explains who blocks it; none required:
        # thousands of candidate starts ranked over 100 optional people.
        for n_required in (50, 0):
            year = body(YEAR_END - timedelta(days=1), 15, n_required)
            week = body(YEAR_START + timedelta(days=7), 15, n_required)
            ask(year)
            cpu, wall = [], []
            for _ in range(3):
                c0, w0 = time.process_time(), time.perf_counter()
                result = ask(year)
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
            _, week_median, _ = timed(lambda: ask(week), 5)
            if n_required:
                from services.scheduler.diary import _PG_DIARY

                with runtime.engine.connect() as conn:
                    plan = conn.execute(text("EXPLAIN (ANALYZE) " + _PG_DIARY.text), {
                        "ids": ids, "window_start": YEAR_START, "window_end": YEAR_END - timedelta(days=1),
                        "cap": MAX_BUSY_PER_PARTICIPANT + 1}).scalars().all()
                print(f"  PostgreSQL, reading the diaries: {plan[-1].strip()} "
                      "(EXPLAIN ANALYZE of the one diary query, warm)")
            tracemalloc.start()
            ask(year)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"  {n_required} required, {len(ids) - n_required} optional:")
            print(f"    proposal           : {statistics.median(wall) * 1000:8.0f} ms wall, "
                  f"{statistics.median(cpu) * 1000:.0f} ms CPU in this process (median of 3), "
                  f"{len(result['suggestions'])} suggestions")
            print(f"    peak Python memory : {peak / 2**20:8.1f} MB during one request (tracemalloc)")
            print(f"    baseline, one week : {week_median * 1000:8.0f} ms (same people); "
                  f"ratio year / week = {statistics.median(wall) / week_median:.1f}x")
        print(f"  process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
              "(the bench, its data and the app together)")
        runtime.engine.dispose()


if __name__ == "__main__":
    main()
