"""Calendar feed URLs, refreshed by the worker's job against a local HTTP server."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.scheduler.participants.feed import refresh_due_feeds
from tests.integration.scheduler.helpers import ics, problem, vevent

pytestmark = pytest.mark.integration

FEED = ics(vevent("weekly", "DTSTART;TZID=Europe/London:20270201T100000", "DURATION:PT1H",
                  "RRULE:FREQ=WEEKLY;COUNT=4"))


class FeedServer:
    """Serves whatever `mode` says: ok (the feed, with an ETag), error (500), slow (hangs)."""

    def __init__(self):
        server = self
        self.mode, self.requests, self.body = "ok", [], FEED

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(dict(self.headers))
                if server.mode == "slow":
                    time.sleep(3)
                if server.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                if self.headers.get("If-None-Match") == '"v1"':
                    self.send_response(304)
                    self.end_headers()
                    return
                body = server.body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("ETag", '"v1"')
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/calendar.ics?token=secret"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed_server():
    s = FeedServer()
    yield s
    s.close()


def _force_due(runtimes, pid):
    from sqlalchemy import text

    with runtimes["scheduler"].engine.begin() as conn:
        conn.execute(text("UPDATE participants SET calendar_last_attempt_at = NULL WHERE id = :id"), {"id": pid})


def test_a_feed_is_fetched_stored_and_its_failures_are_visible(sched, keys, runtimes, make_participant, feed_server):
    pid = make_participant(calendar_url=feed_server.url)
    h = keys.board()
    p = sched.get(f"/v1/participants/{pid}", headers=h).json()
    assert p["calendar_feed"]["status"] == "pending" and p["calendar_feed"]["host"] == "127.0.0.1"
    assert "secret" not in str(p)  # the URL's token is never shown back
    assert refresh_due_feeds(runtimes["scheduler"]) == 1
    p = sched.get(f"/v1/participants/{pid}", headers=h).json()
    assert p["calendar_feed"]["status"] == "ok" and p["calendar_feed"]["last_refreshed_at"]
    assert p["busy_intervals"]["calendar_url"] == 4
    rows = sched.get(f"/v1/participants/{pid}/busy", params={"source": "calendar_url"}, headers=h).json()
    assert [r["start"] for r in rows][:2] == ["2027-02-01T10:00:00Z", "2027-02-08T10:00:00Z"]
    # Not due again until calendar_refresh_seconds have passed.
    assert refresh_due_feeds(runtimes["scheduler"]) == 0
    # A second pass sends the ETag; 304 keeps the intervals.
    _force_due(runtimes, pid)
    refresh_due_feeds(runtimes["scheduler"])
    assert feed_server.requests[-1].get("If-None-Match") == '"v1"'
    assert sched.get(f"/v1/participants/{pid}", headers=h).json()["busy_intervals"]["calendar_url"] == 4
    # The server fails: the error is visible, the last good diary is kept.
    feed_server.mode = "error"
    _force_due(runtimes, pid)
    refresh_due_feeds(runtimes["scheduler"])
    feed = sched.get(f"/v1/participants/{pid}", headers=h).json()
    assert feed["calendar_feed"]["status"] == "error"
    # Generic: the target's HTTP status is not repeated (issue 17).
    assert feed["calendar_feed"]["last_error"] == ("The feed's server did not return the calendar "
                                                   "(it answered with an error).")
    assert feed["busy_intervals"]["calendar_url"] == 4


def test_a_feed_that_does_not_answer_times_out(sched, keys, runtimes, make_participant, feed_server):
    feed_server.mode = "slow"
    pid = make_participant(calendar_url=feed_server.url)
    started = time.monotonic()
    refresh_due_feeds(runtimes["scheduler"])
    assert time.monotonic() - started < 2.5  # calendar_fetch_timeout_seconds is 1 in these tests
    feed = sched.get(f"/v1/participants/{pid}", headers=keys.board()).json()["calendar_feed"]
    assert feed["status"] == "error" and "did not answer within 1 s" in feed["last_error"]


def test_an_unreadable_feed_and_removing_the_url(sched, keys, runtimes, make_participant, feed_server):
    pid = make_participant(calendar_url=feed_server.url)
    refresh_due_feeds(runtimes["scheduler"])
    assert sched.get(f"/v1/participants/{pid}", headers=keys.board()).json()["busy_intervals"]["calendar_url"] == 4
    r = sched.patch(f"/v1/participants/{pid}", json={"calendar_url": None}, headers=keys.board())
    assert r.json()["calendar_feed"]["status"] == "none" and r.json()["busy_intervals"]["calendar_url"] == 0
    problem(sched.patch(f"/v1/participants/{pid}", json={"calendar_url": "ftp://x/y.ics"}, headers=keys.board()), 422)


def test_private_addresses_and_plain_http_are_refused_by_default(runtimes, settings):
    from services.scheduler.participants.feed import FeedError, fetch

    strict = settings.model_copy(update={"calendar_url_allow_http": False, "calendar_url_allow_private": False})
    with pytest.raises(FeedError, match="https"):
        fetch("http://127.0.0.1:9/x.ics", strict)
    with pytest.raises(FeedError, match="loopback address"):
        fetch("https://127.0.0.1:9/x.ics", strict)
    # The forms the old check let through (issue 17): NAT64 and 6to4 loopback; link-local
    # and unspecified even with calendar_url_allow_private.
    with pytest.raises(FeedError, match="loopback address"):
        fetch("https://[64:ff9b::7f00:1]/x.ics", strict)
    with pytest.raises(FeedError, match="loopback address"):
        fetch("https://[2002:7f00:1::]/x.ics", strict)
    lenient = settings.model_copy(update={"calendar_url_allow_private": True})
    for url, reason in (("https://169.254.169.254/latest/meta-data", "link-local"), ("https://0.0.0.0/x.ics", "unspecified"),
                        ("https://[fe80::1]/x.ics", "link-local"), ("https://[::]/x.ics", "unspecified")):
        with pytest.raises(FeedError, match=reason):
            fetch(url, lenient)


def test_a_runaway_feed_is_refused_at_its_budget_and_the_next_feed_is_still_refreshed(
        sched, keys, runtimes, make_participant, feed_server):
    """Issue 17: one thread refreshes the feeds in turn; a MINUTELY or never-matching diary
    costs its budget and an error, not minutes, and the next feed is fetched as usual."""
    bad = FeedServer()
    try:
        bad.body = ics(vevent("m", "DTSTART:20270101T000000Z", "DURATION:PT1M", "RRULE:FREQ=MINUTELY"),
                       vevent("s", "DTSTART:20270101T000000Z", "DURATION:PT1S", "RRULE:FREQ=SECONDLY"))
        first = make_participant(calendar_url=bad.url)
        second = make_participant(calendar_url=feed_server.url)
        assert refresh_due_feeds(runtimes["scheduler"]) == 2
        h = keys.board()
        failed = sched.get(f"/v1/participants/{first}", headers=h).json()["calendar_feed"]
        assert failed["status"] == "error" and "not a readable calendar" in failed["last_error"]
        ok = sched.get(f"/v1/participants/{second}", headers=h).json()
        assert ok["calendar_feed"]["status"] == "ok" and ok["busy_intervals"]["calendar_url"] == 4
    finally:
        bad.close()
