"""The library's pages over HTTP: both languages at their own paths with hreflang alternates,
what the JSON API shows and nothing else (drafts absent, withdrawn a 410 page), search filters
kept in the URL, counts and highlighted snippets, the sitemap, and the alert forms' CSRF."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tests.integration.dissemination.conftest import publication_body

pytestmark = pytest.mark.integration


def _publish(c, keys, board="gwent", **over):
    r = c.post("/v1/publications", json=publication_body(**over), headers=keys.board(board))
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture
def library(clients, keys):
    c = clients["dissemination"]
    ids = {"welsh": _publish(c, keys, "north-wales", themes=["domestic_abuse"], published_on="2025-07-01",
                             title={"en": "A father's care", "cy": "Gofal tad"},
                             summary={"en": "Workers worried about his child.", "cy": "Roedd gweithwyr yn poeni am ei blentyn."},
                             documents=[{"kind": "report", "url": "https://nw.example.wales/r.pdf",
                                         "title": {"en": "Report", "cy": "Adroddiad"}},
                                        {"kind": "seven_minute_briefing", "url": "https://nw.example.wales/b.pdf",
                                         "title": {"en": "Briefing", "cy": "Briff"}}]),
           "neglect": _publish(c, keys, published_on="2024-05-01"),
           "draft": _publish(c, keys, status="draft", title={"en": "Secret draft", "cy": "Drafft cudd"}),
           "withdrawn": _publish(c, keys, title={"en": "Withdrawn one", "cy": "Un wedi'i dynnu"})}
    assert c.post(f"/v1/publications/{ids['withdrawn']}/withdraw", headers=keys.board("gwent")).status_code == 200
    return c, ids


def test_every_page_type_in_both_languages(library):
    c, ids = library
    for path, lang in [("/cy/", "cy"), ("/en/", "en"), ("/cy/chwilio?q=plentyn", "cy"), ("/en/search?q=child", "en"),
                       (f"/cy/cyhoeddiadau/{ids['welsh']}", "cy"), (f"/en/publications/{ids['welsh']}", "en"),
                       ("/cy/themau", "cy"), ("/en/themes/neglect", "en"), ("/cy/ar-draws-cymru", "cy"),
                       ("/en/across-wales", "en"), ("/cy/hysbysiadau", "cy"), ("/en/alerts", "en")]:
        r = c.get(path, headers={"accept-language": "cy" if lang == "en" else "en"})  # the path decides
        assert r.status_code == 200, (path, r.text[:500])
        assert f'<html lang="{lang}">' in r.text and r.headers["content-language"] == lang
        assert 'hreflang="cy"' in r.text and 'hreflang="en"' in r.text
        assert "Secret draft" not in r.text and "Withdrawn one" not in r.text
        assert "content-security-policy" in r.headers


def test_search_page_counts_highlights_filters_and_pages(library, clients, keys):
    c, ids = library
    r = c.get("/cy/chwilio", params={"q": "plentyn"})
    assert "1 canlyniad" in r.text and "<mark>blentyn</mark>" in r.text
    assert f'/cy/cyhoeddiadau/{ids["welsh"]}' in r.text
    r = c.get("/en/search", params={"theme": "neglect", "year": "2024"})
    assert "1 result" in r.text and ids["neglect"] in r.text and ids["welsh"] not in r.text
    assert 'href="http://testserver/cy/chwilio?theme=neglect&amp;year=2024"' in r.text  # the Welsh alternate keeps the query
    for _ in range(21):
        _publish(c, keys)
    first = c.get("/en/search")
    assert "23 results" in first.text
    nxt = re.search(r'rel="next" href="([^"]+)"', first.text).group(1).replace("&amp;", "&")
    second = c.get(nxt)
    assert second.status_code == 200 and "First page" in second.text and 'rel="next"' not in second.text


def test_publication_page_shows_the_briefing_first_and_withdrawn_is_410(library):
    c, ids = library
    r = c.get(f"/en/publications/{ids['welsh']}")
    assert r.text.index("b.pdf") < r.text.index("r.pdf")
    assert 'property="og:title" content="A father&#39;s care' in r.text
    gone = c.get(f"/cy/cyhoeddiadau/{ids['withdrawn']}")
    assert gone.status_code == 410 and "Wedi&#39;i thynnu&#39;n ôl" in gone.text
    from services.dissemination.library.i18n import long_date
    from shared.clock import london_today as today_london
    assert f"Tynnwyd yn ôl ar {long_date(today_london(), 'cy')}" in gone.text and "Withdrawn one" not in gone.text
    assert c.get(f"/en/publications/{ids['draft']}").status_code == 404


def test_root_redirects_by_language_and_sitemap_lists_public_pages_only(library):
    c, ids = library
    r = c.get("/", headers={"accept-language": "en-GB,en;q=0.9"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/en/"
    body = c.get("/sitemap.xml")
    root = ET.fromstring(body.content)
    locs = [u.find("{http://www.sitemaps.org/schemas/sitemap/0.9}loc").text for u in root]
    assert f"http://testserver/cy/cyhoeddiadau/{ids['welsh']}" in locs
    assert not any(ids["draft"] in u or ids["withdrawn"] in u for u in locs)


def test_alert_form_needs_csrf_and_bad_input_changes_nothing(library):
    c, _ = library
    r = c.post("/en/alerts", data={"email": "a@example.com", "frequency": "weekly", "language": "en"})
    assert r.status_code == 403
    page = c.get("/en/alerts")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    bad = c.post("/en/alerts", data={"email": "nope", "frequency": "weekly", "language": "en", "csrf_token": token})
    assert bad.status_code == 422 and "There is a problem" in bad.text and 'href="#field-email"' in bad.text
    ok = c.post("/en/alerts", data={"email": "a@example.com", "frequency": "weekly", "language": "en",
                                    "themes": ["neglect"], "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/en/alerts/check-your-email"
    assert "a@example.com" not in c.get("/en/alerts/check-your-email").text


def test_bad_links_say_what_is_wrong_in_the_page_language(library):
    c, _ = library
    r = c.get("/cy/hysbysiadau/dad-danysgrifio", params={"token": "not-a-token"})
    assert r.status_code == 400 and "Nid yw&#39;r ddolen hon yn ddilys" in r.text
    r = c.post("/en/alerts/unsubscribe", params={"token": "x"}, data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 400 and "This link is not valid" in r.text



def test_a_link_to_a_subscription_that_is_gone_or_expired_is_a_page_not_json(library, settings):
    """Every personal-link page shows a Problem as its own error page (library/views.py
    `_problems_as_page`): a cancelled subscription is 404, an expired link 410, in the page's language."""
    from datetime import timedelta
    from types import SimpleNamespace
    from urllib.parse import parse_qs, urlsplit

    from services.dissemination.library.links import WebLinks
    from shared.db import utcnow

    c, _ = library
    gone = SimpleNamespace(id="no-such-subscription", language="cy", version=1)
    manage = WebLinks("", settings.secret_key, confirm_days=7).manage(gone)
    r = c.get(manage)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html"), r.text
    assert 'lang="cy"' in r.text
    expired = WebLinks("", settings.secret_key, confirm_days=7, now=utcnow() - timedelta(days=30)).confirm(gone)
    page = c.get("/en/alerts")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    token = parse_qs(urlsplit(expired).query)["token"][0]
    r = c.post("/cy/hysbysiadau/cadarnhau", data={"token": token, "csrf_token": csrf})
    assert r.status_code == 410 and r.headers["content-type"].startswith("text/html"), r.text
