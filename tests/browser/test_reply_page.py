"""The invitee's path in a real browser: the link from the delivered e-mail opens the meeting
in Welsh and in English, the decline is sent from the page, and the API then shows the
meeting at risk. axe-core finds nothing serious on any page of the way."""
from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest

from shared.events.reviews import ReviewReferredV1
from shared.mail.outbox import MailDelivery
from tests.browser.conftest import assert_accessible, serve
from tests.integration.scheduler.helpers import deliver
from tests.mail_support import link_in

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture
def scheduler(runtimes, settings, smtp_sink):
    from shared.http.app import create_app

    runtime = runtimes["scheduler"]
    runtime.settings = settings.model_copy(update={"smtp_url": smtp_sink.url})
    with serve(create_app(runtime), port=settings.scheduler_port) as url:
        yield url, runtime


def test_open_the_link_read_it_in_both_languages_and_decline(page, scheduler, keys, smtp_sink):
    url, runtime = scheduler
    api = httpx.Client(base_url=url, headers=keys.board())
    review = str(uuid.uuid4())
    deliver(runtime, "review.referred.v1", ReviewReferredV1(review_id=review, board_code="gwent",
                                                            referral_date=date(2026, 10, 1), status="referred"))
    people = [api.post("/v1/participants", json={"display_name": n, "email": e, "agency_code": "health"}).json()["id"]
              for n, e in (("Ceri Jones", "ceri@health.example.wales"), ("Rhian Evans", "rhian@police.example.wales"))]
    meeting = api.post("/v1/meetings", json={
        "review_id": review, "kind": "learning_event", "start": "2027-03-02T10:00:00Z", "end": "2027-03-02T13:00:00Z",
        "location": "Canolfan y Bwrdd, Casnewydd", "notes": "Dewch â'ch cronoleg.",
        "participants": [{"participant_id": people[0], "required": True},
                         {"participant_id": people[1], "required": True}]}).json()
    MailDelivery(runtime.engine, runtime.settings, "scheduler").run_once()
    [mail] = smtp_sink.to("ceri@health.example.wales")
    link = link_in(mail)
    assert link.startswith(url)

    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.locator("h1").inner_text() == "Digwyddiad Dysgu"
    assert "Dydd Mawrth 2 Mawrth 2027, 10:00 tan 13:00" in page.locator("main").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Learning Event"
    assert "Tuesday 2 March 2027, 10:00 to 13:00" in page.locator("main").inner_text()
    assert_accessible(page)
    assert api.get(f"/v1/meetings/{meeting['id']}").json()["status"] == "booked"  # reading changed nothing

    page.get_by_label("I cannot come").check()
    page.get_by_role("button", name="Send my answer").click()
    assert "your answer is recorded" in page.get_by_role("status").inner_text()
    assert page.get_by_label("I cannot come").is_checked()
    assert_accessible(page)
    assert page.errors == []

    after = api.get(f"/v1/meetings/{meeting['id']}").json()
    assert after["status"] == "at_risk"
    assert {p["display_name"]: p["response"] for p in after["participants"]} == {
        "Ceri Jones": "declined", "Rhian Evans": "needs_action"}


def test_a_bad_link_shows_a_plain_page_in_welsh_and_english(page, scheduler):
    url, _ = scheduler
    page.goto(url + "/meetings/reply/not-a-token")
    assert page.locator("h1").inner_text() == "Nid yw'r ddolen hon yn gweithio"
    assert_accessible(page)
    page.get_by_role("link", name="English").click()
    assert page.locator("h1").inner_text() == "This link does not work"
