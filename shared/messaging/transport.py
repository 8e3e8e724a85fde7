"""What a transport offers: a confirming publisher, a consumer loop, dead-letter tools."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from shared.messaging.topology import Topology

ATTEMPTS_HEADER = "x-cpr-attempts"
ERROR_HEADER = "x-cpr-last-error"


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


class Transport(Protocol):
    def publisher(self) -> Publisher: ...

    def run_consumer(self, topology: Topology, handle: Handler, stop: threading.Event) -> None:
        """Deliver messages to `handle` until `stop` is set. A raised exception means retry
        (after back-off) until `topology.max_attempts`, then the dead-letter queue."""

    def ping(self) -> bool: ...

    def dead_letters(self, topology: Topology) -> list[DeadLetter]: ...

    def replay_dead_letters(self, topology: Topology, message_ids: set[str] | None = None) -> int: ...
