"""Invitations end to end: the services as real processes on PostgreSQL and RabbitMQ, a real
SMTP server (aiosmtpd) and a real IMAP mailbox (dovecot). Booking e-mails every invitee a
REQUEST naming them; the scheduler's worker is SIGKILLed mid-delivery and restarted, and the
SMTP server counts that nothing was lost or doubled; an Outlook-style REPLY (no ORGANIZER)
puts the meeting at risk and a forged one does not; rescheduling sends a higher SEQUENCE and
cancelling a CANCEL. The test speaks HTTP, SMTP and IMAP only."""
from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.mail_support import calendar_of, outlook_reply
from tests.support import METRICS, wait_until

pytestmark = pytest.mark.e2e

INVITEES = 12


@pytest.fixture
def settings(settings, smtp_sink, imap_server):
    return settings.model_copy(update={"smtp_url": smtp_sink.url, "imap_url": imap_server.url,
                                       "imap_poll_seconds": 0.5, "mail_lease_seconds": 3.0})


def has_calendar(received) -> bool:
    return any(p.get_content_type() == "text/calendar" for p in received.message.walk())


def mail_counts(url: str) -> dict[str, float]:
    text = httpx.get(f"{url}/metrics", headers=METRICS, timeout=10).text
    return {m.group(1): float(m.group(2)) for m in
            re.finditer(r'cpr_mail_messages\{service="scheduler",status="(\w+)"\} ([0-9.]+)', text)}


def settled(url: str, total: int) -> dict | None:
    counts = mail_counts(url)
    done = counts.get("sent", 0) + counts.get("unknown", 0) + counts.get("failed", 0)
    return counts if done == total and counts.get("pending", 0) == 0 else None


