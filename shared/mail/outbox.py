"""Staging mail in the caller's transaction, and the worker job that delivers it at most once.

At most once per logical message: the attempt is recorded (committed) before any byte goes
out, and the row is moved to `committing` (committed) just before the final "." of DATA. A
worker that dies leaves a claimed row; once its lease runs out, a `sending` row is sent again
(the server discarded the unfinished message when the connection dropped) and a `committing`
row becomes `unknown` (the server may have it; sending again could deliver it twice). The
only window in which a message can be delivered without the system knowing is from that final
"." to recording the server's answer: one round trip and one commit."""
from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy import or_, update
from sqlmodel import Session, select

from shared.db import is_connection_error, session_scope, utcnow
from shared.logs import log
from shared.mail.compose import MailMessage, compose, domain_of, message_id_for
from shared.mail.models import MailOutbox
from shared.mail.senders import (
    Abandoned,
    EmlWriter,
    PermanentFailure,
    SmtpSender,
    TransientFailure,
    Uncertain,
    parse_smtp_url,
)
from shared.settings import Settings

logger = logging.getLogger("cpr.mail")


def stage_mail(session: Session, message: MailMessage, settings: Settings | None = None) -> MailOutbox:
    """Stage `message` in the caller's transaction; it is sent only if that commits. The same
    logical message (same key) staged again returns the row already there."""
    if settings is None:
        from shared.service import settings_for

        settings = settings_for(session)
    from_addr = message.from_addr or settings.mail_from
    message_id = message_id_for(message.key, domain_of(from_addr))
    existing = session.exec(select(MailOutbox).where(MailOutbox.message_id == message_id)).first()
    if existing is not None:
        return existing
    now = utcnow()
    raw = compose(message, from_addr=settings.mail_from, from_name=settings.mail_from_name,
                  message_id=message_id, date=now).as_bytes()
    row = MailOutbox(message_id=message_id, purpose=message.purpose, recipient=message.to,
                     subject=message.subject[:500], raw=raw.decode("ascii"), created_at=now)
    session.add(row)
    return row


def mail_folder(settings: Settings, service: str) -> Path:
    """Where .eml files go when no CPR_SMTP_URL is set."""
    return (settings.data_dir / "mail" / service).resolve()


def make_sender(settings: Settings, service: str):
    if settings.smtp_url:
        return SmtpSender(parse_smtp_url(settings.smtp_url), settings.smtp_timeout_seconds)
    return EmlWriter(mail_folder(settings, service))


