"""The mail outbox on PostgreSQL against a real SMTP server (aiosmtpd): staged with the change,
sent once, retried with back-off on 4xx, failed visibly on 5xx, reconciled after a dead worker."""
from __future__ import annotations

import email
import email.policy
import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from services.cli import app as cli
from shared.db import session_scope, utcnow
from shared.mail import MailMessage, MailOutbox, stage_mail
from shared.mail.outbox import MailDelivery, mail_folder
from tests.support import METRICS, settings_env

pytestmark = pytest.mark.integration


def message(key="scheduler:test:1", to="ceri@example-health.wales") -> MailMessage:
    return MailMessage(key=key, to=to, subject="Prawf / Test", text="Helo\n.\nHello", html="<p>Helo</p>",
                       purpose="test")


def rows(engine) -> list[MailOutbox]:
    with Session(engine) as session:
        return list(session.exec(select(MailOutbox).order_by(MailOutbox.created_at)))


@pytest.fixture
def smtp_settings(settings, smtp_sink):
    return settings.model_copy(update={"smtp_url": smtp_sink.url})


@pytest.fixture
def engine(runtimes):
    return runtimes["scheduler"].engine


def test_staged_mail_goes_only_if_the_transaction_commits_and_once_per_logical_message(
        engine, smtp_settings, smtp_sink):
    with Session(engine) as session:
        stage_mail(session, message("k-rolled-back"), smtp_settings)
        session.rollback()
    with session_scope(engine) as session:
        stage_mail(session, message("k1"), smtp_settings)
        stage_mail(session, message("k1"), smtp_settings)  # a redelivered event stages it again
    with session_scope(engine) as session:
        stage_mail(session, message("k1"), smtp_settings)
    assert len(rows(engine)) == 1
    assert MailDelivery(engine, smtp_settings, "scheduler").run_once() == 1
    assert MailDelivery(engine, smtp_settings, "scheduler").run_once() == 0
    got = smtp_sink.received()
    assert len(got) == 1
    assert got[0].rcpt_tos == ["ceri@example-health.wales"]
    assert got[0].message_id == rows(engine)[0].message_id
    assert got[0].message.get_body(("plain",)).get_content().replace("\r\n", "\n") == "Helo\n.\nHello\n"
    [row] = rows(engine)
    assert (row.status, row.attempts, row.sent_at is not None) == ("sent", 1, True)


def test_a_4xx_is_retried_with_back_off_then_sent(engine, smtp_settings, smtp_sink):
    smtp_sink.behaviour.reject_with, smtp_sink.behaviour.reject_count = "451 4.3.0 Try again later", 2
    with session_scope(engine) as session:
        stage_mail(session, message(), smtp_settings)
    delivery = MailDelivery(engine, smtp_settings, "scheduler")
    assert delivery.run_once() == 0
    [row] = rows(engine)
    assert row.status == "pending" and row.attempts == 1 and "451" in row.last_error
    assert row.next_attempt_at > utcnow()
    assert delivery.run_once() == 0  # not due yet: back-off holds it
    assert rows(engine)[0].attempts == 1
    for _ in range(2):
        with session_scope(engine) as session:
            r = session.get(MailOutbox, row.id)
            r.next_attempt_at = utcnow() - timedelta(seconds=1)
        delivery.run_once()
    [row] = rows(engine)
    assert row.status == "sent" and row.attempts == 3
    assert len(smtp_sink.received()) == 1


