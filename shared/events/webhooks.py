"""Internal event of the dissemination service: one webhook delivery to attempt.

Published through the outbox and routed back to the dissemination queue only, so each delivery
attempt rides RabbitMQ's retry tiers (back-off, then give up). Ids only: the body to send is
stored with the delivery row, so every retry sends the same bytes under the same webhook-id."""
from __future__ import annotations

from shared.events.registry import Payload, event_type


@event_type("webhook.delivery_requested.v1")
class WebhookDeliveryRequestedV1(Payload):
    delivery_id: str
    subscription_id: str