class MailDelivery:
    """One pass: reconcile rows whose worker died, then claim and send what is due."""

    def __init__(self, engine, settings: Settings, service: str, sender=None):
        self.engine = engine
        self.settings = settings
        self.service = service
        self.sender = sender or make_sender(settings, service)

    def run_once(self) -> int:
        self.reconcile()
        delivered = 0
        try:
            while True:
                claimed = self._claim()
                if not claimed:
                    break
                for row_id, token in claimed:
                    delivered += self._deliver(row_id, token)
                if len(claimed) < self.settings.mail_batch_size:
                    break
        finally:
            self.sender.close()
        return delivered

    # -- claiming ------------------------------------------------------------------------
    def _claim(self) -> list[tuple[str, str]]:
        now = utcnow()
        with session_scope(self.engine) as session:
            query = (select(MailOutbox).where(
                MailOutbox.status == "pending",
                or_(MailOutbox.next_attempt_at.is_(None), MailOutbox.next_attempt_at <= now))
                .order_by(MailOutbox.created_at, MailOutbox.id).limit(self.settings.mail_batch_size))
            if self.engine.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            claimed = []
            for row in session.exec(query).all():
                row.status, row.claim_token, row.claimed_at = "sending", secrets.token_hex(16), now
                row.attempts += 1
                session.add(row)
                claimed.append((row.id, row.claim_token))
        return claimed

    def _move(self, row_id: str, token: str, from_status: str | tuple[str, ...], **values) -> bool:
        """Change a row we still hold (same claim token, expected status); False if we lost it."""
        from_statuses = (from_status,) if isinstance(from_status, str) else from_status
        with session_scope(self.engine) as session:
            result = session.exec(update(MailOutbox).where(
                MailOutbox.id == row_id, MailOutbox.claim_token == token, MailOutbox.status.in_(from_statuses))
                .values(**values))
            return result.rowcount == 1

    # -- sending ---------------------------------------------------------------------------
    def _deliver(self, row_id: str, token: str) -> int:
        with Session(self.engine, expire_on_commit=False) as session:
            row = session.get(MailOutbox, row_id)
        envelope_from = self.settings.mail_from

        def commit_point() -> bool:
            try:
                return self._move(row_id, token, "sending", status="committing", claimed_at=utcnow())
            except Exception as exc:
                log(logger, logging.WARNING, "mail: cannot record the end of data; aborting this send",
                    message_id=row.message_id, error=f"{type(exc).__name__}: {exc}"[:300])
                return False

        try:
            reply = self.sender.send(envelope_from, row.recipient, row.raw.encode("ascii"), commit_point, row=row)
        except Abandoned as exc:
            self._retry(row, token, "sending", str(exc), count_attempt=False)
            return 0
        except TransientFailure as exc:
            # A 4xx at the end of data comes after commit_point: the server said it did not take it.
            self._retry(row, token, ("sending", "committing"), str(exc))
            return 0
        except PermanentFailure as exc:
            # A 5xx at the end of data comes after commit_point: the row is committing then.
            self._move(row_id, token, ("sending", "committing"), status="failed", last_error=str(exc)[:500],
                       claim_token=None)
            log(logger, logging.ERROR, "mail failed: the server refused it", message_id=row.message_id,
                purpose=row.purpose, error=str(exc))
            return 0
        except Uncertain as exc:
            self._move(row_id, token, "committing", status="unknown", last_error=str(exc)[:500], claim_token=None)
            log(logger, logging.ERROR, "mail delivery unknown: no answer after the end of data; not resent",
                message_id=row.message_id, purpose=row.purpose, error=str(exc))
            return 0
        for attempt in range(3):
            try:
                self._move(row_id, token, "committing", status="sent", sent_at=utcnow(), last_error=None,
                           claim_token=None)
                break
            except Exception as exc:
                if attempt == 2 or not is_connection_error(exc):
                    raise  # left `committing`: reconciled to `unknown` after the lease
        log(logger, logging.INFO, "mail sent", message_id=row.message_id, purpose=row.purpose, reply=reply)
        return 1

    def _retry(self, row: MailOutbox, token: str, from_status, error: str, count_attempt: bool = True) -> None:
        s = self.settings
        # The claim counted this attempt; an abandoned send (nothing reached the server) does not count.
        attempts = row.attempts if count_attempt else row.attempts - 1
        if attempts >= s.mail_max_attempts:
            self._move(row.id, token, from_status, status="failed", last_error=error[:500], claim_token=None,
                       attempts=attempts)
            log(logger, logging.ERROR, "mail failed after its last attempt", message_id=row.message_id,
                purpose=row.purpose, attempts=attempts, error=error)
            return
        delay = min(s.mail_retry_base_seconds * 2 ** max(attempts - 1, 0), s.mail_retry_max_seconds)
        self._move(row.id, token, from_status, status="pending", last_error=error[:500], claim_token=None,
                   attempts=attempts, next_attempt_at=utcnow() + timedelta(seconds=delay))
        log(logger, logging.WARNING, "mail not sent; will retry", message_id=row.message_id, purpose=row.purpose,
            attempts=attempts, retry_in_seconds=delay, error=error)

    # -- reconciling -------------------------------------------------------------------------
    def reconcile(self) -> None:
        stale = utcnow() - timedelta(seconds=self.settings.mail_lease_seconds)
        with session_scope(self.engine) as session:
            rows = session.exec(select(MailOutbox).where(
                MailOutbox.status.in_(("sending", "committing")), MailOutbox.claimed_at < stale)).all()
            for row in rows:
                if row.status == "sending":
                    # The connection died with the worker before the end of data: not delivered.
                    row.status, row.claim_token = "pending", None
                    row.last_error = "worker stopped before the end of data; sending again"
                    log(logger, logging.WARNING, "mail: interrupted before the end of data; sending again",
                        message_id=row.message_id)
                else:
                    delivered = self.sender.was_delivered(row)
                    if delivered is True:
                        row.status, row.sent_at = "sent", utcnow()
                    else:
                        row.status = "pending" if delivered is False else "unknown"
                        row.last_error = ("worker stopped after the end of data; the server may have the message, "
                                          "so it is not sent again (cpr mail retry sends it anyway)")
                        if row.status == "unknown":
                            log(logger, logging.ERROR, "mail delivery unknown after a worker stopped; not resent",
                                message_id=row.message_id, purpose=row.purpose)
                    row.claim_token = None
                session.add(row)


def deliver_mail(runtime) -> None:
    """Periodic worker job (every CPR_MAIL_POLL_SECONDS)."""
    MailDelivery(runtime.engine, runtime.settings, runtime.spec.name).run_once()


def withdraw_mail(session: Session, keys, settings: Settings | None = None, *, from_addr: str | None = None) -> int:
    """Drop staged messages (by their keys) that no worker has claimed yet, e.g. a reminder for
    a meeting that has just moved or been cancelled. Only `pending` rows go: a message being
    sent, or sent, is never touched. Returns how many were dropped."""
    if settings is None:
        from shared.service import settings_for

        settings = settings_for(session)
    domain = domain_of(from_addr or settings.mail_from)
    ids = [message_id_for(key, domain) for key in keys]
    if not ids:
        return 0
    rows = session.exec(select(MailOutbox).where(MailOutbox.message_id.in_(ids), MailOutbox.status == "pending")).all()
    for row in rows:
        session.delete(row)
    return len(rows)
