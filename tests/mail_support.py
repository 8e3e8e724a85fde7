"""A real SMTP server for tests (aiosmtpd), collecting what arrives so tests can count it."""
from __future__ import annotations

import email
import email.policy
import threading
import time
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: email.message.EmailMessage

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]


@dataclass
class SinkBehaviour:
    # Answer the end of data with this (e.g. "451 4.3.0 try later") for the next N messages.
    reject_with: str | None = None
    reject_count: int = 0
    # Seconds to wait in RCPT (before any data: a kill then loses nothing).
    rcpt_delay: float = 0.0


class _Handler:
    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        import asyncio

        if self.sink.behaviour.rcpt_delay:
            await asyncio.sleep(self.sink.behaviour.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        b = self.sink.behaviour
        if b.reject_with and b.reject_count > 0:
            b.reject_count -= 1
            return b.reject_with
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        with self.sink.lock:
            self.sink.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), raw, msg))
        return "250 Message accepted for delivery"


@dataclass
class SmtpSink:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[Received] = field(default_factory=list)
    behaviour: SinkBehaviour = field(default_factory=SinkBehaviour)
    lock: threading.Lock = field(default_factory=threading.Lock)
    controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> "SmtpSink":
        from tests.support import free_port

        self.port = self.port or free_port()
        self.controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.messages)

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received()
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {count} message(s); {len(self.received())} arrived")

    def to(self, address: str) -> list[Received]:
        return [m for m in self.received() if address.lower() in (r.lower() for r in m.rcpt_tos)]


def outlook_reply(*, uid: str, attendee: str, partstat: str, sequence: int | None = 0, from_addr: str | None = None,
                  to: str = "cpr-scheduler@example.gov.wales", message_id: str | None = None) -> bytes:
    """A METHOD:REPLY e-mail as Exchange/Outlook builds one: no ORGANIZER, Windows TZID without a
    VTIMEZONE, LANGUAGE parameters, the calendar as the text/calendar alternative."""
    from email.message import EmailMessage
    from email.utils import make_msgid

    lines = ["BEGIN:VCALENDAR", "METHOD:REPLY", "PRODID:Microsoft Exchange Server 2010", "VERSION:2.0",
             "BEGIN:VEVENT", f"ATTENDEE;PARTSTAT={partstat}:mailto:{attendee.upper()}",
             "COMMENT;LANGUAGE=en-GB:Sorry\\, I am in court that day.\\n",
             "SUMMARY;LANGUAGE=en-GB:Declined: Review panel meeting",
             "DTSTART;TZID=GMT Standard Time:20270202T100000", "DTEND;TZID=GMT Standard Time:20270202T120000",
             f"UID:{uid}", "CLASS:PUBLIC", "PRIORITY:5", "DTSTAMP:20270101T101010Z", "TRANSP:OPAQUE",
             "STATUS:CONFIRMED"]
    if sequence is not None:
        lines.append(f"SEQUENCE:{sequence}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    msg = EmailMessage()
    msg["From"] = from_addr or attendee
    msg["To"] = to
    msg["Subject"] = "Declined: Review panel meeting"
    msg["Message-ID"] = message_id or make_msgid(domain="outlook.example")
    msg.set_content("Sorry, I am in court that day.")
    msg.add_alternative("\r\n".join(lines) + "\r\n", subtype="calendar", params={"method": "REPLY"})
    return msg.as_bytes()


def calendar_of(received: Received):
    """The text/calendar alternative of a delivered message, parsed by icalendar, and its part."""
    import icalendar

    part = next(p for p in received.message.walk() if p.get_content_type() == "text/calendar")
    return icalendar.Calendar.from_ical(part.get_content()), part


def link_in(received: Received) -> str:
    import re

    text = received.message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/meetings/reply/\S+", text).group(0)


def links_in(received: Received, path: str) -> list[str]:
    """Every link to `path` (e.g. "/polls/answer/") in a delivered message's plain text."""
    import re

    text = received.message.get_body(("plain",)).get_content()
    return re.findall(rf"https?://\S+{re.escape(path)}\S+", text)
