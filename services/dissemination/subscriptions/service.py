"""Subscriptions: create (secret shown once), read, delete, list deliveries; and the fan-out of
a new feed entry into one delivery per matching subscription, each staged as an internal event."""
from __future__ import annotations

import json
import uuid

from sqlmodel import Session, select

from shared.auth import ApiKey, Board, Principal
from shared.db import utcnow
from shared.events.webhooks import WebhookDeliveryRequestedV1
from shared.http.pagination import keyset, page_of
from shared.http.problems import Problem, field_error
from shared.outbox import add_event
from shared.service import settings_for
from shared.settings import Settings
from services.dissemination.feed.projection import ENTRY_TYPES, PUBLIC_ENTRY_TYPES, normalise_entry_type
from services.dissemination.subscriptions import secrets as sealed
from services.dissemination.subscriptions import signing
from shared.http.outbound import CallbackUrlRejected, validate_callback_url
from services.dissemination.subscriptions.matching import Filter, matches
from services.dissemination.subscriptions.models import Subscription, WebhookDelivery  # noqa: F401 (views use Subscription)
from services.dissemination.subscriptions.schemas import DeliveryPublic, SubscriptionCreate, SubscriptionPublic
from services.dissemination.themes.models import LearningTheme



def _invalid(field: str, message: str, code: str) -> Problem:
    return Problem(422, f"{field}: {message}.", errors=[field_error(field, message, code)])


def create(session: Session, principal: Principal, body: SubscriptionCreate, settings: Settings) -> tuple[Subscription, str]:
    try:
        validate_callback_url(body.callback_url, allow_private=settings.webhook_allow_private,
                              allow_http=settings.webhook_allow_http)
    except CallbackUrlRejected as exc:
        raise _invalid("callback_url", exc.reason, "callback_url_rejected") from None
    event_types = list(dict.fromkeys(normalise_entry_type(t) for t in body.event_types))
    for i, t in enumerate(event_types):
        if t not in ENTRY_TYPES:
            raise _invalid(f"event_types[{i}]", f"unknown event type; one of {', '.join(ENTRY_TYPES)}", "enum")
    known_themes = set(session.exec(select(LearningTheme.code)).all())
    for i, code in enumerate(body.themes):
        if code not in known_themes:
            raise _invalid(f"themes[{i}]", "unknown theme code (see GET /v1/themes)", "unknown_theme")
    known_boards = set(session.exec(select(Board.code)).all())
    for i, code in enumerate(body.boards):
        if code not in known_boards:
            raise _invalid(f"boards[{i}]", "unknown board code", "unknown_board")
    secret = signing.generate_secret()
    sub = Subscription(board_code=principal.board_code, welsh_government=principal.welsh_government,
                       key_id=principal.key_id, callback_url=body.callback_url,
                       secret_enc=sealed.seal(settings.secret_key, secret),
                       themes=list(dict.fromkeys(body.themes)), boards=list(dict.fromkeys(body.boards)),
                       event_types=event_types)
    session.add(sub)
    session.flush()
    return sub, secret


def owned(session: Session, principal: Principal, subscription_id: str) -> Subscription:
    sub = session.get(Subscription, subscription_id)
    if (sub is None or sub.deleted_at is not None or sub.welsh_government != principal.welsh_government
            or sub.board_code != principal.board_code):
        raise Problem(404, f"No subscription {subscription_id} of yours.")
    return sub


def secret_of(sub: Subscription, settings: Settings) -> str:
    return sealed.unseal(settings.secret_key, sub.secret_enc)


def delete(session: Session, principal: Principal, subscription_id: str) -> None:
    sub = owned(session, principal, subscription_id)
    sub.deleted_at = utcnow()
    session.add(sub)
    for d in session.exec(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id,
                                                        WebhookDelivery.status == "pending")).all():
        d.status = "cancelled"
        session.add(d)


def to_public(sub: Subscription) -> SubscriptionPublic:
    return SubscriptionPublic(id=sub.id, callback_url=sub.callback_url, themes=sub.themes, boards=sub.boards,
                              event_types=sub.event_types, created_at=sub.created_at,
                              owner="welsh-government" if sub.welsh_government else f"board:{sub.board_code}")


def deliveries(session: Session, principal: Principal, subscription_id: str, cursor: str | None, limit: int):
    sub = owned(session, principal, subscription_id)
    query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)
    query = keyset(query, [WebhookDelivery.created_at, WebhookDelivery.id], cursor, limit)
    rows, next_cursor = page_of(list(session.exec(query).all()), limit,
                                key=lambda d: [d.created_at.isoformat(), d.id])
    return [DeliveryPublic.model_validate(d, from_attributes=True) for d in rows], next_cursor


# -- fan-out (called by the feed projection, inside the event's transaction) ----------------------

def _filter(sub: Subscription) -> Filter:
    return Filter(welsh_government=sub.welsh_government, board_code=sub.board_code,
                  event_types=frozenset(sub.event_types), boards=frozenset(sub.boards), themes=frozenset(sub.themes))


def delivery_body(session: Session, entry, base: str) -> str:
    """What a subscriber receives (Standard Webhooks' recommended {type, timestamp, data}).
    Structured data only, as in the national feed; a publication entry also carries the
    public publication's titles and address."""
    data = {"entry_id": entry.id, "event_id": entry.event_id, "event_type": entry.event_type,
            "board_code": entry.board_code, "review_id": entry.review_id,
            "occurred_at": entry.occurred_at.isoformat(), **entry.data}
    if entry.entry_type in PUBLIC_ENTRY_TYPES:
        from services.dissemination.publications.models import Publication

        pub = session.get(Publication, entry.data.get("publication_id"))
        if pub is not None:
            data["publication"] = {"id": pub.id, "url": f"{base}/v1/publications/{pub.id}",
                                   "title": {"en": pub.title_en, "cy": pub.title_cy}, "themes": pub.themes}
    return json.dumps({"type": entry.entry_type, "timestamp": entry.recorded_at.isoformat(), "data": data},
                      separators=(",", ":"), ensure_ascii=False)


def key_active(session: Session, sub: Subscription) -> bool:
    """A subscription lasts as long as the key that made it: once that key is revoked (a leaked
    key, a retired case system) nothing more is sent to its callback."""
    key = session.get(ApiKey, sub.key_id)
    return key is not None and key.revoked_at is None


def fan_out(session: Session, entry, themes=()) -> int:
    # Subscriptions made with a key since revoked receive nothing (see key_active).
    subs = session.exec(select(Subscription).join(ApiKey, ApiKey.id == Subscription.key_id)
                        .where(Subscription.deleted_at.is_(None), ApiKey.revoked_at.is_(None))).all()
    chosen = [s for s in subs if matches(_filter(s), entry.entry_type, entry.board_code, themes)]
    if not chosen:
        return 0
    body = delivery_body(session, entry, settings_for(session).base_url("dissemination"))
    for sub in chosen:
        delivery = WebhookDelivery(id="msg_" + uuid.uuid4().hex, subscription_id=sub.id, event_id=entry.event_id,
                                   entry_type=entry.entry_type, body=body)
        session.add(delivery)
        add_event(session, subject=delivery.id,
                  data=WebhookDeliveryRequestedV1(delivery_id=delivery.id, subscription_id=sub.id))
    return len(chosen)
