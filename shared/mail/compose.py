"""Composing a message: pure (no I/O), so its shape is unit-tested directly.

Structure, as Google Calendar and Exchange send invitations (and so the shape every client
copes with): multipart/alternative of text, HTML and, for an invitation, the text/calendar
part whose `method=` matches the calendar's METHOD; the same calendar also attached as
invite.ics for clients that only look at attachments."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP

# Header lines may run to RFC 5322's hard limit of 998 characters instead of being folded at 78:
# a URL cannot be folded, and the encoded words the email package would otherwise make of a
# long List-Unsubscribe URL (RFC 2369 / RFC 8058) are not decoded by the clients that read it.
# Body lines are unaffected (set_content still picks quoted-printable for long lines).
HEADER_POLICY = SMTP.clone(max_line_length=998)
from email.utils import format_datetime

LANGUAGES = ("cy", "en")


@dataclass(frozen=True)
class CalendarPart:
    """An iCalendar object (bytes from the invite renderer) sent as iMIP (RFC 6047)."""

    ics: bytes
    filename: str = "invite.ics"

    @property
    def method(self) -> str:
        found = re.search(rb"^METHOD:([A-Z-]+)\r?$", self.ics, re.MULTILINE)
        if not found:
            raise ValueError("an iMIP calendar part needs a METHOD property")
        return found.group(1).decode()


@dataclass
class MailMessage:
    """One logical message to one recipient. `key` names it (namespaced by the caller, e.g.
    "scheduler:invite:<meeting>:<seq>:<participant>"): the Message-ID is derived from it, so
    staging the same message twice (a redelivered event, a retried request) sends it once."""

    key: str
    to: str
    subject: str
    text: str
    html: str | None = None
    to_name: str | None = None
    purpose: str = "notice"
    languages: tuple[str, ...] = LANGUAGES
    calendar: CalendarPart | None = None
    reply_to: str | None = None
    from_addr: str | None = None
    from_name: str | None = None
    # Extra headers (List-Unsubscribe, List-Unsubscribe-Post, ...).
    headers: dict[str, str] = field(default_factory=dict)


def message_id_for(key: str, domain: str) -> str:
    """A stable Message-ID: the same logical message always has the same one."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def domain_of(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"


def _address(addr: str, name: str | None) -> Address:
    local, _, domain = addr.strip().rpartition("@")
    if not local or not domain:
        raise ValueError(f"not an e-mail address: {addr!r}")
    return Address(display_name=name or "", username=local, domain=domain)


FORBIDDEN_HEADERS = {"from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "content-type",
                     "content-transfer-encoding"}


def compose(message: MailMessage, *, from_addr: str, from_name: str | None, message_id: str,
            date: datetime) -> EmailMessage:
    """The RFC 5322 message for `message` (CRLF line ends, 7-bit safe headers)."""
    if "\n" in message.subject or "\r" in message.subject:
        raise ValueError("a subject is one line")
    # 7-bit clean on the wire (quoted-printable or base64 as needed): any relay takes it.
    msg = EmailMessage(policy=SMTP.clone(cte_type="7bit"))
    msg["From"] = _address(message.from_addr or from_addr, message.from_name or from_name)
    msg["To"] = _address(message.to, message.to_name)
    msg["Subject"] = message.subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    # RFC 3834: no vacation replies to automatic mail.
    msg["Auto-Submitted"] = "auto-generated"
    if message.reply_to:
        msg["Reply-To"] = message.reply_to
    for name, value in message.headers.items():
        if name.lower() in FORBIDDEN_HEADERS:
            raise ValueError(f"{name} is set by compose, not as an extra header")
        msg[name] = value
    msg.set_content(message.text, subtype="plain", charset="utf-8")
    if message.html is not None:
        msg.add_alternative(message.html, subtype="html", charset="utf-8")
    if message.calendar is not None:
        method = message.calendar.method
        text = message.calendar.ics.decode("utf-8")
        msg.add_alternative(text, subtype="calendar", charset="utf-8", params={"method": method})
        msg.make_mixed()
        msg.add_attachment(message.calendar.ics, maintype="application", subtype="ics",
                           filename=message.calendar.filename)
    # After the parts: setting content clears every Content-* header of the message.
    msg["Content-Language"] = ", ".join(message.languages)
    msg.policy = HEADER_POLICY
    return msg


def combine_languages(sections: dict[str, str], languages: tuple[str, ...], separator: str) -> str:
    """Both languages in one body, the recipient's preferred one first."""
    return separator.join(sections[lang] for lang in languages if lang in sections)


def language_order(preferred: str | None) -> tuple[str, ...]:
    """Welsh and English always both present; the preferred one first (Welsh by default)."""
    if preferred == "en":
        return ("en", "cy")
    return ("cy", "en")
