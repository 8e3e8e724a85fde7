"""Availability polls through the scheduler's API and pages on PostgreSQL, with mail delivered
to a real SMTP server (aiosmtpd): invitations with personal links, answers as diary data,
pre-filling from connected diaries, results and confidence as proposals compute it, the
coordinator's notices, the reminder, finalising (with the override rule) and the CSV."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session

from shared.mail.outbox import MailDelivery
from shared.web.tokens import make_token
from services.scheduler.polls.service import run_due
from tests.integration.scheduler.helpers import ics, problem, vevent
from tests.mail_support import calendar_of, links_in

pytestmark = pytest.mark.integration

DEADLINE = "2027-01-20T17:00:00Z"
OPTIONS = ["2027-02-02T10:00:00Z", "2027-02-03T10:00:00Z", "2027-02-04T14:00:00Z"]
COORDINATOR = "coordinator@gwent-board.example.wales"


@pytest.fixture
def settings(settings, smtp_sink):
    return settings.model_copy(update={"smtp_url": smtp_sink.url})


@pytest.fixture
def send(runtimes, settings):
    def run() -> None:
        MailDelivery(runtimes["scheduler"].engine, settings, "scheduler").run_once()
    return run


@pytest.fixture
def people(make_participant):
    return {"chair": make_participant("Rhian Evans"), "nurse": make_participant("Ceri Jones"),
            "officer": make_participant("Dafydd Price", agency_code="police", preferred_language="en"),
            "teacher": make_participant("Elin Hughes", agency_code="education")}


def email_of(name: str) -> str:
    return f"{name.lower().replace(' ', '.')}@agency.example.wales"


@pytest.fixture
def review(make_review):
    return make_review()


def poll_body(review, people, **over):
    return {"review_id": review, "kind": "panel_meeting", "duration_minutes": 120, "options": OPTIONS,
            "required_participants": [people["chair"], people["nurse"], people["officer"]],
            "optional_participants": [people["teacher"]], "deadline": DEADLINE, "coordinator_email": COORDINATOR,
            **over}


@pytest.fixture
def poll(sched, keys, review, people):
    r = sched.post("/v1/polls", json=poll_body(review, people), headers=keys.board())
    assert r.status_code == 201, r.text
    return r.json()


def link_of(smtp_sink, name: str) -> str:
    [link] = set(links_in(smtp_sink.to(email_of(name))[0], "/polls/answer/"))  # once per language
    return urlsplit(link).path


_FORMS: dict[str, tuple[str, list[str]]] = {}


def answer(sched, path: str, answers: list[str], comment: str = "", **extra):
    """Answer through the page as a browser would: GET (cookie and form), then POST."""
    page = sched.get(path)
    assert page.status_code == 200, page.text
    if 'name="csrf_token"' in page.text:
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        ids = [chunk.split('"')[0] for chunk in page.text.split('name="answer-')[1:]]
        _FORMS[path] = token, list(dict.fromkeys(ids))
    token, option_ids = _FORMS[path]  # a closed poll's page has no form: post the one seen before
    data = {"csrf_token": token, "comment": comment, **extra}
    data.update({f"answer-{oid}": a for oid, a in zip(option_ids, answers) if a})
    return sched.post(path, data=data, follow_redirects=False)


def read(sched, keys, poll_id, board="gwent"):
    r = sched.get(f"/v1/polls/{poll_id}", headers=keys.board(board))
    assert r.status_code == 200, r.text
    return r.json()


def test_each_invitee_is_e_mailed_a_personal_link_in_their_language(poll, send, smtp_sink):
    send()
    got = smtp_sink.received()
    assert sorted(m.rcpt_tos[0] for m in got) == sorted(
        email_of(n) for n in ("Rhian Evans", "Ceri Jones", "Dafydd Price", "Elin Hughes"))
    welsh = smtp_sink.to(email_of("Ceri Jones"))[0].message
    english = smtp_sink.to(email_of("Dafydd Price"))[0].message
    assert welsh["Subject"].startswith("Pryd allwch chi ddod? Cyfarfod y panel adolygu")
    assert english["Subject"].startswith("When can you come? Review panel meeting")
    text = english.get_body(("plain",)).get_content()
    assert text.index("Tuesday 2 February 2027, 10:00 to 12:00") < text.index("Dydd Mawrth 2 Chwefror 2027, 10:00 tan 12:00")
    assert english["Reply-To"] == COORDINATOR
    links = {n: link_of(smtp_sink, n) for n in ("Rhian Evans", "Ceri Jones", "Dafydd Price", "Elin Hughes")}
    assert len(set(links.values())) == 4  # personal
    assert all(not any(part.get_content_type() == "text/calendar" for part in m.message.walk()) for m in got)
    assert poll["status"] == "open" and poll["not_answered"] and not poll["all_required_answered"]
    for option in poll["options"]:
        assert option["required"] == {"yes": 0, "if_need_be": 0, "no": 0, "not_yet": 3}
        assert option["optional"] == {"yes": 0, "if_need_be": 0, "no": 0, "not_yet": 1}
    send()
    assert len(smtp_sink.received()) == 4


def test_the_page_shows_the_options_in_the_persons_language_and_get_changes_nothing(sched, keys, poll, send,
                                                                                      smtp_sink):
    send()
    path = link_of(smtp_sink, "Ceri Jones")
    page = sched.get(path)
    assert page.status_code == 200 and '<html lang="cy">' in page.text
    assert "Dydd Mawrth 2 Chwefror 2027, 10:00 tan 12:00" in page.text and "Os oes rhaid" in page.text
    english = sched.get(path + "?lang=en")
    assert "Tuesday 2 February 2027, 10:00 to 12:00" in english.text and "If need be" in english.text
    assert page.headers["cache-control"] == "no-store"
    assert read(sched, keys, poll["id"])["invitees"][1]["responded_at"] is None


def test_answers_are_recorded_can_change_until_the_deadline_and_pass_the_identifier_gate(
        sched, keys, poll, send, smtp_sink, runtimes, settings):
    send()
    path = link_of(smtp_sink, "Ceri Jones")
    r = answer(sched, path, ["yes", "if_need_be", "no"], comment="Court in the morning; afternoon is fine.")
    assert r.status_code == 303, r.text
    assert "Diolch" in sched.get(r.headers["location"]).text
    result = read(sched, keys, poll["id"])
    nurse = next(i for i in result["invitees"] if i["display_name"] == "Ceri Jones")
    assert nurse["responded_at"] and nurse["comment"] == "Court in the morning; afternoon is fine."
    assert [o["required"]["yes"] for o in result["options"]] == [1, 0, 0]
    assert [o["required"]["if_need_be"] for o in result["options"]] == [0, 1, 0]
    assert [o["required"]["no"] for o in result["options"]] == [0, 0, 1]
    assert result["options"][2]["required_no"] == [nurse["participant_id"]]

    # A comment naming an NHS number is refused and changes nothing.
    r = answer(sched, path, ["no", "no", "yes"], comment="About NHS number 943 476 5919")
    assert r.status_code == 422 and "943 476 5919" not in r.text and "heb unrhyw beth a allai adnabod" in r.text
    assert [o["required"]["yes"] for o in read(sched, keys, poll["id"])["options"]] == [1, 0, 0]
    # An option left out is refused too.
    assert answer(sched, path, ["no", "", "yes"]).status_code == 422

    r = answer(sched, path, ["no", "yes", "yes"])  # changed mind
    assert r.status_code == 303
    assert [o["required"]["yes"] for o in read(sched, keys, poll["id"])["options"]] == [0, 1, 1]

    # After the deadline: closed, no more changes.
    with Session(runtimes["scheduler"].engine, info={"settings": settings}) as s:
        run_due(s, settings, now=datetime(2027, 1, 20, 17, 1, tzinfo=UTC))
        s.commit()
    r = answer(sched, path, ["yes", "yes", "yes"])
    assert r.status_code == 409 and "wedi cau" in r.text
    after = read(sched, keys, poll["id"])
    assert after["status"] == "closed" and [o["required"]["yes"] for o in after["options"]] == [0, 1, 1]


def test_answers_are_diary_data_for_later_proposals(sched, keys, poll, review, people, send, smtp_sink):
    send()
    answer(sched, link_of(smtp_sink, "Ceri Jones"), ["no", "if_need_be", "yes"])
    body = {"review_id": review, "kind": "panel_meeting", "duration_minutes": 120,
            "required_participants": [people["nurse"]], "max_suggestions": 20, "granularity_minutes": 60}
    # A window holding only the first option: the "no" is busy time now, so nothing fits.
    r = sched.post("/v1/meeting-proposals", headers=keys.board(),
                   json={**body, "window_start": "2027-02-02T10:00:00Z", "window_end": "2027-02-02T12:00:00Z"})
    assert r.status_code == 201 and r.json()["suggestions"] == [], r.text
    r = sched.post("/v1/meeting-proposals", headers=keys.board(),
                   json={**body, "window_start": "2027-02-03T10:00:00Z", "window_end": "2027-02-03T12:00:00Z"})
    [only] = r.json()["suggestions"]
    assert only["availability"][0]["availability"] == "tentative" and only["confidence"] == 0.5
    # Booking at the time she said no to is a conflict, as with any busy time in her diary.
    r = sched.post("/v1/meetings", headers=keys.board(), json={
        "review_id": review, "kind": "panel_meeting", "start": OPTIONS[0], "end": "2027-02-02T12:00:00Z",
        "participants": [{"participant_id": people["nurse"], "required": True}]})
    assert problem(r, 409)["conflicts"][0]["availability"] == "busy"


def test_confidence_is_the_one_proposals_compute(sched, keys, poll, review, people, send, smtp_sink):
    send()
    answer(sched, link_of(smtp_sink, "Ceri Jones"), ["yes", "if_need_be", "yes"])
    answer(sched, link_of(smtp_sink, "Elin Hughes"), ["if_need_be", "no", "yes"])
    result = read(sched, keys, poll["id"])
    for option in result["options"]:
        r = sched.post("/v1/meeting-proposals", headers=keys.board(), json={
            "review_id": review, "kind": "panel_meeting", "duration_minutes": 120, "window_start": option["start"],
            "window_end": option["end"], "required_participants": [people[k] for k in ("chair", "nurse", "officer")],
            "optional_participants": [people["teacher"]]})
        [suggestion] = r.json()["suggestions"] or [None]
        expected = suggestion["confidence"] if suggestion else 0.0
        assert option["confidence"] == expected, option
    assert [o["confidence"] for o in result["options"]] == [0.875, 0.375, 1.0]


def test_connected_diaries_pre_fill_answers_and_say_so(sched, keys, review, people, make_participant, send, smtp_sink):
    diary = make_participant("Gareth Morgan", agency_code="police")
    upload = ics(vevent("court", "DTSTART:20270202T090000Z", "DTEND:20270202T130000Z"),
                 vevent("hold", "DTSTART:20270203T100000Z", "DTEND:20270203T110000Z", "STATUS:TENTATIVE"))
    r = sched.put(f"/v1/participants/{diary}/calendar", content=upload,
                  headers={**keys.board(), "Content-Type": "text/calendar"})
    assert r.status_code == 200, r.text
    r = sched.post("/v1/polls", headers=keys.board(), json=poll_body(
        review, people, required_participants=[people["chair"], diary]))
    assert r.status_code == 201, r.text
    result = r.json()
    me = next(i for i in result["invitees"] if i["participant_id"] == diary)
    assert me["prefilled_from_diary"] and me["responded_at"] is None and diary in result["not_answered"]
    mine = [next(a for a in o["answers"] if a["participant_id"] == diary) for o in result["options"]]
    assert [(a["answer"], a["source"]) for a in mine] == [("no", "diary"), ("if_need_be", "diary"), ("yes", "diary")]
    chair = next(i for i in result["invitees"] if i["participant_id"] == people["chair"])
    assert not chair["prefilled_from_diary"]
    send()
    text = smtp_sink.to(email_of("Gareth Morgan"))[0].message.get_body(("plain",)).get_content()
    assert "filled in your answers from your connected diary" in text
    assert "filled in" not in smtp_sink.to(email_of("Rhian Evans"))[0].message.get_body(("plain",)).get_content()
    page = sched.get(link_of(smtp_sink, "Gareth Morgan") + "?lang=en")
    assert "from your connected diary" in page.text
    assert page.text.count("checked") == 3


def test_the_coordinator_hears_when_every_required_invitee_answered_and_at_the_deadline(
        sched, keys, poll, send, smtp_sink, runtimes, settings):
    send()
    for name in ("Rhian Evans", "Ceri Jones"):
        answer(sched, link_of(smtp_sink, name), ["yes", "yes", "no"])
    send()
    assert smtp_sink.to(COORDINATOR) == []
    answer(sched, link_of(smtp_sink, "Dafydd Price"), ["yes", "no", "no"])
    answer(sched, link_of(smtp_sink, "Dafydd Price"), ["yes", "no", "yes"])  # a change: no second notice
    send()
    [done] = smtp_sink.to(COORDINATOR)
    assert "Every required invitee has answered" in done.message["Subject"]
    text = done.message.get_body(("plain",)).get_content()
    assert "Elin Hughes" in text  # the optional one still has not answered
    [results_link] = set(links_in(done, "/polls/results/"))
    page = sched.get(urlsplit(results_link).path + "?lang=en")
    assert page.status_code == 200 and "Elin Hughes" in page.text and "Dafydd Price" in page.text
    assert read(sched, keys, poll["id"])["all_required_answered"]

    with Session(runtimes["scheduler"].engine, info={"settings": settings}) as s:
        run_due(s, settings, now=datetime(2027, 1, 20, 17, 1, tzinfo=UTC))
        run_due(s, settings, now=datetime(2027, 1, 20, 18, 0, tzinfo=UTC))
        s.commit()
    send()
    notices = smtp_sink.to(COORDINATOR)
    assert len(notices) == 2 and "Poll closed" in notices[1].message["Subject"]
    assert "Not answered: Elin Hughes" in notices[1].message.get_body(("plain",)).get_content()


def test_non_responders_get_one_reminder_before_the_deadline(sched, keys, poll, send, smtp_sink, runtimes, settings):
    send()
    answer(sched, link_of(smtp_sink, "Ceri Jones"), ["yes", "yes", "yes"])
    deadline = datetime(2027, 1, 20, 17, tzinfo=UTC)
    with Session(runtimes["scheduler"].engine, info={"settings": settings}) as s:
        assert run_due(s, settings, now=deadline - timedelta(hours=49)) == {"reminded": 0, "closed": 0}
        assert run_due(s, settings, now=deadline - timedelta(hours=47)) == {"reminded": 3, "closed": 0}
        assert run_due(s, settings, now=deadline - timedelta(hours=1)) == {"reminded": 0, "closed": 0}
        s.commit()
    send()
    reminders = [m for m in smtp_sink.received() if "Reminder" in m.message["Subject"]
                 or "Nodyn atgoffa" in m.message["Subject"]]
    assert sorted(m.rcpt_tos[0] for m in reminders) == sorted(
        email_of(n) for n in ("Rhian Evans", "Dafydd Price", "Elin Hughes"))
    # The reminder carries the same personal link.
    assert links_in(reminders[0], "/polls/answer/")[0].endswith(
        link_of(smtp_sink, reminders[0].rcpt_tos[0].split("@")[0].replace(".", " ").title()))
    result = read(sched, keys, poll["id"])
    reminded = {i["display_name"]: i["reminded_at"] is not None for i in result["invitees"]}
    assert reminded == {"Rhian Evans": True, "Ceri Jones": False, "Dafydd Price": True, "Elin Hughes": True}
    assert set(result["not_answered"]) == {i["participant_id"] for i in result["invitees"]
                                           if i["display_name"] != "Ceri Jones"}


def test_finalising_a_required_no_needs_an_override_and_a_reason_and_books_the_meeting(
        sched, keys, poll, send, smtp_sink):
    send()
    answer(sched, link_of(smtp_sink, "Ceri Jones"), ["no", "yes", "yes"])
    answer(sched, link_of(smtp_sink, "Rhian Evans"), ["yes", "yes", "yes"])
    path = f"/v1/polls/{poll['id']}/finalise"
    first, second = poll["options"][0]["id"], poll["options"][1]["id"]
    p = problem(sched.post(path, json={"option_id": first}, headers=keys.board()), 422)
    assert p["required_no"] == [next(i["participant_id"] for i in poll["invitees"] if i["display_name"] == "Ceri Jones")]
    problem(sched.post(path, json={"option_id": first, "override": True}, headers=keys.board()), 422)
    problem(sched.post(path, json={"option_id": "nope"}, headers=keys.board()), 422)
    problem(sched.post(path, json={"option_id": first, "override": True, "reason": "Call 07700 900123"},
                       headers=keys.board()), 422)
    assert read(sched, keys, poll["id"])["status"] == "open"  # nothing changed

    r = sched.post(path, json={"option_id": first, "override": True, "location": "Board office",
                               "reason": "Health will send a deputy; no other date before the target."},
                   headers=keys.board())
    assert r.status_code == 201, r.text
    meeting = r.json()
    assert meeting["start"].startswith("2027-02-02T10:00") and meeting["location"] == "Board office"
    assert {p["display_name"]: p["required"] for p in meeting["participants"]} == {
        "Rhian Evans": True, "Ceri Jones": True, "Dafydd Price": True, "Elin Hughes": False}
    after = read(sched, keys, poll["id"])
    assert after["status"] == "finalised" and after["meeting_id"] == meeting["id"]
    assert after["finalised_option_id"] == first and after["override_reason"].startswith("Health will send")
    problem(sched.post(path, json={"option_id": second}, headers=keys.board()), 409)
    before = len(smtp_sink.received())
    send()
    invitations = smtp_sink.received()[before:]
    assert len(invitations) == 4
    for m in invitations:
        cal, _ = calendar_of(m)
        assert cal["METHOD"] == "REQUEST" and str(cal.walk("VEVENT")[0]["UID"]) == meeting["uid"]
    r = answer(sched, link_of(smtp_sink, "Rhian Evans"), ["no", "no", "no"])  # the form seen before finalising
    assert r.status_code == 409 and "byddwch yn cael y gwahoddiad" in r.text


def test_finalising_without_a_required_no_books_at_once(sched, keys, poll, send, smtp_sink):
    send()
    answer(sched, link_of(smtp_sink, "Ceri Jones"), ["no", "if_need_be", "yes"])
    r = sched.post(f"/v1/polls/{poll['id']}/finalise", json={"option_id": poll["options"][1]["id"]},
                   headers=keys.board())
    assert r.status_code == 201, r.text
    assert sched.get(f"/v1/meetings/{r.json()['id']}", headers=keys.board()).json()["status"] == "booked"


def test_options_from_a_proposal(sched, keys, review, people):
    r = sched.post("/v1/meeting-proposals", headers=keys.board(), json={
        "review_id": review, "kind": "learning_event", "duration_minutes": 180,
        "window_start": "2027-03-01T00:00:00Z", "window_end": "2027-03-12T00:00:00Z",
        "required_participants": [people["chair"], people["nurse"]], "max_suggestions": 3})
    proposal = r.json()
    body = {"review_id": review, "kind": "learning_event", "proposal_id": proposal["id"],
            "required_participants": [people["chair"], people["nurse"]], "deadline": DEADLINE}
    r = sched.post("/v1/polls", json=body, headers=keys.board())
    assert r.status_code == 201, r.text
    poll = r.json()
    assert poll["duration_minutes"] == 180 and poll["proposal_id"] == proposal["id"]
    assert [o["start"] for o in poll["options"]] == [s["start"] for s in proposal["suggestions"]]
    problem(sched.post("/v1/polls", json={**body, "duration_minutes": 60}, headers=keys.board()), 422)


def test_bad_polls_are_refused_and_change_nothing(sched, keys, review, people, make_review, send, smtp_sink):
    bad = [poll_body(review, people, options=["2027-01-19T10:00:00Z"]),  # before the deadline
           poll_body(review, people, deadline="2026-01-01T10:00:00Z"),
           poll_body(review, people, proposal_id="x"),  # both
           poll_body(review, people, duration_minutes=None),
           poll_body(review, people, optional_participants=[people["chair"]]),
           poll_body(review, people, options=[OPTIONS[0], OPTIONS[0]])]
    for body in bad:
        problem(sched.post("/v1/polls", json=body, headers=keys.board()), 422)
    problem(sched.post("/v1/polls", json=poll_body(review, people, required_participants=["nobody"]),
                       headers=keys.board()), 404)
    problem(sched.post("/v1/polls", json=poll_body(review, people, proposal_id="nope", options=None),
                       headers=keys.board()), 404)
    problem(sched.post("/v1/polls", json=poll_body(review, people), headers=keys.wg), 403)
    assert sched.get("/v1/polls", headers=keys.board()).json()["items"] == []
    send()
    assert smtp_sink.received() == []


def test_the_csv_has_a_row_per_option_and_invitee(sched, keys, poll, send, smtp_sink):
    send()
    answer(sched, link_of(smtp_sink, "Ceri Jones"), ["yes", "if_need_be", "no"], comment="=HYPERLINK(evil)")
    r = sched.get(f"/v1/polls/{poll['id']}/results.csv", headers=keys.board())
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 3 * 4
    nurse = [row for row in rows if row["display_name"] == "Ceri Jones"]
    assert [row["answer"] for row in nurse] == ["yes", "if_need_be", "no"]
    assert nurse[0]["comment"] == "'=HYPERLINK(evil)"  # never a formula
    assert {row["answer"] for row in rows if row["display_name"] == "Rhian Evans"} == {""}


# ---- security ------------------------------------------------------------------------------
def test_a_link_reads_and_changes_only_its_own_persons_answers_in_its_own_poll(
        sched, keys, poll, review, people, send, smtp_sink, settings):
    send()
    nurse_path, chair_path = link_of(smtp_sink, "Ceri Jones"), link_of(smtp_sink, "Rhian Evans")
    answer(sched, chair_path, ["no", "no", "no"], comment="Chair only")
    # The nurse's page shows none of the chair's answers or comment; the nurse's POST, even
    # naming the chair, changes only the nurse's.
    page = sched.get(nurse_path)
    assert "Chair only" not in page.text and "checked" not in page.text
    r = answer(sched, nurse_path, ["yes", "yes", "yes"], participant_id=people["chair"], p=people["chair"])
    assert r.status_code == 303
    result = read(sched, keys, poll["id"])
    by_name = {i["display_name"]: i for i in result["invitees"]}
    assert by_name["Rhian Evans"]["comment"] == "Chair only"
    chair_answers = [next(a["answer"] for a in o["answers"] if a["participant_id"] == people["chair"])
                     for o in result["options"]]
    assert chair_answers == ["no", "no", "no"]
    # Another poll: the nurse's token names this poll only; a token for a poll they are not in,
    # a forged or altered token, or a meeting-reply token, opens nothing.
    r = sched.post("/v1/polls", json=poll_body(review, people, required_participants=[people["chair"]],
                                               optional_participants=[]), headers=keys.board())
    other = r.json()
    future = datetime.now(UTC) + timedelta(days=30)
    not_invited = make_token(settings.secret_key, "poll-answer", {"poll": other["id"], "p": people["nurse"]}, future)
    assert sched.get(f"/polls/answer/{not_invited}").status_code == 404
    assert sched.post(f"/polls/answer/{not_invited}", data={"comment": "x"}).status_code == 404
    forged = make_token("another-secret", "poll-answer", {"poll": other["id"], "p": people["chair"]}, future)
    assert sched.get(f"/polls/answer/{forged}").status_code == 404
    altered = nurse_path.rsplit("/", 1)[1][:-2] + "xx"
    assert sched.get(f"/polls/answer/{altered}").status_code == 404
    reply_purpose = make_token(settings.secret_key, "meeting-reply", {"poll": poll["id"], "p": people["nurse"]}, future)
    assert sched.get(f"/polls/answer/{reply_purpose}").status_code == 404
    results_with_answer_token = nurse_path.rsplit("/", 1)[1]
    assert sched.get(f"/polls/results/{results_with_answer_token}").status_code == 404
    expired = make_token(settings.secret_key, "poll-answer", {"poll": poll["id"], "p": people["nurse"]},
                         datetime.now(UTC) - timedelta(seconds=1))
    assert sched.get(f"/polls/answer/{expired}").status_code == 410


def test_one_board_cannot_see_another_boards_polls(sched, keys, poll):
    for path in (f"/v1/polls/{poll['id']}", f"/v1/polls/{poll['id']}/results.csv"):
        p = problem(sched.get(path, headers=keys.board("north-wales")), 404)
        assert "Ceri" not in str(p)
    problem(sched.post(f"/v1/polls/{poll['id']}/finalise", json={"option_id": poll["options"][0]["id"]},
                       headers=keys.board("north-wales")), 404)
    assert sched.get("/v1/polls", headers=keys.board("north-wales")).json()["items"] == []
    assert [p["id"] for p in sched.get("/v1/polls", headers=keys.board()).json()["items"]] == [poll["id"]]
