"""The public library and e-mail alerts in headless Chromium: a Welsh search with a mutated
form finds a publication and opens it, the language switch, downloading the briefing; then
subscribing, confirming from the e-mail a real SMTP server received, a digest after publishing
and one-click unsubscribe (RFC 8058). axe-core finds no serious or critical violation on any
page type in either language."""
from __future__ import annotations

import re
import uuid

import httpx
import pytest
from sqlmodel import Session, select

from services.dissemination.alerts import service as alerts
from services.dissemination.alerts.models import AlertSubscription
from services.dissemination.library.links import WebLinks
from services.dissemination.library.mail import stage_alert
from tests.browser.conftest import assert_accessible, serve
from tests.integration.dissemination.conftest import publication_body

pytestmark = [pytest.mark.integration, pytest.mark.browser]

BRIEFING = "Briff 7 munud: gofynnwch am y tad; 7-minute briefing: ask about the father.\n".encode()


@pytest.fixture
def settings(settings, smtp_sink):
    """Mail to the test's own SMTP server; alerts looked for every 0.2 s, with a 2 s grace (longer
    than any publishing transaction here takes: with none, a publication stamped just before a
    run but committed just after it would fall outside every window)."""
    return settings.model_copy(update={"smtp_url": smtp_sink.url, "alert_check_seconds": 0.2,
                                       "alert_grace_seconds": 2.0})


@pytest.fixture
def site(runtimes, settings):
    from shared.http.app import create_app

    with serve(create_app(runtimes["dissemination"]), port=settings.dissemination_port) as url:
        assert url == settings.base_url("dissemination")  # the links in e-mails point here
        yield url


def _publish(clients, keys, board="gwent", **over):
    r = clients["dissemination"].post("/v1/publications", json=publication_body(**over), headers=keys.board(board))
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture
def welsh_publication(clients, keys):
    c = clients["dissemination"]
    pid = _publish(clients, keys, "north-wales", status="draft", themes=["domestic_abuse"],
                   title={"en": "A father's care of a baby", "cy": "Gofal tad am fabi"},
                   summary={"en": "Workers worried about his child but did not ask.",
                            "cy": "Roedd gweithwyr yn poeni am ei blentyn ond ni ofynnwyd."},
                   # A full briefing's worth: seven learning points and four recommendations.
                   learning_points=[{"en": f"Learning point {i}: ask who else cares for the baby, and record "
                                           "the answer where every agency can see it.",
                                     "cy": f"Pwynt dysgu {i}: gofynnwch pwy arall sy'n gofalu am y babi, a "
                                           "chofnodwch yr ateb lle gall pob asiantaeth ei weld."} for i in range(1, 8)],
                   recommendations=[f"Recommendation {i}: agencies share chronologies before the strategy "
                                    "meeting and check that fathers are seen." for i in range(1, 5)])
    r = c.post(f"/v1/publications/{pid}/documents", headers=keys.board("north-wales"),
               data={"kind": "seven_minute_briefing", "title_en": "7-minute briefing", "title_cy": "Briff 7 munud"},
               files={"file": ("b.txt", BRIEFING, "text/plain")})
    assert r.status_code == 201, r.text
    c.post(f"/v1/publications/{pid}/documents", headers=keys.board("north-wales"),
           data={"kind": "report", "title_en": "Report", "title_cy": "Adroddiad"},
           files={"file": ("r.txt", b"The report.\n", "text/plain")})
    assert c.post(f"/v1/publications/{pid}/publish", headers=keys.board("north-wales")).status_code == 200
    return pid


def test_welsh_search_with_a_mutated_form_opens_the_publication_switches_language_and_downloads(
        page, site, welsh_publication):
    page.goto(site + "/")
    assert page.url == site + "/cy/"  # the browser asks for Welsh
    page.get_by_label("Chwilio'r dysgu").fill("plentyn")  # the text says "ei blentyn"
    page.get_by_role("button", name="Chwilio").click()
    assert "q=plentyn" in page.url  # the query is in the URL, so it can be shared
    assert page.get_by_role("status").inner_text() == "1 canlyniad"
    assert page.locator("mark").first.inner_text() == "blentyn"
    assert_accessible(page)
    page.get_by_role("link", name="Gofal tad am fabi").click()
    assert page.url == f"{site}/cy/cyhoeddiadau/{welsh_publication}"
    assert page.locator("h1").inner_text() == "Gofal tad am fabi"
    documents = page.locator(".document-list a")
    assert documents.first.inner_text() == "Briff 7 munud"  # the briefing first
    assert_accessible(page)
    # Printed (print stylesheet): on at most two A4 pages, without the site's navigation.
    from io import BytesIO

    from pypdf import PdfReader
    page.emulate_media(media="print")
    assert not page.locator(".library-nav").is_visible()
    pdf = PdfReader(BytesIO(page.pdf(format="A4")))
    assert 1 <= len(pdf.pages) <= 2
    assert "Gofal tad am fabi" in pdf.pages[0].extract_text()
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        documents.first.click()
    assert download.value.suggested_filename == "seven_minute_briefing.txt"
    assert open(download.value.path(), "rb").read() == BRIEFING
    page.get_by_role("link", name="English").click()
    assert page.url == f"{site}/en/publications/{welsh_publication}"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "A father's care of a baby"
    assert page.errors == []


def _text_part(received) -> str:
    return received.message.get_body(preferencelist=("plain",)).get_content()


