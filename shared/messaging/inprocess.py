"""In-process transport with the RabbitMQ transport's interface and failure semantics.

Only for the single-process quick start and handler unit tests: it keeps nothing across a
restart (the outbox does, so nothing accepted is lost; unsent rows are published again).
"""
from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field

from shared.logs import log
from shared.messaging.topology import Topology, topic_matches
from shared.messaging.transport import (
    ERROR_HEADER,
    TRANSIENT_HEADER,
    DeadLetter,
    Delivery,
    Handler,
    PublishFailed,
    after_failure,
)

logger = logging.getLogger(__name__)


@dataclass
class _Queue:
    topology: Topology
    messages: queue.Queue = field(default_factory=queue.Queue)
    dead: list[Delivery] = field(default_factory=list)


class InProcessBroker:
    def __init__(self, retry_scale: float = 0.001):
        # Retry delays are scaled down: this transport serves demos and unit tests.
        self.retry_scale = retry_scale
        self._queues: dict[str, _Queue] = {}
        self._lock = threading.Lock()

    def bind(self, topology: Topology) -> _Queue:
        with self._lock:
            return self._queues.setdefault(topology.queue, _Queue(topology))

    def route(self, routing_key: str, delivery: Delivery) -> int:
        with self._lock:
            targets = [q for q in self._queues.values()
                       if any(topic_matches(b, routing_key) for b in q.topology.bindings)]
        for q in targets:
            q.messages.put(Delivery(delivery.body, delivery.message_id, routing_key, 0, dict(delivery.headers)))
        return len(targets)


class InProcessPublisher:
    def __init__(self, broker: InProcessBroker):
        self.broker = broker

    def publish(self, routing_key: str, body: bytes, message_id: str, headers: dict | None = None) -> None:
        if not self.broker.route(routing_key, Delivery(body, message_id, routing_key, 0, headers or {})):
            raise PublishFailed(f"unroutable: no queue is bound for {routing_key}", unroutable=True)

    def close(self) -> None:
        pass


class InProcessTransport:
    def __init__(self, broker: InProcessBroker | None = None):
        self.broker = broker or InProcessBroker()

    def publisher(self) -> InProcessPublisher:
        return InProcessPublisher(self.broker)

    def ping(self) -> bool:
        return True

    def declare(self, topology: Topology) -> None:
        self.broker.bind(topology)

    def run_consumer(self, topology: Topology, handle: Handler, stop: threading.Event) -> None:
        q = self.broker.bind(topology)
        while not stop.is_set():
            try:
                delivery = q.messages.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                handle(delivery)
            except Exception as exc:
                step = after_failure(topology, delivery, exc)
                delivery.attempts = step.attempts
                delivery.headers[TRANSIENT_HEADER] = step.transient_failures
                delivery.headers[ERROR_HEADER] = f"{type(exc).__name__}: {exc}"[:500]
                log(logger, logging.WARNING, "handler failed", queue=topology.queue,
                    message_id=delivery.message_id, attempt=delivery.attempts)
                if step.dead_letter:
                    q.dead.append(delivery)
                else:
                    delay = topology.retry_delays_ms[step.retry_tier - 1]
                    threading.Timer(delay / 1000 * self.broker.retry_scale, q.messages.put, (delivery,)).start()

    def dead_letters(self, topology: Topology) -> list[DeadLetter]:
        q = self.broker.bind(topology)
        return [DeadLetter(d.message_id, d.routing_key, d.attempts, d.headers.get(ERROR_HEADER), d.body)
                for d in q.dead]

    def replay_dead_letters(self, topology: Topology, message_ids: set[str] | None = None) -> int:
        q = self.broker.bind(topology)
        keep, replay = [], []
        for d in q.dead:
            (replay if message_ids is None or d.message_id in message_ids else keep).append(d)
        q.dead[:] = keep
        for d in replay:
            d.attempts = 0
            q.messages.put(d)
        return len(replay)
