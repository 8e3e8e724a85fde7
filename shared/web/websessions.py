"""Server-side sessions for people signed in to our pages, and the record of every sign-in.

The browser holds only a random token (cookie `cpr_session`); the database holds its SHA-256,
the principal it acts for (one board or Welsh Government, exactly as an API key would), how it
was made (an API key pasted in the quick start, or OpenID Connect) and its two expiries: idle
(no request for `signin_idle_minutes`) and absolute (`signin_absolute_hours` after sign-in).
Tables in the notification API's database (the service whose pages need a sign-in)."""
from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Column, Integer
from sqlmodel import Field, Session, SQLModel, select

from shared.auth import ApiKey, Principal
from shared.db import UTCDateTime, utcnow

# last_seen_at is written at most this often (a page view is a read, not a write each time).
TOUCH_EVERY = timedelta(seconds=60)


class WebSession(SQLModel, table=True):
    __tablename__ = "web_sessions"

    id: str = Field(primary_key=True, max_length=36, default_factory=lambda: str(uuid.uuid4()))
    token_hash: str = Field(max_length=64, unique=True)
    board_code: str | None = Field(default=None, max_length=64)
    welsh_government: bool = False
    method: str = Field(max_length=8)  # key | oidc
    # The API key's id (method "key"); for "oidc" the issuer and the person's subject there.
    key_id: str | None = Field(default=None, max_length=36)
    issuer: str | None = Field(default=None, max_length=300)
    subject: str | None = Field(default=None, max_length=255)
    display_name: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    last_seen_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def principal(self) -> Principal:
        """The same Principal an API key gives, so every scoping rule applies unchanged. Its
        key_id is the API key's for a key sign-in, else this session's id (audit rows lead here,
        and from here to the person at the identity provider)."""
        return Principal(key_id=self.key_id or self.id, board_code=self.board_code,
                         welsh_government=self.welsh_government)


class SigninAudit(SQLModel, table=True):
    """Every sign-in, refusal and sign-out. `reason` is one of our codes, never provider text."""

    __tablename__ = "signin_audit"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    event: str = Field(max_length=16)  # signed_in | refused | signed_out | expired
    method: str = Field(max_length=8)
    principal: str | None = Field(default=None, max_length=100)
    session_id: str | None = Field(default=None, max_length=36)
    key_id: str | None = Field(default=None, max_length=36)
    issuer: str | None = Field(default=None, max_length=300)
    subject: str | None = Field(default=None, max_length=255)
    reason: str | None = Field(default=None, max_length=64)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def record(session: Session, event: str, method: str, *, principal: Principal | None = None,
           web_session: WebSession | None = None, key_id: str | None = None, issuer: str | None = None,
           subject: str | None = None, reason: str | None = None) -> None:
    if web_session is not None:
        key_id = key_id or web_session.key_id
        issuer = issuer or web_session.issuer
        subject = subject or web_session.subject
    session.add(SigninAudit(event=event, method=method, principal=principal.name if principal else None,
                            session_id=web_session.id if web_session else None, key_id=key_id,
                            issuer=issuer[:300] if issuer else None, subject=subject[:255] if subject else None,
                            reason=reason))


def start(session: Session, principal: Principal, *, method: str, now: datetime, absolute: timedelta,
          issuer: str | None = None, subject: str | None = None, display_name: str | None = None) -> tuple[WebSession, str]:
    """A new session for this principal; returns the row and the token for the cookie."""
    token = secrets.token_urlsafe(32)
    row = WebSession(token_hash=token_hash(token), board_code=principal.board_code,
                     welsh_government=principal.welsh_government, method=method,
                     key_id=principal.key_id if method == "key" else None, issuer=issuer,
                     subject=subject[:255] if subject else None,
                     display_name=display_name[:200] if display_name else None,
                     created_at=now, last_seen_at=now, expires_at=now + absolute)
    session.add(row)
    record(session, "signed_in", method, principal=row.principal(), web_session=row)
    return row, token


def find(session: Session, token: str | None, *, now: datetime, idle: timedelta) -> WebSession | None:
    """The live session for this cookie, touched; None if absent, ended, idle or past its end.
    A session found expired is ended here (once), so it can never come back."""
    if not token or len(token) > 200:
        return None
    row = session.exec(select(WebSession).where(WebSession.token_hash == token_hash(token))).first()
    if row is None or row.ended_at is not None:
        return None
    reason = "absolute" if now >= row.expires_at else "idle" if now - row.last_seen_at >= idle else None
    if reason is None and row.method == "key" and not _key_live(session, row.key_id):
        reason = "key_revoked"  # a key sign-in lasts no longer than the key
    if reason:
        row.ended_at = now
        record(session, "expired", row.method, principal=row.principal(), web_session=row, reason=reason)
        session.commit()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.commit()
    return row


def _key_live(session: Session, key_id: str | None) -> bool:
    key = session.get(ApiKey, key_id) if key_id else None
    return key is not None and key.revoked_at is None


def end(session: Session, row: WebSession, *, now: datetime) -> None:
    row.ended_at = now
    record(session, "signed_out", row.method, principal=row.principal(), web_session=row)


# Ended or expired sessions are deleted this long after (the sign-in record stays).
KEEP_ENDED = timedelta(days=7)


def purge(session: Session, *, now: datetime, keep: timedelta = KEEP_ENDED) -> int:
    """Delete sessions that ended, or passed their absolute end, more than `keep` ago."""
    from sqlalchemy import delete, or_

    cutoff = now - keep
    result = session.exec(delete(WebSession).where(or_(WebSession.ended_at < cutoff,
                                                       WebSession.expires_at < cutoff)))
    return result.rowcount or 0


def purge_job(runtime) -> None:
    """The notification API worker's hourly `purge_web_sessions` job."""
    from shared.db import session_scope

    with session_scope(runtime.engine) as session:
        purge(session, now=utcnow())
