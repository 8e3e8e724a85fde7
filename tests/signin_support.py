"""Signing in for tests of pages that need a signed-in person (dashboards, review pages).

Both use the quick start's key sign-in (POST /signin/key with the page's CSRF token), which
makes a real server-side session exactly as an OpenID Connect sign-in would; tests of the
sign-in itself live in tests/integration/test_signin.py and tests/browser/test_signin.py."""
from __future__ import annotations

import re

from shared.web.signin import SESSION_COOKIE


def sign_in_browser(page, base_url: str, key: str, next_path: str = "/signin") -> None:
    """A Playwright page signed in with `key` (e.g. keys.welsh_government or keys.boards["gwent"]);
    ends on `next_path`."""
    from urllib.parse import quote

    page.goto(f"{base_url}/signin?next={quote(next_path, safe='/')}")
    page.locator("input[name=key]").fill(key)
    page.locator("form[action='/signin/key'] button[type=submit]").click()
    page.wait_for_load_state()
    cookies = {c["name"] for c in page.context.cookies(base_url)}
    assert SESSION_COOKIE in cookies, "the key sign-in did not make a session"


def sign_in_client(client, key: str) -> None:
    """An httpx.Client or TestClient (base_url = the notification API) signed in with `key`:
    it keeps the session cookie for every later request."""
    form = client.get("/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    response = client.post("/signin/key", data={"key": key, "csrf_token": token, "next": "/signin"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    assert SESSION_COOKIE in client.cookies, "the key sign-in did not make a session"
