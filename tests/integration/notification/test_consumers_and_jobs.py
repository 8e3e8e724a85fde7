"""Facts from the scheduler (a Learning Event held) and dissemination (a report published)
become milestones, idempotently; the overdue job emits review.overdue.v1 once per review."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from shared.events import make_envelope
from shared.events.meetings import MeetingHeldV1
from shared.events.publications import PublicationPublishedV1
from shared.inbox import EventConsumer
from shared.messaging.transport import Delivery
from services.notification_api.jobs.overdue import emit_overdue
from services.notification_api.reviews.models import Review
from services.notification_api.service import SPEC
from tests.integration.notification.conftest import TODAY, as_date, days_ago
from tests.support import wait_until

pytestmark = pytest.mark.integration


def _held(review_id: str, held_on: str, kind: str = "learning_event", board: str = "gwent"):
    return make_envelope(source="/cpr/scheduler", subject=review_id, data=MeetingHeldV1(
        meeting_id=str(uuid.uuid4()), review_id=review_id, board_code=board, kind=kind,
        held_on=date.fromisoformat(held_on), invited_count=9, attended_count=8, required_count=5,
        required_attended_count=5))


def _published(review_id: str, on: str, board: str = "gwent"):
    return make_envelope(source="/cpr/dissemination", subject=review_id,
                         data=PublicationPublishedV1(publication_id=str(uuid.uuid4()), review_id=review_id,
                                                     board_code=board, published_on=date.fromisoformat(on),
                                                     themes=["neglect"], review_type="concise_cpr"))


def _deliver(consumer, envelope):
    consumer(Delivery(body=envelope.to_json().encode(), message_id=envelope.id, routing_key=envelope.type))


@pytest.fixture
def consumer(engine):
    return EventConsumer("notification_api", engine, SPEC.handlers)


def _milestones(api, rid):
    return {m["milestone"]: (m["date"], m["source"]) for m in api.get(rid)["milestones"]}


def test_a_learning_event_held_is_recorded_once(api, consumer):
    rid = api.started("GW-1", days=200)["id"]
    env = _held(rid, days_ago(100))
    _deliver(consumer, env)
    _deliver(consumer, env)                         # redelivery: the inbox makes it a no-op
    _deliver(consumer, _held(rid, days_ago(100)))   # the same fact in another event: idempotent
    assert _milestones(api, rid) == {"learning_event_held": (days_ago(100), "meeting.held.v1")}
    assert len(api.events("review.milestone_recorded.v1")) == 1
    audit = api.c.get(f"/v1/reviews/{rid}/audit", headers=api.h()).json()["items"]
    assert ("event:meeting.held.v1", None, "update", "milestone:learning_event_held") in [
        (e["principal"], e["key_id"], e["action"], e["what"]) for e in audit]


def test_facts_the_lifecycle_refuses_are_logged_and_acknowledged_not_retried(api, consumer):
    undecided = api.notify("GW-U")["id"]
    rid = api.started("GW-1", days=200)["id"]
    # None of these raises (a raise would mean retries, then the dead-letter queue).
    _deliver(consumer, _held(undecided, days_ago(10)))                # no decision yet
    _deliver(consumer, _published(rid, days_ago(10)))                 # report not approved yet
    _deliver(consumer, _held(rid, days_ago(300)))                     # before the decision
    _deliver(consumer, _held(rid, days_ago(50), kind="panel_meeting"))  # not a milestone
    _deliver(consumer, _held(str(uuid.uuid4()), days_ago(10)))        # unknown review
    _deliver(consumer, _held(rid, days_ago(10), board="north-wales"))  # board does not match
    assert _milestones(api, undecided) == {} and _milestones(api, rid) == {}
    _deliver(consumer, _held(rid, days_ago(100)))
    _deliver(consumer, _held(rid, days_ago(90)))                      # another date: the first stands
    assert _milestones(api, rid) == {"learning_event_held": (days_ago(100), "meeting.held.v1")}


def test_a_publication_records_report_published(api, consumer):
    rid = api.started("GW-1", days=200)["id"]
    api.milestone(rid, "report_drafted", 100)
    api.milestone(rid, "report_approved", 90)
    _deliver(consumer, _published(rid, days_ago(30)))
    review = api.get(rid)
    assert review["status"] == "published"
    assert {m["milestone"]: m["source"] for m in review["milestones"]}["report_published"] == "publication.published.v1"
    # The board posting the same fact afterwards is an idempotent re-post.
    api.milestone(rid, "report_published", 30, expect=200)


def test_meeting_held_over_real_rabbitmq(api, runtimes, workers):
    rid = api.started("GW-1", days=200)["id"]
    env = _held(rid, days_ago(60))
    publisher = runtimes["scheduler"].transport.publisher()
    try:
        publisher.publish(env.type, env.to_json().encode(), env.id)
        publisher.publish(env.type, env.to_json().encode(), env.id)  # a duplicate delivery
    finally:
        publisher.close()
    wait_until(lambda: "learning_event_held" in _milestones(api, rid), what="the milestone from meeting.held")
    wait_until(lambda: _inbox_count(api.engine) == 1, what="the inbox entry")
    assert len(api.events("review.milestone_recorded.v1")) == 1


def _inbox_count(engine) -> int:
    from shared.inbox import InboxEntry

    with Session(engine) as s:
        return len(s.exec(select(InboxEntry).where(InboxEntry.consumer == "notification_api")).all())


def test_overdue_job_emits_once_per_review(api, engine):
    late = api.started("GW-LATE", days=200)             # target 6 months after: passed
    on_time = api.started("GW-OK", days=20)
    done = api.started("GW-DONE", days=250)
    api.milestone(done["id"], "report_drafted", 100)
    api.milestone(done["id"], "report_approved", 90)     # complete, so never overdue
    mapf = api.notify("GW-MAPF", abuse="not_suspected")
    api.decide(mapf["id"], "mapf", days=100)             # 3-month target: passed
    assert emit_overdue(engine) == 2
    assert emit_overdue(engine) == 0
    SPEC.jobs[0].run(type("Rt", (), {"engine": engine})())  # the periodic job's entry point
    events = api.events("review.overdue.v1")
    assert sorted(e["data"]["review_id"] for e in events) == sorted([late["id"], mapf["id"]])
    by_id = {e["data"]["review_id"]: e["data"] for e in events}
    assert by_id[late["id"]] == {"review_id": late["id"], "board_code": "gwent", "review_type": "concise_cpr",
                                 "target_completion_date": late["target_completion_date"],
                                 "detected_on": TODAY.isoformat()}
    with Session(engine) as s:
        assert s.get(Review, late["id"]).overdue_notified_on == TODAY
        assert s.get(Review, on_time["id"]).overdue_notified_on is None
    # Later, the on-time review passes its target too, and is notified once.
    later = as_date(on_time["target_completion_date"]) + timedelta(days=1)
    assert emit_overdue(engine, on=later) == 1 and emit_overdue(engine, on=later) == 0
