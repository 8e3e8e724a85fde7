"""Signing in to the pages, against a real OpenID provider (tests/js/oidc_provider.mjs, panva's
oidc-provider run with node) and real PostgreSQL: the code flow with PKCE, who a person acts
for from their claims only, refusals (forged, expired, wrong nonce or audience, unmapped
claims), server-side sessions with idle and absolute expiry, CSRF, sign-out, and the audit."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlmodel import Session, select

from shared.auth import ApiKey
from shared.db import utcnow
from shared.web import oidc
from shared.web.signin import FLOW_COOKIE, SESSION_COOKIE, PagePrincipalDep
from shared.web.tokens import make_token
from shared.web.websessions import SigninAudit, WebSession
from tests.integration.notification.conftest import referral
from tests.oidc_support import CLIENT_ID, log_in_at_provider, run_provider
from tests.signin_support import sign_in_client
from tests.support import gate_safe_tag

pytestmark = pytest.mark.integration
BASE = "http://testserver"


class Clock:
    """The sessions' clock, moved by the test instead of waited for."""

    def __init__(self):
        self.offset = timedelta()

    def __call__(self):
        return utcnow() + self.offset

    def advance(self, **kw):
        self.offset += timedelta(**kw)


def _app(runtime):
    from shared.http.app import create_app

    app = create_app(runtime)

    @app.get("/test/who", include_in_schema=False)
    def who(principal: PagePrincipalDep):
        """A page that needs a signed-in person (the dashboards use the same dependency)."""
        return {"name": principal.name, "key_id": principal.key_id}

    clock = Clock()
    app.state.clock = clock
    return app, clock


@pytest.fixture
def quick(runtimes):
    """The quick start: no identity provider, key sign-in on."""
    app, clock = _app(runtimes["notification_api"])
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as client:
        yield client, clock, runtimes["notification_api"]


@pytest.fixture
def provider():
    with run_provider([f"{BASE}/signin/callback"], id_token_ttl=60) as p:
        yield p


@pytest.fixture
def sso(runtimes, settings, provider):
    runtime = runtimes["notification_api"]
    runtime.settings = provider.settings_for(settings, BASE)
    app, clock = _app(runtime)
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as client:
        yield client, clock, runtime


def _audit(runtime) -> list[SigninAudit]:
    with Session(runtime.engine) as s:
        return list(s.exec(select(SigninAudit).order_by(SigninAudit.id)))


def _sessions(runtime) -> list[WebSession]:
    with Session(runtime.engine) as s:
        return list(s.exec(select(WebSession)))


def _csrf(client, path="/signin") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def _start(client, next_path="/test/who") -> str:
    response = client.get(f"/signin/start?next={next_path}", follow_redirects=False)
    assert response.status_code == 303
    return response.headers["location"]


# -- OpenID Connect ----------------------------------------------------------------------------

