"""Signed, expiring, single-purpose tokens for links in e-mail (itsdangerous, HMAC-SHA-256
under CPR_SECRET_KEY). The purpose is the salt, so a token made for one purpose is invalid
for every other; the subject (e.g. one meeting and one participant) is inside the signature."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeSerializer


class TokenInvalid(Exception):
    """Not one of ours, altered, or made for another purpose."""


class TokenExpired(Exception):
    """Ours and intact, but past its expiry."""


def _serializer(secret_key: str, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=f"cpr-link:{purpose}",
                             signer_kwargs={"digest_method": hashlib.sha256})


def make_token(secret_key: str, purpose: str, subject: dict, expires_at: datetime) -> str:
    return _serializer(secret_key, purpose).dumps({"s": subject, "e": int(expires_at.timestamp())})


def read_token(secret_key: str, purpose: str, token: str, now: datetime | None = None) -> dict:
    """The subject of a valid token; TokenInvalid or TokenExpired otherwise."""
    try:
        payload = _serializer(secret_key, purpose).loads(token)
    except (BadSignature, ValueError, TypeError):
        raise TokenInvalid("the link is not valid") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), dict) or not isinstance(payload.get("e"), int):
        raise TokenInvalid("the link is not valid")
    if (now or datetime.now(UTC)).timestamp() > payload["e"]:
        raise TokenExpired("the link has expired")
    return payload["s"]
