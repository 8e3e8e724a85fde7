"""RabbitMQ transport on pika. pika is not thread-safe: every publisher and consumer owns
its connection and is used from one thread only."""
from __future__ import annotations

import logging
import threading
import time

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError, NackError, UnroutableError

from shared.logs import log
from shared.messaging.topology import Topology, declare, exchange_name
from shared.messaging.transport import (
    ATTEMPTS_HEADER,
    ERROR_HEADER,
    TRANSIENT_HEADER,
    after_failure,
    DeadLetter,
    Delivery,
    Handler,
    PublishFailed,
)

logger = logging.getLogger(__name__)


def _params(url: str) -> pika.URLParameters:
    params = pika.URLParameters(url)
    params.heartbeat = 30
    params.blocked_connection_timeout = 30
    params.connection_attempts = 1
    params.socket_timeout = 5
    return params


class RabbitPublisher:
    """Publishes to the topic exchange with publisher confirms and mandatory routing."""

    def __init__(self, url: str, prefix: str):
        self._url = url
        self._exchange = exchange_name(prefix)
        self._connection: pika.BlockingConnection | None = None
        self._channel: BlockingChannel | None = None

    def _ensure(self) -> BlockingChannel:
        if self._channel is None or not self._channel.is_open:
            self.close()
            self._connection = pika.BlockingConnection(_params(self._url))
            self._channel = self._connection.channel()
            self._channel.exchange_declare(exchange=self._exchange, exchange_type="topic", durable=True)
            self._channel.confirm_delivery()
        return self._channel

    def publish(self, routing_key: str, body: bytes, message_id: str, headers: dict | None = None,
                exchange: str | None = None) -> None:
        try:
            channel = self._ensure()
            channel.basic_publish(
                exchange=self._exchange if exchange is None else exchange,
                routing_key=routing_key,
                body=body,
                properties=pika.BasicProperties(
                    content_type="application/cloudevents+json",
                    delivery_mode=pika.DeliveryMode.Persistent,
                    message_id=message_id,
                    headers=headers or {},
                ),
                mandatory=True,
            )
        except UnroutableError as exc:
            raise PublishFailed(f"unroutable: no queue is bound for {routing_key}", unroutable=True) from exc
        except NackError as exc:
            raise PublishFailed("the broker refused the message (nack)") from exc
        except (AMQPError, OSError) as exc:
            self.close()
            raise PublishFailed(f"broker unavailable: {type(exc).__name__}") from exc

    def close(self) -> None:
        conn, self._connection, self._channel = self._connection, None, None
        if conn is not None:
            try:
                if conn.is_open:
                    conn.close()
            except Exception:  # closing a broken connection may itself fail
                pass