def test_a_welsh_government_analyst_signs_in_with_pkce_and_lands_where_they_were_going(sso):
    client, _clock, runtime = sso
    assert client.get("/test/who?year=2026", follow_redirects=False).headers["location"] == \
        "/signin?next=%2Ftest%2Fwho%3Fyear%3D2026"
    authorization = _start(client, "/test/who")
    query = parse_qs(urlsplit(authorization).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["nonce"] and query["state"] and query["client_id"] == [CLIENT_ID]
    assert "code_verifier" not in query

    back = log_in_at_provider(authorization, "wg-analyst")
    response = client.get(back, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/test/who"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age" not in cookie
    assert client.get("/test/who").json()["name"] == "welsh-government"

    [row] = _sessions(runtime)
    assert row.method == "oidc" and row.welsh_government and row.subject == "wg-analyst"
    assert row.token_hash != client.cookies[SESSION_COOKIE]  # only the token's hash is stored
    [signed_in] = [a for a in _audit(runtime) if a.event == "signed_in"]
    assert (signed_in.principal, signed_in.subject, signed_in.session_id) == ("welsh-government", "wg-analyst", row.id)
    assert client.get(back).status_code == 400  # a callback replayed is refused (its flow is spent)


def test_a_board_user_acts_for_their_board_only(sso):
    client, _clock, runtime = sso
    response = client.get(log_in_at_provider(_start(client), "gwent-manager"), follow_redirects=False)
    assert response.status_code == 303
    who = client.get("/test/who").json()
    assert who["name"] == "board:gwent"
    page = client.get("/signin?lang=en").text
    assert "Gwent Safeguarding Board" in page and "Sign out" in page


@pytest.mark.parametrize("login,reason,heading", [
    ("nobody", "unmapped_claims", "Your account is not set up for this service"),
    ("two-boards", "ambiguous_claims", "Your account names more than one organisation"),
])
def test_claims_that_map_to_no_single_organisation_are_refused_with_a_clear_page(sso, login, reason, heading):
    client, _clock, runtime = sso
    client.get("/signin?lang=en")
    response = client.get(log_in_at_provider(_start(client), login))
    assert response.status_code == 403 and response.url.path == "/signin/refused"
    assert heading in response.text
    assert SESSION_COOKIE not in client.cookies and not _sessions(runtime)
    assert client.get("/test/who", follow_redirects=False).status_code == 303
    [refused] = _audit(runtime)
    assert (refused.event, refused.reason, refused.subject) == ("refused", reason, login)
    welsh = client.get(str(response.url) + "&lang=cy")
    assert welsh.status_code == 403 and ("Mae eich cyfrif" in welsh.text or "Nid yw eich cyfrif" in welsh.text)


def test_a_claim_map_naming_no_board_refuses_instead_of_inventing_one(sso, settings, provider):
    client, _clock, runtime = sso
    runtime.settings = provider.settings_for(settings, BASE, oidc_claim_map={"groups=cpr-gwent": "atlantis"})
    response = client.get(log_in_at_provider(_start(client), "gwent-manager"))
    assert response.status_code == 403
    assert [a.reason for a in _audit(runtime)] == ["unknown_board"]


def test_an_expired_id_token_is_refused(sso):
    """The provider's ID tokens live 60 s here; the callback arrives (by the clock) 200 s later,
    past expiry and the 60 s leeway but within the flow's ten minutes."""
    client, clock, runtime = sso
    back = log_in_at_provider(_start(client), "wg-analyst")
    clock.advance(seconds=200)
    response = client.get(back)
    assert response.status_code == 400 and SESSION_COOKIE not in client.cookies
    assert [a.reason for a in _audit(runtime)] == ["id_token_claims:ExpiredTokenError"]


def test_an_id_token_not_signed_by_the_providers_key_is_refused(sso, provider):
    """We trust a key set (same key id) that did not sign the token: the signature fails."""
    client, _clock, runtime = sso
    real = oidc.jwks(runtime.settings)
    foreign = RSAKey.generate_key(2048, parameters={"kid": real["keys"][0]["kid"], "use": "sig", "alg": "RS256"})
    oidc.set_jwks(runtime.settings, KeySet([foreign]).as_dict(private=False))
    response = client.get(log_in_at_provider(_start(client), "wg-analyst"))
    assert response.status_code == 400 and not _sessions(runtime)
    [refused] = _audit(runtime)
    assert refused.reason.startswith("id_token_signature:")


def test_a_wrong_nonce_is_refused(sso, settings):
    """A flow whose nonce is not the one the provider put in the ID token (the flow cookie is
    remade with our secret, as only the server could)."""
    client, clock, runtime = sso
    authorization = _start(client)
    state = parse_qs(urlsplit(authorization).query)["state"][0]
    flow = oidc.read_token(settings.secret_key, oidc.FLOW_PURPOSE, client.cookies[FLOW_COOKIE])
    client.cookies.set(FLOW_COOKIE, make_token(settings.secret_key, oidc.FLOW_PURPOSE, {**flow, "n": "another"},
                                               expires_at=utcnow() + timedelta(minutes=5)), path="/signin")
    assert flow["st"] == state
    response = client.get(log_in_at_provider(authorization, "wg-analyst"))
    assert response.status_code == 400
    assert [a.reason for a in _audit(runtime)] == ["id_token_claims:InvalidClaimError"]


def test_a_callback_without_this_browsers_flow_or_with_another_state_is_refused(sso):
    client, _clock, runtime = sso
    back = log_in_at_provider(_start(client), "wg-analyst")
    tampered = re.sub(r"state=[^&]+", "state=forged", back)
    assert client.get(tampered).status_code == 400
    client.cookies.delete(FLOW_COOKIE, path="/signin")
    assert client.get(back).status_code == 400
    assert [a.reason for a in _audit(runtime)] == ["state_mismatch", "no_flow"]
    assert not _sessions(runtime)


# -- ID token checks, one claim at a time (tokens we sign with a key we pin as the provider's) --

@pytest.fixture
def pinned_key(sso):
    _client, _clock, runtime = sso
    key = RSAKey.generate_key(2048, parameters={"kid": "pinned", "use": "sig", "alg": "RS256"})
    oidc.set_jwks(runtime.settings, KeySet([key]).as_dict(private=False))
    return key, runtime.settings


def _claims(settings, **changes):
    now = int(utcnow().timestamp())
    claims = {"iss": settings.oidc_issuer, "aud": CLIENT_ID, "sub": "wg-analyst", "nonce": "n-1",
              "iat": now, "exp": now + 300, "groups": ["cpr-wg-analysts"]}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.mark.parametrize("changes,reason", [
    ({"aud": "another-client"}, "id_token_claims:InvalidClaimError"),
    ({"iss": "http://127.0.0.1:1/elsewhere"}, "id_token_claims:InvalidClaimError"),
    ({"nonce": "n-2"}, "id_token_claims:InvalidClaimError"),
    ({"nonce": None}, "id_token_claims:MissingClaimError"),
    ({"exp": 1_000_000_000}, "id_token_claims:ExpiredTokenError"),
    ({"aud": [CLIENT_ID, "other"], "azp": "other"}, "id_token_claims:InvalidClaimError"),
])
def test_each_id_token_claim_is_checked(pinned_key, changes, reason):
    key, settings = pinned_key
    token = jwt.encode({"alg": "RS256", "kid": "pinned"}, _claims(settings, **changes), key)
    with pytest.raises(oidc.Refused) as refused:
        oidc.verify_id_token(settings, token, nonce="n-1", access_token=None, now=utcnow())
    assert refused.value.reason == reason
    good = jwt.encode({"alg": "RS256", "kid": "pinned"}, _claims(settings), key)
    assert oidc.verify_id_token(settings, good, nonce="n-1", access_token=None, now=utcnow())["sub"] == "wg-analyst"


def test_unsigned_and_shared_secret_id_tokens_are_refused(pinned_key):
    from joserfc.jwk import OctKey
    from joserfc.jws import JWSRegistry

    key, settings = pinned_key
    claims = _claims(settings)
    hmac_token = jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(settings.oidc_client_secret.encode()))
    none_token = jwt.encode({"alg": "none"}, claims, None, registry=JWSRegistry(algorithms=["none"]))
    other = RSAKey.generate_key(2048, parameters={"kid": "pinned"})
    forged = jwt.encode({"alg": "RS256", "kid": "pinned"}, claims, other)
    for token in (hmac_token, none_token, forged):
        with pytest.raises(oidc.Refused) as refused:
            oidc.verify_id_token(settings, token, nonce="n-1", access_token=None, now=utcnow())
        assert refused.value.reason.startswith("id_token_signature:")


def test_the_quick_start_key_form_is_off_once_a_provider_is_configured_unless_asked_for(sso, keys, settings, provider):
    client, _clock, runtime = sso
    assert "name=\"key\"" not in client.get("/signin").text
    response = client.post("/signin/key", data={"key": keys.welsh_government})
    assert response.status_code == 404 and SESSION_COOKIE not in client.cookies
    runtime.settings = provider.settings_for(settings, BASE, signin_key_enabled=True)
    sign_in_client(client, keys.welsh_government)
    assert client.get("/test/who").json()["name"] == "welsh-government"


# -- the quick start's key sign-in, sessions, CSRF, sign-out -----------------------------------

def test_a_pasted_key_is_exchanged_for_a_session_and_never_kept_in_the_browser(quick, keys):
    client, _clock, runtime = quick
    sign_in_client(client, keys.boards["gwent"])
    assert client.get("/test/who").json() == {"name": "board:gwent", "key_id": keys.key_ids["gwent"]}
    for value in client.cookies.values():
        assert keys.boards["gwent"] not in value
    assert keys.boards["gwent"] not in client.get("/signin").text
    [row] = _sessions(runtime)
    assert row.method == "key" and row.key_id == keys.key_ids["gwent"]


def test_a_wrong_or_revoked_key_is_refused_and_audited(quick, keys):
    client, _clock, runtime = quick
    response = client.post("/signin/key", data={"key": "cpr_not-a-key", "csrf_token": _csrf(client)})
    assert response.status_code == 401 and "cpr_not-a-key" not in response.text
    with Session(runtime.engine) as s:
        row = s.get(ApiKey, keys.key_ids["north-wales"])
        row.revoked_at = utcnow()
        s.add(row)
        s.commit()
    response = client.post("/signin/key", data={"key": keys.boards["north-wales"], "csrf_token": _csrf(client)})
    assert response.status_code == 401 and SESSION_COOKIE not in client.cookies
    assert [(a.event, a.reason) for a in _audit(runtime)] == [("refused", "invalid_key")] * 2


def test_forms_without_a_valid_csrf_token_are_refused(quick, keys):
    client, _clock, runtime = quick
    for data in ({"key": keys.welsh_government}, {"key": keys.welsh_government, "csrf_token": "0" * 64}):
        response = client.post("/signin/key", data=data)
        assert response.status_code == 403 and SESSION_COOKIE not in client.cookies
    token = _csrf(client)
    cross = client.post("/signin/key", data={"key": keys.welsh_government, "csrf_token": token},
                        headers={"sec-fetch-site": "cross-site"})
    assert cross.status_code == 403 and SESSION_COOKIE not in client.cookies

    sign_in_client(client, keys.welsh_government)
    assert client.post("/signout", data={}).status_code == 403
    assert client.get("/test/who").status_code == 200  # still signed in: nothing changed
    assert [a.reason for a in _audit(runtime) if a.event == "refused"] == ["csrf"] * 3


def test_sign_out_ends_the_session_on_the_server(quick, keys):
    client, _clock, runtime = quick
    sign_in_client(client, keys.welsh_government)
    token = client.cookies[SESSION_COOKIE]
    response = client.post("/signout", data={"csrf_token": _csrf(client)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/signin?signed_out=1"
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, token)  # a copy of the cookie kept from before
    assert client.get("/test/who", follow_redirects=False).status_code == 303
    assert [a.event for a in _audit(runtime)] == ["signed_in", "signed_out"]
    assert _sessions(runtime)[0].ended_at is not None


def test_a_session_ends_after_the_idle_time(quick, keys):
    client, clock, runtime = quick
    sign_in_client(client, keys.welsh_government)
    clock.advance(minutes=29)
    assert client.get("/test/who").status_code == 200  # activity keeps it alive
    clock.advance(minutes=29)
    assert client.get("/test/who").status_code == 200
    clock.advance(minutes=31)
    response = client.get("/test/who", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/signin?next=")
    assert [(a.event, a.reason) for a in _audit(runtime)][-1] == ("expired", "idle")
    clock.advance(minutes=-31)  # and it does not come back
    assert client.get("/test/who", follow_redirects=False).status_code == 303


def test_a_session_ends_at_its_absolute_limit_however_active(quick, keys, settings):
    client, clock, runtime = quick
    runtime.settings = settings.model_copy(update={"signin_absolute_hours": 1.0})
    sign_in_client(client, keys.welsh_government)
    for _ in range(2):
        clock.advance(minutes=25)
        assert client.get("/test/who").status_code == 200
    clock.advance(minutes=11)  # 61 minutes after signing in, 11 after the last request
    assert client.get("/test/who", follow_redirects=False).status_code == 303
    assert [(a.event, a.reason) for a in _audit(runtime)][-1] == ("expired", "absolute")


def test_signing_in_again_replaces_the_session(quick, keys):
    """A new token at every sign-in (no session fixation); the old one is ended."""
    client, _clock, runtime = quick
    sign_in_client(client, keys.welsh_government)
    first = client.cookies[SESSION_COOKIE]
    sign_in_client(client, keys.boards["gwent"])
    assert client.cookies[SESSION_COOKIE] != first
    assert client.get("/test/who").json()["name"] == "board:gwent"
    assert sorted(r.ended_at is None for r in _sessions(runtime)) == [False, True]


def test_a_review_read_from_a_page_is_audited_as_an_api_read(quick, keys, clients):
    """Pages read a review through the same service function as GET /v1/reviews/{id}
    (reviews.service.read_review), so the audit trail names the page's principal."""
    from services.notification_api.reviews import service as reviews

    client, _clock, runtime = quick
    api = clients["notification_api"]
    created = api.post("/v1/reviews", headers=keys.board(), json=referral(f"GW-{gate_safe_tag()}"))
    assert created.status_code == 201, created.text
    review_id = created.json()["id"]
    sign_in_client(client, keys.boards["gwent"])
    [row] = [r for r in _sessions(runtime) if r.ended_at is None]
    with Session(runtime.engine) as s:
        reviews.read_review(s, row.principal(), review_id)
        s.commit()
    trail = api.get(f"/v1/reviews/{review_id}/audit", headers=keys.board()).json()["items"]
    [page_read] = [(e["action"], e["principal"], e["key_id"]) for e in trail if e["what"] == "review"]
    assert page_read == ("read", "board:gwent", keys.key_ids["gwent"])


def test_a_key_sign_in_ends_when_the_key_is_revoked(quick, keys):
    client, _clock, runtime = quick
    sign_in_client(client, keys.boards["gwent"])
    assert client.get("/test/who").status_code == 200
    with Session(runtime.engine) as s:
        row = s.get(ApiKey, keys.key_ids["gwent"])
        row.revoked_at = utcnow()
        s.add(row)
        s.commit()
    assert client.get("/test/who", follow_redirects=False).status_code == 303
    assert [(a.event, a.reason) for a in _audit(runtime)][-1] == ("expired", "key_revoked")


def test_cookies_are_secure_when_configured_so_behind_a_tls_proxy(quick, keys, settings):
    client, _clock, runtime = quick
    runtime.settings = settings.model_copy(update={"signin_cookie_secure": True})
    response = client.post("/signin/key", data={"key": keys.welsh_government, "csrf_token": _csrf(client)},
                           follow_redirects=False)
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_a_token_signed_with_a_key_we_have_not_seen_fetches_the_providers_keys_again(sso):
    """Key rotation: the key set we hold has another key id, so the provider's JWKS is read again."""
    client, _clock, runtime = sso
    old = RSAKey.generate_key(2048, parameters={"kid": "rotated-out", "use": "sig", "alg": "RS256"})
    oidc.set_jwks(runtime.settings, KeySet([old]).as_dict(private=False))
    response = client.get(log_in_at_provider(_start(client), "wg-analyst"), follow_redirects=False)
    assert response.status_code == 303 and client.get("/test/who").json()["name"] == "welsh-government"


def test_a_provider_whose_metadata_names_another_issuer_is_not_used(sso, settings, provider):
    client, _clock, runtime = sso
    runtime.settings = provider.settings_for(settings, BASE, oidc_issuer=provider.issuer + "/")
    response = client.get("/signin/start", follow_redirects=False)
    assert response.status_code == 502 and "We could not sign you in" in client.get("/signin/refused?lang=en").text
    assert "location" not in response.headers


def test_ended_and_long_expired_sessions_are_purged_but_their_record_stays(quick, keys):
    from shared.web import websessions

    client, clock, runtime = quick
    sign_in_client(client, keys.welsh_government)
    sign_in_client(client, keys.boards["gwent"])  # ends the first
    with Session(runtime.engine) as s:
        assert websessions.purge(s, now=utcnow() + timedelta(days=6)) == 0
        # a week and an hour on: the ended one goes; the live one (ending 10 hours after sign-in) stays
        assert websessions.purge(s, now=utcnow() + timedelta(days=7, hours=1)) == 1
        s.commit()
    assert client.get("/test/who").json()["name"] == "board:gwent"  # the live one is kept
    assert [a.event for a in _audit(runtime)] == ["signed_in", "signed_out", "signed_in"]


def test_key_sign_in_attempts_are_rate_limited(quick, keys):
    from shared.http.ratelimit import TokenBuckets

    client, _clock, runtime = quick
    client.app.state.rate_limiter = TokenBuckets(0.001, 2)
    token = _csrf(client)
    assert [client.post("/signin/key", data={"key": "cpr_wrong", "csrf_token": token}).status_code
            for _ in range(3)] == [401, 401, 429]
    assert len(_audit(runtime)) == 2  # the refused third attempt left no row
