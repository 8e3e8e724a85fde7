"""Signing secrets at rest, encrypted under the server secret (CPR_SECRET_KEY).

The service must *recover* a subscriber's signing secret to sign each delivery, so it cannot
keep only a hash as it does for API keys. It is encrypted (Fernet: AES-128-CBC with an
HMAC-SHA-256 tag, from the `cryptography` package) so that a database dump or backup alone
does not let anyone forge deliveries. The Fernet key is derived from CPR_SECRET_KEY with HKDF,
so rotating that secret (which also invalidates every API key) needs subscribers to
re-subscribe.
"""
from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "f1"


@lru_cache(maxsize=8)
def _fernet(server_secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"cpr-webhook-signing-secret").derive(server_secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(server_secret: str, plaintext: str) -> str:
    return f"{_VERSION}:" + _fernet(server_secret).encrypt(plaintext.encode()).decode()


def unseal(server_secret: str, sealed: str) -> str:
    version, _, token = sealed.partition(":")
    if version != _VERSION:
        raise ValueError("unknown sealed-secret version")
    try:
        return _fernet(server_secret).decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("sealed secret does not verify under this server secret") from None
