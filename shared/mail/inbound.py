"""Reading a mailbox over IMAP (CPR_IMAP_URL): each unseen message is handed to a handler and
marked \\Seen only after the handler has committed, so a crash reads it again; handlers make
that harmless by recording each Message-ID (services/scheduler/meetings/replies.py)."""
from __future__ import annotations

import imaplib
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from shared.logs import log

logger = logging.getLogger("cpr.mail.inbound")


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    tls: bool
    username: str
    password: str
    mailbox: str = "INBOX"
    cafile: str | None = None


def parse_imap_url(url: str) -> ImapConfig:
    """imap://user:pass@host[:143][?mailbox=INBOX], imaps://user:pass@host[:993] (`cafile=` too)."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps"):
        raise ValueError(f"CPR_IMAP_URL scheme must be imap or imaps, not {parts.scheme!r}")
    if not parts.hostname or not parts.username:
        raise ValueError("CPR_IMAP_URL needs user:password@host")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    tls = parts.scheme == "imaps"
    return ImapConfig(host=parts.hostname, port=parts.port or (993 if tls else 143), tls=tls,
                      username=unquote(parts.username), password=unquote(parts.password or ""),
                      mailbox=query.get("mailbox", "INBOX"), cafile=query.get("cafile"))


def read_unseen(config: ImapConfig, handle: Callable[[bytes], None], timeout: float = 30.0,
                limit: int = 200) -> int:
    """Hand each unseen message's bytes to `handle`; mark it seen once `handle` returned."""
    if config.tls:
        imap = imaplib.IMAP4_SSL(config.host, config.port, ssl_context=ssl.create_default_context(cafile=config.cafile),
                                 timeout=timeout)
    else:
        imap = imaplib.IMAP4(config.host, config.port, timeout=timeout)
    handled = 0
    try:
        imap.login(config.username, config.password)
        imap.select(config.mailbox)
        status, data = imap.uid("SEARCH", None, "UNSEEN")
        if status != "OK":
            raise imaplib.IMAP4.error(f"SEARCH failed: {data!r}")
        for uid in data[0].split()[:limit]:
            status, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in fetched if isinstance(part, tuple)), None)
            if status != "OK" or raw is None:
                continue
            try:
                handle(raw)
            except Exception as exc:
                log(logger, logging.ERROR, "inbound message not handled; it stays unseen",
                    error=f"{type(exc).__name__}: {exc}"[:300])
                continue
            imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            handled += 1
    finally:
        try:
            imap.logout()
        except Exception:
            pass
    return handled
