"""E-mail alerts on PostgreSQL: double opt-in, the address never leaves, digests once per
period (also when two workers run at once or one restarts), drafts and withdrawn never sent,
unsubscribe and purge delete the address."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from shared.http.problems import Problem
from services.dissemination.alerts import service as alerts
from services.dissemination.alerts.models import AlertMessage, AlertSubscription
from services.dissemination.publications.models import Publication
from tests.integration.dissemination.conftest import publication_body

pytestmark = pytest.mark.integration

SECRET = "alerts-test-secret"


class Links:
    def confirm(self, sub): return f"https://lib.test/confirm/{sub.id}/{sub.version}"
    def manage(self, sub): return f"https://lib.test/manage/{sub.id}"
    def unsubscribe(self, sub): return f"https://lib.test/unsubscribe/{sub.id}"
    def publication(self, pid, lang): return f"https://lib.test/{lang}/{pid}"


class Outbox:
    """Stands in for the mail mechanism's staging: rows added to the caller's session, so a
    rolled-back transaction loses its mail as the real one does."""

    def __init__(self):
        self.staged = []
        self.lock = threading.Lock()

    def __call__(self, session, mail):
        session.info.setdefault("staged", []).append(mail)

        def after_commit(s):
            with self.lock:
                self.staged.extend(s.info.pop("staged", []))

        from sqlalchemy import event
        if not session.info.get("hooked"):
            event.listen(session, "after_commit", after_commit)
            event.listen(session, "after_rollback", lambda s: s.info.pop("staged", None))
            session.info["hooked"] = True

    def of(self, to):
        return [m for m in self.staged if m.to == to]


def _publish(clients, keys, board="gwent", **over):
    r = clients["dissemination"].post("/v1/publications", json=publication_body(**over), headers=keys.board(board))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _subscribe(engine, outbox, address, **choices):
    c = alerts.Choices(themes=choices.get("themes", []), boards=choices.get("boards", []),
                       frequency=choices.get("frequency", "weekly"), language=choices.get("language", "en"))
    with Session(engine) as s:
        alerts.subscribe(s, SECRET, address, c, links=Links(), stage=outbox)
        s.commit()


def _sub(engine, address):
    from services.dissemination.alerts.rules import address_hash
    with Session(engine) as s:
        return s.exec(select(AlertSubscription).where(AlertSubscription.address_hash == address_hash(SECRET, address))).first()


def _confirm(engine, sub, at):
    with Session(engine) as s:
        alerts.confirm(s, sub.id, sub.version, now=at)
        s.commit()


def _set_published_at(engine, pid, at):
    with Session(engine) as s:
        p = s.get(Publication, pid)
        p.published_at = at
        s.add(p)
        s.commit()


def _send(engine, outbox, now, batch=500):
    return alerts.send_due(lambda: Session(engine, expire_on_commit=False), links=Links(), stage=outbox, now=now,
                           grace=timedelta(minutes=5), batch=batch)


def test_double_opt_in_then_a_weekly_digest_once(clients, keys, runtimes):
    engine, outbox = runtimes["dissemination"].engine, Outbox()
    _subscribe(engine, outbox, "Ann@Example.com", themes=["neglect"])
    (mail,) = outbox.of("Ann@Example.com")
    sub = _sub(engine, "ann@example.com")
    assert sub.status == "pending" and mail.context["confirm_url"].endswith(f"/{sub.id}/{sub.version}")

    monday = datetime(2026, 11, 30, tzinfo=UTC)
    neglect = _publish(clients, keys)
    other = _publish(clients, keys, themes=["domestic_abuse"])
    draft = _publish(clients, keys, status="draft")
    for pid in (neglect, other, draft):
        _set_published_at(engine, pid, monday + timedelta(days=2))
    # Nothing is sent before confirmation.
    assert _send(engine, outbox, monday + timedelta(days=8)) == 0

    _confirm(engine, sub, monday + timedelta(hours=1))
    assert _send(engine, outbox, monday + timedelta(days=6)) == 0  # the week has not ended
    assert _send(engine, outbox, monday + timedelta(days=7, minutes=6)) == 1
    assert _send(engine, outbox, monday + timedelta(days=7, minutes=7)) == 0  # never twice
    digest = outbox.of("Ann@Example.com")[-1]
    ids = [p["id"] for g in digest.context["groups"] for p in g["publications"]]
    assert ids == [neglect]  # the theme chosen; never the draft
    assert digest.key == f"alert:{sub.id}:2026-W49"
    assert digest.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with Session(engine) as s:
        assert [m.period_key for m in s.exec(select(AlertMessage)).all()] == ["2026-W49"]


def test_withdrawn_before_the_digest_is_not_sent(clients, keys, runtimes):
    engine, outbox = runtimes["dissemination"].engine, Outbox()
    _subscribe(engine, outbox, "bob@example.com", frequency="immediate")
    sub = _sub(engine, "bob@example.com")
    start = datetime.now(UTC) - timedelta(hours=2)
    _confirm(engine, sub, start)
    pid = _publish(clients, keys)
    _set_published_at(engine, pid, start + timedelta(minutes=30))
    r = clients["dissemination"].post(f"/v1/publications/{pid}/withdraw", headers=keys.board("gwent"))
    assert r.status_code == 200
    assert _send(engine, outbox, datetime.now(UTC)) == 0


def test_already_confirmed_address_gets_a_notice_and_nothing_changes(runtimes):
    engine, outbox = runtimes["dissemination"].engine, Outbox()
    _subscribe(engine, outbox, "cai@example.com", themes=["neglect"])
    sub = _sub(engine, "cai@example.com")
    _confirm(engine, sub, datetime.now(UTC))
    _subscribe(engine, outbox, "CAI@example.com", themes=["domestic_abuse"], frequency="monthly")
    assert outbox.of("cai@example.com")[-1].template == "alert_already"  # to the confirmed address
    after = _sub(engine, "cai@example.com")
    assert (after.themes, after.frequency) == (["neglect"], "weekly")


def test_a_newer_request_supersedes_an_old_confirmation_link(runtimes):
    engine, outbox = runtimes["dissemination"].engine, Outbox()
    _subscribe(engine, outbox, "dai@example.com")
    old = _sub(engine, "dai@example.com")
    _subscribe(engine, outbox, "dai@example.com", language="cy")
    with Session(engine) as s, pytest.raises(Problem) as exc:
        alerts.confirm(s, old.id, old.version)
    assert exc.value.status == 409
    new = _sub(engine, "dai@example.com")
    _confirm(engine, new, datetime.now(UTC))
    assert _sub(engine, "dai@example.com").status == "confirmed"


def test_bad_choices_are_a_422_that_stores_nothing(runtimes):
    engine, outbox = runtimes["dissemination"].engine, Outbox()
    with Session(engine) as s, pytest.raises(Problem) as exc:
        alerts.subscribe(s, SECRET, "not an address", alerts.Choices(["nope"], ["atlantis"], "daily", "fr"),
                         links=Links(), stage=outbox)
    assert exc.value.status == 422
    assert [e["field"] for e in exc.value.extensions["errors"]] == ["email", "frequency", "language", "themes[0]",
                                                                   "boards[0]"]
    with Session(engine) as s:
        assert s.exec(select(AlertSubscription)).all() == []
    assert outbox.staged == []


def test_unsubscribing_drops_pending_alert_mail_to_the_address(runtimes, settings):
    """With the real mail staging: a digest staged but not yet sent is not sent after an
    unsubscribe, and no alert mail to the address is kept."""
    from shared.mail.models import MailOutbox
    from services.dissemination.library.mail import stage_alert

    engine = runtimes["dissemination"].engine
    c = alerts.Choices([], [], "weekly", "cy")
    with Session(engine, info={"settings": settings}) as s:
        alerts.subscribe(s, SECRET, "hywel@example.com", c, links=Links(), stage=stage_alert)
        alerts.subscribe(s, SECRET, "other@example.com", c, links=Links(), stage=stage_alert)
        s.commit()
        assert len(s.exec(select(MailOutbox)).all()) == 2
        sub = _sub(engine, "hywel@example.com")
        assert alerts.unsubscribe(s, sub.id)
        s.commit()
        assert [m.recipient for m in s.exec(select(MailOutbox)).all()] == ["other@example.com"]


def test_unsubscribe_and_purge_delete_the_address(runtimes):
    engine, outbox = runtimes["dissemination"].engine, Outbox()
    _subscribe(engine, outbox, "eve@example.com")
    _subscribe(engine, outbox, "fay@example.com")
    eve = _sub(engine, "eve@example.com")
    _confirm(engine, eve, datetime.now(UTC))
    with Session(engine) as s:
        assert alerts.unsubscribe(s, eve.id) is True
        assert alerts.unsubscribe(s, eve.id) is False  # one click twice is fine
        s.commit()
    with Session(engine) as s:
        assert alerts.purge_unconfirmed(s, timedelta(days=3), now=datetime.now(UTC) + timedelta(days=2)) == 0
        assert alerts.purge_unconfirmed(s, timedelta(days=3), now=datetime.now(UTC) + timedelta(days=4)) == 1
        s.commit()
        assert s.exec(select(AlertSubscription)).all() == []


def test_a_change_of_frequency_neither_repeats_nor_skips(clients, keys, runtimes):
    engine, outbox = runtimes["dissemination"].engine, Outbox()
    _subscribe(engine, outbox, "gwen@example.com", language="cy")
    sub = _sub(engine, "gwen@example.com")
    monday = datetime(2026, 11, 2, tzinfo=UTC)
    _confirm(engine, sub, monday)
    first, second = _publish(clients, keys), _publish(clients, keys)
    _set_published_at(engine, first, monday + timedelta(days=1))
    _set_published_at(engine, second, monday + timedelta(days=9))
    assert _send(engine, outbox, monday + timedelta(days=7, minutes=10)) == 1  # week 45: first
    with Session(engine) as s:
        alerts.change(s, sub.id, alerts.Choices([], [], "monthly", "cy"))
        s.commit()
    assert _send(engine, outbox, datetime(2026, 12, 1, 1, tzinfo=UTC)) == 1  # rest of November: second
    sent = [[p["id"] for g in m.context["groups"] for p in g["publications"]] for m in outbox.of("gwen@example.com")[1:]]
    assert sent == [[first], [second]]
    assert outbox.staged[-1].context["subject"] == "Dysgu o Adolygiadau Ymarfer Plant: Tachwedd 2026"


def test_two_workers_at_once_send_each_period_once(clients, keys, runtimes):
    """Many subscribers, two senders racing in threads: the compare-and-set claim lets one win
    each subscriber's period; the other's transaction stages nothing for it."""
    engine, outbox = runtimes["dissemination"].engine, Outbox()
    monday = datetime(2026, 11, 30, tzinfo=UTC)
    pid = _publish(clients, keys)
    _set_published_at(engine, pid, monday + timedelta(days=1))
    with Session(engine) as s:
        for i in range(60):
            s.add(AlertSubscription(address=f"p{i}@example.com", address_hash=f"h{i}", frequency="weekly",
                                    language="en", status="confirmed", confirmed_at=monday, covered_until=monday))
        s.commit()
    now = monday + timedelta(days=7, minutes=10)
    counts, errors = [], []
    barrier = threading.Barrier(2)

    def racing_sender():
        first = [True]

        def factory():
            if first[0]:  # both read the same first batch before either commits
                first[0] = False
                barrier.wait()
            return Session(engine, expire_on_commit=False)
        try:
            counts.append(alerts.send_due(factory, links=Links(), stage=outbox, now=now,
                                          grace=timedelta(minutes=5), batch=7))
        except Exception as exc:  # a sender that fails (e.g. on the claim's unique key) is a failure here
            errors.append(exc)

    threads = [threading.Thread(target=racing_sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(counts) == 2
    assert sum(counts) == 60
    assert sorted(m.to for m in outbox.staged) == sorted(f"p{i}@example.com" for i in range(60))
    assert _send(engine, outbox, now + timedelta(hours=1)) == 0
