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
