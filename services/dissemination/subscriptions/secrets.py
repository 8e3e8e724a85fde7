"""Signing secrets at rest, encrypted under the server secret (CPR_SECRET_KEY).

The service must *recover* a subscriber's signing secret to sign each delivery, so it cannot
keep only a hash as it does for API keys. It is encrypted so that a database dump or backup
alone does not let anyone forge deliveries. No extra dependency: HMAC-SHA-256 in counter mode
as the keystream (a PRF-based stream cipher) under a random 16-byte nonce, then
encrypt-then-MAC with a separate HMAC key. Both keys are derived from CPR_SECRET_KEY, so
rotating that secret (which also invalidates every API key) needs subscribers to re-subscribe.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_VERSION = "v1"
_NONCE = 16
_TAG = 32


def _keys(server_secret: str) -> tuple[bytes, bytes]:
    root = hashlib.sha256(server_secret.encode()).digest()
    return (hmac.new(root, b"cpr-webhook-secret-enc", hashlib.sha256).digest(),
            hmac.new(root, b"cpr-webhook-secret-mac", hashlib.sha256).digest())


def _stream(key: bytes, nonce: bytes, n: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hmac.new(key, nonce + counter.to_bytes(8, "big"), hashlib.sha256).digest()
        counter += 1
    return bytes(out[:n])


def seal(server_secret: str, plaintext: str) -> str:
    enc, mac = _keys(server_secret)
    nonce = secrets.token_bytes(_NONCE)
    data = plaintext.encode()
    ct = bytes(a ^ b for a, b in zip(data, _stream(enc, nonce, len(data))))
    tag = hmac.new(mac, nonce + ct, hashlib.sha256).digest()
    return f"{_VERSION}:" + base64.urlsafe_b64encode(nonce + ct + tag).decode()


def unseal(server_secret: str, sealed: str) -> str:
    version, _, payload = sealed.partition(":")
    if version != _VERSION:
        raise ValueError("unknown sealed-secret version")
    raw = base64.urlsafe_b64decode(payload.encode())
    nonce, ct, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    enc, mac = _keys(server_secret)
    if not hmac.compare_digest(tag, hmac.new(mac, nonce + ct, hashlib.sha256).digest()):
        raise ValueError("sealed secret does not verify under this server secret")
    return bytes(a ^ b for a, b in zip(ct, _stream(enc, nonce, len(ct)))).decode()
