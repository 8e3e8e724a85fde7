"""OpenAPI `responses=` entries for the answers the shared dependencies give, worded once:
`BoardDep`'s 403, `visible_or_404`'s 404 and the Idempotency-Key's 409."""
from __future__ import annotations

BOARD_ONLY = {403: {"description": "Welsh Government reads; only the board's key writes"}}


def not_found(thing: str) -> dict:
    """The 404 of `visible_or_404`: another board's record is absent too (its existence is data)."""
    return {404: {"description": f"No such {thing} for this key (another board's is 404 too)"}}


def conflict(reason: str) -> dict:
    """A creating endpoint's 409: its own `reason`, or the Idempotency-Key used with another body."""
    return {409: {"description": f"{reason}, or Idempotency-Key reused"}}
