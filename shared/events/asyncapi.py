"""The event catalogue as an AsyncAPI 2.6 document, generated from the registry so the
documentation cannot drift from the code (a test compares it with docs/asyncapi.json)."""
from __future__ import annotations

from shared.events.registry import EVENT_TYPES, PRODUCERS as REGISTRY_PRODUCERS, payload_schema

# Which service publishes each area's events (the module an event type is defined in).
PRODUCERS = {
    "shared.events.reviews": "notification_api",
    "shared.events.meetings": "scheduler",
    "shared.events.publications": "dissemination",
    "shared.events.webhooks": "dissemination",
}


def build(specs: dict, exchange: str = "cpr.events") -> dict:
    consumers: dict[str, list[str]] = {}
    for spec in specs.values():
        for event_type in spec.handlers:
            consumers.setdefault(event_type, []).append(spec.name)
    channels: dict = {}
    messages: dict = {}
    for name in sorted(EVENT_TYPES):
        model = EVENT_TYPES[name]
        producer = PRODUCERS.get(model.__module__, "unknown")
        message_name = name.replace(".", "_")
        messages[message_name] = {
            # Code generators name the message (class, handler) after messageId: stable, unique.
            "messageId": message_name,
            "name": name,
            "title": name,
            "summary": (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else name,
            "contentType": "application/cloudevents+json",
            "headers": {"type": "object", "properties": {"message_id": {"type": "string",
                                                                        "description": "the CloudEvents id"}}},
            "payload": {
                "type": "object",
                "required": ["specversion", "id", "source", "type", "time", "data"],
                "properties": {
                    "specversion": {"const": "1.0"},
                    "id": {"type": "string"},
                    "source": {"const": f"/cpr/{producer}"},
                    "type": {"const": name},
                    "time": {"type": "string", "format": "date-time"},
                    "subject": {"type": "string"},
                    "correlationid": {"type": "string"},
                    "data": payload_schema(name),
                },
            },
        }
        channels[name] = {
            "description": f"Routing key `{name}` on the topic exchange `{exchange}`. "
                           f"Published by {producer}; consumed by {', '.join(sorted(consumers.get(name, []))) or 'no service yet'}.",
            "bindings": {"amqp": {"is": "routingKey", "exchange": {"name": exchange, "type": "topic", "durable": True,
                                                                   "autoDelete": False, "vhost": "/"}}},
            "subscribe": {"operationId": f"on_{message_name}", "message": {"$ref": f"#/components/messages/{message_name}"}},
        }
    return {
        "asyncapi": "2.6.0",
        "id": "urn:cpr-wales:events",
        "info": {
            "title": "Child Practice Reviews: events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 (structured JSON) published through each service's transactional outbox. "
                           "Types are versioned; the routing key is the type. Payloads carry ids, codes, dates and "
                           "counts only: no free text and no identifiers of children or families.",
        },
        "tags": [{"name": family, "description": f"{family}.* events, published by {service}"}
                 for family, service in sorted(REGISTRY_PRODUCERS.items())],
        "defaultContentType": "application/cloudevents+json",
        "servers": {"rabbitmq": {"url": "amqp://rabbitmq:5672", "protocol": "amqp", "protocolVersion": "0-9-1"}},
        "channels": channels,
        "components": {"messages": messages},
    }
