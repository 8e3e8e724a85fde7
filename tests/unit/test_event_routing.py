"""Every event type is consumed somewhere. An event type no queue is bound to comes back from
the relay's `mandatory` publish as unroutable and waits in the outbox forever (issue 9: three
meeting events did), so the registry is walked against the topology the code declares and
against the definitions deployed to RabbitMQ."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.registry import specs
from shared.events.registry import EVENT_TYPES
from shared.messaging.topology import topic_matches
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _declared() -> dict[str, tuple[str, ...]]:
    settings = Settings()
    return {s.topology(settings).queue: s.topology(settings).bindings for s in specs().values() if s.handlers}


def _deployed() -> dict[str, list[str]]:
    doc = json.loads((ROOT / "deploy" / "rabbitmq" / "definitions.json").read_text())
    queues: dict[str, list[str]] = {}
    for b in doc["bindings"]:
        queues.setdefault(b["destination"], []).append(b["routing_key"])
    return queues


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_event_type_is_bound_to_a_queue_in_the_declared_topology(event_type):
    consumers = [q for q, keys in _declared().items() if any(topic_matches(k, event_type) for k in keys)]
    assert consumers, f"{event_type} is published but no service's queue is bound to it: it would stay in the outbox"


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_event_type_is_bound_to_a_queue_in_the_deployed_definitions(event_type):
    consumers = [q for q, keys in _deployed().items() if any(topic_matches(k, event_type) for k in keys)]
    assert consumers, f"{event_type} has no binding in deploy/rabbitmq/definitions.json"


def test_moves_cancellations_and_risks_reach_the_national_feed_and_webhooks():
    """The national feed projects them, and webhook subscribers are fed from the feed's entries."""
    from services.dissemination.feed.projection import ENTRY_TYPES

    handled = specs()["dissemination"].handlers
    for verb in ("rescheduled", "cancelled", "at_risk"):
        assert f"meeting.{verb}.v1" in handled
        assert f"learning_event_{verb}" in ENTRY_TYPES and f"panel_meeting_{verb}" in ENTRY_TYPES
