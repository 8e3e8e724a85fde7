"""Webhook subscriptions (a board's or Welsh Government's key)."""
from __future__ import annotations

import json

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from shared.http.deps import PrincipalDep, SessionDep, SettingsDep
from shared.http.idempotency import IdempotencyDep
from shared.http.pagination import CursorQuery, LimitQuery
from services.dissemination.subscriptions import service
from services.dissemination.subscriptions.schemas import (
    DeliveryPage,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionPublic,
)

router = APIRouter(prefix="/v1", tags=["subscriptions"])


@router.post("/subscriptions", status_code=201, response_model=SubscriptionCreated,
             summary="Subscribe a callback URL; the signing secret is returned this once",
             description="A subscription lasts as long as the key that made it: when that key is revoked, "
                         "nothing more is sent (pending deliveries are cancelled). After rotating keys, "
                         "subscribe again with the new key.")
def create_subscription(body: SubscriptionCreate, session: SessionDep, principal: PrincipalDep,
                        idem: IdempotencyDep, settings: SettingsDep):
    # Not `idem.create`: what is sent differs from what is stored (the secret is shown once and
    # never stored), so the replay and the response are built here from the primitives.
    if (replayed := idem.replay()) is not None:
        # The stored response has no secret (it is kept only encrypted): put it back.
        doc = json.loads(replayed.body)
        sub = session.get(service.Subscription, doc["id"])
        doc["secret"] = service.secret_of(sub, settings) if sub is not None and sub.deleted_at is None else None
        return JSONResponse(doc, status_code=replayed.status_code, headers={"Idempotent-Replayed": "true"})
    sub, secret = service.create(session, principal, body, settings)
    public = service.to_public(sub).model_dump(mode="json")
    idem.respond(201, {**public, "secret": None})
    session.commit()
    return JSONResponse({**public, "secret": secret}, status_code=201,
                        headers={"Location": f"/v1/subscriptions/{sub.id}"})


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionPublic, summary="One of your subscriptions")
def get_subscription(subscription_id: str, session: SessionDep, principal: PrincipalDep):
    return service.to_public(service.owned(session, principal, subscription_id))


@router.delete("/subscriptions/{subscription_id}", status_code=204, response_class=Response,
               summary="Unsubscribe; pending deliveries are cancelled")
def delete_subscription(subscription_id: str, session: SessionDep, principal: PrincipalDep):
    service.delete(session, principal, subscription_id)
    session.commit()
    return Response(status_code=204)


@router.get("/subscriptions/{subscription_id}/deliveries", response_model=DeliveryPage,
            summary="Deliveries to this subscription, oldest first, with attempts and outcome")
def list_deliveries(subscription_id: str, session: SessionDep, principal: PrincipalDep, limit: LimitQuery = 50,
                    cursor: CursorQuery = None):
    items, next_cursor = service.deliveries(session, principal, subscription_id, cursor, limit)
    return DeliveryPage(items=items, next_cursor=next_cursor)