class RabbitTransport:
    def __init__(self, url: str, prefix: str, prefetch: int = 32,
                 backoff_initial: float = 0.5, backoff_max: float = 15.0):
        self.url = url
        self.prefix = prefix
        self.prefetch = prefetch
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max

    def publisher(self) -> RabbitPublisher:
        return RabbitPublisher(self.url, self.prefix)

    def ping(self) -> bool:
        try:
            conn = pika.BlockingConnection(_params(self.url))
            conn.close()
            return True
        except (AMQPError, OSError):
            return False

    def declare(self, topology: Topology) -> None:
        conn = pika.BlockingConnection(_params(self.url))
        try:
            declare(conn.channel(), topology)
        finally:
            conn.close()

    # -- consuming -------------------------------------------------------------------
    def run_consumer(self, topology: Topology, handle: Handler, stop: threading.Event) -> None:
        """Consume until `stop`, reconnecting with exponential back-off on any broker fault."""
        delay = self.backoff_initial
        while not stop.is_set():
            try:
                self._consume(topology, handle, stop)
                delay = self.backoff_initial
            except (AMQPError, OSError) as exc:
                log(logger, logging.WARNING, "broker connection lost; reconnecting",
                    queue=topology.queue, error=type(exc).__name__, retry_in_s=round(delay, 2))
                stop.wait(delay)
                delay = min(delay * 2, self.backoff_max)

    def _consume(self, topology: Topology, handle: Handler, stop: threading.Event) -> None:
        conn = pika.BlockingConnection(_params(self.url))
        try:
            channel = conn.channel()
            declare(channel, topology)
            channel.basic_qos(prefetch_count=self.prefetch)
            # Retries and dead letters are published on their own confirming channel.
            side = conn.channel()
            side.confirm_delivery()
            log(logger, logging.INFO, "consuming", queue=topology.queue)
            for method, props, body in channel.consume(topology.queue, inactivity_timeout=0.5):
                if stop.is_set():
                    break
                if method is None:
                    continue
                headers = dict(props.headers or {})
                delivery = Delivery(
                    body=body,
                    message_id=props.message_id,
                    routing_key=headers.get("x-cpr-routing-key", method.routing_key),
                    attempts=int(headers.get(ATTEMPTS_HEADER, 0)),
                    headers=headers,
                )
                try:
                    handle(delivery)
                except Exception as exc:  # the handler's failure decides retry or park
                    self._after_failure(side, topology, delivery, props, exc)
                channel.basic_ack(method.delivery_tag)
            try:
                channel.cancel()
            except AMQPError:
                pass
        finally:
            try:
                if conn.is_open:
                    conn.close()
            except Exception:
                pass

    def _after_failure(self, side: BlockingChannel, topology: Topology, delivery: Delivery,
                       props: pika.BasicProperties, exc: Exception) -> None:
        step = after_failure(topology, delivery, exc)
        error = f"{type(exc).__name__}: {exc}"[:500]
        headers = dict(delivery.headers)
        headers.update({ATTEMPTS_HEADER: step.attempts, TRANSIENT_HEADER: step.transient_failures,
                        ERROR_HEADER: error, "x-cpr-routing-key": delivery.routing_key})
        target = topology.dead_letter_queue if step.dead_letter else topology.retry_queues[step.retry_tier - 1]
        log(logger, logging.WARNING, "handler failed",
            queue=topology.queue, message_id=delivery.message_id, attempt=step.attempts,
            transient_failures=step.transient_failures, moved_to=target, error=error)
        # If this publish fails the exception escapes before the ack, so the broker redelivers.
        side.basic_publish(
            exchange="",
            routing_key=target,
            body=delivery.body,
            properties=pika.BasicProperties(
                content_type=props.content_type,
                delivery_mode=pika.DeliveryMode.Persistent,
                message_id=delivery.message_id,
                headers=headers,
            ),
            mandatory=True,
        )

    # -- dead letters ----------------------------------------------------------------
    def _drain(self, topology: Topology):
        conn = pika.BlockingConnection(_params(self.url))
        channel = conn.channel()
        declare(channel, topology)
        messages = []
        while True:
            method, props, body = channel.basic_get(topology.dead_letter_queue, auto_ack=False)
            if method is None:
                break
            messages.append((method, props, body))
        return conn, channel, messages

    def dead_letters(self, topology: Topology) -> list[DeadLetter]:
        conn, _channel, messages = self._drain(topology)
        try:
            return [
                DeadLetter(
                    message_id=props.message_id,
                    routing_key=(props.headers or {}).get("x-cpr-routing-key", ""),
                    attempts=int((props.headers or {}).get(ATTEMPTS_HEADER, 0)),
                    last_error=(props.headers or {}).get(ERROR_HEADER),
                    body=body,
                )
                for _m, props, body in messages
            ]
        finally:
            conn.close()  # unacked messages go back to the queue

    def replay_dead_letters(self, topology: Topology, message_ids: set[str] | None = None) -> int:
        conn, channel, messages = self._drain(topology)
        side = conn.channel()
        side.confirm_delivery()
        replayed = 0
        try:
            for method, props, body in messages:
                if message_ids is not None and props.message_id not in message_ids:
                    continue
                headers = dict(props.headers or {})
                headers[ATTEMPTS_HEADER] = 0
                headers["x-cpr-replayed-at"] = int(time.time())
                side.basic_publish(
                    exchange="", routing_key=topology.queue, body=body,
                    properties=pika.BasicProperties(
                        content_type=props.content_type, delivery_mode=pika.DeliveryMode.Persistent,
                        message_id=props.message_id, headers=headers),
                    mandatory=True,
                )
                channel.basic_ack(method.delivery_tag)
                replayed += 1
        finally:
            conn.close()
        return replayed
