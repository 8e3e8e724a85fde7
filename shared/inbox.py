"""Inbox: a consumer records each event id in the same transaction as the event's effect,
so a redelivered event is a no-op."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, ValidationError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel

from shared.db import UTCDateTime, is_connection_error, session_scope, utcnow
from shared.events import Envelope, UnknownEventType, parse_payload
from shared.logs import correlation_id, log
from shared.messaging.transport import Delivery

logger = logging.getLogger(__name__)


class InboxEntry(SQLModel, table=True):
    __tablename__ = "inbox"

    consumer: str = Field(primary_key=True, max_length=64)
    event_id: str = Field(primary_key=True, max_length=64)
    event_type: str = Field(max_length=100)
    processed_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)


def claim(session: Session, consumer: str, envelope: Envelope) -> bool:
    """Insert the inbox row; False if this consumer already processed the event."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(InboxEntry.__table__).values(
        consumer=consumer, event_id=envelope.id, event_type=envelope.type, processed_at=utcnow()
    ).on_conflict_do_nothing().returning(InboxEntry.__table__.c.event_id)
    return session.execute(stmt).first() is not None


class PoisonMessage(Exception):
    """A message that can never be processed: parked in the dead-letter queue at once."""

    permanent = True


class DatabaseUnavailable(Exception):
    """The handler could not reach its database: retried with back-off without using up the
    message's attempts, so an outage never sends good messages to the dead-letter queue."""

    transient = True


EventHandler = Callable[[Session, Envelope, BaseModel], None]


class EventConsumer:
    """Turns deliveries into handler calls inside one transaction with the inbox claim."""

    def __init__(self, name: str, engine: Engine, handlers: dict[str, EventHandler], settings=None):
        self.name = name
        self.engine = engine
        self.handlers = handlers
        self.settings = settings

    def __call__(self, delivery: Delivery) -> None:
        try:
            envelope = Envelope.from_json(delivery.body)
        except ValidationError as exc:
            raise PoisonMessage(f"not a CloudEvents envelope: {exc.error_count()} errors") from None
        handler = self.handlers.get(envelope.type)
        if handler is None:
            return  # bound by a wildcard but not ours to handle
        try:
            payload = parse_payload(envelope.type, envelope.data)
        except (UnknownEventType, ValidationError) as exc:
            raise PoisonMessage(f"payload does not match {envelope.type}: {type(exc).__name__}") from None
        token = correlation_id.set(envelope.correlationid)
        try:
            self._handle(envelope, handler, payload)
        except Exception as exc:
            if is_connection_error(exc):
                raise DatabaseUnavailable(f"{type(exc).__name__}: database unreachable") from exc
            raise
        finally:
            correlation_id.reset(token)

    def _handle(self, envelope: Envelope, handler: EventHandler, payload: BaseModel) -> None:
        with session_scope(self.engine) as session:
            if self.settings is not None:
                session.info["settings"] = self.settings
            if not claim(session, self.name, envelope):
                log(logger, logging.INFO, "duplicate event ignored", event_id=envelope.id, event_type=envelope.type)
                return
            handler(session, envelope, payload)
        log(logger, logging.INFO, "event handled", event_id=envelope.id, event_type=envelope.type)
