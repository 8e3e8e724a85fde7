"""A poll end to end in a real browser with a real SMTP server (aiosmtpd): the poll is sent,
three people answer through the links in their e-mails (one in Welsh, one after switching to
English, one with a comment), the fourth never answers and is reminded by the worker's job,
the coordinator's e-mail links to the results page showing who never answered, and
finalising books the meeting and sends its invitations. axe-core finds nothing serious on
any page of the way."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import httpx
import pytest

from shared.clock import LONDON
from shared.events.reviews import ReviewReferredV1
from shared.mail.outbox import MailDelivery
from services.scheduler.meetings.reminders import add_working_days
from services.scheduler.polls.service import run_due_job
from tests.browser.conftest import assert_accessible, serve
from tests.integration.scheduler.helpers import deliver
from tests.mail_support import calendar_of, links_in

pytestmark = [pytest.mark.integration, pytest.mark.browser]

COORDINATOR = "coordinator@gwent-board.example.wales"
PEOPLE = (("Ceri Jones", "ceri@health.example.wales", "cy", True),
          ("Dafydd Price", "dafydd@police.example.wales", "en", True),
          ("Rhian Evans", "rhian@education.example.wales", "cy", True),
          ("Elin Hughes", "elin@thirdsector.example.wales", "cy", False))


@pytest.fixture
def scheduler(runtimes, settings, smtp_sink):
    from shared.http.app import create_app

    runtime = runtimes["scheduler"]
    runtime.settings = settings.model_copy(update={"smtp_url": smtp_sink.url})
    with serve(create_app(runtime), port=settings.scheduler_port) as url:
        yield url, runtime


def option_starts(n: int) -> list[str]:
    """n working days from three on, 10:00 Welsh time (never a weekend or bank holiday)."""
    now = datetime.now(UTC)
    return [datetime.combine(add_working_days(now, 3 + i).astimezone(LONDON).date(), time(10), LONDON).isoformat()
            for i in range(n)]


def test_a_poll_answered_through_the_links_reminded_and_finalised(page, scheduler, keys, smtp_sink):
    url, runtime = scheduler
    api = httpx.Client(base_url=url, headers=keys.board())
    send = lambda: MailDelivery(runtime.engine, runtime.settings, "scheduler").run_once()  # noqa: E731
    review = str(uuid.uuid4())
    deliver(runtime, "review.referred.v1", ReviewReferredV1(review_id=review, board_code="gwent",
                                                            referral_date=date(2026, 10, 1), status="referred"))
    ids = {}
    for name, email, lang, _ in PEOPLE:
        r = api.post("/v1/participants", json={"display_name": name, "email": email, "agency_code": "health",
                                               "preferred_language": lang})
        ids[name] = r.json()["id"]
    r = api.post("/v1/polls", json={
        "review_id": review, "kind": "learning_event", "duration_minutes": 180, "options": option_starts(3),
        "required_participants": [ids[n] for n, _, _, required in PEOPLE if required],
        "optional_participants": [ids["Elin Hughes"]], "coordinator_email": COORDINATOR,
        "deadline": (datetime.now(UTC) + timedelta(hours=30)).isoformat()})
    assert r.status_code == 201, r.text
    poll = r.json()
    send()
    links = {name: set(links_in(smtp_sink.to(email)[0], "/polls/answer/")).pop() for name, email, _, _ in PEOPLE}
    assert all(link.startswith(url) for link in links.values())

    # Ceri answers in Welsh (her browser asks for Welsh).
    page.goto(links["Ceri Jones"])
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.locator("h1").inner_text() == "Pryd allwch chi ddod?"
    assert_accessible(page)
    fieldsets = page.locator("fieldset")
    assert fieldsets.count() == 3
    for i, answer in enumerate(("Gallaf", "Os oes rhaid", "Gallaf")):
        fieldsets.nth(i).get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Anfon fy atebion").click()
    assert "Diolch: mae eich atebion wedi'u cofnodi" in page.get_by_role("status").inner_text()
    assert_accessible(page)

    # Dafydd switches to English and says no to the second time.
    page.goto(links["Dafydd Price"])
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "When can you come?"
    fieldsets = page.locator("fieldset")
    for i, answer in enumerate(("Yes", "No", "If need be")):
        fieldsets.nth(i).get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    assert "your answers are recorded" in page.get_by_role("status").inner_text()

    assert page.errors == []  # no CSP refusal, no script error

    # Rhian forgets one option first (the page says so and keeps what she chose), then answers.
    page.goto(links["Rhian Evans"] + "?lang=en")
    fieldsets = page.locator("fieldset")
    fieldsets.nth(0).get_by_label("Yes", exact=True).check()
    fieldsets.nth(2).get_by_label("No", exact=True).check()
    page.get_by_label("Comment (optional)").fill("Mornings are easier for me.")
    page.get_by_role("button", name="Send my answers").click()
    assert "Choose an answer for option 2" in page.get_by_role("alert").inner_text()
    assert fieldsets.nth(0).get_by_label("Yes", exact=True).is_checked()
    assert_accessible(page)
    fieldsets.nth(1).get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    assert "your answers are recorded" in page.get_by_role("status").inner_text()
    assert [e for e in page.errors if "status of 422" not in e] == []  # the refused form was answered 422

    # Elin never answers: the worker's job reminds her (the deadline is within 48 hours), once.
    run_due_job(runtime)
    run_due_job(runtime)
    send()
    reminders = [m for m in smtp_sink.received() if m.message["Subject"].startswith("Nodyn atgoffa")
                 or m.message["Subject"].startswith("Reminder")]
    assert [m.rcpt_tos[0] for m in reminders] == ["elin@thirdsector.example.wales"]
    assert links["Elin Hughes"] in links_in(reminders[0], "/polls/answer/")

    # The coordinator was told every required invitee answered; the results page shows who never did.
    [notice] = smtp_sink.to(COORDINATOR)
    page.goto(set(links_in(notice, "/polls/results/")).pop() + "?lang=en")
    assert "Not answered" in page.locator("main").inner_text()
    assert "Elin Hughes" in page.locator("dl").inner_text()
    assert "Mornings are easier for me." in page.locator("main").inner_text()
    assert_accessible(page)
    result = api.get(f"/v1/polls/{poll['id']}").json()
    assert result["not_answered"] == [ids["Elin Hughes"]] and result["all_required_answered"]
    first = result["options"][0]
    assert first["required"] == {"yes": 3, "if_need_be": 0, "no": 0, "not_yet": 0} and first["confidence"] == 1.0

    # The coordinator finalises the first time; the meeting is booked and everyone invited.
    before = len(smtp_sink.received())
    r = api.post(f"/v1/polls/{poll['id']}/finalise", json={"option_id": first["id"], "location": "Canolfan y Bwrdd"})
    assert r.status_code == 201, r.text
    meeting = r.json()
    send()
    invitations = smtp_sink.received()[before:]
    assert sorted(m.rcpt_tos[0] for m in invitations) == sorted(email for _, email, _, _ in PEOPLE)
    for m in invitations:
        cal, _ = calendar_of(m)
        assert cal["METHOD"] == "REQUEST" and str(cal.walk("VEVENT")[0]["UID"]) == meeting["uid"]
    assert api.get(f"/v1/polls/{poll['id']}").json()["status"] == "finalised"
