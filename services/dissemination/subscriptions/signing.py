"""Standard Webhooks signing (https://www.standardwebhooks.com) for subscription deliveries.

We follow the published scheme exactly, rather than inventing one, so a subscriber can verify
our deliveries with any existing Standard Webhooks / Svix library:

* secret: ``whsec_`` + base64 of random bytes; the HMAC key is the *decoded* bytes;
* signed content: ``f"{msg_id}.{timestamp}."`` followed by the raw body bytes;
* ``webhook-signature``: ``v1,`` + base64(HMAC-SHA256), several space-separated during rotation;
* ``webhook-id`` stays the same across retries (the receiver's idempotency key);
  ``webhook-timestamp`` and the signature are fresh on every attempt.

`verify` is here too, for our own tests' receiver and for anyone embedding this module.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable, Mapping

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
DEFAULT_SECRET_BYTES = 32
DEFAULT_TOLERANCE_SECONDS = 300

HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"


class WebhookVerificationError(Exception):
    """A delivery failed verification; `reason` says why in words a log reader understands."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def generate_secret(nbytes: int = DEFAULT_SECRET_BYTES) -> str:
    """A new signing secret, shown to the subscriber once. The spec asks for 24 to 64 bytes."""
    if not 24 <= nbytes <= 64:
        raise ValueError("a Standard Webhooks secret is 24 to 64 random bytes")
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(nbytes)).decode("ascii")


def _key(secret: str) -> bytes:
    """Decode a secret to HMAC key bytes. The prefix is optional, as in the reference libraries."""
    raw = secret[len(SECRET_PREFIX):] if secret.startswith(SECRET_PREFIX) else secret
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("webhook secret is not valid base64 after the 'whsec_' prefix") from None
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def _as_bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def _check_msg_id(msg_id: str) -> None:
    # The id is part of the signed string with "." as separator; a "." or whitespace in it would
    # let two different (id, timestamp) pairs sign the same content.
    if not msg_id or any(c in msg_id for c in ". \t\r\n,"):
        raise ValueError("webhook-id must be non-empty and contain no '.', ',' or whitespace")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """The ``webhook-signature`` value for one delivery attempt: ``"v1,<base64 HMAC-SHA256>"``."""
    _check_msg_id(msg_id)
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        raise ValueError("timestamp must be a non-negative integer (seconds since the epoch)")
    content = f"{msg_id}.{timestamp}.".encode("utf-8") + _as_bytes(body)
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def headers(
    secret: str | Iterable[str], msg_id: str, timestamp: int, body: bytes | str
) -> dict[str, str]:
    """The three headers for one delivery attempt (same argument order as `sign`).

    `secret` may be several secrets during rotation: each signs, and the receiver accepts the
    delivery if any one matches. Pass the attempt's own time: a retry is re-signed, not replayed.
    """
    ts = timestamp
    keys = [secret] if isinstance(secret, str) else list(secret)
    if not keys:
        raise ValueError("at least one secret is needed to sign")
    return {
        HEADER_ID: msg_id,
        HEADER_TIMESTAMP: str(ts),
        HEADER_SIGNATURE: " ".join(sign(k, msg_id, ts, body) for k in keys),
    }


def _header(hdrs: Mapping[str, str], name: str) -> str:
    for key, value in hdrs.items():
        if key.lower() == name:
            return value
    raise WebhookVerificationError(f"missing {name} header")


def verify(
    secret: str,
    hdrs: Mapping[str, str],
    body: bytes | str,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: int | float | None = None,
) -> None:
    """Check a delivery's signature and freshness; raise WebhookVerificationError if not good.

    The timestamp check (both directions) is what stops a captured delivery being replayed
    later; the signature check is constant-time so it leaks nothing about the expected value.
    Header names are matched case-insensitively, as HTTP requires.
    """
    msg_id = _header(hdrs, HEADER_ID)
    ts_text = _header(hdrs, HEADER_TIMESTAMP).strip()
    sig_header = _header(hdrs, HEADER_SIGNATURE)

    if not ts_text.isascii() or not ts_text.isdigit():
        raise WebhookVerificationError("webhook-timestamp is not an integer number of seconds")
    timestamp = int(ts_text)
    current = time.time() if now is None else now
    if timestamp < current - tolerance_seconds:
        raise WebhookVerificationError("webhook-timestamp is too old (possible replay)")
    if timestamp > current + tolerance_seconds:
        raise WebhookVerificationError("webhook-timestamp is too far in the future")

    try:
        expected = sign(secret, msg_id, timestamp, body).split(",", 1)[1].encode("ascii")
    except ValueError as exc:
        raise WebhookVerificationError(str(exc)) from None

    for candidate in sig_header.split():
        version, _, value = candidate.partition(",")
        # Other versions (e.g. "v1a", asymmetric) are skipped, not errors: a sender may send
        # several schemes at once and we only check the one we share a secret for.
        if version == SIGNATURE_VERSION and hmac.compare_digest(value.encode("ascii", "replace"), expected):
            return
    raise WebhookVerificationError("no matching signature")
