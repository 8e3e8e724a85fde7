"""The outbox, inbox and retry/dead-letter machinery against the real RabbitMQ."""
from __future__ import annotations

import threading
import uuid
from datetime import date

import pika
import pytest
from sqlmodel import Session, select

from shared.db import session_scope
from shared.events import Envelope
from shared.events.reviews import ReviewReferredV1
from shared.inbox import EventConsumer, InboxEntry
from shared.messaging.rabbit import RabbitTransport
from shared.messaging.topology import Topology, declare
from shared.messaging.transport import Delivery, PublishFailed
from shared.outbox import OutboxMessage, OutboxRelay, add_event
from tests.support import AMQP_URL, wait_until

pytestmark = pytest.mark.integration


def _event(session: Session, board: str = "gwent") -> Envelope:
    return add_event(session, subject="r1", data=ReviewReferredV1(
        review_id=str(uuid.uuid4()), board_code=board, referral_date=date(2026, 1, 5), status="referred"))


def _topology(settings, service="probe", bindings=("review.referred.v1",)) -> Topology:
    return Topology(prefix=settings.amqp_prefix, service=service, bindings=bindings,
                    retry_delays_ms=(100, 200), max_attempts=3)


def _cleanup(topology: Topology):
    conn = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    ch = conn.channel()
    for q in topology.queue_arguments():
        ch.queue_delete(queue=q)
    conn.close()


def test_outbox_row_stays_unsent_when_the_message_is_unroutable(runtimes, settings):
    rt = runtimes["notification_api"]
    # No queue is bound to review.referred.v1 under this test's prefix... except the
    # services' own; use an event type nobody binds by routing it on a fresh prefix.
    transport = RabbitTransport(AMQP_URL, settings.amqp_prefix + "x")
    with session_scope(rt.engine) as s:
        env = _event(s)
    relay = OutboxRelay(rt.engine, transport)
    assert relay.run_once() == 0
    relay.close()
    with Session(rt.engine) as s:
        row = s.exec(select(OutboxMessage).where(OutboxMessage.event_id == env.id)).one()
        assert row.sent_at is None
        assert row.attempts == 1
        assert "unroutable" in row.last_error
        assert row.next_attempt_at is not None  # set aside with back-off
    conn = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    conn.channel().exchange_delete(settings.amqp_prefix + "x.events")
    conn.close()


def test_outbox_row_stays_unsent_when_the_broker_nacks(runtimes, settings):
    """A queue at its length limit with reject-publish makes the broker nack."""
    rt = runtimes["notification_api"]
    conn = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    ch = conn.channel()
    ch.exchange_declare(exchange=f"{settings.amqp_prefix}.events", exchange_type="topic", durable=True)
    full = f"{settings.amqp_prefix}.full"
    ch.queue_declare(queue=full, durable=True, arguments={"x-max-length": 0, "x-overflow": "reject-publish"})
    ch.queue_bind(queue=full, exchange=f"{settings.amqp_prefix}.events", routing_key="review.referred.v1")
    try:
        with session_scope(rt.engine) as s:
            env = _event(s)
        relay = OutboxRelay(rt.engine, rt.transport)
        assert relay.run_once() == 0
        relay.close()
        with Session(rt.engine) as s:
            row = s.exec(select(OutboxMessage).where(OutboxMessage.event_id == env.id)).one()
            assert row.sent_at is None and "nack" in row.last_error
    finally:
        ch.queue_delete(queue=full)
        conn.close()


def test_relay_marks_rows_sent_after_confirm_and_the_consumer_gets_them(runtimes, settings):
    rt = runtimes["notification_api"]
    topo = _topology(settings)
    RabbitTransport(AMQP_URL, settings.amqp_prefix).declare(topo)
    try:
        with session_scope(rt.engine) as s:
            ids = {_event(s).id for _ in range(5)}
        relay = OutboxRelay(rt.engine, rt.transport)
        assert relay.run_once() == 5
        relay.close()
        with Session(rt.engine) as s:
            assert all(r.sent_at for r in s.exec(select(OutboxMessage)).all())
        conn = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        ch = conn.channel()
        got = set()
        for _ in range(5):
            method, props, body = ch.basic_get(topo.queue, auto_ack=True)
            got.add(props.message_id)
        conn.close()
        assert got == ids
    finally:
        _cleanup(topo)


