"""Use cases for e-mail alerts: subscribe (double opt-in), confirm, manage, unsubscribe, purge
unconfirmed addresses, and send what is due.

Mail goes through the one mail mechanism: callers pass `stage(session, AlertMail)`, which stages
the message in the same transaction, and `links`, which makes the signed links a message carries
(the web layer owns token format and URLs). Nothing here returns or logs an address.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, update
from sqlmodel import Session, select

from shared.auth import Board
from shared.db import utcnow
from shared.http.problems import Problem
from shared.mail.models import MailOutbox
from services.dissemination.alerts import digest, rules
from services.dissemination.alerts.digest import AlertMail
from services.dissemination.alerts.models import AlertMessage, AlertSubscription
from services.dissemination.alerts.periods import Window, due_windows
from services.dissemination.publications.models import Publication
from services.dissemination.publications.service import public_query
from services.dissemination.themes.models import LearningTheme

logger = logging.getLogger(__name__)


class Links(Protocol):
    """Absolute, signed URLs for one subscription (made by the web layer)."""

    def confirm(self, sub: AlertSubscription) -> str: ...
    def manage(self, sub: AlertSubscription) -> str: ...
    def unsubscribe(self, sub: AlertSubscription) -> str: ...
    def publication(self, publication_id: str, language: str) -> str: ...


Stage = Callable[[Session, AlertMail], None]


@dataclass(frozen=True)
class Choices:
    themes: list[str]
    boards: list[str]
    frequency: str
    language: str


def _validate(session: Session, address: str | None, choices: Choices) -> Choices:
    known_themes = set(session.exec(select(LearningTheme.code).where(LearningTheme.active)).all())
    known_boards = set(session.exec(select(Board.code)).all())
    themes, boards = list(dict.fromkeys(choices.themes)), list(dict.fromkeys(choices.boards))
    errors = rules.choice_errors(frequency=choices.frequency, language=choices.language, themes=themes,
                                 boards=boards, known_themes=known_themes, known_boards=known_boards)
    if address is not None and not rules.valid_address(address):
        errors.insert(0, {"field": "email", "message": "not an e-mail address", "code": "invalid"})
    if errors:
        raise Problem(422, "Please correct: " + ", ".join(e["field"] for e in errors) + ".",
                      errors=[{"in": "body", **e} for e in errors])
    return Choices(themes=themes, boards=boards, frequency=choices.frequency, language=choices.language)


def subscribe(session: Session, secret_key: str, address: str, choices: Choices, *, links: Links,
              stage: Stage, now: datetime | None = None) -> None:
    """Stage a confirmation for a new (or still unconfirmed) address; for an address already
    confirmed, stage a note with its manage link and change nothing. The caller answers the
    same in every case, so the form cannot be used to learn who subscribes."""
    now = now or utcnow()
    choices = _validate(session, address, choices)
    hashed = rules.address_hash(secret_key, address)
    sub = session.exec(select(AlertSubscription).where(AlertSubscription.address_hash == hashed)).first()
    if sub is not None and sub.status == "confirmed":
        stage(session, digest.already_subscribed_mail(sub, links, choices.language, now))
        return
    if sub is None:
        sub = AlertSubscription(address=address.strip(), address_hash=hashed, status="pending", created_at=now,
                                themes=choices.themes, boards=choices.boards, frequency=choices.frequency,
                                language=choices.language)
    else:  # pending: the newest request's choices, and a fresh confirmation (the old link stops working)
        sub.themes, sub.boards, sub.frequency, sub.language = (choices.themes, choices.boards, choices.frequency,
                                                                choices.language)
        sub.version += 1
        sub.created_at = now
    session.add(sub)
    session.flush()
    stage(session, digest.confirmation_mail(sub, links, session_theme_names(session)))


def get(session: Session, subscription_id: str) -> AlertSubscription:
    """Alert subscriptions are the e-mail owner's (reached by a signed link), not a board's."""
    sub = session.get(AlertSubscription, subscription_id)
    if sub is None:
        raise Problem(404, "This subscription no longer exists: it was cancelled, or it was never confirmed "
                      "and has been deleted. You can subscribe again.", slug="no-subscription")
    return sub


def confirm(session: Session, subscription_id: str, version: int, *, now: datetime | None = None) -> AlertSubscription:
    """Confirm (idempotent). Alerts cover what is published from now on."""
    sub = get(session, subscription_id)
    if sub.status == "confirmed":
        return sub
    if version != sub.version:
        raise Problem(409, "This confirmation link is out of date: a newer one was sent to the same address.",
                      slug="confirmation-superseded")
    now = now or utcnow()
    sub.status, sub.confirmed_at, sub.covered_until = "confirmed", now, now
    session.add(sub)
    return sub


def change(session: Session, subscription_id: str, choices: Choices) -> AlertSubscription:
    """Change themes, boards, frequency or language. The next message starts where the last
    ended (`covered_until` is kept), so a change of frequency neither repeats nor skips."""
    sub = get(session, subscription_id)
    if sub.status != "confirmed":
        raise Problem(409, "Confirm the subscription first, from the e-mail we sent.", slug="not-confirmed")
    choices = _validate(session, None, choices)
    sub.themes, sub.boards, sub.frequency, sub.language = (choices.themes, choices.boards, choices.frequency,
                                                            choices.language)
    sub.version += 1
    session.add(sub)
    return sub


def _forget_mail(session: Session, addresses: Sequence[str]) -> None:
    """The address also sits in the mail outbox: alert messages to it that are not on their way
    this moment (pending, sent, failed) go with it, so a pending digest is not sent after all."""
    if addresses:
        session.execute(delete(MailOutbox).where(MailOutbox.recipient.in_(addresses),
                                                 MailOutbox.purpose.startswith("alert."),
                                                 MailOutbox.status.not_in(("sending", "committing"))))


def unsubscribe(session: Session, subscription_id: str) -> bool:
    """Delete the subscription and its address (idempotent: False if it was already gone)."""
    sub = session.get(AlertSubscription, subscription_id)
    if sub is None:
        return False
    _forget_mail(session, [sub.address])
    session.delete(sub)
    session.flush()
    return True


def purge_unconfirmed(session: Session, older_than: timedelta, now: datetime | None = None) -> int:
    """Delete addresses never confirmed within `older_than` of their (latest) request."""
    cutoff = (now or utcnow()) - older_than
    stale = list(session.exec(select(AlertSubscription).where(AlertSubscription.status == "pending",
                                                             AlertSubscription.created_at < cutoff)).all())
    _forget_mail(session, [s.address for s in stale])
    for sub in stale:
        session.delete(sub)
    session.flush()
    return len(stale)


def session_theme_names(session: Session) -> dict[str, dict[str, str]]:
    return {t.code: {"en": t.name_en, "cy": t.name_cy} for t in session.exec(select(LearningTheme)).all()}


def _board_names(session: Session) -> dict[str, dict[str, str]]:
    return {b.code: {"en": b.name_en, "cy": b.name_cy} for b in session.exec(select(Board)).all()}


# -- sending what is due ---------------------------------------------------------------------

def _public_made_since(session: Session, since: datetime, until: datetime) -> list[Publication]:
    """Publications public now (the API's own predicate) that became public in [since, until)."""
    query = public_query().where(Publication.published_at >= since, Publication.published_at < until)
    return list(session.exec(query.order_by(Publication.published_at, Publication.id)).all())


def send_due(session_factory: Callable[[], Session], *, links: Links, stage: Stage, now: datetime | None = None,
             grace: timedelta = timedelta(minutes=5), batch: int = 500) -> int:
    """Stage every message that is due: for each confirmed subscription, each due window
    (alerts/periods.py) with at least one matching publication becomes one message. Per
    subscription and window, in one transaction: advance `covered_until` only if it still
    holds what was read (compare-and-set, so a second worker running at once gives way),
    record the AlertMessage claim, stage the mail. Returns the number of messages staged."""
    now = now or utcnow()
    sent, after_id = 0, ""
    while True:
        with session_factory() as session:
            subs = list(session.exec(
                select(AlertSubscription)
                .where(AlertSubscription.status == "confirmed", AlertSubscription.covered_until < now - grace,
                       AlertSubscription.id > after_id)
                .order_by(AlertSubscription.id).limit(batch)).all())
            if not subs:
                return sent
            after_id = subs[-1].id
            plans = [(s, due_windows(s.frequency, s.covered_until, now, grace)) for s in subs]
            plans = [(s, ws) for s, ws in plans if ws]
            if plans:
                earliest = min(ws[0].start for _, ws in plans)
                latest = max(ws[-1].end for _, ws in plans)
                pubs = _public_made_since(session, earliest, latest)
                themes, boards = session_theme_names(session), _board_names(session)
                for sub, windows in plans:
                    sent += _send_windows(session, sub, windows, pubs, themes, boards, links, stage)
            session.commit()


def _send_windows(session: Session, sub: AlertSubscription, windows: Sequence[Window], pubs: Iterable[Publication],
                  themes: dict, boards: dict, links: Links, stage: Stage) -> int:
    staged = 0
    mark = sub.covered_until
    for window in windows:
        claimed = session.execute(
            update(AlertSubscription)
            .where(AlertSubscription.id == sub.id, AlertSubscription.covered_until == mark)
            .values(covered_until=window.end).execution_options(synchronize_session=False)).rowcount
        if not claimed:
            logger.info("alert window already taken by another worker", extra={"subscription": sub.id})
            return staged
        mark = window.end
        chosen = digest.select(sub, [p for p in pubs if window.holds(p.published_at)])
        if not chosen:
            continue
        session.add(AlertMessage(subscription_id=sub.id, period_key=window.key, window_start=window.start,
                                 window_end=window.end, publications=len(chosen)))
        stage(session, digest.digest_mail(sub, window, chosen, themes, boards, links))
        staged += 1
    session.flush()
    return staged
