"""Calendar replies read from a real IMAP mailbox (dovecot) by the worker's job: applied once,
marked seen; a forged one is left unapplied and recorded."""
from __future__ import annotations

import pytest

from services.scheduler.meetings.replies import poll_reply_mailbox
from tests.mail_support import outlook_reply

pytestmark = pytest.mark.integration


def test_the_worker_reads_replies_from_the_mailbox(sched, keys, make_review, make_participant, runtimes, settings,
                                                   imap_server):
    nurse, chair = make_participant("Ceri Jones"), make_participant("Rhian Evans")
    r = sched.post("/v1/meetings", headers=keys.board(), json={
        "review_id": make_review(), "kind": "learning_event", "start": "2027-02-02T10:00:00Z",
        "end": "2027-02-02T12:00:00Z",
        "participants": [{"participant_id": nurse, "required": True}, {"participant_id": chair, "required": True}]})
    meeting = r.json()
    imap_server.deliver(outlook_reply(uid=meeting["uid"], attendee="ceri.jones@agency.example.wales",
                                      partstat="DECLINED"))
    imap_server.deliver(outlook_reply(uid=meeting["uid"], attendee="rhian.evans@agency.example.wales",
                                      partstat="DECLINED", from_addr="spoofer@example.net"))
    runtime = runtimes["scheduler"]
    runtime.settings = settings.model_copy(update={"imap_url": imap_server.url})
    poll_reply_mailbox(runtime)
    assert imap_server.unseen() == 0
    poll_reply_mailbox(runtime)  # nothing new: nothing changes
    after = sched.get(f"/v1/meetings/{meeting['id']}", headers=keys.board()).json()
    responses = {p["display_name"]: p["response"] for p in after["participants"]}
    assert responses == {"Ceri Jones": "declined", "Rhian Evans": "needs_action"}
    assert after["status"] == "at_risk"
