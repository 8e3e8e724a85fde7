"""Sending one webhook delivery (the handler of webhook.delivery_requested.v1).

Each attempt re-validates the callback URL (DNS may have changed since subscribing) and then
connects to one of the addresses that validation checked, never resolving the name again: a
second lookup could answer differently ("DNS rebinding": public when checked, internal when
connecting). The request still names the original host (the `Host` header, TLS SNI and the
certificate check), so virtual hosting and https work as before. It signs afresh (Standard
Webhooks: new timestamp and signature, same webhook-id), POSTs without following redirects,
and records the attempt. A failed attempt is committed on its own (the
inbox claim is rolled back with it, so the redelivered message runs again) and then raised, so
the message waits in RabbitMQ's retry tiers. After the last attempt the delivery is marked
`given_up` instead of raising: it never lands in the dead-letter queue. The limit is
min(webhook_max_attempts, max_attempts), so the broker cannot park a message first.
"""
from __future__ import annotations

import logging
import socket
import time

import httpx
from sqlmodel import Session

from shared.db import utcnow
from shared.events import Envelope
from shared.events.webhooks import WebhookDeliveryRequestedV1
from shared.logs import log
from shared.service import settings_for
from shared.settings import Settings
from services.dissemination.subscriptions import signing
from shared.http.outbound import (
    CallbackUrlRejected,
    Resolver,
    pinned_request,
    validate_callback_url,
)
from services.dissemination.subscriptions.models import Subscription, WebhookDelivery
from services.dissemination.subscriptions.service import key_active, secret_of

logger = logging.getLogger(__name__)
USER_AGENT = "cpr-wales-webhooks/1"
# Addresses tried in turn when connecting fails (a dual-stack name, one replica down).
MAX_ADDRESSES_TRIED = 3


class DeliveryFailed(Exception):
    """This attempt failed; raising sends the message through the retry tiers."""


def attempt_limit(settings: Settings) -> int:
    return max(1, min(settings.webhook_max_attempts, settings.max_attempts))


def send(sub: Subscription, delivery: WebhookDelivery, settings: Settings, *,
         resolver: Resolver = socket.getaddrinfo,
         transport: httpx.BaseTransport | None = None) -> tuple[bool, int | None, str | None]:
    """One attempt. `resolver` and `transport` are for tests (a fake DNS, a mock transport)."""
    try:
        target = validate_callback_url(sub.callback_url, allow_private=settings.webhook_allow_private,
                                       allow_http=settings.webhook_allow_http, resolver=resolver)
    except CallbackUrlRejected as exc:
        return False, None, f"callback URL refused: {exc.reason}"[:300]
    body = delivery.body.encode()
    headers = signing.headers(secret_of(sub, settings), delivery.id, int(time.time()), body)
    headers.update({"content-type": "application/json", "user-agent": USER_AGENT})
    # An explicit transport also keeps proxies from the environment out: a proxy would resolve
    # the name itself and undo the pinning.
    with httpx.Client(transport=transport or httpx.HTTPTransport(), timeout=settings.webhook_timeout_seconds,
                      follow_redirects=False) as client:
        response, error = None, None
        for address in target.addresses[:MAX_ADDRESSES_TRIED]:
            url, host, extensions = pinned_request(target, address)
            try:
                response = client.post(url, content=body, headers={**headers, **host}, extensions=extensions)
                break
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                error = type(exc).__name__  # nothing was sent: the next address may answer
            except httpx.HTTPError as exc:
                return False, None, type(exc).__name__
    if response is None:
        return False, None, error
    if 200 <= response.status_code < 300:
        return True, response.status_code, None
    what = "redirect not followed" if 300 <= response.status_code < 400 else "non-2xx response"
    return False, response.status_code, what


def on_delivery_requested(session: Session, envelope: Envelope, payload: WebhookDeliveryRequestedV1) -> None:
    settings = settings_for(session)
    delivery = session.get(WebhookDelivery, payload.delivery_id)
    if delivery is None or delivery.status != "pending":
        return
    sub = session.get(Subscription, delivery.subscription_id)
    if sub is None or sub.deleted_at is not None or not key_active(session, sub):
        delivery.status = "cancelled"
        session.add(delivery)
        return
    ok, status_code, error = send(sub, delivery, settings)
    if ok:
        delivery.attempts += 1
        delivery.status = "delivered"
        delivery.last_attempt_at = delivery.delivered_at = utcnow()
        delivery.last_status_code, delivery.last_error = status_code, None
        session.add(delivery)
        return
    # Record the failed attempt in its own transaction (without the inbox claim).
    session.rollback()
    delivery = session.get(WebhookDelivery, payload.delivery_id)
    delivery.attempts += 1
    delivery.last_attempt_at = utcnow()
    delivery.last_status_code, delivery.last_error = status_code, error
    given_up = delivery.attempts >= attempt_limit(settings)
    if given_up:
        delivery.status = "given_up"
    session.add(delivery)
    session.commit()
    log(logger, logging.WARNING, "webhook delivery failed", delivery_id=delivery.id, attempt=delivery.attempts,
        status_code=status_code, error=error, given_up=given_up)
    if not given_up:
        raise DeliveryFailed(f"delivery {delivery.id} attempt {delivery.attempts} failed: {error}")
