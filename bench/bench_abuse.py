"""The worst inputs of issue 17 (tiny uploads that pinned a core): what each costs, and what it
does to other callers, beside a baseline measured in the same run.

1. Cost: each worst input (and the largest input still accepted) handled once in a fresh
   interpreter, as the API handles it (parse_busy over the configured calendar window; the
   sandboxed document check), reporting CPU seconds (the process and its sandbox children)
   and peak RSS added (the process; the children's own peak).
2. Other callers: the three services as real processes on PostgreSQL and RabbitMQ; a stream of
   cheap GETs (a participant on the scheduler, a publication on dissemination) from 2 threads,
   alone (baseline, just before each phase) and then while 6 threads keep uploading one worst
   input: p50/p99 of the GETs beside that baseline, and the CPU per upload of the API process
   and its sandbox children. Two control phases upload an ordinary diary and document the same
   way, to tell the cost of the input from the cost of six clients uploading in a loop.

    .venv/bin/python bench/bench_abuse.py                # about 2 minutes
    .venv/bin/python bench/bench_abuse.py --seconds 5 --skip-stack

The aim (issue 17): no request within the documented limits costs more than 2 s of CPU or
100 MB; other callers' p99 within 2x of the baseline.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOSTILE_UPLOADERS = 6
GET_THREADS = 2


def _ics(*rules: tuple[str, str]) -> bytes:
    events = "".join(f"BEGIN:VEVENT\r\nUID:e{i}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDURATION:PT5M\r\n"
                     f"RRULE:{rule}\r\nEND:VEVENT\r\n" for i, (start, rule) in enumerate(rules))
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n{events}END:VCALENDAR\r\n".encode()


def _soon() -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) + timedelta(days=2)).strftime("%Y%m%dT090000Z")


def cases() -> dict[str, tuple[str, str, object]]:
    """name -> (kind, media type, a function making the body). kind: ics or doc."""
    from tests.unit.dissemination.document_files import DOCX, PDF, make_hostile_docx, make_hostile_pdf

    soon = _soon()
    return {
        "ics MINUTELY": ("ics", "text/calendar", lambda: _ics((soon, "FREQ=MINUTELY"))),
        "ics SECONDLY": ("ics", "text/calendar", lambda: _ics((soon, "FREQ=SECONDLY"))),
        "ics never-matching x6": ("ics", "text/calendar",
                                  lambda: _ics(*[(soon, "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")] * 6)),
        "ics HOURLY since 1970": ("ics", "text/calendar", lambda: _ics(("19700101T090000Z", "FREQ=HOURLY"))),
        "ics allowed max (20,000 occurrences)": ("ics", "text/calendar",
                                                 lambda: _ics((soon, "FREQ=MINUTELY;INTERVAL=15;COUNT=20000"))),
        "pdf 30 pages x 100,000 empty operators": ("doc", PDF, lambda: make_hostile_pdf(pages=30)),
        "pdf allowed max (2 pages x 74,000)": ("doc", PDF, lambda: make_hostile_pdf(pages=2, operators=74_000)),
        "docx 3,200,000 empty elements": ("doc", DOCX, lambda: make_hostile_docx(3_200_000)),
        "docx allowed max (290,000 elements)": ("doc", DOCX, lambda: make_hostile_docx(290_000)),
    }


# -- 1. cost, in a fresh interpreter per input -------------------------------------------------

def one(name: str) -> None:
    """Handle one input as the API does and print its cost as JSON (run in a child)."""
    import resource

    from services.dissemination.publications import extract
    from shared import sandbox
    from services.scheduler.availability import CalendarParseError
    from services.scheduler.participants.service import parse_calendar
    from shared.settings import Settings

    kind, media_type, build = cases()[name]
    body = build()  # only this input is built: the peak RSS is this one's
    settings = Settings()
    before = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    try:
        if kind == "ics":
            outcome = f"accepted, {len(parse_calendar(body, 'Europe/London', settings)[0])} intervals"
        else:
            outcome = f"accepted, {len(extract.extract_text_sandboxed(media_type, body))} characters"
    except (CalendarParseError, extract.Unreadable) as exc:
        outcome = f"422 ({type(exc).__name__})"
    wall = time.perf_counter() - t0
    self_ = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "outcome": outcome, "size": len(body), "wall": wall,
        "cpu": (self_.ru_utime + self_.ru_stime - before.ru_utime - before.ru_stime) + kids.ru_utime + kids.ru_stime,
        "rss_mb": self_.ru_maxrss / 1024, "rss_added_mb": (self_.ru_maxrss - before.ru_maxrss) / 1024,
        "child_rss_mb": (getattr(sandbox.last_run, "peak_rss_bytes", None) or 0) / 2**20}))


def costs() -> None:
    print(f"{'input':42s} {'bytes':>7s} {'outcome':32s} {'CPU s':>6s} {'wall s':>6s} {'peak RSS':>8s} "
          f"{'+RSS':>6s} {'sandbox peak':>12s}")
    for name in cases():
        out = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True, text=True, cwd=ROOT,
                             timeout=120)
        if out.returncode != 0:
            print(f"{name:42s} failed: {out.stderr[-300:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        child = f"{r['child_rss_mb']:.0f} MB" if r["child_rss_mb"] else "-"
        print(f"{name:42s} {r['size']:7d} {r['outcome'][:32]:32s} {r['cpu']:6.2f} {r['wall']:6.2f} "
              f"{r['rss_mb']:5.0f} MB {r['rss_added_mb']:3.0f} MB {child:>12s}")


# -- 2. other callers' latency over the real stack ---------------------------------------------

def _cpu_of(pid: int) -> float:
    """utime + stime + the waited-for children's (the sandbox), in seconds."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _ok(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def latency(seconds: float) -> None:
    import httpx

    from bench._stack import percentile, scratch_stack
    from tests.integration.dissemination.conftest import publication_body
    from tests.support import wait_until

    with scratch_stack(start=False) as (stack, settings, keys, _names):
        # Only the two APIs under test (no workers: nothing here needs the events delivered),
        # with a generous start-up time on a loaded machine.
        for service in ("scheduler", "dissemination"):
            stack.start("api", service)
        for service in ("scheduler", "dissemination"):
            wait_until(lambda: _ok(stack.url(service) + "/healthz"), timeout=180, what=f"{service} API")
        sched, diss = stack.url("scheduler"), stack.url("dissemination")
        h = keys.board()
        with httpx.Client(timeout=60) as c:
            r = c.post(f"{sched}/v1/participants", headers=h, json={
                "display_name": "Ceri Jones", "email": "ceri.jones@agency.example.wales", "agency_code": "health"})
            pid = r.json()["id"]
            r = c.post(f"{diss}/v1/publications", headers=h, json=publication_body(status="draft"))
            pub = r.json()["id"]
        gets = [f"{sched}/v1/participants/{pid}", f"{diss}/v1/publications/{pub}"]
        api_pid = {"ics": stack.procs["api-scheduler"].pid, "doc": stack.procs["api-dissemination"].pid}

        def stream(stop: threading.Event, out: list[float], errors: list[int]) -> None:
            with httpx.Client(timeout=60, headers=h) as c:
                i = 0
                while not stop.is_set():
                    t = time.perf_counter()
                    r = c.get(gets[i % 2])
                    out.append(time.perf_counter() - t)
                    if r.status_code != 200:
                        errors.append(r.status_code)
                    i += 1

        def hostile(stop: threading.Event, kind: str, media_type: str, body: bytes, done: list[tuple[int, float]]):
            with httpx.Client(timeout=120, headers=h) as c:
                while not stop.is_set():
                    t = time.perf_counter()
                    if kind == "ics":
                        r = c.put(f"{sched}/v1/participants/{pid}/calendar", content=body,
                                  headers={"content-type": media_type})
                    else:
                        r = c.post(f"{diss}/v1/publications/{pub}/documents", files={"file": ("f", body, media_type)},
                                   data={"kind": "report", "title_en": "Report", "title_cy": "Adroddiad"})
                    done.append((r.status_code, time.perf_counter() - t))

        def phase(case: tuple[str, str, bytes] | None) -> tuple[list[float], list[int], list[tuple[int, float]], float]:
            stop, lat, errors, done = threading.Event(), [], [], []
            threads = [threading.Thread(target=stream, args=(stop, lat, errors)) for _ in range(GET_THREADS)]
            cpu0 = _cpu_of(api_pid[case[0]]) if case else 0.0
            if case:
                threads += [threading.Thread(target=hostile, args=(stop, *case, done))
                            for _ in range(HOSTILE_UPLOADERS)]
            for t in threads:
                t.start()
            time.sleep(seconds)
            stop.set()
            for t in threads:
                t.join()
            cpu = _cpu_of(api_pid[case[0]]) - cpu0 if case else 0.0
            return lat, errors, done, cpu

        for _ in range(2):  # warm up the connection pools and caches
            phase(None)
        print(f"\nother callers: {GET_THREADS} threads of cheap GETs for {seconds:g} s; "
              f"load: {HOSTILE_UPLOADERS} uploaders in a loop. Each phase is read against a baseline "
              "measured just before it (the machine is shared: its own drift is larger than 2x)")
        print(f"{'phase':42s} {'GETs':>5s} {'base p99':>8s} {'p50 ms':>7s} {'p99 ms':>7s} {'p99/base':>8s} "
              f"{'uploads':>7s} {'status':>7s} {'upload p50 s':>12s} {'CPU s/upload':>12s} {'API peak':>8s}")
        phases = {"control: ordinary one-event diary": ("ics", "text/calendar",
                                                        _ics((_soon(), "FREQ=DAILY;COUNT=1")))}
        for name, (kind, media_type, build) in cases().items():
            if "allowed max" not in name:
                phases[name] = (kind, media_type, build())
        from tests.unit.dissemination.document_files import DOCX, make_docx, para

        phases["control: ordinary docx"] = ("doc", DOCX, make_docx(para("Agencies share chronologies.")))
        for name, case in phases.items():
            base, _, _, _ = phase(None)
            b99 = percentile(base, 99)
            lat, errors, done, cpu = phase(case)
            statuses = sorted({s for s, _ in done})
            per = cpu / len(done) if done else float("nan")
            print(f"{name:42s} {len(lat):5d} {b99 * 1000:8.1f} {percentile(lat, 50) * 1000:7.1f} "
                  f"{percentile(lat, 99) * 1000:7.1f} {percentile(lat, 99) / b99:8.2f} {len(done):7d} "
                  f"{'/'.join(map(str, statuses)):>7s} {percentile([d for _, d in done], 50):12.2f} {per:12.2f} "
                  f"{_hwm_mb(api_pid[case[0]]):5.0f} MB")
            if errors:
                print(f"  ! {len(errors)} GETs failed: {sorted(set(errors))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each latency phase")
    parser.add_argument("--skip-stack", action="store_true", help="only the per-input costs")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one)
        return
    costs()
    if not args.skip_stack:
        latency(args.seconds)


if __name__ == "__main__":
    main()