def test_invitations_survive_a_killed_worker_and_replies_come_back(stack, keys, smtp_sink, imap_server):
    api, sched = stack.url("notification_api"), stack.url("scheduler")
    board = keys.board("gwent")
    today = datetime.now(UTC).date()
    r = httpx.post(f"{api}/v1/reviews", headers=board, timeout=10, json={
        "board_reference": "GW-2026-MAIL-1", "referral_date": (today - timedelta(days=10)).isoformat(),
        "trigger": {"kind": "death", "date": (today - timedelta(days=20)).isoformat()},
        "abuse_or_neglect": "suspected",
        "child": {"age_years": 2, "on_child_protection_register_in_prior_6_months": False,
                  "looked_after_in_prior_6_months": False}})
    assert r.status_code == 201, r.text
    review_id = r.json()["id"]
    wait_until(lambda: httpx.get(f"{sched}/v1/reviews/{review_id}", headers=board, timeout=10).status_code == 200,
               what="the scheduler to learn of the review")
    people = []
    for i in range(INVITEES):
        r = httpx.post(f"{sched}/v1/participants", headers=board, timeout=10, json={
            "display_name": f"Person {i}", "email": f"person{i}@agency.example.wales", "agency_code": "health",
            "preferred_language": "en" if i % 2 else "cy"})
        assert r.status_code == 201, r.text
        people.append(r.json()["id"])

    # Slow the server down (before any data), book, and kill the worker part-way through.
    smtp_sink.behaviour.rcpt_delay = 0.3
    start = datetime(today.year + 1, 3, 2, 10, tzinfo=UTC)
    r = httpx.post(f"{sched}/v1/meetings", headers=board, timeout=10, json={
        "review_id": review_id, "kind": "learning_event", "start": start.isoformat(),
        "end": (start + timedelta(hours=3)).isoformat(), "allow_conflicts": True,
        "participants": [{"participant_id": p, "required": i < 3} for i, p in enumerate(people)]})
    assert r.status_code == 201, r.text
    meeting = r.json()
    smtp_sink.wait_for(4)
    stack.kill("worker-scheduler")
    killed_at = len(smtp_sink.received())
    assert killed_at < INVITEES, "the kill came too late to test anything"
    smtp_sink.behaviour.rcpt_delay = 0.0
    stack.start("worker", "scheduler")
    counts = wait_until(lambda: settled(sched, INVITEES), timeout=60, what="every invitation to be settled")

    received = smtp_sink.received()
    ids = Counter(m.message_id for m in received)
    assert max(ids.values()) == 1, f"a message was delivered twice: {ids}"
    # At most the one message in flight at the kill can be `unknown`; everything else was sent.
    assert counts.get("unknown", 0) <= 1 and counts.get("failed", 0) == 0
    assert len(received) >= INVITEES - counts.get("unknown", 0)
    recipients = Counter(m.rcpt_tos[0] for m in received)
    for m in received:
        cal, part = calendar_of(m)
        [event] = cal.walk("VEVENT")
        assert cal["METHOD"] == "REQUEST" and part.get_param("method") == "REQUEST"
        assert str(event["UID"]) == meeting["uid"] and int(event["SEQUENCE"]) == 0
        assert str(event["ATTENDEE"]).lower() == f"mailto:{m.rcpt_tos[0]}"
    assert max(recipients.values()) == 1

    # Replies from calendar clients come back through the mailbox.
    imap_server.deliver(outlook_reply(uid=meeting["uid"], attendee="person1@agency.example.wales",
                                      partstat="DECLINED", from_addr="someone.else@example.net"))
    imap_server.deliver(outlook_reply(uid=meeting["uid"], attendee="person0@agency.example.wales",
                                      partstat="DECLINED"))
    read = lambda: httpx.get(f"{sched}/v1/meetings/{meeting['id']}", headers=board, timeout=10).json()  # noqa: E731
    after = wait_until(lambda: (m := read())["status"] == "at_risk" and m, timeout=30,
                       what="the Outlook decline to put the meeting at risk")
    responses = {p["display_name"]: p["response"] for p in after["participants"]}
    assert responses["Person 0"] == "declined" and responses["Person 1"] == "needs_action"
    wait_until(lambda: imap_server.unseen() == 0, what="the mailbox to be read")

    # Rescheduling: a REQUEST with a higher SEQUENCE to everyone; cancelling: a CANCEL.
    before = len(smtp_sink.received())
    new_start = start + timedelta(days=1)
    r = httpx.patch(f"{sched}/v1/meetings/{meeting['id']}", headers=board, timeout=10, json={
        "start": new_start.isoformat(), "end": (new_start + timedelta(hours=3)).isoformat(), "allow_conflicts": True})
    assert r.status_code == 200, r.text
    r = httpx.patch(f"{sched}/v1/meetings/{meeting['id']}", headers=board, timeout=10, json={"status": "cancelled"})
    assert r.status_code == 200, r.text
    # The required decline also e-mailed the coordinator (the organizer here) its alternatives:
    # one message without a calendar, whenever the worker got to it (before or after `before`,
    # so it is counted apart from the calendars).
    def everything_arrived():
        got = smtp_sink.received()
        calendars = [m for m in got[before:] if has_calendar(m)]
        return len(calendars) >= 2 * INVITEES and any(not has_calendar(m) for m in got)
    wait_until(everything_arrived, timeout=60, what="the reschedule, the cancellation and the decline notice")
    notices = [m for m in smtp_sink.received() if not has_calendar(m)]
    assert [m.rcpt_tos[0] for m in notices] == [meeting["organizer_email"]]
    later = [m for m in smtp_sink.received()[before:] if has_calendar(m)]
    seen = Counter()
    for m in later:
        cal, part = calendar_of(m)
        [event] = cal.walk("VEVENT")
        assert part.get_param("method") == str(cal["METHOD"])
        seen[(str(cal["METHOD"]), int(event["SEQUENCE"]))] += 1
    assert seen == {("REQUEST", 1): INVITEES, ("CANCEL", 2): INVITEES}