def test_a_redelivered_event_changes_nothing_the_second_time(runtimes):
    rt = runtimes["scheduler"]
    calls = []

    def handler(session, envelope, payload):
        calls.append(envelope.id)

    consumer = EventConsumer("probe", rt.engine, {"review.referred.v1": handler})
    with session_scope(rt.engine) as s:
        env = _event(s)
    delivery = Delivery(env.to_json().encode(), env.id, env.type)
    consumer(delivery)
    consumer(delivery)
    assert calls == [env.id]
    with Session(rt.engine) as s:
        assert len(s.exec(select(InboxEntry).where(InboxEntry.consumer == "probe")).all()) == 1


def test_the_handlers_effect_and_inbox_row_roll_back_together(runtimes):
    rt = runtimes["scheduler"]
    from services.scheduler.reviews.models import ReviewRecord

    def handler(session, envelope, payload):
        session.add(ReviewRecord(review_id=payload.review_id, board_code="gwent",
                                 referral_date=payload.referral_date, status="referred"))
        session.flush()
        raise RuntimeError("boom after the effect")

    consumer = EventConsumer("probe", rt.engine, {"review.referred.v1": handler})
    with session_scope(rt.engine) as s:
        env = _event(s)
    with pytest.raises(RuntimeError):
        consumer(Delivery(env.to_json().encode(), env.id, env.type))
    with Session(rt.engine) as s:
        assert s.exec(select(ReviewRecord)).all() == []
        assert s.exec(select(InboxEntry)).all() == []


def test_failing_handler_goes_to_dead_letter_queue_after_n_attempts_while_others_flow(runtimes, settings):
    from services.cli import app as cli
    from typer.testing import CliRunner

    rt = runtimes["notification_api"]
    topo = _topology(settings)
    transport = RabbitTransport(AMQP_URL, settings.amqp_prefix)
    transport.declare(topo)
    poison_review = str(uuid.uuid4())
    attempts: dict[str, int] = {}
    handled: list[str] = []
    fixed = threading.Event()

    def handle(delivery: Delivery):
        env = Envelope.from_json(delivery.body)
        attempts[env.id] = attempts.get(env.id, 0) + 1
        if env.data["review_id"] == poison_review and not fixed.is_set():
            raise RuntimeError("cannot handle this one yet")
        handled.append(env.id)

    stop = threading.Event()
    thread = threading.Thread(target=transport.run_consumer, args=(topo, handle, stop), daemon=True)
    thread.start()
    try:
        with session_scope(rt.engine) as s:
            poison = add_event(s, data=ReviewReferredV1(
                review_id=poison_review, board_code="gwent", referral_date=date(2026, 1, 5), status="referred"))
        with session_scope(rt.engine) as s:
            later = [_event(s).id for _ in range(3)]
        relay = OutboxRelay(rt.engine, rt.transport)
        relay.run_once()
        relay.close()
        wait_until(lambda: set(later) <= set(handled), what="later messages to flow past the failing one")
        wait_until(lambda: len(transport.dead_letters(topo)) == 1, what="the failing message in the DLQ")
        assert attempts[poison.id] == 3  # max_attempts
        [letter] = transport.dead_letters(topo)
        assert letter.message_id == poison.id and "cannot handle" in letter.last_error
        # The cause is fixed; the operator replays it through the CLI.
        fixed.set()
        env = {"CPR_AMQP_URL": AMQP_URL, "CPR_AMQP_PREFIX": settings.amqp_prefix,
               "CPR_MAX_ATTEMPTS": "3", "CPR_RETRY_DELAYS_MS": "[100,200]"}
        out = CliRunner().invoke(cli, ["dlq", "list", "notification_api"], env=env)
        assert out.exit_code == 0, out.output
        # the probe topology is not a service's: replay it through the transport like the CLI does
        assert transport.replay_dead_letters(topo) == 1
        wait_until(lambda: poison.id in handled, what="the replayed message to be handled")
        assert handled.count(poison.id) == 1
        assert transport.dead_letters(topo) == []
    finally:
        stop.set()
        thread.join(timeout=10)
        _cleanup(topo)


