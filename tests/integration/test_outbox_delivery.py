"""Events leave the outbox, and an operator sees the ones that do not (issue 9). Real
PostgreSQL, RabbitMQ with the services' declared topology, the relay and consumers in threads."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pika
import pytest
from sqlalchemy import update
from sqlmodel import Session, select
from typer.testing import CliRunner

from services.cli import app as cli
from shared.db import session_scope
from shared.events.meetings import MeetingAtRiskV1, MeetingCancelledV1, MeetingRescheduledV1
from shared.events.reviews import ReviewReferredV1
from shared.messaging.rabbit import RabbitTransport
from shared.outbox import OutboxMessage, OutboxRelay, add_event
from tests.support import AMQP_URL, settings_env, wait_until

pytestmark = pytest.mark.integration


def test_moved_cancelled_and_at_risk_meetings_are_sent_and_reach_the_national_feed(runtimes, clients, keys, workers):
    """Before the fix no queue was bound to these types: the rows stayed unsent forever."""
    review_id = str(uuid.uuid4())
    start = datetime(2027, 3, 29, 9, tzinfo=UTC)
    common = dict(review_id=review_id, board_code="gwent", kind="learning_event")
    with session_scope(runtimes["scheduler"].engine) as s:
        ids = [add_event(s, data=MeetingRescheduledV1(meeting_id="m1", start=start, end=start + timedelta(hours=3),
                                                      sequence=1, previous_start=start - timedelta(days=7),
                                                      **common)).id,
               add_event(s, data=MeetingAtRiskV1(meeting_id="m1", start=start, declined_required_count=1,
                                                 **common)).id,
               add_event(s, data=MeetingCancelledV1(meeting_id="m1", sequence=2, **common)).id]

    def entries():
        items = clients["dissemination"].get("/v1/feed", params={"board": "gwent"}, headers=keys.wg).json()["items"]
        mine = [i for i in items if i["_cpr"]["review_id"] == review_id]
        return mine if len(mine) == 3 else None

    items = wait_until(entries, timeout=30, what="three meeting entries in the national feed")
    assert [i["_cpr"]["entry_type"] for i in items] == [
        "learning_event_rescheduled", "learning_event_at_risk", "learning_event_cancelled"]
    assert items[0]["_cpr"]["data"]["previous_start"] == "2027-03-22T09:00:00Z"
    assert items[0]["title"].endswith("Learning Event moved")
    with Session(runtimes["scheduler"].engine) as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.event_id.in_(ids))).all()
        assert len(rows) == 3 and all(r.sent_at is not None and r.attempts == 0 for r in rows)


def test_an_unsent_event_past_the_threshold_shows_on_metrics_and_in_cpr_outbox_stale(runtimes, clients, settings):
    rt = runtimes["notification_api"]
    with session_scope(rt.engine) as s:
        env = add_event(s, data=ReviewReferredV1(review_id=str(uuid.uuid4()), board_code="gwent",
                                                 referral_date=date(2026, 1, 5), status="referred"))
    # Published on a prefix no queue is bound under: unroutable, as the meeting events were.
    transport = RabbitTransport(AMQP_URL, settings.amqp_prefix + "x")
    relay = OutboxRelay(rt.engine, transport)
    try:
        assert relay.run_once() == 0
    finally:
        relay.close()
        conn = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        conn.channel().exchange_delete(settings.amqp_prefix + "x.events")
        conn.close()

    def metric(name: str) -> float:
        text = clients["notification_api"].get("/metrics").text
        line = next(l for l in text.splitlines() if l.startswith(f'{name}{{service="notification_api"}}'))
        return float(line.rsplit(" ", 1)[1])

    assert metric("cpr_outbox_unsent_messages") == 1 and metric("cpr_outbox_stale_messages") == 0
    result = CliRunner().invoke(cli, ["outbox", "stale", "notification_api"], env=settings_env(settings))
    assert result.exit_code == 0 and "0 event(s)" in result.output

    with session_scope(rt.engine) as s:  # an hour later, still unsent
        s.execute(update(OutboxMessage).where(OutboxMessage.event_id == env.id)
                  .values(created_at=datetime.now(UTC) - timedelta(hours=1)))
    assert metric("cpr_outbox_stale_messages") == 1
    assert metric("cpr_outbox_oldest_unsent_seconds") >= 3600
    result = CliRunner().invoke(cli, ["outbox", "stale", "notification_api"], env=settings_env(settings))
    assert result.exit_code == 1, result.output  # so a cron job or probe can alert
    [line] = [json.loads(l) for l in result.output.splitlines() if l.startswith("{")]
    assert line["event_id"] == env.id and line["event_type"] == "review.referred.v1"
    assert line["attempts"] == 1 and "unroutable" in line["last_error"]
    assert "body" not in line
