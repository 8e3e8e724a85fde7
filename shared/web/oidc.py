"""OpenID Connect sign-in: the authorization code flow with PKCE (S256), with Authlib.

- Discovery: `<issuer>/.well-known/openid-configuration`, whose `issuer` must be exactly the
  configured one; metadata and JWKS are cached per issuer (the JWKS is fetched again once when
  a token names a key we do not hold: the provider rotated its keys).
- The flow's state, nonce, PKCE verifier and `next` travel in a signed, short-lived, HttpOnly
  cookie bound to this browser (shared/web/tokens.py), so nothing is kept server-side until a
  person is signed in, and a callback from another browser's flow is refused.
- The ID token is verified by Authlib/joserfc: signature with the provider's JWKS (asymmetric
  algorithms the provider announces; never "none" or a shared-secret HMAC), iss, aud, azp,
  exp/iat (with `oidc_leeway_seconds`), nonce and at_hash.
- Who the person acts for comes only from the verified claims, through `oidc_claim_map`.

Refusals carry one of our reason codes (audited) and the page to show; the provider's own
words are never shown or stored."""
from __future__ import annotations

import hmac
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from sqlmodel import Session

from shared.auth import WELSH_GOVERNMENT, Board, Principal
from shared.logs import log
from shared.web.tokens import TokenExpired, TokenInvalid, make_token, read_token

logger = logging.getLogger("cpr.signin")

FLOW_SECONDS = 600  # from "Sign in" to coming back from the provider
FLOW_PURPOSE = "oidc-flow"
METADATA_SECONDS = 3600.0
# Signature algorithms we accept on an ID token (asymmetric only), if the provider offers them.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


class OidcError(Exception):
    """The provider could not be reached or described itself wrongly."""


class Refused(Exception):
    """No sign-in. `reason` is our code (audited), `page` the refusal page to show."""

    def __init__(self, reason: str, page: str = "sign-in-failed", status: int = 400, subject: str | None = None):
        super().__init__(reason)
        self.reason, self.page, self.status, self.subject = reason, page, status, subject


@dataclass(frozen=True)
class Person:
    principal: Principal
    subject: str
    name: str | None
    next_path: str


# -- the provider's metadata and keys ----------------------------------------------------------

@dataclass
class _Cached:
    metadata: dict
    jwks: dict | None
    fetched: float


_cache: dict[str, _Cached] = {}
_lock = threading.Lock()


def forget_providers() -> None:
    """Drop cached metadata and keys (tests start each provider afresh)."""
    with _lock:
        _cache.clear()


def _get_json(settings, url: str) -> dict:
    try:
        response = httpx.get(url, timeout=settings.oidc_timeout_seconds, follow_redirects=False)
        response.raise_for_status()
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        log(logger, logging.WARNING, "identity provider unreachable", error=type(exc).__name__)
        raise OidcError("the identity provider could not be reached") from None
    if not isinstance(data, dict):
        raise OidcError("the identity provider answered something other than a JSON object")
    return data


def metadata(settings) -> dict:
    issuer = settings.oidc_issuer.rstrip("/")
    with _lock:
        found = _cache.get(settings.oidc_issuer)
        if found and time.monotonic() - found.fetched < METADATA_SECONDS:
            return found.metadata
    data = _get_json(settings, issuer + "/.well-known/openid-configuration")
    if data.get("issuer") != settings.oidc_issuer:
        # OpenID Connect Discovery 4.3: the issuer must be exactly the one we asked.
        raise OidcError("the identity provider's metadata names another issuer")
    for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(data.get(field), str):
            raise OidcError(f"the identity provider's metadata has no {field}")
    with _lock:
        _cache[settings.oidc_issuer] = _Cached(metadata=data, jwks=None, fetched=time.monotonic())
    return data


def jwks(settings, *, refresh: bool = False) -> dict:
    meta = metadata(settings)
    with _lock:
        found = _cache.get(settings.oidc_issuer)
        if found and found.jwks is not None and not refresh:
            return found.jwks
    keys = _get_json(settings, meta["jwks_uri"])
    with _lock:
        if settings.oidc_issuer in _cache:
            _cache[settings.oidc_issuer].jwks = keys
    return keys


def set_jwks(settings, keys: dict) -> None:
    """Pin the key set (tests: a provider whose keys are not the ones that signed)."""
    metadata(settings)
    with _lock:
        _cache[settings.oidc_issuer].jwks = keys


def redirect_uri(settings) -> str:
    base = (settings.oidc_redirect_base or settings.base_url("notification_api")).rstrip("/")
    return base + "/signin/callback"


def _client(settings) -> OAuth2Session:
    return OAuth2Session(settings.oidc_client_id, settings.oidc_client_secret, scope=settings.oidc_scopes,
                         redirect_uri=redirect_uri(settings), code_challenge_method="S256")


# -- the flow --------------------------------------------------------------------------------

def begin(settings, next_path: str, *, now: datetime, lang: str | None = None) -> tuple[str, str]:
    """The provider's authorization URL and the flow cookie's value."""
    meta = metadata(settings)
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    extra = {"ui_locales": lang} if lang else {}
    with _client(settings) as client:
        url, _ = client.create_authorization_url(meta["authorization_endpoint"], state=state, nonce=nonce,
                                                 code_verifier=verifier, **extra)
    cookie = make_token(settings.secret_key, FLOW_PURPOSE, {"st": state, "n": nonce, "v": verifier, "next": next_path},
                        expires_at=now + timedelta(seconds=FLOW_SECONDS))
    return url, cookie