def test_housekeeping_purges_old_sent_rows_but_never_unsent_ones(runtimes):
    from datetime import timedelta

    from shared.db import utcnow
    from shared.worker import purge_expired

    rt = runtimes["notification_api"]
    with session_scope(rt.engine) as s:
        old_sent, old_unsent, recent_sent = _event(s), _event(s), _event(s)
    with session_scope(rt.engine) as s:
        for row in s.exec(select(OutboxMessage)).all():
            if row.event_id == old_sent.id:
                row.created_at = row.sent_at = utcnow() - timedelta(days=30)
            elif row.event_id == old_unsent.id:
                row.created_at = utcnow() - timedelta(days=30)
            else:
                row.sent_at = utcnow()
            s.add(row)
    purge_expired(rt)
    with Session(rt.engine) as s:
        left = {r.event_id for r in s.exec(select(OutboxMessage)).all()}
    assert left == {old_unsent.id, recent_sent.id}


def test_an_unroutable_row_does_not_hold_up_the_rows_behind_it(runtimes, settings):
    rt = runtimes["notification_api"]
    topo = _topology(settings, bindings=("review.referred.v1",))
    RabbitTransport(AMQP_URL, settings.amqp_prefix).declare(topo)
    try:
        from shared.events.reviews import ReviewOverdueV1

        with session_scope(rt.engine) as s:
            # No queue under this test's prefix is bound to review.overdue.v1 except the
            # services'; delete theirs so it is unroutable here.
            stuck = add_event(s, data=ReviewOverdueV1(
                review_id="r", board_code="gwent", review_type="concise_cpr",
                target_completion_date=date(2026, 1, 1), detected_on=date(2026, 1, 2)))
            behind = _event(s)
        conn = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        ch = conn.channel()
        for name, spec_rt in runtimes.items():
            if spec_rt.spec.handlers:
                ch.queue_delete(queue=spec_rt.spec.topology(settings).queue)
        conn.close()
        relay = OutboxRelay(rt.engine, rt.transport)
        assert relay.run_once() == 1
        assert relay.broker_failed is False
        relay.close()
        with Session(rt.engine) as s:
            rows = {r.event_id: r for r in s.exec(select(OutboxMessage)).all()}
        assert rows[behind.id].sent_at is not None
        assert rows[stuck.id].sent_at is None and rows[stuck.id].next_attempt_at is not None
    finally:
        _cleanup(topo)


def test_a_database_outage_in_a_handler_is_retried_past_max_attempts_without_dead_lettering(runtimes, settings):
    """The consumer's database is unreachable for longer than max_attempts retries: the message
    waits (transient failures do not count) and is applied once the database is back."""
    from sqlalchemy.exc import OperationalError

    rt = runtimes["notification_api"]
    topo = _topology(settings)
    transport = RabbitTransport(AMQP_URL, settings.amqp_prefix)
    transport.declare(topo)
    outage = {"left": topo.max_attempts + 3}
    applied: list[str] = []

    def handler(session, envelope, payload):
        if outage["left"] > 0:
            outage["left"] -= 1
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))
        applied.append(envelope.id)

    consumer = EventConsumer("probe", runtimes["scheduler"].engine, {"review.referred.v1": handler})
    stop = threading.Event()
    thread = threading.Thread(target=transport.run_consumer, args=(topo, consumer, stop), daemon=True)
    thread.start()
    try:
        with session_scope(rt.engine) as s:
            env = _event(s)
        relay = OutboxRelay(rt.engine, rt.transport)
        relay.run_once()
        relay.close()
        wait_until(lambda: applied == [env.id], timeout=30, what="the event applied after the outage")
        assert outage["left"] == 0 and transport.dead_letters(topo) == []
    finally:
        stop.set()
        thread.join(timeout=10)
        _cleanup(topo)
