"""The quick start's transport: the RabbitMQ transport's interface and failure semantics, with
its queues in one SQLite file (`<CPR_DATA_DIR>/events.db`).

It keeps the full stack's promise. A publish returns (and the outbox marks its row sent) only
once the message is committed to every bound queue's table; a consumer deletes a message only
after its handler returned, and the handler commits its effect with the inbox claim in one
transaction (`shared/inbox.py`). So a crash at any point redelivers on restart, and the inbox
makes the redelivery a no-op where the effect was already committed. Bindings are stored too,
so a restarted producer routes before its consumers have declared again. Without a path (unit
tests) the same tables live in memory.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from pathlib import Path

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

SCHEMA = """
CREATE TABLE IF NOT EXISTS bindings (
    queue TEXT NOT NULL, pattern TEXT NOT NULL, PRIMARY KEY (queue, pattern));
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    message_id TEXT,
    routing_key TEXT NOT NULL,
    body BLOB NOT NULL,
    headers TEXT NOT NULL DEFAULT '{}',
    attempts INTEGER NOT NULL DEFAULT 0,
    available_at REAL NOT NULL DEFAULT 0,
    dead INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS messages_next ON messages (queue, dead, available_at, id);
"""


class InProcessBroker:
    """Queues as rows. One connection per broker object, used under a lock (each statement is
    short; handlers run outside it); several processes may share the file (WAL, busy timeout)."""

    def __init__(self, path: Path | str | None = None, retry_scale: float = 0.001):
        # Retry delays are scaled down: this transport serves the quick start and unit tests.
        self.retry_scale = retry_scale
        self.path = str(path) if path is not None else ":memory:"
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(threading.Lock())
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        with self._lock:
            if path is not None:
                self._db.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed message survives the machine losing power, not only the process.
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA busy_timeout=30000")
            self._db.executescript(SCHEMA)

    def _write(self, fn):
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                result = fn(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return result

    def _read(self, sql: str, params=()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def bind(self, topology: Topology) -> None:
        def write(db):
            db.execute("DELETE FROM bindings WHERE queue = ?", (topology.queue,))
            db.executemany("INSERT INTO bindings (queue, pattern) VALUES (?, ?)",
                           [(topology.queue, b) for b in topology.bindings])
        self._write(write)

    def route(self, routing_key: str, delivery: Delivery) -> int:
        """Commit the message to every bound queue; the number of queues it went to."""
        headers = json.dumps(delivery.headers or {})

        def write(db):
            queues = {q for q, pattern in db.execute("SELECT queue, pattern FROM bindings")
                      if topic_matches(pattern, routing_key)}
            db.executemany("INSERT INTO messages (queue, message_id, routing_key, body, headers) VALUES (?, ?, ?, ?, ?)",
                           [(q, delivery.message_id, routing_key, delivery.body, headers) for q in sorted(queues)])
            return len(queues)
        n = self._write(write)
        if n:
            with self._arrived:
                self._arrived.notify_all()
        return n

    def next_message(self, queue: str) -> tuple[int, Delivery] | None:
        rows = self._read("SELECT id, message_id, routing_key, body, headers, attempts FROM messages "
                          "WHERE queue = ? AND dead = 0 AND available_at <= ? ORDER BY id LIMIT 1",
                          (queue, time.time()))
        if not rows:
            return None
        row_id, message_id, key, body, headers, attempts = rows[0]
        return row_id, Delivery(bytes(body), message_id, key, attempts, json.loads(headers))

    def ack(self, row_id: int) -> None:
        self._write(lambda db: db.execute("DELETE FROM messages WHERE id = ?", (row_id,)))

    def retry_later(self, row_id: int, delivery: Delivery, delay_seconds: float, dead: bool) -> None:
        self._write(lambda db: db.execute(
            "UPDATE messages SET attempts = ?, headers = ?, available_at = ?, dead = ? WHERE id = ?",
            (delivery.attempts, json.dumps(delivery.headers), time.time() + delay_seconds, int(dead), row_id)))

    def wait_for_messages(self, timeout: float) -> None:
        with self._arrived:
            self._arrived.wait(timeout)

    def dead(self, queue: str) -> list[tuple[int, Delivery]]:
        return [(row_id, Delivery(bytes(body), mid, key, attempts, json.loads(headers)))
                for row_id, mid, key, body, headers, attempts in self._read(
                    "SELECT id, message_id, routing_key, body, headers, attempts FROM messages "
                    "WHERE queue = ? AND dead = 1 ORDER BY id", (queue,))]

    def revive(self, row_ids: list[int]) -> None:
        self._write(lambda db: db.executemany(
            "UPDATE messages SET dead = 0, attempts = 0, available_at = 0 WHERE id = ?", [(i,) for i in row_ids]))
        with self._arrived:
            self._arrived.notify_all()

    def pending(self, queue: str) -> int:
        return self._read("SELECT count(*) FROM messages WHERE queue = ? AND dead = 0", (queue,))[0][0]


class InProcessPublisher:
    def __init__(self, broker: InProcessBroker):
        self.broker = broker

    def publish(self, routing_key: str, body: bytes, message_id: str, headers: dict | None = None) -> None:
        """Return once the message is committed to every bound queue (the broker's confirm)."""
        try:
            routed = self.broker.route(routing_key, Delivery(body, message_id, routing_key, 0, headers or {}))
        except sqlite3.Error as exc:
            raise PublishFailed(f"event store: {type(exc).__name__}: {exc}") from exc
        if not routed:
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
        self.broker.bind(topology)
        while not stop.is_set():
            try:
                found = self.broker.next_message(topology.queue)
            except sqlite3.Error as exc:
                log(logger, logging.WARNING, "event store unavailable", queue=topology.queue, error=str(exc)[:200])
                stop.wait(1.0)
                continue
            if found is None:
                self.broker.wait_for_messages(0.2)
                continue
            row_id, delivery = found
            try:
                handle(delivery)
            except Exception as exc:
                step = after_failure(topology, delivery, exc)
                delivery.attempts = step.attempts
                delivery.headers[TRANSIENT_HEADER] = step.transient_failures
                delivery.headers[ERROR_HEADER] = f"{type(exc).__name__}: {exc}"[:500]
                log(logger, logging.WARNING, "handler failed", queue=topology.queue,
                    message_id=delivery.message_id, attempt=delivery.attempts)
                delay = 0.0 if step.dead_letter else topology.retry_delays_ms[step.retry_tier - 1] / 1000
                self.broker.retry_later(row_id, delivery, delay * self.broker.retry_scale, step.dead_letter)
                continue
            # Only now: a crash before this line redelivers, and the inbox makes it a no-op.
            self.broker.ack(row_id)

    def dead_letters(self, topology: Topology) -> list[DeadLetter]:
        return [DeadLetter(d.message_id, d.routing_key, d.attempts, d.headers.get(ERROR_HEADER), d.body)
                for _, d in self.broker.dead(topology.queue)]

    def replay_dead_letters(self, topology: Topology, message_ids: set[str] | None = None) -> int:
        rows = [row_id for row_id, d in self.broker.dead(topology.queue)
                if message_ids is None or d.message_id in message_ids]
        self.broker.revive(rows)
        return len(rows)
