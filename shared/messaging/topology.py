"""The broker topology, declared by the code and exported as RabbitMQ definitions.

One durable topic exchange; per consuming service a quorum queue bound to the event types
it handles, back-off retry queues that dead-letter back into it after their TTL, and a
dead-letter queue where messages are parked after `max_attempts`.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Topology:
    prefix: str
    service: str
    bindings: tuple[str, ...]
    retry_delays_ms: tuple[int, ...] = (1000, 5000, 30000)
    max_attempts: int = 5
    extra_queue_args: dict = field(default_factory=dict, compare=False)

    @property
    def exchange(self) -> str:
        return exchange_name(self.prefix)

    @property
    def queue(self) -> str:
        return f"{self.prefix}.{self.service}"

    @property
    def retry_queues(self) -> list[str]:
        return [f"{self.queue}.retry.{i + 1}" for i in range(len(self.retry_delays_ms))]

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.queue}.dlq"

    def queue_arguments(self) -> dict[str, dict]:
        """Every queue this service owns, with its declaration arguments."""
        queues: dict[str, dict] = {
            self.queue: {"x-queue-type": "quorum"},
            self.dead_letter_queue: {"x-queue-type": "quorum"},
        }
        for name, delay in zip(self.retry_queues, self.retry_delays_ms):
            queues[name] = {
                "x-queue-type": "quorum",
                "x-message-ttl": int(delay),
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": self.queue,
            }
        return queues


def exchange_name(prefix: str) -> str:
    return f"{prefix}.events"


def declare(channel, topology: Topology) -> None:
    """Idempotently declare the exchange, this service's queues and bindings (pika channel)."""
    channel.exchange_declare(exchange=topology.exchange, exchange_type="topic", durable=True)
    for name, arguments in topology.queue_arguments().items():
        channel.queue_declare(queue=name, durable=True, arguments=arguments)
    for key in topology.bindings:
        channel.queue_bind(queue=topology.queue, exchange=topology.exchange, routing_key=key)


def definitions(topologies: list[Topology], vhost: str = "/") -> dict:
    """RabbitMQ definitions (the management plugin's import format) for these topologies."""
    prefixes = {t.prefix for t in topologies}
    doc: dict = {
        "vhosts": [{"name": vhost}],
        "exchanges": [
            {
                "name": exchange_name(p),
                "vhost": vhost,
                "type": "topic",
                "durable": True,
                "auto_delete": False,
                "internal": False,
                "arguments": {},
            }
            for p in sorted(prefixes)
        ],
        "queues": [],
        "bindings": [],
    }
    for topo in topologies:
        for name, arguments in topo.queue_arguments().items():
            doc["queues"].append(
                {"name": name, "vhost": vhost, "durable": True, "auto_delete": False, "arguments": arguments}
            )
        for key in topo.bindings:
            doc["bindings"].append(
                {
                    "source": topo.exchange,
                    "vhost": vhost,
                    "destination": topo.queue,
                    "destination_type": "queue",
                    "routing_key": key,
                    "arguments": {},
                }
            )
    return doc


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic matching: `*` is one word, `#` is zero or more."""
    p, k = pattern.split("."), key.split(".")

    def match(i: int, j: int) -> bool:
        if i == len(p):
            return j == len(k)
        if p[i] == "#":
            return any(match(i + 1, jj) for jj in range(j, len(k) + 1))
        if j == len(k):
            return False
        return (p[i] == "*" or p[i] == k[j]) and match(i + 1, j + 1)

    return match(0, 0)
