"""The event catalogue: CloudEvents envelopes and typed, versioned payloads."""
from shared.events.envelope import Envelope, make_envelope
from shared.events.registry import (
    EVENT_TYPES,
    UnknownEventType,
    event_type,
    payload_model,
    payload_schema,
    parse_payload,
    routing_key,
)

# Importing the catalogue modules registers their types.
from shared.events import meetings as _meetings  # noqa: F401,E402
from shared.events import publications as _publications  # noqa: F401,E402
from shared.events import reviews as _reviews  # noqa: F401,E402
from shared.events import webhooks as _webhooks  # noqa: F401,E402

__all__ = [
    "EVENT_TYPES",
    "Envelope",
    "UnknownEventType",
    "event_type",
    "make_envelope",
    "parse_payload",
    "payload_model",
    "payload_schema",
    "routing_key",
]
