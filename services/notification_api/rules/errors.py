"""The one exception the pure rules raise.

The API layer maps it to an RFC 9457 problem: ``status`` is the HTTP status,
``code`` a stable slug (usable in the problem ``type``), ``detail`` a sentence
that names the rule broken. 409 means "conflicts with the review's current
state" (may become valid later); 422 means "this request's values are wrong".
"""

from __future__ import annotations

from typing import Literal

__all__ = ["RuleViolation", "conflict", "invalid"]


class RuleViolation(Exception):
    """A request broke a domain rule; carries what a problem+json response needs."""

    def __init__(self, status: Literal[409, 422], code: str, detail: str) -> None:
        if status not in (409, 422):
            raise ValueError("RuleViolation status must be 409 or 422")
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail

    def __repr__(self) -> str:
        return f"RuleViolation({self.status}, {self.code!r}, {self.detail!r})"


def conflict(code: str, detail: str) -> RuleViolation:
    """409: the request is well formed but clashes with what is already recorded."""
    return RuleViolation(409, code, detail)


def invalid(code: str, detail: str) -> RuleViolation:
    """422: the request's own values break a rule (dates, missing rationale...)."""
    return RuleViolation(422, code, detail)
