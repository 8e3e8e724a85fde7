"""A real OpenID Provider for the sign-in tests: tests/js/oidc_provider.mjs (panva's
`oidc-provider` from npm) run with node on a loopback port, and the settings that point the
notification API at it. Outside CI, a missing node or package skips the test; in CI it fails."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from urllib.parse import urljoin

import httpx
import pytest

from tests.support import ROOT, free_port

SCRIPT = ROOT / "tests" / "js" / "oidc_provider.mjs"
CLIENT_ID = "cpr-test"
CLIENT_SECRET = "cpr-test-client-secret"
# The test people's groups (tests/js/oidc_provider.mjs) -> who they act for.
CLAIM_MAP = {"groups=cpr-wg-analysts": "welsh-government", "groups=cpr-gwent": "gwent",
             "groups=cpr-north-wales": "north-wales"}


def _missing(what: str):
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing (.ci/run installs it)")
    pytest.skip(f"{what} is missing: install node; npm ci")


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen

    def settings_for(self, settings, redirect_base: str, **extra):
        """`settings` pointed at this provider, sending people back to `redirect_base`."""
        return settings.model_copy(update={
            "oidc_issuer": self.issuer, "oidc_client_id": CLIENT_ID, "oidc_client_secret": CLIENT_SECRET,
            "oidc_redirect_base": redirect_base, "oidc_scopes": "openid profile groups",
            "oidc_claim_map": dict(CLAIM_MAP), **extra})


@contextmanager
def run_provider(redirect_uris: list[str], id_token_ttl: int = 3600):
    node = shutil.which("node")
    if node is None:
        _missing("node")
    if not (ROOT / "node_modules" / "oidc-provider").exists():
        _missing("oidc-provider (node_modules)")
    port = free_port()
    env = {**os.environ, "PORT": str(port), "REDIRECT_URIS": ",".join(redirect_uris), "CLIENT_ID": CLIENT_ID,
           "CLIENT_SECRET": CLIENT_SECRET, "ID_TOKEN_TTL": str(id_token_ttl)}
    process = subprocess.Popen([node, str(SCRIPT)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        issuer = None
        while issuer is None:
            line = process.stdout.readline()
            if line.startswith("READY "):
                issuer = line.split()[1]
            elif not line and process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the OpenID provider did not start: {line}")
        from shared.web import oidc

        oidc.forget_providers()
        yield Provider(issuer=issuer, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _form(html: str, base: str) -> tuple[str, dict]:
    action = re.search(r'<form[^>]*action="([^"]+)"', html).group(1)
    fields = dict(re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    return urljoin(base, unescape(action)), fields


def log_in_at_provider(authorization_url: str, login: str) -> str:
    """What a browser does at the provider (its development login form, any password): returns
    the URL the provider sends the person back to (our callback with code and state)."""
    with httpx.Client(follow_redirects=False, timeout=20) as idp:
        response = idp.get(authorization_url)
        while response.status_code in (302, 303) and "/interaction/" in response.headers["location"]:
            response = idp.get(urljoin(str(response.url), response.headers["location"]))
        assert response.status_code == 200, response.text
        action, fields = _form(response.text, str(response.url))
        response = idp.post(action, data={**fields, "prompt": "login", "login": login, "password": "any"})
        while response.status_code in (302, 303):
            location = urljoin(str(response.url), response.headers["location"])
            if "/signin/callback" in location:
                return location
            response = idp.get(location)
        raise AssertionError(f"the provider did not send the person back: {response.status_code} {response.text[:300]}")