def finish(settings, session: Session, flow_cookie: str | None, params: dict, *, now: datetime) -> Person:
    """The person signed in by this callback, or Refused."""
    if not flow_cookie:
        raise Refused("no_flow")
    try:
        flow = read_token(settings.secret_key, FLOW_PURPOSE, flow_cookie, now=now)
    except TokenExpired:
        raise Refused("flow_expired") from None
    except TokenInvalid:
        raise Refused("flow_invalid") from None
    if not hmac.compare_digest(str(params.get("state", "")), str(flow.get("st", ""))):
        raise Refused("state_mismatch")
    if params.get("error"):
        # e.g. access_denied: the person cancelled, or the provider would not sign them in.
        raise Refused("provider_error")
    code = params.get("code")
    if not code or len(code) > 2000:
        raise Refused("no_code")
    if "iss" in params and params["iss"] != settings.oidc_issuer:  # RFC 9207 mix-up defence
        raise Refused("issuer_mismatch")
    try:
        meta = metadata(settings)
        with _client(settings) as client:
            token = client.fetch_token(meta["token_endpoint"], grant_type="authorization_code", code=code,
                                       code_verifier=flow["v"], timeout=settings.oidc_timeout_seconds)
    except OidcError:
        raise Refused("provider_unreachable", status=502) from None
    except Exception as exc:  # the token endpoint refused (an OAuth error) or could not be read
        log(logger, logging.WARNING, "token exchange failed", error=type(exc).__name__)
        raise Refused("token_exchange_failed") from None
    if not token.get("id_token"):
        raise Refused("no_id_token")
    claims = verify_id_token(settings, token["id_token"], nonce=flow["n"], access_token=token.get("access_token"),
                             now=now)
    principal = map_claims(settings, session, claims)
    name = claims.get("name") if isinstance(claims.get("name"), str) else None
    return Person(principal=principal, subject=str(claims["sub"]), name=name, next_path=flow.get("next") or "/")


def _algorithms(meta: dict) -> list[str]:
    offered = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
    return [a for a in offered if a in ALGORITHMS]


def verify_id_token(settings, id_token: str, *, nonce: str, access_token: str | None, now: datetime) -> dict:
    """The ID token's claims, once signature, iss, aud/azp, exp/iat, nonce and at_hash hold."""
    meta = metadata(settings)
    registry = JWSRegistry(algorithms=_algorithms(meta), strict_check_header=False)
    try:
        try:
            decoded = jwt.decode(id_token, KeySet.import_key_set(jwks(settings)), registry=registry)
        except InvalidKeyIdError:  # a key we have not seen: the provider may have rotated
            decoded = jwt.decode(id_token, KeySet.import_key_set(jwks(settings, refresh=True)), registry=registry)
    except OidcError:
        raise Refused("provider_unreachable", status=502) from None
    except (JoseError, ValueError) as exc:
        raise Refused(f"id_token_signature:{type(exc).__name__}"[:64]) from None
    params = {"nonce": nonce, "client_id": settings.oidc_client_id}
    if access_token:
        params["access_token"] = access_token
    options = {"iss": {"essential": True, "value": settings.oidc_issuer},
               "aud": {"essential": True, "value": settings.oidc_client_id},
               "sub": {"essential": True}, "nonce": {"essential": True}}
    claims = CodeIDToken(decoded.claims, decoded.header, options, params)
    try:
        claims.validate(now=int(now.timestamp()), leeway=settings.oidc_leeway_seconds)
    except (JoseError, ValueError) as exc:
        raise Refused(f"id_token_claims:{type(exc).__name__}"[:64],
                      subject=str(decoded.claims.get("sub"))[:255] if decoded.claims.get("sub") else None) from None
    return dict(claims)


# -- who the person acts for ---------------------------------------------------------------------

def _values(claim) -> set[str]:
    if isinstance(claim, list):
        return {str(v) for v in claim if isinstance(v, (str, int))}
    if isinstance(claim, (str, int)) and not isinstance(claim, bool):
        return {str(claim)}
    return set()


def mapped_organisations(claim_map: dict[str, str], claims: dict) -> set[str]:
    """Every board code (or "welsh-government") the claims map to. Pure."""
    found = set()
    for rule, target in claim_map.items():
        name, sep, value = rule.partition("=")
        if sep and value in _values(claims.get(name.strip())):
            found.add(target.strip())
    return found


def map_claims(settings, session: Session, claims: dict) -> Principal:
    subject = str(claims.get("sub"))[:255]
    targets = mapped_organisations(settings.oidc_claim_map, claims)
    if not targets:
        raise Refused("unmapped_claims", page="no-organisation", status=403, subject=subject)
    if len(targets) > 1:
        raise Refused("ambiguous_claims", page="ambiguous-organisation", status=403, subject=subject)
    [target] = targets
    # The principal's key_id is filled in by the session (its own id): see websessions.
    if target == WELSH_GOVERNMENT:
        return Principal(key_id="", board_code=None, welsh_government=True)
    board = session.get(Board, target)
    if board is None or not board.active:
        log(logger, logging.WARNING, "claim map names no active board", board=target)
        raise Refused("unknown_board", page="no-organisation", status=403, subject=subject)
    return Principal(key_id="", board_code=board.code, welsh_government=False)
