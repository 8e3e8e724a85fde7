"""The shared layout in a real browser: Welsh and English with a working switch and correct
lang/hreflang, secure headers and CSP with nothing refused, CSRF on forms, usable without
JavaScript, and axe-core clean."""
from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, Form, Request

from shared.web.pages import Pages
from tests.browser.conftest import assert_accessible, serve

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PAGES = Pages("tests.browser")
router = APIRouter(include_in_schema=False)


@router.get("/sample")
def sample(request: Request):
    return PAGES.render(request, "sample.html", {"done": False})


@router.post("/sample")
def sample_post(request: Request, answer: str = Form(default=""), csrf_token: str = Form(default="")):
    if not PAGES.csrf_valid(request, csrf_token):
        return PAGES.render(request, "error.html", {"heading": "Forbidden", "message": "CSRF"}, status=403)
    return PAGES.render(request, "sample.html", {"done": answer in ("yes", "no")})


@pytest.fixture
def base_url(runtimes):
    from shared.http.app import create_app

    app = create_app(runtimes["scheduler"])
    app.include_router(router)
    with serve(app) as url:
        yield url


def test_welsh_first_then_english_by_the_switch_remembered_across_pages(page, base_url):
    page.goto(base_url + "/sample")
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.locator("h1").inner_text() == "Tudalen enghreifftiol"
    assert page.locator("link[rel=alternate][hreflang=en]").count() == 1
    switch = page.get_by_role("link", name="English")
    assert switch.get_attribute("hreflang") == "en" and switch.get_attribute("lang") == "en"
    assert_accessible(page)
    switch.click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Sample page"
    assert_accessible(page)
    page.goto(base_url + "/sample")  # the choice is remembered
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Send").click()
    assert page.get_by_role("status").inner_text() == "Thank you"
    assert page.errors == []  # nothing refused by the content security policy


def test_the_form_works_without_javascript(no_js_page, base_url):
    no_js_page.goto(base_url + "/sample?lang=en")
    no_js_page.get_by_label("No").check()
    no_js_page.get_by_role("button", name="Send").click()
    assert no_js_page.get_by_role("status").inner_text() == "Thank you"


def test_secure_headers_and_a_post_without_the_csrf_pair_is_refused(base_url):
    r = httpx.get(base_url + "/sample")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src" not in csp
    assert r.headers["referrer-policy"] == "no-referrer" and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"
    # No cookie: refused, even with a value copied from the page.
    token = r.text.split('name="csrf_token" value="')[1].split('"')[0]
    assert httpx.post(base_url + "/sample", data={"answer": "yes", "csrf_token": token}).status_code == 403
    # Cookie and value: accepted; a cross-site request with both: refused.
    cookies = {"cpr_csrf": r.cookies["cpr_csrf"]}
    assert httpx.post(base_url + "/sample", data={"answer": "yes", "csrf_token": token}, cookies=cookies).status_code == 200
    assert httpx.post(base_url + "/sample", data={"answer": "yes", "csrf_token": token}, cookies=cookies,
                      headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    # The JSON API still refuses form bodies.
    assert httpx.post(base_url + "/v1/meetings", data={"a": "b"}).status_code == 415


def test_the_accessibility_check_can_fail(page, base_url):
    page.goto(base_url + "/sample")
    page.evaluate("() => { document.querySelector('label[for=yes]').remove(); "
                  "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/static/favicon.svg\">'); }")
    with pytest.raises(AssertionError, match="image-alt|label"):
        assert_accessible(page)
