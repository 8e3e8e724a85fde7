"""Meetings' chasers and reminders, and the coordinator's notice of a required decline, on
PostgreSQL with mail delivered to a real SMTP server (aiosmtpd). The worker's pass
(reminders.run_due) is run at chosen instants, as the periodic job runs it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from shared.mail.models import MailOutbox
from shared.mail.outbox import MailDelivery
from services.scheduler.meetings.models import MeetingInvitee
from services.scheduler.meetings.reminders import add_working_days, run_due

pytestmark = pytest.mark.integration

START = datetime(2027, 4, 6, 10, tzinfo=UTC)  # Tuesday after Easter Monday 2027 (29 March)
COORDINATOR = "coordinator@gwent-board.example.wales"


@pytest.fixture
def settings(settings, smtp_sink):
    return settings.model_copy(update={"smtp_url": smtp_sink.url})


@pytest.fixture
def send(runtimes, settings):
    def run() -> None:
        MailDelivery(runtimes["scheduler"].engine, settings, "scheduler").run_once()
    return run


def email_of(name: str) -> str:
    return f"{name.lower().replace(' ', '.')}@agency.example.wales"


@pytest.fixture
def people(make_participant):
    return {"chair": make_participant("Rhian Evans"), "nurse": make_participant("Ceri Jones"),
            "officer": make_participant("Dafydd Price", agency_code="police", preferred_language="en")}


@pytest.fixture
def meeting(sched, keys, make_review, people):
    body = {"review_id": make_review(), "kind": "panel_meeting", "start": START.isoformat(),
            "end": (START + timedelta(hours=2)).isoformat(), "coordinator_email": COORDINATOR,
            "participants": [{"participant_id": people["chair"], "required": True},
                             {"participant_id": people["nurse"], "required": True},
                             {"participant_id": people["officer"], "required": False}]}
    r = sched.post("/v1/meetings", json=body, headers=keys.board())
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def run(runtimes, settings):
    def at(now: datetime) -> dict:
        with Session(runtimes["scheduler"].engine, info={"settings": settings}) as s:
            out = run_due(s, settings, now=now)
            s.commit()
        return out
    return at


def invited_at(runtimes, meeting_id: str, value: datetime) -> None:
    """Pretend the invitations went out at `value` (the test cannot wait working days)."""
    with Session(runtimes["scheduler"].engine) as s:
        for row in s.exec(select(MeetingInvitee).where(MeetingInvitee.meeting_id == meeting_id)):
            row.invited_at = value
            s.add(row)
        s.commit()


def subjects(smtp_sink, address: str) -> list[str]:
    return [m.message["Subject"] for m in smtp_sink.to(address)]


def test_working_days_skip_weekends_and_welsh_bank_holidays():
    thursday = datetime(2027, 3, 25, 9, 30, tzinfo=UTC)  # Good Friday 26 March, Easter Monday 29 March 2027
    assert add_working_days(thursday, 1) == datetime(2027, 3, 30, 9, 30, tzinfo=UTC) - timedelta(hours=1)  # BST
    assert add_working_days(datetime(2027, 12, 23, 10, tzinfo=UTC), 2) == datetime(2027, 12, 29, 10, tzinfo=UTC)


def test_required_invitees_who_have_not_replied_are_chased_once_after_n_working_days(
        sched, keys, meeting, people, runtimes, run, send, smtp_sink, settings):
    sent_on = datetime(2027, 3, 25, 9, 0, tzinfo=UTC)  # Thursday before Easter
    invited_at(runtimes, meeting["id"], sent_on)
    r = sched.post(f"/v1/meetings/{meeting['id']}/responses", headers=keys.board(),
                   json={"participant_id": people["chair"], "response": "accepted"})
    assert r.status_code == 200
    # Three working days after Thursday 25 March: Tue 30, Wed 31, Thu 1 April (Easter skipped).
    assert run(datetime(2027, 3, 31, 12, tzinfo=UTC))["chased"] == 0
    assert run(datetime(2027, 4, 1, 9, 1, tzinfo=UTC))["chased"] == 1
    assert run(datetime(2027, 4, 2, 9, 1, tzinfo=UTC))["chased"] == 0  # once
    send()
    chases = [m for m in smtp_sink.received() if "Atebwch os gwelwch yn dda" in m.message["Subject"]
              or "Please answer" in m.message["Subject"]]
    assert [m.rcpt_tos[0] for m in chases] == [email_of("Ceri Jones")]  # not the chair (replied), not optional
    text = chases[0].message.get_body(("plain",)).get_content()
    assert "/meetings/reply/" in text and "Your attendance is required" in text and "Mae angen eich presenoldeb" in text
    assert chases[0].message["Subject"].startswith("Atebwch")  # Welsh first for her


def test_everyone_but_those_who_declined_is_reminded_once_before_the_meeting(
        sched, keys, meeting, people, run, send, smtp_sink):
    sched.post(f"/v1/meetings/{meeting['id']}/responses", headers=keys.board(),
               json={"participant_id": people["officer"], "response": "declined"})
    assert run(START - timedelta(hours=25))["reminded"] == 0
    assert run(START - timedelta(hours=23))["reminded"] == 2
    assert run(START - timedelta(hours=1))["reminded"] == 0
    send()
    assert any(s.startswith("Nodyn atgoffa: Cyfarfod y panel adolygu") for s in subjects(smtp_sink, email_of("Ceri Jones")))
    assert not any("Reminder" in s for s in subjects(smtp_sink, email_of("Dafydd Price")))


def test_a_move_restarts_reminders_and_chasers_and_withdraws_unsent_ones(
        sched, keys, meeting, people, runtimes, run, send, smtp_sink, settings):
    send()  # the invitations
    invited_at(runtimes, meeting["id"], START - timedelta(days=20))
    assert run(START - timedelta(hours=23)) == {"chased": 2, "reminded": 3}  # staged, not yet sent
    new_start = START + timedelta(days=7)
    r = sched.patch(f"/v1/meetings/{meeting['id']}", headers=keys.board(), json={
        "start": new_start.isoformat(), "end": (new_start + timedelta(hours=2)).isoformat()})
    assert r.status_code == 200, r.text
    with Session(runtimes["scheduler"].engine) as s:
        assert s.exec(select(MailOutbox).where(MailOutbox.purpose.in_(("meeting.reminder", "meeting.chase")))).all() == []
    send()
    assert not any(word in m.message["Subject"] for m in smtp_sink.received()
                   for word in ("atgoffa", "Reminder", "Please answer", "Atebwch"))
    # The new time is a new invitation: the chaser's clock starts again from the move ...
    moved_at = datetime.now(UTC)
    assert run(moved_at + timedelta(hours=1))["chased"] == 0
    assert run(add_working_days(moved_at, 3) + timedelta(minutes=1))["chased"] == 2
    # ... and the reminder is for the new time.
    assert run(new_start - timedelta(hours=25))["reminded"] == 0
    assert run(new_start - timedelta(hours=23))["reminded"] == 3
    send()
    reminder = next(m for m in smtp_sink.to(email_of("Dafydd Price")) if "Reminder" in m.message["Subject"])
    assert "Tuesday 13 April 2027" in reminder.message["Subject"]


def test_cancelling_stops_reminders_and_chasers(sched, keys, meeting, runtimes, run, send, smtp_sink):
    invited_at(runtimes, meeting["id"], START - timedelta(days=20))
    assert run(START - timedelta(hours=23)) == {"chased": 2, "reminded": 3}
    assert sched.patch(f"/v1/meetings/{meeting['id']}", headers=keys.board(),
                       json={"status": "cancelled"}).status_code == 200
    send()
    assert {m.message["Subject"].split(":")[0] for m in smtp_sink.received()} == {"Gwahoddiad", "Invitation",
                                                                               "Wedi'i ganslo", "Cancelled"}
    assert run(START - timedelta(hours=2)) == {"chased": 0, "reminded": 0}


def test_a_required_decline_e_mails_the_coordinator_the_alternatives(sched, keys, meeting, people, send, smtp_sink):
    r = sched.post(f"/v1/meetings/{meeting['id']}/responses", headers=keys.board(),
                   json={"participant_id": people["officer"], "response": "declined"})  # optional: no notice
    assert r.status_code == 200
    r = sched.post(f"/v1/meetings/{meeting['id']}/responses", headers=keys.board(),
                   json={"participant_id": people["nurse"], "response": "declined"})
    assert r.json()["status"] == "at_risk"
    alternatives = sched.get(f"/v1/meetings/{meeting['id']}/alternatives", headers=keys.board()).json()
    assert alternatives["suggestions"]
    send()
    [notice] = smtp_sink.to(COORDINATOR)
    assert "Ceri Jones" in notice.message.get_body(("plain",)).get_content()
    text = notice.message.get_body(("plain",)).get_content()
    for s in alternatives["suggestions"]:
        start = datetime.fromisoformat(s["start"])
        from shared.web.i18n import format_span
        assert format_span(start, datetime.fromisoformat(s["end"]), "en") in text
    assert f"/v1/meetings/{meeting['id']}/alternatives" in text
    # The same decline again says nothing new.
    sched.post(f"/v1/meetings/{meeting['id']}/responses", headers=keys.board(),
               json={"participant_id": people["nurse"], "response": "declined"})
    send()
    assert len(smtp_sink.to(COORDINATOR)) == 1


def test_a_removed_invitee_gets_no_reminder_staged_for_them(sched, keys, meeting, people, run, send, smtp_sink):
    assert run(START - timedelta(hours=23))["reminded"] == 3  # staged, not yet sent
    r = sched.patch(f"/v1/meetings/{meeting['id']}", headers=keys.board(),
                    json={"remove_participants": [people["officer"]]})
    assert r.status_code == 200, r.text
    send()
    reminded = [m.rcpt_tos[0] for m in smtp_sink.received() if m.message["Subject"].startswith(("Reminder", "Nodyn"))]
    assert sorted(reminded) == sorted([email_of("Rhian Evans"), email_of("Ceri Jones")])
