"""Signed links for alert e-mails (shared/web/tokens.py): one purpose each, the subscription
(and for confirmation its version) inside the signature."""
from __future__ import annotations

from datetime import datetime, timedelta

from shared.db import utcnow
from shared.web.tokens import TokenExpired, TokenInvalid, make_token, read_token
from services.dissemination.library import urls

CONFIRM, MANAGE, UNSUBSCRIBE = "alert-confirm", "alert-manage", "alert-unsubscribe"
# An unsubscribe link must keep working in an old digest (RFC 8058 one-click); a manage link
# is refreshed by every message; a confirmation lives as long as the unconfirmed address.
LIFETIMES = {MANAGE: timedelta(days=400), UNSUBSCRIBE: timedelta(days=800)}

__all__ = ["CONFIRM", "MANAGE", "UNSUBSCRIBE", "TokenExpired", "TokenInvalid", "WebLinks", "read"]


class WebLinks:
    """The `Links` the alert service needs, as absolute URLs under `base`."""

    def __init__(self, base: str, secret_key: str, confirm_days: int, now: datetime | None = None):
        self.base, self.secret, self.now = base.rstrip("/"), secret_key, now or utcnow()
        self.confirm_life = timedelta(days=confirm_days)

    def _url(self, page: str, lang: str, purpose: str, subject: dict, life: timedelta) -> str:
        token = make_token(self.secret, purpose, subject, self.now + life)
        return self.base + urls.path(page, lang, {"token": token})

    def confirm(self, sub) -> str:
        return self._url("alerts_confirm", sub.language, CONFIRM, {"s": sub.id, "v": sub.version}, self.confirm_life)

    def manage(self, sub) -> str:
        return self._url("alerts_manage", sub.language, MANAGE, {"s": sub.id}, LIFETIMES[MANAGE])

    def unsubscribe(self, sub) -> str:
        return self._url("alerts_unsubscribe", sub.language, UNSUBSCRIBE, {"s": sub.id}, LIFETIMES[UNSUBSCRIBE])

    def publication(self, publication_id: str, lang: str) -> str:
        return self.base + urls.path("publication", lang, id=publication_id)


def read(secret_key: str, purpose: str, token: str | None) -> dict:
    if not token:
        raise TokenInvalid("no token")
    return read_token(secret_key, purpose, token)
