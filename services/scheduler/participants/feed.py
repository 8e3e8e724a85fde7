"""Calendar feeds (an ICS URL an agency's calendar system publishes), refreshed by the
worker's periodic job. The fetch happens outside any transaction, with httpx timeouts, a
size limit and an overall deadline; its outcome is recorded on the participant
(`calendar_feed.status` ok / error, `last_error`, `last_refreshed_at`). A failed fetch keeps
the intervals of the last good one: a stale diary is better than an empty one, and the error
state says it is stale."""
from __future__ import annotations

import ipaddress
import logging
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import or_
from sqlmodel import select

from shared.db import is_postgres, session_scope, utcnow
from shared.logs import log
from shared.settings import Settings
from services.scheduler.availability import CalendarParseError
from services.scheduler.participants.models import Participant
from services.scheduler.participants.service import parse_calendar, replace_source

logger = logging.getLogger(__name__)
BATCH = 20


class FeedError(Exception):
    """Why a feed could not be read, in words safe to show to the board."""


@dataclass
class Fetched:
    body: bytes | None  # None: not modified since the last fetch
    etag: str | None


def _check_address(host: str, port: int, settings: Settings) -> None:
    if settings.calendar_url_allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        raise FeedError(f"The host {host} could not be resolved.") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise FeedError(f"The host {host} is not a public address; calendar feeds must be on the internet.")


def fetch(url: str, settings: Settings, etag: str | None = None) -> Fetched:
    parts = urlsplit(url)
    if parts.scheme == "webcal":  # webcal:// is https:// by convention
        parts = parts._replace(scheme="https")
        url = urlunsplit(parts)
    if parts.scheme == "http" and not settings.calendar_url_allow_http:
        raise FeedError("Calendar feeds must use https.")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedError("Not an http(s) URL.")
    _check_address(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), settings)
    timeout = settings.calendar_fetch_timeout_seconds
    deadline = time.monotonic() + 3 * timeout
    headers = {"Accept": "text/calendar", "User-Agent": "cpr-scheduler/1.0"}
    if etag:
        headers["If-None-Match"] = etag
    try:
        # No redirects: a redirect could lead to an address the check above did not see.
        with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False) as client:
            with client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return Fetched(None, etag)
                if 300 <= response.status_code < 400:
                    raise FeedError(f"The feed redirects (HTTP {response.status_code}); configure the final URL.")
                if response.status_code != 200:
                    raise FeedError(f"The feed answered HTTP {response.status_code}.")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > settings.calendar_max_bytes:
                        raise FeedError(f"The feed is larger than {settings.calendar_max_bytes} bytes.")
                    if time.monotonic() > deadline:
                        raise FeedError(f"The feed took longer than {3 * timeout:g} s to download.")
                    chunks.append(chunk)
                return Fetched(b"".join(chunks), response.headers.get("etag"))
    except httpx.TimeoutException:
        raise FeedError(f"The feed did not answer within {timeout:g} s.") from None
    except httpx.HTTPError as exc:
        raise FeedError(f"The feed could not be reached ({type(exc).__name__}).") from None


def _claim(runtime) -> list[tuple[str, str, str | None, str]]:
    """Mark up to BATCH due feeds as attempted now (SKIP LOCKED: several workers share)."""
    settings = runtime.settings
    now = utcnow()
    due = now - timedelta(seconds=settings.calendar_refresh_seconds)
    with session_scope(runtime.engine) as session:
        query = (select(Participant).where(Participant.calendar_url.is_not(None))
                 .where(or_(Participant.calendar_last_attempt_at.is_(None), Participant.calendar_last_attempt_at < due))
                 .order_by(Participant.calendar_last_attempt_at.nulls_first(), Participant.id).limit(BATCH))
        if is_postgres(session):
            query = query.with_for_update(skip_locked=True)
        rows = session.exec(query).all()
        for row in rows:
            row.calendar_last_attempt_at = now
            session.add(row)
        return [(r.id, r.calendar_url, r.calendar_etag, r.time_zone) for r in rows]


def refresh_feed(runtime, participant_id: str, url: str, etag: str | None, time_zone: str) -> str:
    """Fetch and store one feed; returns the resulting status."""
    settings = runtime.settings
    error = intervals = None
    fetched = None
    try:
        fetched = fetch(url, settings, etag)
        if fetched.body is not None:
            intervals, _, _ = parse_calendar(fetched.body, time_zone, settings)
    except FeedError as exc:
        error = str(exc)
    except CalendarParseError as exc:
        error = f"The feed is not a readable calendar: {exc}"[:500]
    with session_scope(runtime.engine) as session:
        row = session.get(Participant, participant_id)
        if row is None or row.calendar_url != url:
            return "skipped"  # removed or changed while we fetched: the next pass sees the new one
        now = utcnow()
        if error is not None:
            row.calendar_status, row.calendar_last_error = "error", error[:500]
        else:
            if intervals is not None:
                replace_source(session, row.id, "calendar_url", intervals)
                row.calendar_etag = fetched.etag
            row.calendar_status, row.calendar_last_error, row.calendar_last_refreshed_at = "ok", None, now
        session.add(row)
    log(logger, logging.INFO if error is None else logging.WARNING, "calendar feed refreshed",
        participant_id=participant_id, status="error" if error else "ok", error=error)
    return "error" if error else "ok"


def refresh_due_feeds(runtime) -> int:
    """The periodic job: refresh every feed not attempted for `calendar_refresh_seconds`
    (a new or changed URL is due at once). Returns how many were attempted."""
    claimed = _claim(runtime)
    for participant_id, url, etag, tz in claimed:
        try:
            refresh_feed(runtime, participant_id, url, etag, tz)
        except Exception:  # one bad feed must not stop the others
            logger.exception("calendar feed refresh failed for %s", participant_id)
    return len(claimed)