def test_a_5xx_fails_at_once_and_shows_in_the_cli_and_metrics(engine, smtp_settings, smtp_sink, clients):
    smtp_sink.behaviour.reject_with, smtp_sink.behaviour.reject_count = "550 5.1.1 No such user", 1
    with session_scope(engine) as session:
        stage_mail(session, message(), smtp_settings)
        stage_mail(session, message("k2", to="bob@example.org"), smtp_settings)
    MailDelivery(engine, smtp_settings, "scheduler").run_once()
    statuses = sorted(r.status for r in rows(engine))
    assert statuses == ["failed", "sent"]
    result = CliRunner().invoke(cli, ["mail", "list", "scheduler", "--failed"], env=settings_env(smtp_settings))
    assert result.exit_code == 0, result.output
    [line] = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert line["status"] == "failed" and "550" in line["last_error"]
    metrics = clients["scheduler"].get("/metrics", headers=METRICS).text
    assert 'cpr_mail_messages{service="scheduler",status="failed"} 1.0' in metrics
    # An operator retries it deliberately.
    retry = CliRunner().invoke(cli, ["mail", "retry", "scheduler", line["id"]], env=settings_env(smtp_settings))
    assert retry.exit_code == 0, retry.output
    MailDelivery(engine, smtp_settings, "scheduler").run_once()
    assert sorted(r.status for r in rows(engine)) == ["sent", "sent"]


def test_an_unreachable_server_is_retried_until_the_last_attempt_then_failed(engine, smtp_settings):
    from tests.support import free_port

    down = smtp_settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{free_port()}", "mail_max_attempts": 2,
                                            "mail_retry_base_seconds": 0.0})
    with session_scope(engine) as session:
        stage_mail(session, message(), down)
    MailDelivery(engine, down, "scheduler").run_once()
    assert rows(engine)[0].status == "pending"
    MailDelivery(engine, down, "scheduler").run_once()
    [row] = rows(engine)
    assert row.status == "failed" and row.attempts == 2 and "connect" in row.last_error


def test_a_dead_worker_is_reconciled_sending_again_only_what_cannot_have_arrived(engine, smtp_settings, smtp_sink):
    with session_scope(engine) as session:
        before_data_end = stage_mail(session, message("k-sending"), smtp_settings)
        after_data_end = stage_mail(session, message("k-committing"), smtp_settings)
    stale = utcnow() - timedelta(seconds=smtp_settings.mail_lease_seconds + 1)
    with session_scope(engine) as session:
        for row_id, status in ((before_data_end.id, "sending"), (after_data_end.id, "committing")):
            r = session.get(MailOutbox, row_id)
            r.status, r.claim_token, r.claimed_at, r.attempts = status, "dead-worker", stale, 1
    MailDelivery(engine, smtp_settings, "scheduler").run_once()
    by_id = {r.id: r for r in rows(engine)}
    assert by_id[before_data_end.id].status == "sent"
    assert by_id[after_data_end.id].status == "unknown"
    assert [m.message_id for m in smtp_sink.received()] == [before_data_end.message_id]


def test_a_live_claim_is_left_alone(engine, smtp_settings, smtp_sink):
    with session_scope(engine) as session:
        row = stage_mail(session, message(), smtp_settings)
    with session_scope(engine) as session:
        r = session.get(MailOutbox, row.id)
        r.status, r.claim_token, r.claimed_at = "sending", "another-worker", utcnow()
    MailDelivery(engine, smtp_settings, "scheduler").run_once()
    assert rows(engine)[0].status == "sending" and smtp_sink.received() == []


def test_without_an_smtp_url_mail_is_written_as_eml_files(engine, settings):
    assert settings.smtp_url is None
    with session_scope(engine) as session:
        stage_mail(session, message(), settings)
    assert MailDelivery(engine, settings, "scheduler").run_once() == 1
    [path] = list(mail_folder(settings, "scheduler").glob("*.eml"))
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["Message-ID"] == rows(engine)[0].message_id and rows(engine)[0].status == "sent"
    # A worker that died after the rename but before recording it: the file says it was written.
    with session_scope(engine) as session:
        r = session.get(MailOutbox, rows(engine)[0].id)
        r.status, r.claimed_at, r.claim_token = "committing", utcnow() - timedelta(hours=1), "x"
    MailDelivery(engine, settings, "scheduler").run_once()
    assert rows(engine)[0].status == "sent" and len(list(mail_folder(settings, "scheduler").glob("*.eml"))) == 1
