"""Signing in to the pages in a real browser (Debian chromium) through a real OpenID provider
(tests/js/oidc_provider.mjs): a Welsh Government analyst and a board user sign in and out, a
person whose claims map to no organisation gets the clear refusal page, and the quick start's
key form works. axe-core finds nothing serious on any sign-in page, in Welsh or English."""
from __future__ import annotations

import pytest

from shared.web.signin import SESSION_COOKIE
from tests.browser.conftest import assert_accessible, serve
from tests.oidc_support import run_provider
from tests.signin_support import sign_in_browser

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture
def site(runtimes, settings):
    from shared.http.app import create_app

    base = f"http://127.0.0.1:{settings.notification_api_port}"
    runtime = runtimes["notification_api"]
    with run_provider([f"{base}/signin/callback"]) as provider:
        runtime.settings = provider.settings_for(settings, base)
        with serve(create_app(runtime), port=settings.notification_api_port) as url:
            yield url


@pytest.fixture
def quick_site(runtimes):
    from shared.http.app import create_app

    with serve(create_app(runtimes["notification_api"])) as url:
        yield url


def _log_in_at_provider(page, login: str) -> None:
    """The provider's own development login page (its stylesheet and icon come from elsewhere:
    errors from its pages are not ours: tests check ours before going there)."""
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()
    page.wait_for_load_state()
    page.errors.clear()


def _session_cookie(page, url):
    return next((c for c in page.context.cookies(url) if c["name"] == SESSION_COOKIE), None)


def test_a_welsh_government_analyst_signs_in_and_out_in_both_languages(page, site):
    page.goto(f"{site}/signin")
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.locator("h1").inner_text() == "Mewngofnodi"
    assert page.locator("input[name=key]").count() == 0  # no key form once a provider is configured
    assert_accessible(page)
    page.get_by_role("link", name="English").click()
    assert page.locator("h1").inner_text() == "Sign in"
    assert_accessible(page)

    assert not page.errors, page.errors
    page.get_by_role("link", name="Sign in with your organisation's account").click()
    _log_in_at_provider(page, "wg-analyst")
    assert page.url.startswith(f"{site}/signin")
    assert page.locator("h1").inner_text() == "You are signed in"
    main = page.locator("main").inner_text()
    assert "Welsh Government" in main and "Alys Analyst" in main
    cookie = _session_cookie(page, site)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert_accessible(page)
    page.get_by_role("link", name="Cymraeg").click()
    assert "Llywodraeth Cymru" in page.locator("main").inner_text()
    assert_accessible(page)

    page.get_by_role("button", name="Allgofnodi").click()
    assert "Rydych wedi allgofnodi." in page.locator("main").inner_text()
    assert _session_cookie(page, site) is None
    assert_accessible(page)
    assert not page.errors, page.errors


def test_a_board_user_signs_in_for_their_board(page, site):
    page.goto(f"{site}/signin?lang=en")
    assert not page.errors, page.errors
    page.get_by_role("link", name="Sign in with your organisation's account").click()
    _log_in_at_provider(page, "gwent-manager")
    main = page.locator("main").inner_text()
    assert "Gwent Safeguarding Board" in main and "Welsh Government" not in main
    assert not page.errors, page.errors


def test_a_person_whose_claims_map_to_no_organisation_is_refused_with_a_clear_page(page, site):
    page.goto(f"{site}/signin")
    assert not page.errors, page.errors
    page.get_by_role("link", name="Mewngofnodi gyda chyfrif eich sefydliad").click()
    _log_in_at_provider(page, "nobody")
    assert page.url.startswith(f"{site}/signin/refused")
    assert page.locator("h1").inner_text() == "Nid yw eich cyfrif wedi'i osod ar gyfer y gwasanaeth hwn"
    assert _session_cookie(page, site) is None
    assert_accessible(page)
    page.get_by_role("link", name="English").click()
    assert page.locator("h1").inner_text() == "Your account is not set up for this service"
    assert_accessible(page)
    # The refusal page itself answers 403 (the console reports the document's status), no other error.
    assert all("status of 403" in e for e in page.errors), page.errors


def test_the_quick_start_key_form_in_both_languages(page, quick_site, keys):
    page.goto(f"{quick_site}/signin")
    assert "Cychwyn cyflym" in page.locator("h2").first.inner_text()
    assert_accessible(page)
    page.locator("input[name=key]").fill("cpr_not-a-real-key")
    page.get_by_role("button", name="Mewngofnodi gyda'r allwedd").click()
    assert page.locator(".error-summary").is_visible()
    assert page.locator("input[name=key]").input_value() == ""  # a key is never echoed back
    assert_accessible(page)
    page.get_by_role("link", name="English").click()
    assert_accessible(page)

    sign_in_browser(page, quick_site, keys.boards["gwent"])
    assert page.locator("h1").inner_text() == "You are signed in"
    assert "An API key (quick start)" in page.locator("main").inner_text()
    assert all(keys.boards["gwent"] not in c["value"] for c in page.context.cookies(quick_site))
    assert_accessible(page)
    assert all("status of 401" in e for e in page.errors), page.errors  # the wrong key's page: 401
