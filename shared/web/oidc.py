"""OpenID Connect sign-in (placeholder until the Authlib flow lands)."""
from __future__ import annotations

FLOW_SECONDS = 600


class OidcError(Exception):
    pass


class Refused(Exception):
    def __init__(self, reason: str, page: str = "sign-in-failed", status: int = 400, subject: str | None = None):
        super().__init__(reason)
        self.reason, self.page, self.status, self.subject = reason, page, status, subject


def begin(settings, next_path, *, now):
    raise OidcError("not implemented yet")


def finish(settings, session, flow_cookie, params, *, now):
    raise Refused("not_implemented")
