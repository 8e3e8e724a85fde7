"""Secure headers on every response, and CSRF protection for our forms.

CSRF is a signed double-submit cookie (OWASP): the page sets a random `cpr_csrf` cookie and
puts HMAC(secret, cookie) in the form; a POST must bring both, and a browser that says the
request is cross-site (Sec-Fetch-Site) is refused as well."""
from __future__ import annotations

import hashlib
import hmac
import secrets

CSRF_COOKIE = "cpr_csrf"
CSRF_FIELD = "csrf_token"

# No script at all: our pages work without JavaScript. Styles only from our own /static.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # Links in e-mail carry tokens: never send them on to another site.
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "cross-origin-opener-policy": "same-origin",
}
# Swagger UI loads its own script and styles; everything else gets the strict policy.
NO_CSP_PATHS = ("/docs", "/redoc")


class SecurityHeadersMiddleware:
    def __init__(self, app, hsts: bool = False):
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in HEADERS.items() if k.encode() not in present]
                if not path.startswith(NO_CSP_PATHS) and b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", CSP.encode()))
                if self.hsts:
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_wrapper)


def _sign(secret_key: str, value: str) -> str:
    return hmac.new(secret_key.encode(), f"csrf:{value}".encode(), hashlib.sha256).hexdigest()


def new_csrf_cookie() -> str:
    return secrets.token_urlsafe(24)


def csrf_form_value(secret_key: str, cookie: str) -> str:
    return _sign(secret_key, cookie)


def csrf_ok(secret_key: str, cookie: str | None, submitted: str | None, fetch_site: str | None) -> bool:
    if fetch_site == "cross-site":
        return False
    if not cookie or not submitted:
        return False
    return hmac.compare_digest(_sign(secret_key, cookie), submitted)
