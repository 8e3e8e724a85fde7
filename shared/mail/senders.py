"""Where a composed message goes: an SMTP server (CPR_SMTP_URL) or, with none, .eml files.

A sender calls `commit_point()` at the last moment before the recipient can have the whole
message (before the final "." of SMTP DATA; before an .eml file is renamed into place). If
that returns False the send is abandoned and the server discards the partial message."""
from __future__ import annotations

import os
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

SCHEMES = {"smtp": ("none", 25), "smtp+starttls": ("starttls", 587), "submission": ("starttls", 587),
           "smtps": ("tls", 465)}


class TransientFailure(Exception):
    """The server did not take the message and said (or showed) it may later: retry."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): do not retry."""


class Uncertain(Exception):
    """The whole message went out but no answer came back: it may have been delivered."""


class Abandoned(Exception):
    """commit_point() said no (the claim was lost or the database is down): nothing was delivered."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # none | starttls | tls
    username: str | None = None
    password: str | None = None
    cafile: str | None = None
    helo: str | None = None


def parse_smtp_url(url: str) -> SmtpConfig:
    """smtp://host[:port], smtp+starttls://user:pass@host[:587], smtps://user:pass@host[:465];
    query `cafile=` trusts a private CA, `helo=` names this host."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(f"CPR_SMTP_URL scheme must be one of {', '.join(SCHEMES)}, not {parts.scheme!r}")
    if not parts.hostname:
        raise ValueError("CPR_SMTP_URL needs a host")
    security, default_port = SCHEMES[parts.scheme]
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - {"cafile", "helo"}
    if unknown:
        raise ValueError(f"CPR_SMTP_URL has unknown parameters: {', '.join(sorted(unknown))}")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    if password and security == "none":
        raise ValueError("CPR_SMTP_URL: refusing to send a password without TLS (use smtps:// or smtp+starttls://)")
    return SmtpConfig(host=parts.hostname, port=parts.port or default_port, security=security,
                      username=username, password=password, cafile=query.get("cafile"), helo=query.get("helo"))


def _crlf_dot_stuffed(raw: bytes) -> bytes:
    data = re.sub(rb"\r\n|\n|\r", b"\r\n", raw)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return re.sub(rb"(?m)^\.", b"..", data)


class SmtpSender:
    """One connection reused for a batch; reconnects after any failure."""

    def __init__(self, config: SmtpConfig, timeout: float):
        self.config = config
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        context = ssl.create_default_context(cafile=c.cafile)
        try:
            if c.security == "tls":
                smtp = smtplib.SMTP_SSL(c.host, c.port, local_hostname=c.helo, timeout=self.timeout, context=context)
            else:
                smtp = smtplib.SMTP(c.host, c.port, local_hostname=c.helo, timeout=self.timeout)
            smtp.ehlo()
            if c.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if c.username:
                smtp.login(c.username, c.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise TransientFailure(f"SMTP login refused: {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientFailure(f"cannot connect to {c.host}:{c.port}: {exc}") from None
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()  # no QUIT: a transaction in DATA is aborted by the server
            except Exception:
                pass
            self._smtp = None

    def send(self, envelope_from: str, recipient: str, raw: bytes, commit_point: Callable[[], bool],
             row=None) -> str:
        if self._smtp is None:
            self._smtp = self._connect()
        smtp = self._smtp
        try:
            code, reply = smtp.mail(envelope_from)
            if code != 250:
                self._refused(code, reply, "MAIL FROM")
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                self._refused(code, reply, "RCPT TO")
            smtp.putcmd("data")
            code, reply = smtp.getreply()
            if code != 354:
                self._refused(code, reply, "DATA")
            smtp.send(_crlf_dot_stuffed(raw))
        except (TransientFailure, PermanentFailure):
            raise
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise TransientFailure(f"SMTP failed before the end of data: {exc}") from None
        if not commit_point():
            self._drop()
            raise Abandoned("not recorded as about to be delivered; aborted before the end of data")
        # From here until the answer is recorded the message may be delivered: the window.
        try:
            smtp.send(b".\r\n")
            code, reply = smtp.getreply()
        except (smtplib.SMTPException, OSError, socket.timeout) as exc:
            self._drop()
            raise Uncertain(f"no answer to the end of data: {exc}") from None
        if code != 250:
            self._refused(code, reply, "end of data")
        return f"{code} {reply.decode(errors='replace')}"[:500]

    def _refused(self, code: int, reply: bytes, stage: str) -> None:
        text = f"{stage}: {code} {reply.decode(errors='replace')}"[:500]
        try:
            self._smtp.rset()
        except Exception:
            self._drop()
        if 500 <= code < 600:
            raise PermanentFailure(text)
        raise TransientFailure(text)

    def was_delivered(self, row) -> bool | None:
        return None  # SMTP has no way to ask

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except Exception:
                pass
            self._smtp = None


class EmlWriter:
    """The quick start's 'server': each message becomes <folder>/<created>-<id>.eml."""

    def __init__(self, folder: Path):
        self.folder = folder

    def path_for(self, row) -> Path:
        return self.folder / f"{row.created_at:%Y%m%dT%H%M%S}-{row.id}.eml"

    def send(self, envelope_from: str, recipient: str, raw: bytes, commit_point: Callable[[], bool],
             row=None) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.path_for(row)
        tmp = final.with_suffix(".part")
        tmp.write_bytes(raw)
        if not commit_point():
            tmp.unlink(missing_ok=True)
            raise Abandoned("not recorded as about to be written")
        os.replace(tmp, final)
        return f"written {final.name}"

    def was_delivered(self, row) -> bool | None:
        return self.path_for(row).exists()

    def close(self) -> None:
        pass