def test_subscribe_confirm_from_the_email_get_a_digest_and_unsubscribe_in_one_click(
        page, site, smtp_sink, clients, keys, runtimes, workers):
    address = f"ymarferydd.{uuid.uuid4().hex[:6]}@example.com"
    page.goto(site + "/cy/hysbysiadau")
    page.get_by_label("Cyfeiriad e-bost").fill(address)
    page.get_by_label("Esgeulustod").check()
    page.get_by_label("Cyn gynted ag y caiff ei gyhoeddi").check()
    page.get_by_role("button", name="Tanysgrifio").click()
    assert page.locator("h1").inner_text() == "Gwiriwch eich e-bost"
    assert address not in page.content()

    (confirmation,) = smtp_sink.wait_for(1)
    assert confirmation.rcpt_tos == [address] and confirmation.message["Content-Language"] == "cy"
    confirm_url = re.search(r"https?://\S+/cy/hysbysiadau/cadarnhau\?token=\S+", _text_part(confirmation)).group(0)
    page.goto(confirm_url)
    page.get_by_role("button", name="Cadarnhau").click()
    assert page.locator("h1").inner_text() == "Mae eich hysbysiadau wedi'u cadarnhau"

    other = _publish(clients, keys, themes=["domestic_abuse"], title={"en": "Not chosen", "cy": "Heb ei dewis"})
    chosen = _publish(clients, keys, themes=["neglect"], title={"en": "On neglect", "cy": "Am esgeulustod"})
    got = smtp_sink.wait_for(2)
    digest = got[1]
    assert digest.rcpt_tos == [address]
    assert digest.message["Subject"] == "Dysgu newydd o Adolygiadau Ymarfer Plant"
    body = _text_part(digest)
    assert "Am esgeulustod" in body and "Heb ei dewis" not in body and f"/cy/cyhoeddiadau/{chosen}" in body
    assert other not in body
    assert digest.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The URL as it is on the wire: one line, no encoded words (clients read it raw).
    assert re.search(rb"\r\nList-Unsubscribe: <http://[^\r\n]+token=[^\r\n]+>\r\n", digest.raw)
    unsubscribe = digest.message["List-Unsubscribe"].strip("<>")

    # The mail client's one-click POST (RFC 8058): no cookie, no CSRF token, just the signed URL.
    r = httpx.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200
    with Session(runtimes["dissemination"].engine) as s:
        assert s.exec(select(AlertSubscription)).all() == []
    _publish(clients, keys, themes=["neglect"])
    page.goto(unsubscribe)  # the link again: the page, and nothing left to unsubscribe
    assert page.get_by_role("button", name="Dad-danysgrifio").count() == 1
    assert len(smtp_sink.received()) == 2


def _token_pages(runtimes, settings) -> dict[str, str]:
    """Confirm, manage and unsubscribe pages need links from a real subscription."""
    engine = runtimes["dissemination"].engine
    links = WebLinks(settings.base_url("dissemination"), settings.secret_key, settings.alert_unconfirmed_days)
    with Session(engine, info={"settings": settings}) as s:
        alerts.subscribe(s, settings.secret_key, "axe@example.com", alerts.Choices(["neglect"], [], "weekly", "en"),
                         links=links, stage=stage_alert)
        s.commit()
        sub = s.exec(select(AlertSubscription)).one()
        confirm = links.confirm(sub)
        alerts.confirm(s, sub.id, sub.version)
        s.commit()
        return {"confirm": confirm, "manage": links.manage(sub), "unsubscribe": links.unsubscribe(sub)}


def test_every_page_type_in_both_languages_passes_axe(page, site, clients, keys, runtimes, settings,
                                                      welsh_publication):
    withdrawn = _publish(clients, keys)
    clients["dissemination"].post(f"/v1/publications/{withdrawn}/withdraw", headers=keys.board("gwent"))
    tokens = _token_pages(runtimes, settings)
    paths = {
        "cy": ["/cy/", "/cy/chwilio?q=plentyn", "/cy/chwilio?q=dimbyd", f"/cy/cyhoeddiadau/{welsh_publication}",
               "/cy/themau", "/cy/themau/domestic_abuse", "/cy/ar-draws-cymru", "/cy/hysbysiadau",
               "/cy/hysbysiadau/gwiriwch-eich-e-bost", f"/cy/cyhoeddiadau/{withdrawn}", "/cy/cyhoeddiadau/nope"],
        "en": ["/en/", "/en/search?q=child&theme=domestic_abuse", f"/en/publications/{welsh_publication}",
               "/en/themes", "/en/themes/neglect", "/en/across-wales", "/en/alerts", "/en/alerts/check-your-email",
               f"/en/publications/{withdrawn}"],
    }
    for lang, lang_paths in paths.items():
        for path in lang_paths:
            page.goto(site + path)
            assert page.locator("html").get_attribute("lang") == lang, path
            assert_accessible(page)
    for url in tokens.values():  # the subscriber's pages, in English (their language) and in Welsh
        for candidate in (url, url.replace("/en/alerts/confirm", "/cy/hysbysiadau/cadarnhau")
                          .replace("/en/alerts/manage", "/cy/hysbysiadau/rheoli")
                          .replace("/en/alerts/unsubscribe", "/cy/hysbysiadau/dad-danysgrifio")):
            page.goto(candidate)
            assert_accessible(page)
    # The alert form with its errors shown.
    page.goto(site + "/en/alerts")
    page.get_by_label("E-mail address").fill("not an address")
    page.get_by_role("button", name="Subscribe").click()
    assert page.get_by_role("alert").count() == 1
    assert_accessible(page)
    # Nothing refused by the content security policy (the 404, 410 and 422 answers are intended).
    assert [e for e in page.errors if not e.startswith("Failed to load resource")] == []
