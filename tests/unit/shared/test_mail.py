"""Composing mail and reading CPR_SMTP_URL: pure rules."""
from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import icalendar
import pytest

from shared.mail.compose import CalendarPart, MailMessage, compose, language_order, message_id_for
from shared.mail.render import render_mail
from shared.mail.senders import _crlf_dot_stuffed, parse_smtp_url
from shared.web.templating import make_env

ICS = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
       b"UID:u1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260301T100000Z\r\nSUMMARY:Cyfarfod \xc5\xb5\r\n"
       b"END:VEVENT\r\nEND:VCALENDAR\r\n")


def parsed(msg) -> email.message.EmailMessage:
    return email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)


def test_the_message_id_is_stable_per_logical_message():
    a = message_id_for("scheduler:invite:m1:0:p1", "example.gov.wales")
    assert a == message_id_for("scheduler:invite:m1:0:p1", "example.gov.wales")
    assert a != message_id_for("scheduler:invite:m1:1:p1", "example.gov.wales")
    assert a.startswith("<") and a.endswith("@example.gov.wales>")


def test_text_and_html_are_alternatives_with_headers():
    m = MailMessage(key="k", to="ceri@example.org", to_name="Ceri Ŵyn", subject="Gwahoddiad / Invitation",
                    text="Helo", html="<p>Helo</p>", headers={"List-Unsubscribe": "<https://x.example/u>"})
    out = parsed(compose(m, from_addr="cpr@example.gov.wales", from_name="CPR", message_id="<a@b>",
                         date=datetime(2026, 3, 1, tzinfo=UTC)))
    assert out.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in out.iter_parts()] == ["text/plain", "text/html"]
    assert str(out["To"]) == "Ceri Ŵyn <ceri@example.org>"
    assert out["Message-ID"] == "<a@b>" and out["List-Unsubscribe"] == "<https://x.example/u>"
    assert out["Auto-Submitted"] == "auto-generated" and out["Content-Language"] == "cy, en"


def test_an_invitation_has_a_calendar_alternative_whose_method_matches_and_an_attachment():
    m = MailMessage(key="k", to="a@example.org", subject="Gŵyl", text="Dewch â'ch cronoleg", html="<p>ŵ</p>",
                    calendar=CalendarPart(ICS))
    composed = compose(m, from_addr="cpr@example.gov.wales", from_name=None, message_id="<a@b>",
                       date=datetime(2026, 3, 1, tzinfo=UTC))
    composed.as_bytes().decode("ascii")  # 7-bit clean: Welsh letters are encoded
    out = parsed(composed)
    assert out.get_content_type() == "multipart/mixed"
    alternative, attachment = list(out.iter_parts())
    kinds = [p.get_content_type() for p in alternative.iter_parts()]
    assert kinds == ["text/plain", "text/html", "text/calendar"]
    calendar = list(alternative.iter_parts())[2]
    assert calendar.get_param("method") == "REQUEST"
    assert icalendar.Calendar.from_ical(calendar.get_content())["METHOD"] == "REQUEST"
    assert "Cyfarfod ŵ" in calendar.get_content()
    assert attachment.get_filename() == "invite.ics"


def test_a_calendar_without_method_is_refused():
    with pytest.raises(ValueError):
        CalendarPart(ICS.replace(b"METHOD:REQUEST\r\n", b"")).method


def test_headers_that_compose_owns_cannot_be_overridden():
    m = MailMessage(key="k", to="a@example.org", subject="s", text="t", headers={"Message-ID": "<x@y>"})
    with pytest.raises(ValueError):
        compose(m, from_addr="c@example.org", from_name=None, message_id="<a@b>", date=datetime.now(UTC))


def test_language_order_keeps_both_and_puts_the_preferred_first():
    assert language_order("en") == ("en", "cy")
    assert language_order("cy") == ("cy", "en")
    assert language_order(None) == ("cy", "en")


def test_bilingual_templates_render_both_languages(tmp_path):
    env = make_env("tests.unit.shared")
    r = render_mail(env, "sample", {"name": "Ceri <b>"}, ("en", "cy"))
    assert r.subject == "Hello / Helo"
    assert r.text.index("Hello Ceri <b>") < r.text.index("Helo Ceri <b>")
    assert 'lang="en"' in r.html and 'lang="cy"' in r.html and "Ceri &lt;b&gt;" in r.html


@pytest.mark.parametrize("url, host, port, security, user, password", [
    ("smtp://127.0.0.1:1025", "127.0.0.1", 1025, "none", None, None),
    ("smtp://mail.example", "mail.example", 25, "none", None, None),
    ("smtp+starttls://u%40x:p%3Aw@relay.example", "relay.example", 587, "starttls", "u@x", "p:w"),
    ("smtps://user:pass@relay.example:465", "relay.example", 465, "tls", "user", "pass"),
])
def test_smtp_urls(url, host, port, security, user, password):
    c = parse_smtp_url(url)
    assert (c.host, c.port, c.security, c.username, c.password) == (host, port, security, user, password)


@pytest.mark.parametrize("url", ["http://x", "smtp://", "smtp://user:pw@host", "smtp://h?bogus=1"])
def test_bad_smtp_urls_are_refused(url):
    with pytest.raises(ValueError):
        parse_smtp_url(url)


def test_data_is_dot_stuffed_with_crlf():
    assert _crlf_dot_stuffed(b"a\n.b\n..c") == b"a\r\n..b\r\n...c\r\n"
