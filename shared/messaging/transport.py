"""What a transport offers: a confirming publisher, a consumer loop, dead-letter tools."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from shared.messaging.topology import Topology

ATTEMPTS_HEADER = "x-cpr-attempts"
ERROR_HEADER = "x-cpr-last-error"
TRANSIENT_HEADER = "x-cpr-transient-failures"


class PublishFailed(Exception):
    """The broker did not take responsibility for the message (nack, unroutable, or down)."""

    def __init__(self, message: str, *, unroutable: bool = False):
        super().__init__(message)
        # Unroutable is about this message (no queue bound for its type), not the broker:
        # the relay sets it aside and carries on with the rest.
        self.unroutable = unroutable


@dataclass
class Delivery:
    body: bytes
    message_id: str | None
    routing_key: str
    attempts: int = 0  # failures so far
    headers: dict = field(default_factory=dict)


@dataclass
class DeadLetter:
    message_id: str | None
    routing_key: str
    attempts: int
    last_error: str | None
    body: bytes


class Publisher(Protocol):
    def publish(self, routing_key: str, body: bytes, message_id: str, headers: dict | None = None) -> None:
        """Return only once the broker has confirmed; raise PublishFailed otherwise."""

    def close(self) -> None: ...


Handler = Callable[[Delivery], None]


@dataclass(frozen=True)
class AfterFailure:
    """Where a failed message goes next, and the counts it carries there."""

    dead_letter: bool
    retry_tier: int  # 1-based retry queue, when not dead-lettered
    attempts: int
    transient_failures: int


def after_failure(topology: Topology, delivery: Delivery, exc: Exception) -> AfterFailure:
    """The one retry policy both transports apply.

    - `permanent` (a poison message): dead-letter at once.
    - `transient` (the database is unreachable): retry with growing back-off, but the attempt
      does not count toward `max_attempts`, so an outage never parks good messages.
    - anything else: retry through the tiers, dead-letter after `max_attempts`.
    """
    transient = int(delivery.headers.get(TRANSIENT_HEADER, 0))
    if getattr(exc, "permanent", False):
        return AfterFailure(True, 0, delivery.attempts + 1, transient)
    if getattr(exc, "transient", False):
        tier = min(transient + 1, len(topology.retry_delays_ms))
        return AfterFailure(False, tier, delivery.attempts, transient + 1)
    failures = delivery.attempts + 1
    tier = min(failures, len(topology.retry_delays_ms))
    return AfterFailure(failures >= topology.max_attempts, tier, failures, transient)


class Transport(Protocol):
    def publisher(self) -> Publisher: ...

    def run_consumer(self, topology: Topology, handle: Handler, stop: threading.Event) -> None:
        """Deliver messages to `handle` until `stop` is set. A raised exception means retry
        (after back-off) until `topology.max_attempts`, then the dead-letter queue."""

    def ping(self) -> bool: ...

    def dead_letters(self, topology: Topology) -> list[DeadLetter]: ...

    def replay_dead_letters(self, topology: Topology, message_ids: set[str] | None = None) -> int: ...
