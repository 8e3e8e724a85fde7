"""Transactional outbox: an event is a row written in the same transaction as the change
that causes it; the relay publishes rows and marks them sent only after the broker's ack."""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import Column, Integer, Text, or_
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, select

from shared.db import UTCDateTime, is_connection_error, utcnow
from shared.events import Envelope, make_envelope, routing_key
from shared.logs import log
from shared.messaging.transport import PublishFailed, Transport

logger = logging.getLogger(__name__)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"

    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    event_id: str = Field(max_length=64, unique=True)
    event_type: str = Field(max_length=100)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    # An unroutable row waits until then, so it never holds up the rows behind it.
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def add_event(session: Session, data: BaseModel, *, subject: str | None = None) -> Envelope:
    """Stage an event in the caller's transaction. It is published only if that commits. The
    type and source come from the payload class (`make_envelope`)."""
    envelope = make_envelope(data, subject=subject)
    session.add(OutboxMessage(event_id=envelope.id, event_type=envelope.type, body=envelope.to_json()))
    return envelope


def stale_messages(session: Session, older_than: timedelta, *, limit: int | None = None) -> list[OutboxMessage]:
    """Rows still unsent `older_than` after they were staged, oldest first. A row stays unsent
    when the broker is unreachable or the event is unroutable (no queue bound to its type):
    either needs an operator, so `cpr outbox stale` and /metrics show them."""
    query = (select(OutboxMessage)
             .where(OutboxMessage.sent_at.is_(None), OutboxMessage.created_at < utcnow() - older_than)
             .order_by(OutboxMessage.seq))
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())


class OutboxRelay:
    """Publishes unsent rows in order. Rows are locked with SKIP LOCKED on PostgreSQL so
    several relays can run; a crash after publish and before commit republishes the row,
    which consumers' inboxes make harmless (at-least-once, applied once)."""

    def __init__(self, engine: Engine, transport: Transport, batch_size: int = 200):
        self.engine = engine
        self.transport = transport
        self.batch_size = batch_size
        self._publisher = None
        self.broker_failed = False

    def run_once(self) -> int:
        """Publish one batch. A broker failure stops the batch (the rest would fail too) and
        sets `broker_failed`; an unroutable row is set aside with back-off and skipped."""
        if self._publisher is None:
            self._publisher = self.transport.publisher()
        sent = 0
        self.broker_failed = False
        now = utcnow()
        with Session(self.engine, expire_on_commit=False) as session:
            query = (select(OutboxMessage)
                     .where(OutboxMessage.sent_at.is_(None),
                            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
                     .order_by(OutboxMessage.seq).limit(self.batch_size))
            if self.engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = session.exec(query).all()
            for row in rows:
                try:
                    self._publisher.publish(routing_key(row.event_type), row.body.encode(), row.event_id)
                except PublishFailed as exc:
                    row.attempts += 1
                    row.last_error = str(exc)[:500]
                    log(logger, logging.WARNING, "outbox publish failed; will retry",
                        event_id=row.event_id, event_type=row.event_type, error=str(exc), attempts=row.attempts)
                    if exc.unroutable:
                        row.next_attempt_at = now + timedelta(seconds=min(2 ** row.attempts, 300))
                        continue
                    self.broker_failed = True
                    break
                row.sent_at = utcnow()
                sent += 1
            session.commit()
        return sent

    def run(self, stop: threading.Event, poll_seconds: float = 0.1) -> None:
        delay = poll_seconds
        while not stop.is_set():
            try:
                sent = self.run_once()
                if self.broker_failed:
                    delay = min(max(delay * 2, 0.5), 5.0)
                else:
                    delay = poll_seconds
                    if sent == self.batch_size:
                        continue  # more waiting: no pause
            except Exception as exc:  # keep relaying after database or broker faults
                level = logging.WARNING if is_connection_error(exc) else logging.ERROR
                log(logger, level, "outbox relay error", error=f"{type(exc).__name__}: {exc}"[:300])
                delay = min(max(delay * 2, 0.5), 10.0)
            stop.wait(delay)
        self.close()

    def close(self) -> None:
        if self._publisher is not None:
            self._publisher.close()
            self._publisher = None
