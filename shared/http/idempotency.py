"""`Idempotency-Key` for creating endpoints: the same key and body replays the stored
response; the same key with another body is 409. The record is written in the same
transaction as the creation, so a retry after a lost response never creates twice.

A key is scoped per board (Welsh Government is one scope), not per API key: a board's second
key (a second case system, a rotated key) replays what the first created. Requests with the
same key wait for each other (a PostgreSQL advisory lock held until the first commits or
rolls back; a process lock on SQLite), so concurrent retries get one creation and replays,
never a conflict with the record being created. One still in flight after
`LOCK_WAIT_SECONDS` is 409 `idempotency-key-in-progress` (the IETF idempotency draft's
answer): retry later to get the replay.

A creating view hands its work to `Idempotency.create`, which owns the order: replay, create,
record, commit. Only a view whose response is not what is stored (a subscription's secret,
shown once) calls `replay` and `respond` itself."""
from __future__ import annotations

import hashlib
import json
import threading
import uuid
from datetime import datetime
from typing import Annotated, Any, Callable

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import Column, String, Text, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Field, Session, SQLModel

from shared.auth import Principal
from shared.db import UTCDateTime, utcnow
from shared.http.deps import PrincipalDep, SessionDep
from shared.http.problems import Problem

LOCK_WAIT_SECONDS = 10
_SCOPES = uuid.UUID("6f1d4c8e-2b7a-4f0e-9a53-1c2d3e4f5a6b")


def scope_of(principal: Principal) -> str:
    """The idempotency scope: one per board, one for Welsh Government (a UUID, as the column
    that held the key id before holds it)."""
    owner = "welsh-government" if principal.welsh_government else f"board:{principal.board_code}"
    return str(uuid.uuid5(_SCOPES, owner))


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_keys"

    # The column keeps its name from when keys were scoped per API key; it holds `scope_of`.
    scope: str = Field(sa_column=Column("key_id", String(36), primary_key=True))
    idempotency_key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    response_body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)


class _ProcessLocks:
    """SQLite (the single-process quick start) has no advisory locks: a lock per key in this
    process, released when the request's session closes (`get_session`)."""

    def __init__(self):
        self._guard = threading.Lock()
        self._locks: dict[tuple, list] = {}  # key -> [lock, users]

    def acquire(self, key: tuple) -> bool:
        with self._guard:
            entry = self._locks.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        if entry[0].acquire(timeout=LOCK_WAIT_SECONDS):
            return True
        self._forget(key)
        return False

    def release(self, key: tuple) -> None:
        self._locks[key][0].release()
        self._forget(key)

    def _forget(self, key: tuple) -> None:
        with self._guard:
            entry = self._locks[key]
            entry[1] -= 1
            if entry[1] == 0:
                del self._locks[key]


_process_locks = _ProcessLocks()


def _in_progress() -> Problem:
    return Problem(409, "A request with this Idempotency-Key is still in progress; retry shortly to get its "
                        "response.", slug="idempotency-key-in-progress", headers={"Retry-After": "1"})


class Idempotency:
    def __init__(self, session: Session, scope: str, key: str | None, request_hash: str):
        self.session = session
        self.scope = scope
        self.key = key
        self.request_hash = request_hash

    def _wait_for_others(self) -> None:
        """Hold the key until this request's transaction ends; wait while another holds it."""
        bind = self.session.get_bind()
        if bind.dialect.name == "postgresql":
            lock_id = int.from_bytes(hashlib.sha256(f"idem:{self.scope}:{self.key}".encode()).digest()[:8],
                                     "big", signed=True)
            previous = self.session.execute(text("SELECT current_setting('lock_timeout')")).scalar_one()
            self.session.execute(text("SELECT set_config('lock_timeout', :t, true)"),
                                 {"t": f"{LOCK_WAIT_SECONDS * 1000}ms"})
            try:
                self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_id})
            except OperationalError as exc:
                if getattr(getattr(exc, "orig", None), "sqlstate", None) != "55P03":  # lock_not_available
                    raise
                self.session.rollback()
                raise _in_progress() from None
            self.session.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": previous})
            return
        key = (str(bind.url), self.scope, self.key)
        if not _process_locks.acquire(key):
            raise _in_progress()
        self.session.info.setdefault("on_close", []).append(lambda: _process_locks.release(key))

    def replay(self) -> JSONResponse | None:
        if not self.key:
            return None
        self._wait_for_others()
        record = self.session.get(IdempotencyRecord, (self.scope, self.key))
        if record is None:
            return None
        if record.request_hash != self.request_hash:
            raise Problem(409, "This Idempotency-Key was already used with a different request body.",
                          slug="idempotency-key-reused")
        return JSONResponse(json.loads(record.response_body), status_code=record.status_code,
                            headers={"Idempotent-Replayed": "true"})

    def respond(self, status_code: int, body: Any, headers: dict[str, str] | None = None) -> JSONResponse:
        """Stage the record in the caller's transaction and build the response."""
        encoded = jsonable_encoder(body)
        if self.key:
            self.session.add(IdempotencyRecord(
                scope=self.scope, idempotency_key=self.key, request_hash=self.request_hash,
                status_code=status_code, response_body=json.dumps(encoded)))
        return JSONResponse(encoded, status_code=status_code, headers=headers)

    def create(self, make: Callable[[], Any], *, collection: str | None = None) -> JSONResponse:
        """The whole of a creating request: the stored response if this key was seen, else
        `make()` (the service call; it returns the body, or `(status, body)` when the outcome
        decides the status, e.g. 200 for a repost that changed nothing; otherwise 201), then
        the record and the commit in one transaction. With `collection`, the response's
        Location is `{collection}/{id}` of the body."""
        if (replayed := self.replay()) is not None:
            return replayed
        made = make()
        status_code, body = made if isinstance(made, tuple) else (201, made)
        # The created rows are written before the record is staged: a race past a uniqueness
        # check is refused here (409 `concurrent-conflict`).
        self.session.flush()
        body = jsonable_encoder(body)
        headers = {"Location": f"{collection}/{body['id']}"} if collection is not None else None
        response = self.respond(status_code, body, headers=headers)
        self.session.commit()
        return response


async def get_idempotency(
    request: Request, session: SessionDep, principal: PrincipalDep,
    # `str` (not `str | None`): the published schema is a plain string; absent is the default.
    key: Annotated[str, Header(alias="Idempotency-Key", json_schema_extra={"minLength": 1, "maxLength": 200},
                                      description="Any unique string (e.g. a UUID) per intended creation: a retry "
                                                  "with the same key and body replays the first response "
                                                  "(`Idempotent-Replayed: true`); with another body, 409.")] = None,  # type: ignore[assignment]
) -> Idempotency:
    if key is not None and not (1 <= len(key) <= 200):
        raise Problem(400, "Idempotency-Key must be 1 to 200 characters.")
    body = await request.body()
    digest = hashlib.sha256(request.method.encode() + b" " + request.url.path.encode() + b"\n" + body).hexdigest()
    return Idempotency(session, scope_of(principal), key, digest)


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]
