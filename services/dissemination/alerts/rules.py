"""Pure rules for alert subscriptions: the address's shape, its normal form, and the choices a
subscriber makes. No I/O."""
from __future__ import annotations

import hashlib
import hmac
import re

from services.dissemination.alerts.periods import FREQUENCIES

LANGUAGES = ("cy", "en")
MAX_ADDRESS = 254  # RFC 5321's limit on a forward path, less the angle brackets
# Deliberately simple: one @, no spaces or control characters, a dotted domain of letters,
# digits and hyphens. The confirmation e-mail is the real test of an address.
_ADDRESS = re.compile(r"^[^@\s\x00-\x1f\x7f<>()\[\],;:\"\\]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
                      r"[A-Za-z]{2,63}$")


def normalise_address(address: str) -> str:
    """Trimmed, domain lower-cased (the local part is the receiving system's to interpret, but
    practically every system ignores its case, so it is folded too for the duplicate check)."""
    return address.strip().casefold()


def valid_address(address: str) -> bool:
    address = address.strip()
    return 3 <= len(address) <= MAX_ADDRESS and bool(_ADDRESS.match(address)) and ".." not in address


def address_hash(secret_key: str, address: str) -> str:
    return hmac.new(secret_key.encode(), b"alert-address:" + normalise_address(address).encode(),
                    hashlib.sha256).hexdigest()


def choice_errors(*, frequency: str, language: str, themes: list[str], boards: list[str],
                  known_themes: set[str], known_boards: set[str]) -> list[dict]:
    """Problem `errors` entries for the subscriber's choices (empty when all is well). Nothing
    chosen means nothing narrows: all new learning."""
    errors = []
    if frequency not in FREQUENCIES:
        errors.append({"field": "frequency", "message": "one of " + ", ".join(FREQUENCIES), "code": "invalid"})
    if language not in LANGUAGES:
        errors.append({"field": "language", "message": "cy or en", "code": "invalid"})
    errors += [{"field": f"themes[{i}]", "message": "unknown theme", "code": "unknown_theme"}
               for i, t in enumerate(themes) if t not in known_themes]
    errors += [{"field": f"boards[{i}]", "message": "unknown board", "code": "unknown_board"}
               for i, b in enumerate(boards) if b not in known_boards]
    return errors
