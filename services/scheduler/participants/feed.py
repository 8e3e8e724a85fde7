"""Calendar feeds (an ICS URL an agency's calendar system publishes), refreshed by the
worker's periodic job. The URL passes the same outbound guard as webhooks (shared/http/
outbound.py: public addresses only, the checked address pinned for the connection). The fetch
happens outside any transaction, with httpx timeouts, a size limit and an overall deadline,
and the diary's expansion is bounded (availability/ics.py), so one bad feed costs the job at
most those budgets before the next is fetched; its outcome is recorded on the participant
(`calendar_feed.status` ok / error, `last_error`, `last_refreshed_at`). A failed fetch keeps
the intervals of the last good one: a stale diary is better than an empty one, and the error
state says it is stale."""
from __future__ import annotations

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
from shared.http.outbound import OutboundTarget, OutboundUrlRejected, Resolver, pinned_request, validate_outbound_url
from shared.logs import log
from shared.settings import Settings
from services.scheduler.availability import CalendarParseError
from services.scheduler.participants.models import Participant
from services.scheduler.participants.service import parse_calendar, replace_source

logger = logging.getLogger(__name__)
BATCH = 20
# Addresses tried in turn when connecting fails (a dual-stack name, one replica down).
MAX_ADDRESSES_TRIED = 3


class FeedError(Exception):
    """Why a feed could not be read, in words safe to show to the board."""


@dataclass
class Fetched:
    body: bytes | None  # None: not modified since the last fetch
    etag: str | None


def _guard(url: str, settings: Settings, resolver: Resolver) -> OutboundTarget:
    """The shared outbound guard (shared/http/outbound.py, as for webhooks). Its reason is
    stored as `last_error` and shown to the board, so it never names a resolved address."""
    parts = urlsplit(url)
    if parts.scheme.lower() == "webcal":  # webcal:// is https:// by convention
        url = urlunsplit(parts._replace(scheme="https"))
    try:
        return validate_outbound_url(url, allow_private=settings.calendar_url_allow_private,
                                     allow_http=settings.calendar_url_allow_http, resolver=resolver,
                                     what="The feed URL", show_addresses=False)
    except OutboundUrlRejected as exc:
        raise FeedError(f"{exc.reason}.") from None


def fetch(url: str, settings: Settings, etag: str | None = None, *, resolver: Resolver = socket.getaddrinfo,
          transport: httpx.BaseTransport | None = None) -> Fetched:
    """One fetch of a feed. The name is resolved once, by the guard, and the request goes to
    an address it checked (DNS rebinding cannot swap in an internal one); no redirects, no
    proxies. `resolver` and `transport` are for tests. A failure's reason is generic: the
    target's HTTP status is not repeated (it would make the feed a probe of other servers)."""
    target = _guard(url, settings, resolver)
    timeout = settings.calendar_fetch_timeout_seconds
    deadline = time.monotonic() + 3 * timeout
    headers = {"Accept": "text/calendar", "User-Agent": "cpr-scheduler/1.0"}
    if etag:
        headers["If-None-Match"] = etag
    error = "ConnectError"
    try:
        # No redirects: a redirect could lead to an address the guard did not see. An explicit
        # transport keeps proxies from the environment out (a proxy would resolve the name).
        with httpx.Client(transport=transport or httpx.HTTPTransport(), timeout=httpx.Timeout(timeout),
                          follow_redirects=False) as client:
            for address in target.addresses[:MAX_ADDRESSES_TRIED]:
                pinned, host, extensions = pinned_request(target, address)
                try:
                    with client.stream("GET", pinned, headers={**headers, **host}, extensions=extensions) as response:
                        return _read(response, settings, etag, deadline, timeout)
                except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                    error = type(exc).__name__  # nothing was sent: the next address may answer
    except httpx.TimeoutException:
        raise FeedError(f"The feed did not answer within {timeout:g} s.") from None
    except httpx.HTTPError as exc:
        raise FeedError(f"The feed could not be reached ({type(exc).__name__}).") from None
    raise FeedError(f"The feed could not be reached ({error}).")


def _read(response: httpx.Response, settings: Settings, etag: str | None, deadline: float,
          timeout: float) -> Fetched:
    if response.status_code == 304:
        return Fetched(None, etag)
    if 300 <= response.status_code < 400:
        raise FeedError("The feed redirects elsewhere; configure the final URL.")
    if response.status_code != 200:
        raise FeedError("The feed's server did not return the calendar (it answered with an error).")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > settings.calendar_max_bytes:
            raise FeedError(f"The feed is larger than {settings.calendar_max_bytes} bytes.")
        if time.monotonic() > deadline:
            raise FeedError(f"The feed took longer than {3 * timeout:g} s to download.")
        chunks.append(chunk)
    return Fetched(b"".join(chunks), response.headers.get("etag"))


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
